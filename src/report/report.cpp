#include "loopscope/report/report.hpp"
#include "loopscope/report/report_builder.hpp"

#include <algorithm>
#include <filesystem>
#include <set>

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

std::size_t apply_window(report& r) {
  if (!r.window.active()) return 0;
  std::set<std::string> kept_ids;
  std::vector<session::session_summary> kept;
  std::size_t dropped = 0;
  for (session::session_summary& s : r.sessions) {
    if (overlaps(s, r.window)) {
      kept_ids.insert(s.id);
      kept.push_back(std::move(s));
    } else {
      ++dropped;
    }
  }
  r.sessions = std::move(kept);
  std::erase_if(r.findings,
                [&](const numbered_finding& n) { return !kept_ids.contains(n.finding.session); });
  return dropped;
}

// Per session (in the order listed; findings of no listed session last): the incidents of its
// findings, and its honest loop time (the union of its findings' intervals within its span).
void build_incidents(report& r) {
  r.incidents.clear();
  std::vector<std::string> order;
  std::map<std::string, std::vector<std::size_t>> positions;
  for (std::size_t k = 0; k < r.findings.size(); ++k) {
    const std::string& session = r.findings[k].finding.session;
    auto [it, inserted] = positions.try_emplace(session);
    if (inserted) order.push_back(session);
    it->second.push_back(k);
  }
  std::map<std::string, const session::session_summary*> summary_of;
  for (const session::session_summary& s : r.sessions) summary_of.emplace(s.id, &s);
  for (const std::string& session : order) {
    const std::vector<std::size_t>& members = positions[session];
    std::vector<const detect::finding*> findings;
    for (const std::size_t k : members) findings.push_back(&r.findings[k].finding);
    detect::session_bounds bounds;
    if (const auto it = summary_of.find(session); it != summary_of.end()) {
      bounds = {it->second->start, it->second->end,
                it->second->turns.size() + it->second->turns_omitted};
    }
    session_clock clock;
    for (const detect::finding* f : findings) clock.add(*f);
    r.summary.loop_time_ms += clock.total_ms(bounds.start, bounds.end);
    for (detect::incident& i : detect::build_incidents(findings, bounds)) {
      numbered_incident n;
      n.id = fmt::format("{:012x}", fnv1a(i.key, fnv1a(session)) & 0xffffffffffffULL);
      for (const std::size_t m : i.members) {
        n.finding_positions.push_back(members[m]);
        n.finding_ids.push_back(r.findings[members[m]].id);
      }
      n.incident = std::move(i);
      r.incidents.push_back(std::move(n));
    }
  }
}

// Whether a finding touches turn N (a run of consecutive turns touches each of them).
bool touches_turn(const detect::finding& f, int turn) {
  if (f.turn == turn) return true;
  const bool run =
      f.kind == detect::finding_kind::error_repeat || f.kind == detect::finding_kind::monologue;
  return run && f.turn > 0 && f.turn < turn && turn < f.turn + f.iterations;
}

void apply_selection(report& r) {
  const selection& want = r.selected;
  if (!want.active()) return;
  std::vector<session::session_summary> kept;
  for (session::session_summary& s : r.sessions) {
    if (want.session.empty() || s.id.starts_with(want.session)) kept.push_back(std::move(s));
  }
  // Sessions are listed in the order they ended: the last one ended last.
  if (want.last && kept.size() > 1) kept.erase(kept.begin(), kept.end() - 1);
  std::set<std::string> ids;
  for (const session::session_summary& s : kept) ids.insert(s.id);
  r.sessions = std::move(kept);
  std::erase_if(r.findings, [&](const numbered_finding& n) {
    return !ids.contains(n.finding.session) ||
           (want.turn > 0 && !touches_turn(n.finding, want.turn));
  });
  // What was only counted is not part of the selection either.
  r.omitted = {};
}

}  // namespace

bool unrecognised(const input_report& input) {
  return input.stats.status != read_status::unreadable && input.stats.used == 0 &&
         input.stats.events == 0;
}

void finalize(report& r) {
  const std::size_t outside_window = apply_window(r);
  apply_selection(r);
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
  const std::size_t skipped_unchanged = r.summary.inputs_skipped_unchanged;
  r.summary = {};
  r.summary.inputs_skipped_unchanged = skipped_unchanged;
  for (const input_report& input : r.inputs) {
    if (input.stats.status == read_status::partial) ++r.summary.inputs_partial;
    if (input.stats.status == read_status::unreadable) ++r.summary.inputs_unreadable;
    if (unrecognised(input)) ++r.summary.inputs_unrecognised;
  }
  for (numbered_finding& n : r.findings) {
    const detect::finding& f = n.finding;
    std::uint64_t hash = fnv1a(f.rule);
    hash = fnv1a(f.session, hash);
    hash = fnv1a(fmt::format("{}", f.turn), hash);
    if (!f.evidence.empty()) {
      // The file's name, not its position among the inputs: the id must not change when the same
      // logs are analyzed with other inputs beside them (shards merged, --state runs).
      const input_index input = f.evidence.front().where.input;
      const std::string name =
          input < r.inputs.size()
              ? std::filesystem::path(r.inputs[input].stats.path).filename().string()
              : std::string("?");
      hash = fnv1a(fmt::format("{}:{}", name, f.evidence.front().where.line), hash);
    }
    n.id = fmt::format("{:012x}", hash & 0xffffffffffffULL);
    ++r.summary.findings;
    ++r.summary.by_kind[std::string(detect::finding_kind_name(f.kind))];
    ++r.summary.by_severity[std::string(detect::severity_name(f.level))];
  }
  build_incidents(r);
  add_to(r.summary, r.omitted.summary);
  r.aggregate = compute_aggregates(r);
  r.aggregate.sessions_outside_window += outside_window;
}

}  // namespace loopscope::report
