// Builds a report as sessions end, with memory bounded by the detail limits and the open
// sessions: a session is listed with its findings while the limits allow, else only counted
// (report::omitted). Findings are held per open session until the session ends, because the
// window (--since/--until) and the limits decide per session.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "loopscope/detect/finding.hpp"
#include "loopscope/report/report.hpp"
#include "loopscope/session/turn.hpp"

namespace loopscope::report {

// Exact figures of one session's findings without keeping them (a session past the limits).
class session_tally {
 public:
  void add(const detect::finding& f);
  // The session itself: adds it, with everything tallied, to `into`.
  void close(const session::session_summary& s, omitted_details& into) const;

 private:
  summary_counts summary_;
  aggregates figures_;   // by kind/rule/cause, time and tokens; no session counts
  session_clock clock_;  // the time, each instant once
  std::vector<bool> turns_hit_;
};

class report_builder {
 public:
  report_builder(time_window window, detail_limits limits) : window_(window), limits_(limits) {}

  // A finding of a session still open (found in one of its turns, or at its end).
  void add_finding(detect::finding&& f);
  // This session's findings held so far (the rule engine marks recurrences on them).
  std::vector<detect::finding*> open_findings(const std::string& session);
  // The session has ended: listed with its findings, counted only, or (outside the window) left
  // out.
  void end_session(session::session_summary&& s);
  // A report built elsewhere (another join group, or one read back from --state), after what
  // was added so far: its listed sessions go through the same limits, its counts add up.
  void add_part(report&& part);

  // The sessions, findings and counts so far (inputs and the rest are the caller's).
  report& result() { return report_; }

 private:
  struct open_session {
    std::vector<detect::finding> findings;
    session_tally overflow;  // findings past the limit: this session cannot be listed
    bool overflowed = false;
  };
  void take(session::session_summary&& s, std::vector<detect::finding>&& findings);

  time_window window_;
  detail_limits limits_;
  std::map<std::string, open_session> open_;
  std::size_t listed_findings_ = 0;
  report report_;
};

// Whether the session's time span overlaps the window (a session without any time does not).
bool overlaps(const session::session_summary& s, const time_window& window);

}  // namespace loopscope::report
