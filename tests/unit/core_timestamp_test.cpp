#include <doctest/doctest.h>

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
