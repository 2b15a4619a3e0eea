#include "loopscope/report/report.hpp"

#include <algorithm>

#include <fmt/format.h>

namespace loopscope::report {
namespace {

std::uint64_t fnv1a(std::string_view text, std::uint64_t hash = 0xcbf29ce484222325ULL) {
  for (const char c : text) {
    hash ^= static_cast<unsigned char>(c);
    hash *= 0x100000001b3ULL;
  }
  return hash;
}

}  // namespace

void finalize(report& r) {
  std::map<std::string, std::size_t> session_order;
  for (std::size_t i = 0; i < r.sessions.size(); ++i) session_order.emplace(r.sessions[i].id, i);
  auto position = [&](const detect::finding& f) {
    auto it = session_order.find(f.session);
    return it == session_order.end() ? r.sessions.size() : it->second;
  };
  std::stable_sort(r.findings.begin(), r.findings.end(),
                   [&](const numbered_finding& a, const numbered_finding& b) {
                     const auto pa = position(a.finding), pb = position(b.finding);
                     if (pa != pb) return pa < pb;
                     if (a.finding.turn != b.finding.turn) return a.finding.turn < b.finding.turn;
                     return a.finding.kind < b.finding.kind;
                   });
  r.summary = {};
  for (numbered_finding& n : r.findings) {
    const detect::finding& f = n.finding;
    std::uint64_t hash = fnv1a(f.rule);
    hash = fnv1a(f.session, hash);
    hash = fnv1a(fmt::format("{}", f.turn), hash);
    if (!f.evidence.empty()) {
      hash = fnv1a(fmt::format("{}:{}", f.evidence.front().where.input,
                               f.evidence.front().where.line),
                   hash);
    }
    n.id = fmt::format("{:012x}", hash & 0xffffffffffffULL);
    ++r.summary.findings;
    ++r.summary.by_kind[std::string(detect::finding_kind_name(f.kind))];
    ++r.summary.by_severity[std::string(detect::severity_name(f.level))];
    if (auto ms = f.duration_ms()) r.summary.loop_time_ms += *ms;
  }
}

}  // namespace loopscope::report
