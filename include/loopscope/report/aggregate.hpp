// Figures over many sessions (a nightly job over an archive): findings by kind, rule and root
// cause, what the loops cost, the sessions that suffered most. Computed once by finalize(), so
// every reporter prints the same numbers; merging reports recomputes them from the merged lists.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <tuple>
#include <vector>

#include "loopscope/core/timestamp.hpp"
#include "loopscope/detect/finding.hpp"
#include "loopscope/detect/interval_union.hpp"

namespace loopscope::report {

// --since/--until: sessions are kept when their time span overlaps [since, until).
struct time_window {
  std::optional<timestamp> since;
  std::optional<timestamp> until;  // exclusive

  bool active() const { return since.has_value() || until.has_value(); }
};

// Which bound a bare date names: --since 2026-11-29 starts at that day's midnight, --until
// 2026-11-29 ends at the next midnight, so both include the whole day.
enum class bound_side : unsigned char { lower, upper };

// RFC 3339 (any offset) or YYYY-MM-DD (UTC). Nothing when the text is neither.
std::optional<timestamp> parse_time_bound(std::string_view text, bound_side side);

// One root cause: the status, path and transport that started the loops, as the findings name it.
struct cause_row {
  int status = 0;         // 0: not known
  std::string path;       // empty: not known
  std::string transport;  // "http", "websocket", empty: not known
  std::size_t findings = 0;
  std::int64_t time_lost_ms = 0;
  std::int64_t tokens_lost = 0;
};

struct offender {
  std::string session;
  std::size_t findings = 0;
  std::int64_t time_lost_ms = 0;
  std::int64_t tokens_lost = 0;
};

inline constexpr std::size_t top_offender_count = 10;

struct aggregates {
  std::map<std::string, std::size_t> by_kind;
  std::map<std::string, std::size_t> by_rule;
  std::vector<cause_row> by_root_cause;  // most findings first, then by status, path, transport
  std::size_t sessions = 0;
  std::size_t sessions_affected = 0;  // sessions with at least one finding
  std::size_t turns = 0;
  std::size_t turns_affected = 0;  // turns with at least one turn-level finding
  std::int64_t time_lost_ms = 0;   // per session, the union of its findings' intervals, summed
  std::int64_t tokens_lost = 0;    // sum of the findings' token counts, where known
  std::size_t findings_with_tokens = 0;
  std::vector<offender> top_offenders;  // most findings, then most time lost, then session id
  time_window window;
  std::size_t sessions_outside_window = 0;  // dropped by --since/--until (or without any time)
};

// The honest time of one session's findings: each instant counted once (a turn failure inside
// the stream retries inside the request retries is one stretch of time), overall and per cause,
// never more than the session's span.
class session_clock {
 public:
  void add(const detect::finding& f);
  std::int64_t total_ms(const std::optional<timestamp>& start,
                        const std::optional<timestamp>& end) const {
    return all_.total_ms(start, end);
  }
  // Replaces the summed durations of `figures` (one session's) with the union's.
  void settle(aggregates& figures, const std::optional<timestamp>& start,
              const std::optional<timestamp>& end) const;

 private:
  detect::interval_union all_;
  std::map<std::tuple<int, std::string, std::string>, detect::interval_union> by_cause_;
};

// A short block for the text report, e.g. after the per-session sections.
std::string aggregate_text(const aggregates& a);

}  // namespace loopscope::report
