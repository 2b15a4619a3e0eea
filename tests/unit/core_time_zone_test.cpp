// Time zones for proxy stamps without one (--proxy-tz) and civil days (--proxy-date).
#include <doctest/doctest.h>

#include <filesystem>

#include "loopscope/core/time_zone.hpp"
#include "loopscope/core/timestamp.hpp"

namespace loopscope {
namespace {

std::int64_t utc_seconds(std::string_view rfc3339) {
  return parse_rfc3339(rfc3339)->micros / 1'000'000;
}

time_zone zone(std::string_view name) {
  auto z = time_zone::named(name);
  REQUIRE_MESSAGE(std::holds_alternative<time_zone>(z), std::get<std::string>(z));
  return std::get<time_zone>(z);
}

std::string error_of(std::string_view name) {
  auto z = time_zone::named(name);
  return std::holds_alternative<std::string>(z) ? std::get<std::string>(z) : std::string();
}

}  // namespace

TEST_CASE("fixed UTC offsets") {
  CHECK(zone("UTC").offset_at(0) == 0);
  CHECK(zone("+05:30").offset_at(utc_seconds("2026-01-01T00:00:00Z")) == 19'800);
  CHECK(zone("-0800").offset_at(0) == -28'800);
  CHECK(zone("+02").offset_at(0) == 7'200);
  // Local 12:00 at +05:30 is 06:30 UTC.
  CHECK(zone("+05:30").to_utc(utc_seconds("2026-01-01T12:00:00Z")) ==
        utc_seconds("2026-01-01T06:30:00Z"));
}

TEST_CASE("time zone names that are not zones are refused, naming them") {
  CHECK(error_of("+25:00").find("'+25:00'") != std::string::npos);
  CHECK(error_of("+5").find("not a UTC offset") != std::string::npos);
  CHECK(error_of("../etc/passwd").find("not a time zone name") != std::string::npos);
  CHECK(error_of("Europe/Nowhere").find("unknown time zone 'Europe/Nowhere'") != std::string::npos);
  CHECK(error_of("").find("not a time zone name") != std::string::npos);
}

TEST_CASE("tz database zones follow their daylight saving changes") {
  if (!std::filesystem::exists("/usr/share/zoneinfo/America/Los_Angeles")) {
    MESSAGE("tzdata is not installed (scripts/setup.sh installs it)");
    return;
  }
  const time_zone la = zone("America/Los_Angeles");
  CHECK(la.offset_at(utc_seconds("2026-01-15T12:00:00Z")) == -8 * 3600);
  CHECK(la.offset_at(utc_seconds("2026-07-01T12:00:00Z")) == -7 * 3600);
  // 2026-03-08 02:00 PST → PDT: 10:00 UTC.
  CHECK(la.offset_at(utc_seconds("2026-03-08T09:59:59Z")) == -8 * 3600);
  CHECK(la.offset_at(utc_seconds("2026-03-08T10:00:00Z")) == -7 * 3600);
  CHECK(la.to_utc(utc_seconds("2026-07-01T12:00:00Z")) == utc_seconds("2026-07-01T19:00:00Z"));
  CHECK(la.to_utc(utc_seconds("2026-12-01T12:00:00Z")) == utc_seconds("2026-12-01T20:00:00Z"));
  const time_zone kolkata = zone("Asia/Kolkata");
  CHECK(kolkata.offset_at(utc_seconds("2026-07-01T00:00:00Z")) == 19'800);
  // A file that is not TZif is refused, not read.
  CHECK(error_of("zone.tab").find("not a tz database file") != std::string::npos);
}

TEST_CASE("civil days") {
  CHECK(std::get<std::int64_t>(parse_civil_day("1970-01-02")) == 1);
  CHECK(format_civil_day(20'786) == "2026-11-29");
  CHECK(std::get<std::int64_t>(parse_civil_day("2026-11-29")) == 20'786);
  CHECK(std::holds_alternative<std::string>(parse_civil_day("2026-02-31")));
  CHECK(std::holds_alternative<std::string>(parse_civil_day("2026-1-01")));
  CHECK(std::get<std::string>(parse_civil_day("yesterday")).find("'yesterday'") !=
        std::string::npos);
}

}  // namespace loopscope
