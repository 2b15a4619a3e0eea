// The generic reader's timestamp layouts (src/normalize/line_stamp.hpp): which stamps are found
// where, and what they read as.
#include <doctest/doctest.h>

#include <string>

#include "../../src/normalize/line_stamp.hpp"
#include "loopscope/core/timestamp.hpp"

namespace loopscope {
namespace {

using normalize::detail::find_line_stamp;
using normalize::detail::line_stamp;
using normalize::detail::parse_line_stamp;

// The stamp as UTC when it names a zone, as a wall clock read as UTC when it does not.
std::string utc_of(const line_stamp& s) {
  return format_rfc3339(timestamp{s.wall_micros - s.offset_seconds * 1'000'000});
}

TEST_CASE("line stamps: ISO 8601 with and without zone, 'T' or space, any fraction") {
  auto s = find_line_stamp("2025-01-02T03:04:05.123456Z INFO proxy started");
  REQUIRE(s);
  CHECK(s->has_date);
  CHECK(s->has_zone);
  CHECK(utc_of(*s) == "2025-01-02T03:04:05.123Z");
  CHECK(s->begin == 0);
  CHECK(s->end == 27);

  s = find_line_stamp("time=\"2025-01-02T03:04:05+02:00\" level=warning msg=\"retrying\"");
  REQUIRE(s);
  CHECK(s->has_zone);
  CHECK(s->offset_seconds == 7200);
  CHECK(utc_of(*s) == "2025-01-02T01:04:05.000Z");

  s = find_line_stamp("2025-01-02 03:04:05 -0700 upstream failed");
  REQUIRE(s);
  CHECK(s->offset_seconds == -7 * 3600);

  s = find_line_stamp("2025-03-08 01:16:12,361 - openai._base_client - INFO - Retrying");
  REQUIRE(s);
  CHECK_FALSE(s->has_zone);
  CHECK(utc_of(*s) == "2025-03-08T01:16:12.361Z");
  CHECK(s->end == 23);
}

TEST_CASE("line stamps: slashes (Go, gin), Apache common log, prefixes before the stamp") {
  auto s = find_line_stamp(
      R"([GIN] 2023/03/31 - 09:59:47 | 404 |  179.137025ms | 10.0.2.2 | GET "/api/")");
  REQUIRE(s);
  CHECK(utc_of(*s) == "2023-03-31T09:59:47.000Z");
  CHECK_FALSE(s->has_zone);

  s = find_line_stamp("2023/04/15 21:28:14 115812 :8080");
  REQUIRE(s);
  CHECK(utc_of(*s) == "2023-04-15T21:28:14.000Z");

  s = find_line_stamp(
      R"(127.0.0.1 - - [02/Jan/2025:03:04:05 +0100] "POST /v1/responses HTTP/1.1" 429 57)");
  REQUIRE(s);
  CHECK(s->has_zone);
  CHECK(utc_of(*s) == "2025-01-02T02:04:05.000Z");

  s = find_line_stamp("0|luminati_proxy_manager  | 2018-09-29 03:24:33.056 ERR: 24074 Socket");
  REQUIRE(s);
  CHECK(utc_of(*s) == "2018-09-29T03:24:33.056Z");
}

TEST_CASE("line stamps: a time of day alone only as the first token") {
  auto s = find_line_stamp("[12:34:56.789] INFO: retrying");
  REQUIRE(s);
  CHECK_FALSE(s->has_date);
  CHECK(s->wall_micros == (12 * 3600 + 34 * 60 + 56) * 1'000'000LL + 789'000);

  CHECK_FALSE(find_line_stamp("the job took 00:01:05 and then stopped"));
  CHECK_FALSE(find_line_stamp("INFO: 127.0.0.1:50412 - \"POST /v1/responses HTTP/1.1\" 200"));
}

TEST_CASE("line stamps: near misses are no stamps") {
  CHECK_FALSE(find_line_stamp("2025-13-02 03:04:05 month 13"));
  CHECK_FALSE(find_line_stamp("2025-01-02 25:04:05 hour 25"));
  CHECK_FALSE(find_line_stamp("build 20250102 030405"));
  CHECK_FALSE(find_line_stamp("2025-01-02"));
  CHECK_FALSE(find_line_stamp(""));
  CHECK_FALSE(find_line_stamp("12:34:567 three digits of seconds"));
  // Only the first bytes are searched: a stamp deep in a message is not the line's time.
  CHECK_FALSE(find_line_stamp(std::string(200, 'x') + " 2025-01-02T03:04:05Z"));
}

TEST_CASE("line stamps: a `line:` capture is one stamp and nothing else") {
  auto s = parse_line_stamp("2025-01-02 03:04:05.5");
  REQUIRE(s);
  CHECK(utc_of(*s) == "2025-01-02T03:04:05.500Z");
  CHECK(parse_line_stamp("[03:04:05]"));
  CHECK_FALSE(parse_line_stamp("2025-01-02 03:04:05 trailing words"));
  CHECK_FALSE(parse_line_stamp("soon"));
}

}  // namespace
}  // namespace loopscope
