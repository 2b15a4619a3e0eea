// Points in time as microseconds since the Unix epoch (UTC), with RFC 3339 parsing and printing.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace loopscope {

struct timestamp {
  std::int64_t micros = 0;  // since 1970-01-01T00:00:00Z

  friend constexpr auto operator<=>(const timestamp&, const timestamp&) = default;
};

// How much a stamp can be trusted: proxy logs often carry HH:MM:SS only (the date is inferred),
// LiteLLM's JSON logs a date and time without a zone (the zone is inferred), uvicorn lines none.
enum class time_quality : std::uint8_t { exact, date_inferred, zone_inferred, absent };
std::string_view time_quality_name(time_quality quality);

// Accepts "2026-11-29T01:07:35.993860Z", "…+02:00", "2026-04-20 10:15:01.037" (read as UTC), any
// number of fraction digits. Returns nullopt on anything else.
std::optional<timestamp> parse_rfc3339(std::string_view text);

// "2026-11-29T01:07:35.993Z" — milliseconds, always UTC, as the JSON report promises.
std::string format_rfc3339(timestamp t);

std::int64_t days_from_civil(int year, unsigned month, unsigned day);

}  // namespace loopscope
