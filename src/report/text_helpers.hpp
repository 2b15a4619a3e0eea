// Formatting helpers shared by the human-readable reporters (text, Markdown, DOT).
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "loopscope/detect/finding.hpp"
#include "loopscope/report/report.hpp"

namespace loopscope::report::detail {

inline std::string_view plural(std::uint64_t count) {
  return count == 1 ? "" : "s";
}
std::string upper(std::string_view text);
std::string human_duration(std::int64_t milliseconds);
// "3 findings (1 error, 2 warning)", or "no findings".
std::string severity_counts(const summary_counts& summary);
// What the report counts but does not list (detail limits): one sentence, or "" when nothing.
std::string omitted_note(const report& r);
// One sentence: "HTTP 405 on GET /v1/responses over websocket (UnexpectedStatus), not retriable".
std::string cause_sentence(const detect::root_cause& cause);
// Greedy word wrap; every line indented. Words longer than the room are cut, never overflow.
std::string wrap(std::string_view text, std::size_t indent, std::size_t width);
// Cuts at a UTF-8 boundary, counting code points, and marks the cut with "…".
std::string trim_to_width(std::string_view text, std::size_t columns);
// Code points (a fair stand-in for terminal columns in log text).
std::size_t columns_of(std::string_view text);
// Pads with spaces to `columns` (never cuts).
std::string pad_to(std::string_view text, std::size_t columns);
// Control characters (escape sequences in a log line would drive the terminal) shown as "?",
// tabs as a space, and invalid UTF-8 bytes as U+FFFD.
std::string printable(std::string_view text);
// printable(), with line breaks and tabs as spaces: for labels that must stay on one line.
std::string one_line(std::string_view text);

// "01:46:16.031" when both ends share a day, else full RFC 3339 stamps; "–" for a missing end.
std::string time_span(const std::optional<timestamp>& start, const std::optional<timestamp>& end);

// Which side of the two-lane timeline a log belongs to.
enum class lane : unsigned char { codex, proxy, other };
lane lane_of(format_id format);
bool is_proxy_format(format_id format);

// No input gave a recognised line: the report must not read as healthy.
bool nothing_recognised(const report& r);
// "No loops or failed turns found." — or, when nothing was recognised, that nothing was analyzed.
std::string_view no_findings_sentence(const report& r);

// How a session's logs were read, for the line under its header: "proxy log only", and when
// every one of its logs was in no known format, that the generic reader made it.
std::string_view session_origin(const report& r, const session::session_summary& s);

// The input path of an evidence line, "?" when the report does not list the input.
const std::string& input_path(const report& r, input_index input);
std::string input_file_name(const report& r, input_index input);

// Per-session tallies for the section headers. The report model has no per-session aggregate
// yet (aggregates::top_offenders keeps only the worst ten), so they are counted here, from the
// model's findings only, until the model carries them.
struct session_tally {
  std::size_t findings = 0;
  std::size_t errors = 0;
  std::size_t warnings = 0;
  std::size_t infos = 0;
  std::int64_t loop_time_ms = 0;
};
session_tally tally_session(const report& r, std::string_view session_id);
std::string tally_text(const session_tally& tally);

// The report's incidents, worst first across sessions (severity, failed turns, time), then in
// report order.
std::vector<const numbered_incident*> incidents_worst_first(const report& r);
// The incidents of one session, in the report's order (worst first within the session).
std::vector<const numbered_incident*> session_incidents(const report& r, std::string_view session);
// "2 turns › 6 sampling attempts › 5 POSTs per sampling attempt › 60 router retries"
std::string layers_text(const detect::incident& i);
// "turn 1: 25.0 s = 6.0 s backoff + 18.0 s failing + 1.0 s other; failed"
std::string turn_time_text(const detect::turn_time& t);
// "turns 1–2", "turn 3", "the session"
std::string turns_text(const std::vector<int>& turns);

// The evidence lines of one turn's findings, each line once, in the order the findings give them.
std::vector<const detect::evidence_line*> turn_evidence(const report& r, std::string_view session,
                                                        int turn);

}  // namespace loopscope::report::detail
