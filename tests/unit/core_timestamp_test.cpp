#include <doctest/doctest.h>
#include <fmt/format.h>

#include <ctime>
#include <optional>
#include <string>
#include <vector>

#include "loopscope/core/timestamp.hpp"

using loopscope::format_rfc3339;
using loopscope::parse_rfc3339;

TEST_CASE("RFC 3339 stamps of every source parse to the same instant") {
  const auto codex_trace = parse_rfc3339("2026-11-29T01:07:35.993860Z");
  const auto rollout = parse_rfc3339("2026-11-29T01:07:35.993Z");
  REQUIRE(codex_trace);
  REQUIRE(rollout);
  CHECK(codex_trace->micros - rollout->micros == 860);
  CHECK(format_rfc3339(*codex_trace) == "2026-11-29T01:07:35.993Z");
}

TEST_CASE("offsets, spaces and missing fractions") {
  CHECK(format_rfc3339(*parse_rfc3339("2026-04-20T12:15:00+02:00")) == "2026-04-20T10:15:00.000Z");
  CHECK(format_rfc3339(*parse_rfc3339("2026-04-20 10:15:01.037")) == "2026-04-20T10:15:01.037Z");
  CHECK(format_rfc3339(*parse_rfc3339("1970-01-01T00:00:00Z")) == "1970-01-01T00:00:00.000Z");
  CHECK(format_rfc3339(*parse_rfc3339("2024-02-29T23:59:59.999999Z")) ==
        "2024-02-29T23:59:59.999Z");
}

TEST_CASE("garbage is rejected, not guessed") {
  CHECK_FALSE(parse_rfc3339(""));
  CHECK_FALSE(parse_rfc3339("16:43:23"));
  CHECK_FALSE(parse_rfc3339("2026-13-01T00:00:00Z"));
  CHECK_FALSE(parse_rfc3339("2026-11-29T01:07:35.Z"));
  CHECK_FALSE(parse_rfc3339("2026-11-29T01:07:35Zjunk"));
  CHECK_FALSE(parse_rfc3339("2026-11-29"));
}

TEST_CASE("a stamp of the date read last is read as any other") {
  // parse_rfc3339 keeps the day of the last date it read: the stamps after it on that date, and
  // the broken ones, must come out as when each is read alone.
  const std::string stamps[] = {"2026-11-29T01:07:35.993Z",
                                "2026-11-29T23:59:60Z",
                                "2026-11-29T24:00:00Z",
                                "2026-11-29X01:00:00Z",
                                "2026-11-29",
                                "2026-11-29T01:00:00+01:00",
                                "2026-11-30T00:00:00Z",
                                "2026-11-29T00:00:00.000001Z",
                                "2026-13-29T00:00:00Z",
                                "2026-11-29T00:00:00Z"};
  std::vector<std::optional<loopscope::timestamp>> alone;
  for (const std::string& stamp : stamps) {
    parse_rfc3339("1999-01-01T00:00:00Z");  // another date read last
    alone.push_back(parse_rfc3339(stamp));
  }
  parse_rfc3339("2026-11-29T12:00:00Z");
  for (std::size_t i = 0; i < std::size(stamps); ++i) {
    CAPTURE(stamps[i]);
    const auto after_same_date = parse_rfc3339(stamps[i]);
    CHECK(after_same_date.has_value() == alone[i].has_value());
    if (after_same_date && alone[i]) CHECK(after_same_date->micros == alone[i]->micros);
  }
  CHECK_FALSE(alone[2]);
  CHECK_FALSE(alone[3]);
  CHECK_FALSE(alone[8]);
  CHECK(alone[6]->micros - alone[9]->micros == std::int64_t{86400} * 1'000'000);
}

TEST_CASE("format_rfc3339 writes what fmt writes, over four centuries and before 1970") {
  // The reference: the same civil date written through fmt, from a broken-down gmtime.
  const auto reference = [](std::int64_t micros) {
    std::int64_t seconds = micros / 1'000'000;
    std::int64_t rest = micros % 1'000'000;
    if (rest < 0) {
      rest += 1'000'000;
      --seconds;
    }
    const std::time_t t = static_cast<std::time_t>(seconds);
    std::tm parts{};
    gmtime_r(&t, &parts);
    return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z", parts.tm_year + 1900,
                       parts.tm_mon + 1, parts.tm_mday, parts.tm_hour, parts.tm_min, parts.tm_sec,
                       rest / 1000);
  };
  std::uint64_t state = 0x9e3779b97f4a7c15ULL;
  for (int i = 0; i < 20'000; ++i) {
    state = state * 6364136223846793005ULL + 1442695040888963407ULL;
    // 1800 to 2200, microsecond resolution, negative stamps included.
    const std::int64_t span = std::int64_t{400} * 365 * 86'400 * 1'000'000;
    const std::int64_t micros =
        static_cast<std::int64_t>(state >> 1) % span - std::int64_t{170} * 365 * 86'400 * 1'000'000;
    CAPTURE(micros);
    REQUIRE(format_rfc3339(loopscope::timestamp{micros}) == reference(micros));
  }
}
