// The report model: everything a reporter may print, computed before any reporter runs.
// Reporters are sinks over this value: they format, they never parse or recompute.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "loopscope/core/diagnostic.hpp"
#include "loopscope/core/input_stats.hpp"
#include "loopscope/detect/finding.hpp"
#include "loopscope/detect/incident.hpp"
#include "loopscope/report/aggregate.hpp"
#include "loopscope/session/turn.hpp"

namespace loopscope::report {

struct input_report {
  input_stats stats;
  diagnostics problems;
};

struct numbered_finding {
  std::string id;  // stable: derived from rule, session, turn and first evidence line
  detect::finding finding;
};

// An incident of a listed session, with the ids of its findings.
struct numbered_incident {
  std::string id;  // stable: derived from the session and the cause's fingerprint
  detect::incident incident;
  std::vector<std::string> finding_ids;        // in the order of findings[]
  std::vector<std::size_t> finding_positions;  // the same findings, as positions in findings[]
};

struct summary_counts {
  std::size_t findings = 0;
  std::map<std::string, std::size_t> by_kind;
  std::map<std::string, std::size_t> by_severity;
  std::int64_t loop_time_ms = 0;  // time spent inside findings that have a time span
  // --state: inputs whose results were taken from the state file instead of being read again.
  std::size_t inputs_skipped_unchanged = 0;
  // Of the inputs listed (computed by finalize() from them): read only in part (a truncated
  // archive, a read error), not readable at all, read but with no line of a known format.
  std::size_t inputs_partial = 0;
  std::size_t inputs_unreadable = 0;
  std::size_t inputs_unrecognised = 0;
};

// An input that was read (fully or in part) and gave no line of a known format: nothing in it
// can be told healthy.
bool unrecognised(const input_report& input);

// What the report counts but does not list. A run over a whole archive (or one enormous log) lists
// its first sessions and findings up to the detail limits and only counts the rest, so memory
// stays bounded whatever the input; `summary` and `aggregate` of the report include these.
struct omitted_details {
  summary_counts summary;  // of the findings not listed
  aggregates aggregate;    // of the sessions (and their findings) not listed
  bool any() const { return aggregate.sessions > 0 || summary.findings > 0; }
};

// How many sessions and findings a report lists in full (--max-sessions, --max-findings).
struct detail_limits {
  std::size_t sessions = 2000;
  std::size_t findings = 1000;
};

// --session ID, --turn N, --last: the part of the analysis a report is about. Sessions and
// findings outside it are left out of the report and of its figures.
struct selection {
  std::string session;  // a session id, or the start of one; empty: every session
  int turn = 0;         // only findings (and incidents) touching this turn; 0: every turn
  bool last = false;    // only the session that ended last
  bool active() const { return !session.empty() || turn > 0 || last; }
};

struct report {
  std::string tool_version;
  std::vector<input_report> inputs;
  std::vector<session::session_summary> sessions;
  std::vector<numbered_finding> findings;  // ordered by session, turn, kind
  // computed by finalize(): per listed session, worst first; every finding belongs to one
  std::vector<numbered_incident> incidents;
  summary_counts summary;
  time_window window;    // set before finalize(): sessions outside it are dropped
  selection selected;    // set before finalize(): what is not selected is dropped
  aggregates aggregate;  // computed by finalize()
  // Sessions beyond the detail limits (their findings with them), and sessions outside the window
  // (aggregate.sessions_outside_window only): counted, not listed.
  omitted_details omitted;
};

// Drops sessions (and their findings) outside the window, orders findings, gives them ids and
// counts them, groups them into incidents; fills `summary` (keeping
// summary.inputs_skipped_unchanged) and `aggregate`.
void finalize(report& r);

// The aggregate figures of r's sessions and findings as listed, plus r.omitted's (finalize()
// calls it).
aggregates compute_aggregates(const report& r);

// Sums of two disjoint sets of sessions: counts add, causes add by (status, path, transport), the
// top offenders are the top of both lists.
void add_to(aggregates& into, const aggregates& more);
// One finding's share of the aggregate figures (kind, rule, cause, time, tokens).
aggregates figures_of(const detect::finding& f);
void add_to(summary_counts& into, const summary_counts& more);

}  // namespace loopscope::report
