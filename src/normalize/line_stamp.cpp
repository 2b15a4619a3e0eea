#include "line_stamp.hpp"

#include <algorithm>
#include <array>
#include <cctype>

#include "loopscope/core/timestamp.hpp"

namespace loopscope::normalize::detail {
namespace {

constexpr std::int64_t micros_per_second = 1'000'000;

bool is_digit(char c) {
  return c >= '0' && c <= '9';
}

// A cursor over the text: each reader advances on success and leaves `pos` unchanged otherwise.
struct cursor {
  std::string_view text;
  std::size_t pos = 0;

  bool digits(std::size_t count, int& value) {
    if (pos + count > text.size()) return false;
    int result = 0;
    for (std::size_t i = 0; i < count; ++i) {
      const char c = text[pos + i];
      if (!is_digit(c)) return false;
      result = result * 10 + (c - '0');
    }
    value = result;
    pos += count;
    return true;
  }
  bool literal(std::string_view wanted) {
    if (text.substr(pos, wanted.size()) != wanted) return false;
    pos += wanted.size();
    return true;
  }
  bool one_of(std::string_view chars) {
    if (pos >= text.size() || chars.find(text[pos]) == std::string_view::npos) return false;
    ++pos;
    return true;
  }
  bool at_end() const { return pos >= text.size(); }
  char peek() const { return pos < text.size() ? text[pos] : '\0'; }
};

struct clock_time {
  int hour = 0, minute = 0, second = 0;
  std::int64_t fraction_micros = 0;
};

// "HH:MM:SS" then an optional ".fff" / ",fff" of any length; a digit right after is no stamp.
bool read_clock(cursor& c, clock_time& t) {
  cursor probe = c;
  if (!probe.digits(2, t.hour) || !probe.literal(":") || !probe.digits(2, t.minute) ||
      !probe.literal(":") || !probe.digits(2, t.second)) {
    return false;
  }
  if (t.hour > 23 || t.minute > 59 || t.second > 60) return false;
  t.fraction_micros = 0;
  if (probe.peek() == '.' || probe.peek() == ',') {
    cursor fraction = probe;
    ++fraction.pos;
    int count = 0;
    while (!fraction.at_end() && is_digit(fraction.peek())) {
      if (count < 6) t.fraction_micros = t.fraction_micros * 10 + (fraction.peek() - '0');
      ++count;
      ++fraction.pos;
    }
    if (count > 0) {
      for (int d = count; d < 6; ++d) t.fraction_micros *= 10;
      probe = fraction;
    }
  }
  if (is_digit(probe.peek())) return false;
  c = probe;
  return true;
}

// "Z", "+02:00", "+0200", "+02", " +0000", " UTC": the offset east of UTC.
bool read_zone(cursor& c, std::int64_t& offset_seconds) {
  cursor probe = c;
  if (probe.one_of("Zz")) {
    if (std::isalnum(static_cast<unsigned char>(probe.peek()))) return false;
    offset_seconds = 0;
    c = probe;
    return true;
  }
  probe.literal(" ");
  if (probe.literal("UTC") || probe.literal("GMT")) {
    if (std::isalnum(static_cast<unsigned char>(probe.peek()))) return false;
    offset_seconds = 0;
    c = probe;
    return true;
  }
  const char sign = probe.peek();
  if (sign != '+' && sign != '-') return false;
  ++probe.pos;
  int hours = 0, minutes = 0;
  if (!probe.digits(2, hours)) return false;
  const bool colon = probe.literal(":");
  if (!probe.digits(2, minutes) && colon) return false;
  if (is_digit(probe.peek()) || hours > 14 || minutes > 59) return false;
  offset_seconds = (hours * 3600 + minutes * 60) * (sign == '+' ? 1 : -1);
  c = probe;
  return true;
}

bool valid_date(int year, int month, int day) {
  return year >= 1970 && month >= 1 && month <= 12 && day >= 1 && day <= 31;
}

std::int64_t wall_micros_of(int year, int month, int day, const clock_time& t) {
  const std::int64_t days =
      days_from_civil(year, static_cast<unsigned>(month), static_cast<unsigned>(day));
  return (days * 86400 + t.hour * 3600 + t.minute * 60 + t.second) * micros_per_second +
         t.fraction_micros;
}

// After a date: the clock and an optional zone; commits the cursor when they read.
bool finish_dated(cursor probe, int year, int month, int day, cursor& c, line_stamp& s) {
  clock_time t;
  if (!read_clock(probe, t)) return false;
  s.has_date = true;
  s.wall_micros = wall_micros_of(year, month, day, t);
  s.has_zone = read_zone(probe, s.offset_seconds);
  c = probe;
  return true;
}

// 2025-01-02T03:04:05…, 2025-01-02 03:04:05,123, 2025/01/02 03:04:05, 2025/01/02 - 03:04:05.
bool read_year_first(cursor& c, line_stamp& s) {
  cursor probe = c;
  int year = 0, month = 0, day = 0;
  if (!probe.digits(4, year)) return false;
  const char separator = probe.peek();
  if (separator != '-' && separator != '/') return false;
  ++probe.pos;
  if (!probe.digits(2, month) || !probe.literal(std::string_view(&separator, 1)) ||
      !probe.digits(2, day) || !valid_date(year, month, day)) {
    return false;
  }
  if (!(separator == '/' && probe.literal(" - ")) && !probe.one_of("Tt ")) return false;
  return finish_dated(probe, year, month, day, c, s);
}

// 02/Jan/2025:03:04:05 +0000 (the zone is part of the layout).
bool read_common_log(cursor& c, line_stamp& s) {
  static constexpr std::array<std::string_view, 12> months{
      "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  cursor probe = c;
  int day = 0, year = 0;
  if (!probe.digits(2, day) || !probe.literal("/")) return false;
  int month = 0;
  for (std::size_t i = 0; i < months.size() && month == 0; ++i) {
    if (probe.literal(months[i])) month = static_cast<int>(i) + 1;
  }
  if (month == 0 || !probe.literal("/") || !probe.digits(4, year) || !probe.literal(":") ||
      !valid_date(year, month, day)) {
    return false;
  }
  return finish_dated(probe, year, month, day, c, s);
}

bool read_time_of_day(cursor& c, line_stamp& s) {
  cursor probe = c;
  clock_time t;
  if (!read_clock(probe, t)) return false;
  s.has_date = false;
  s.wall_micros =
      (t.hour * 3600 + t.minute * 60 + t.second) * micros_per_second + t.fraction_micros;
  s.has_zone = read_zone(probe, s.offset_seconds);
  c = probe;
  return true;
}

// Only '[', '(' and blanks before `pos`: the stamp would be the line's first token.
bool first_token(std::string_view text, std::size_t pos) {
  for (std::size_t i = 0; i < pos; ++i) {
    if (text[i] != '[' && text[i] != '(' && text[i] != ' ' && text[i] != '\t') return false;
  }
  return true;
}

std::optional<line_stamp> stamp_at(std::string_view text, std::size_t pos, bool allow_time_only) {
  line_stamp s;
  cursor c{text, pos};
  if (read_year_first(c, s) || read_common_log(c, s) ||
      (allow_time_only && read_time_of_day(c, s))) {
    s.begin = pos;
    s.end = c.pos;
    return s;
  }
  return std::nullopt;
}

}  // namespace

std::optional<line_stamp> find_line_stamp(std::string_view text, std::size_t search_bytes) {
  const std::size_t limit = std::min(text.size(), search_bytes);
  for (std::size_t pos = 0; pos < limit; ++pos) {
    if (!is_digit(text[pos]) || (pos > 0 && is_digit(text[pos - 1]))) continue;
    if (auto s = stamp_at(text, pos, first_token(text, pos))) return s;
  }
  return std::nullopt;
}

std::optional<line_stamp> parse_line_stamp(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '[')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == ']')) text.remove_suffix(1);
  auto s = stamp_at(text, 0, true);
  if (!s || s->end != text.size()) return std::nullopt;
  return s;
}

}  // namespace loopscope::normalize::detail
