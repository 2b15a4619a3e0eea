// Finding the timestamp of a free-form log line (the generic reader's framing): the layouts that
// logging libraries print, wherever the line's prefix puts them. Catalogues say what a line
// means; where its time is and how to read it stays here.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace loopscope::normalize::detail {

// A stamp as written: a wall clock (date and time, or a time of day alone) and, when the stamp
// names one, its UTC offset.
struct line_stamp {
  std::size_t begin = 0;  // where the stamp is in the text
  std::size_t end = 0;
  bool has_date = false;  // false: a time of day alone ("03:04:05.123")
  bool has_zone = false;  // "Z", "+02:00", "-0700", "UTC"
  // has_date: microseconds since 1970-01-01 of the wall clock read as UTC; otherwise
  // microseconds since midnight.
  std::int64_t wall_micros = 0;
  std::int64_t offset_seconds = 0;  // east of UTC, when has_zone
};

// The layouts, tried at each place a number starts within the first `search_bytes` bytes:
//   2025-01-02T03:04:05[.123456][Z|+02:00|+0200]   ISO 8601 / RFC 3339, 'T' or ' ' between
//   2025-01-02 03:04:05,123                        Python logging's asctime
//   2025/01/02 03:04:05[.123]                      Go's log package, CLIProxyAPI
//   2025/01/02 - 03:04:05                          gin's access line
//   02/Jan/2025:03:04:05 +0000                     Apache / nginx common and combined logs
//   03:04:05[.123]                                 a time of day alone, only as the line's first
//                                                  token (after '[' or spaces): elsewhere it is
//                                                  too often a duration or a clock in prose
// The first that parses wins.
std::optional<line_stamp> find_line_stamp(std::string_view text, std::size_t search_bytes = 96);

// `text` is one stamp and nothing else (a `line:` pattern's `time` capture).
std::optional<line_stamp> parse_line_stamp(std::string_view text);

}  // namespace loopscope::normalize::detail
