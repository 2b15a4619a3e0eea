// merge_reports: many reports (shards of an archive, cached groups) into one canonical report.
#include <algorithm>
#include <cstdint>
#include <map>
#include <set>
#include <tuple>
#include <vector>

#include "loopscope/report/aggregate_merge.hpp"

namespace loopscope::report {
namespace {

std::int64_t micros_or(const std::optional<timestamp>& t, std::int64_t fallback) {
  return t ? t->micros : fallback;
}

// Of two reports of the same input, the one that read more; ties are broken by every counter so
// that the choice never depends on the order the reports were given in.
auto input_rank(const input_report& input) {
  const input_stats& s = input.stats;
  return std::make_tuple(s.lines, s.bytes, s.events, s.used, s.skipped, s.malformed, s.truncated,
                         s.unknown_types, static_cast<int>(s.format), s.compression,
                         -static_cast<int>(s.status), input.problems.size());
}

auto session_key(const session::session_summary& s) {
  return std::make_tuple(s.id, std::vector<input_index>(s.sources.begin(), s.sources.end()),
                         micros_or(s.start, INT64_MIN), micros_or(s.end, INT64_MIN), s.turns.size(),
                         s.proxy_only, s.proxy_requests_outside_turns);
}

auto finding_key(const numbered_finding& n) {
  const detect::finding& f = n.finding;
  return std::make_tuple(f.session, f.turn, static_cast<int>(f.kind), n.id, f.rule,
                         micros_or(f.start, INT64_MIN), micros_or(f.end, INT64_MIN), f.iterations,
                         f.summary);
}

}  // namespace

report merge_reports(std::vector<report> parts, const time_window& window) {
  report merged;
  std::map<std::string, input_report> by_path;
  for (report& part : parts) {
    merged.summary.inputs_skipped_unchanged += part.summary.inputs_skipped_unchanged;
    // What a part only counted cannot be told apart from the others' lists: its counts add up.
    add_to(merged.omitted.summary, part.omitted.summary);
    add_to(merged.omitted.aggregate, part.omitted.aggregate);
    for (input_report& input : part.inputs) {
      auto [it, inserted] = by_path.try_emplace(input.stats.path, input);
      if (!inserted && input_rank(it->second) < input_rank(input)) it->second = input;
    }
  }
  std::map<std::string, input_index> new_index;
  for (auto& [path, input] : by_path) {
    const auto index = static_cast<input_index>(merged.inputs.size());
    new_index.emplace(path, index);
    for (diagnostic& d : input.problems) d.where.input = index;
    merged.inputs.push_back(std::move(input));
  }

  for (report& part : parts) {
    auto remap = [&](input_index old) {
      return old < part.inputs.size() ? new_index.at(part.inputs[old].stats.path) : old;
    };
    for (session::session_summary& s : part.sessions) {
      std::set<input_index> sources;
      for (const input_index i : s.sources) sources.insert(remap(i));
      s.sources = std::move(sources);
      merged.sessions.push_back(std::move(s));
    }
    for (numbered_finding& n : part.findings) {
      for (detect::evidence_line& line : n.finding.evidence)
        line.where.input = remap(line.where.input);
      merged.findings.push_back(std::move(n));
    }
  }

  std::sort(merged.sessions.begin(), merged.sessions.end(),
            [](const auto& a, const auto& b) { return session_key(a) < session_key(b); });
  merged.sessions.erase(
      std::unique(merged.sessions.begin(), merged.sessions.end(),
                  [](const auto& a, const auto& b) { return session_key(a) == session_key(b); }),
      merged.sessions.end());
  std::sort(merged.findings.begin(), merged.findings.end(),
            [](const auto& a, const auto& b) { return finding_key(a) < finding_key(b); });
  merged.findings.erase(
      std::unique(merged.findings.begin(), merged.findings.end(),
                  [](const auto& a, const auto& b) { return finding_key(a) == finding_key(b); }),
      merged.findings.end());

  merged.window = window;
  finalize(merged);
  return merged;
}

}  // namespace loopscope::report
