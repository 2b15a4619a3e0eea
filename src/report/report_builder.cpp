#include "loopscope/report/report_builder.hpp"

#include <algorithm>

namespace loopscope::report {

bool overlaps(const session::session_summary& s, const time_window& window) {
  const std::optional<timestamp> first = s.start ? s.start : s.end;
  const std::optional<timestamp> last = s.end ? s.end : s.start;
  // A session the logs give no time cannot be placed in the window, so it is left out.
  if (!first || !last) return false;
  if (window.since && *last < *window.since) return false;
  if (window.until && !(*first < *window.until)) return false;
  return true;
}

void session_tally::add(const detect::finding& f) {
  ++summary_.findings;
  ++summary_.by_kind[std::string(detect::finding_kind_name(f.kind))];
  ++summary_.by_severity[std::string(detect::severity_name(f.level))];
  add_to(figures_, figures_of(f));
  clock_.add(f);
  if (f.turn > 0) {
    const auto turn = static_cast<std::size_t>(f.turn);
    if (turns_hit_.size() <= turn) turns_hit_.resize(turn + 1, false);
    turns_hit_[turn] = true;
  }
}

void session_tally::close(const session::session_summary& s, omitted_details& into) const {
  aggregates figures = figures_;
  clock_.settle(figures, s.start, s.end);
  summary_counts summary = summary_;
  summary.loop_time_ms = figures.time_lost_ms;
  figures.sessions = 1;
  figures.turns = s.turns.size() + s.turns_omitted;
  figures.turns_affected =
      static_cast<std::size_t>(std::count(turns_hit_.begin(), turns_hit_.end(), true));
  if (summary_.findings > 0) {
    figures.sessions_affected = 1;
    figures.top_offenders = {
        offender{s.id, summary_.findings, figures.time_lost_ms, figures_.tokens_lost}};
  }
  add_to(into.summary, summary);
  add_to(into.aggregate, figures);
}

void report_builder::add_finding(detect::finding&& f) {
  open_session& open = open_[f.session];
  if (!open.overflowed && open.findings.size() < limits_.findings) {
    open.findings.push_back(std::move(f));
    return;
  }
  // More findings than a report lists: this session can only be counted, so count as they come.
  if (!open.overflowed) {
    open.overflowed = true;
    for (const detect::finding& held : open.findings) open.overflow.add(held);
    open.findings = {};
  }
  open.overflow.add(f);
}

std::vector<detect::finding*> report_builder::open_findings(const std::string& session) {
  std::vector<detect::finding*> found;
  if (auto it = open_.find(session); it != open_.end()) {
    for (detect::finding& f : it->second.findings) found.push_back(&f);
  }
  return found;
}

void report_builder::end_session(session::session_summary&& s) {
  open_session open;
  if (auto node = open_.extract(s.id)) open = std::move(node.mapped());
  if (window_.active() && !overlaps(s, window_)) {
    ++report_.omitted.aggregate.sessions_outside_window;
    return;
  }
  if (open.overflowed) {
    open.overflow.close(s, report_.omitted);
    return;
  }
  take(std::move(s), std::move(open.findings));
}

void report_builder::take(session::session_summary&& s, std::vector<detect::finding>&& findings) {
  if (report_.sessions.size() < limits_.sessions &&
      listed_findings_ + findings.size() <= limits_.findings) {
    listed_findings_ += findings.size();
    report_.sessions.push_back(std::move(s));
    for (detect::finding& f : findings) report_.findings.push_back({{}, std::move(f)});
    return;
  }
  session_tally tally;
  for (const detect::finding& f : findings) tally.add(f);
  tally.close(s, report_.omitted);
}

void report_builder::add_part(report&& part) {
  std::map<std::string, std::vector<detect::finding>> by_session;
  for (numbered_finding& n : part.findings) {
    by_session[n.finding.session].push_back(std::move(n.finding));
  }
  for (session::session_summary& s : part.sessions) {
    std::vector<detect::finding> findings;
    if (auto node = by_session.extract(s.id)) findings = std::move(node.mapped());
    // A part read back from --state was built under another run's window.
    if (window_.active() && !overlaps(s, window_)) {
      ++report_.omitted.aggregate.sessions_outside_window;
      continue;
    }
    take(std::move(s), std::move(findings));
  }
  // Findings of no listed session (a hand-edited report): listed, not lost.
  for (auto& [session, findings] : by_session) {
    for (detect::finding& f : findings) report_.findings.push_back({{}, std::move(f)});
  }
  add_to(report_.omitted.summary, part.omitted.summary);
  add_to(report_.omitted.aggregate, part.omitted.aggregate);
}

}  // namespace loopscope::report
