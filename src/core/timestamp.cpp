#include "loopscope/core/timestamp.hpp"

#include <fmt/format.h>

#include <cstring>

namespace loopscope {
namespace {

bool read_digits(std::string_view text, std::size_t& pos, std::size_t count, int& value) {
  if (pos + count > text.size()) return false;
  int result = 0;
  for (std::size_t i = 0; i < count; ++i) {
    const char c = text[pos + i];
    if (c < '0' || c > '9') return false;
    result = result * 10 + (c - '0');
  }
  value = result;
  pos += count;
  return true;
}

bool expect(std::string_view text, std::size_t& pos, char wanted) {
  if (pos >= text.size() || text[pos] != wanted) return false;
  ++pos;
  return true;
}

}  // namespace

std::string_view time_quality_name(time_quality quality) {
  static constexpr std::string_view names[] = {"exact", "date_inferred", "zone_inferred", "absent"};
  return names[static_cast<std::size_t>(quality)];
}

// Howard Hinnant's days_from_civil: exact for the proleptic Gregorian calendar.
std::int64_t days_from_civil(int year, unsigned month, unsigned day) {
  year -= month <= 2 ? 1 : 0;
  const std::int64_t era = (year >= 0 ? year : year - 399) / 400;
  const auto year_of_era = static_cast<unsigned>(year - era * 400);
  const unsigned day_of_year = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1;
  const unsigned day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
  return era * 146097 + static_cast<std::int64_t>(day_of_era) - 719468;
}

std::optional<timestamp> parse_rfc3339(std::string_view text) {
  // The lines of a log share their date: the day number of the last date read is kept, and a
  // stamp with the same ten characters skips reading and converting them (a rollout's every
  // line has a stamp; profiled at a fortieth of its decoding).
  struct last_date {
    char text[10] = {};
    std::int64_t days = 0;
    bool valid = false;
  };
  thread_local last_date last;
  constexpr std::size_t date_size = 10;
  std::size_t pos = 0;
  int year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0;
  std::optional<std::int64_t> known_days;
  if (last.valid && text.size() >= date_size &&
      std::memcmp(text.data(), last.text, date_size) == 0) {
    known_days = last.days;
    pos = date_size;
  } else if (!read_digits(text, pos, 4, year) || !expect(text, pos, '-') ||
             !read_digits(text, pos, 2, month) || !expect(text, pos, '-') ||
             !read_digits(text, pos, 2, day)) {
    return std::nullopt;
  } else if (month < 1 || month > 12 || day < 1 || day > 31) {
    return std::nullopt;
  }
  if (pos >= text.size() || (text[pos] != 'T' && text[pos] != ' ' && text[pos] != 't')) {
    return std::nullopt;
  }
  ++pos;
  if (!read_digits(text, pos, 2, hour) || !expect(text, pos, ':') ||
      !read_digits(text, pos, 2, minute) || !expect(text, pos, ':') ||
      !read_digits(text, pos, 2, second)) {
    return std::nullopt;
  }
  if (hour > 23 || minute > 59 || second > 60) return std::nullopt;
  std::int64_t fraction_micros = 0;
  if (pos < text.size() && (text[pos] == '.' || text[pos] == ',')) {
    ++pos;
    int digits = 0;
    while (pos < text.size() && text[pos] >= '0' && text[pos] <= '9') {
      if (digits < 6) fraction_micros = fraction_micros * 10 + (text[pos] - '0');
      ++digits;
      ++pos;
    }
    if (digits == 0) return std::nullopt;
    for (int d = digits; d < 6; ++d) fraction_micros *= 10;
  }
  std::int64_t offset_seconds = 0;
  if (pos < text.size()) {
    const char zone = text[pos];
    if (zone == 'Z' || zone == 'z') {
      ++pos;
    } else if (zone == '+' || zone == '-') {
      ++pos;
      int offset_hours = 0, offset_minutes = 0;
      if (!read_digits(text, pos, 2, offset_hours)) return std::nullopt;
      if (pos < text.size() && text[pos] == ':') ++pos;
      if (!read_digits(text, pos, 2, offset_minutes)) return std::nullopt;
      offset_seconds = (offset_hours * 3600 + offset_minutes * 60) * (zone == '+' ? 1 : -1);
    }
  }
  if (pos != text.size()) return std::nullopt;
  if (!known_days) {
    known_days = days_from_civil(year, static_cast<unsigned>(month), static_cast<unsigned>(day));
    std::memcpy(last.text, text.data(), date_size);
    last.days = *known_days;
    last.valid = true;
  }
  const std::int64_t days = *known_days;
  const std::int64_t seconds = days * 86400 + hour * 3600 + minute * 60 + second - offset_seconds;
  return timestamp{seconds * 1'000'000 + fraction_micros};
}

std::string format_rfc3339(timestamp t) {
  std::int64_t micros = t.micros;
  std::int64_t seconds = micros / 1'000'000;
  std::int64_t rest = micros % 1'000'000;
  if (rest < 0) {
    rest += 1'000'000;
    --seconds;
  }
  std::int64_t days = seconds / 86400;
  std::int64_t second_of_day = seconds % 86400;
  if (second_of_day < 0) {
    second_of_day += 86400;
    --days;
  }
  // civil_from_days (Hinnant).
  const std::int64_t z = days + 719468;
  const std::int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const auto day_of_era = static_cast<unsigned>(z - era * 146097);
  const unsigned year_of_era =
      (day_of_era - day_of_era / 1460 + day_of_era / 36524 - day_of_era / 146096) / 365;
  const std::int64_t year = static_cast<std::int64_t>(year_of_era) + era * 400;
  const unsigned day_of_year =
      day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
  const unsigned mp = (5 * day_of_year + 2) / 153;
  const unsigned day = day_of_year - (153 * mp + 2) / 5 + 1;
  const unsigned month = mp < 10 ? mp + 3 : mp - 9;
  const std::int64_t civil_year = year + (month <= 2 ? 1 : 0);
  if (civil_year < 0 || civil_year > 9999) {
    return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z", civil_year, month, day,
                       second_of_day / 3600, (second_of_day / 60) % 60, second_of_day % 60,
                       rest / 1000);
  }
  // Every report writes a stamp per event it cites: digits by hand, not through fmt's parser.
  std::string out = "0000-00-00T00:00:00.000Z";
  const auto put = [&out](std::size_t at, std::size_t width, std::int64_t value) {
    for (std::size_t i = width; i-- > 0; value /= 10)
      out[at + i] = static_cast<char>('0' + value % 10);
  };
  put(0, 4, civil_year);
  put(5, 2, month);
  put(8, 2, day);
  put(11, 2, second_of_day / 3600);
  put(14, 2, (second_of_day / 60) % 60);
  put(17, 2, second_of_day % 60);
  put(20, 3, rest / 1000);
  return out;
}

}  // namespace loopscope
