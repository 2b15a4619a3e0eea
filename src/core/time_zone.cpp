#include "loopscope/core/time_zone.hpp"

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <optional>

#include <fmt/format.h>

#include "loopscope/core/timestamp.hpp"

namespace loopscope {
namespace {

constexpr std::size_t max_tzif_bytes = 1 << 20;

bool is_digits(std::string_view text) {
  return !text.empty() &&
         std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; });
}

int to_int(std::string_view digits) {
  int value = 0;
  for (const char c : digits) value = value * 10 + (c - '0');
  return value;
}

// "+05:30", "-0800", "+02": seconds east of UTC, or nothing.
std::optional<std::int64_t> parse_fixed_offset(std::string_view text) {
  if (text.size() < 3 || (text[0] != '+' && text[0] != '-')) return std::nullopt;
  const int sign = text[0] == '+' ? 1 : -1;
  text.remove_prefix(1);
  std::string_view hours = text.substr(0, 2);
  std::string_view minutes;
  text.remove_prefix(2);
  if (!text.empty() && text.front() == ':') text.remove_prefix(1);
  minutes = text;
  if (!is_digits(hours) || (!minutes.empty() && (minutes.size() != 2 || !is_digits(minutes)))) {
    return std::nullopt;
  }
  const int h = to_int(hours);
  const int m = minutes.empty() ? 0 : to_int(minutes);
  if (h > 14 || m > 59) return std::nullopt;
  return sign * (h * 3600 + m * 60);
}

// A tz database name: letters, digits and "._+-" in '/'-separated parts, none of them "." or
// "..", so that it cannot leave the zoneinfo folder.
bool is_zone_name(std::string_view name) {
  if (name.empty() || name.size() > 255 || name.front() == '/' || name.back() == '/') return false;
  std::size_t start = 0;
  while (start <= name.size()) {
    const std::size_t end = std::min(name.find('/', start), name.size());
    const std::string_view part = name.substr(start, end - start);
    if (part.empty() || part == "." || part == "..") return false;
    for (const char c : part) {
      const bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                      c == '_' || c == '+' || c == '-' || c == '.';
      if (!ok) return false;
    }
    start = end + 1;
  }
  return true;
}

std::int64_t big_endian(const unsigned char* p, int bytes) {
  std::uint64_t value = 0;
  for (int i = 0; i < bytes; ++i) value = (value << 8) | p[i];
  if (bytes == 4) return static_cast<std::int32_t>(static_cast<std::uint32_t>(value));
  return static_cast<std::int64_t>(value);
}

struct tzif_counts {
  std::uint32_t isut = 0, isstd = 0, leap = 0, time = 0, type = 0, chars = 0;
};

bool read_header(const std::string& data, std::size_t at, char& version, tzif_counts& c) {
  if (data.size() < at + 44 || data.compare(at, 4, "TZif") != 0) return false;
  version = data[at + 4];
  const auto* p = reinterpret_cast<const unsigned char*>(data.data() + at + 20);
  std::uint32_t* fields[] = {&c.isut, &c.isstd, &c.leap, &c.time, &c.type, &c.chars};
  for (int i = 0; i < 6; ++i)
    *fields[i] = static_cast<std::uint32_t>(big_endian(p + 4 * i, 4) & 0xffffffffu);
  return c.type > 0 && c.type <= 256 && c.time <= 100'000 && c.chars <= 4096 && c.leap <= 1000;
}

std::size_t block_bytes(const tzif_counts& c, std::size_t time_bytes) {
  return c.time * time_bytes + c.time + c.type * 6 + c.chars + c.leap * (time_bytes + 4) + c.isstd +
         c.isut;
}

}  // namespace

time_zone time_zone::utc() {
  return time_zone("UTC", 0);
}

std::variant<time_zone, std::string> time_zone::named(std::string_view name) {
  if (name == "UTC" || name == "Z" || name == "GMT" || name == "utc")
    return time_zone(std::string(name), 0);
  if (name.starts_with('+') || name.starts_with('-')) {
    if (const auto offset = parse_fixed_offset(name)) return time_zone(std::string(name), *offset);
    return fmt::format("'{}' is not a UTC offset of the form +HH:MM", name);
  }
  if (!is_zone_name(name)) return fmt::format("'{}' is not a time zone name", name);
  const char* dir = std::getenv("TZDIR");
  const std::string path =
      fmt::format("{}/{}", dir != nullptr && *dir != '\0' ? dir : "/usr/share/zoneinfo", name);
  std::ifstream in(path, std::ios::binary);
  if (!in) return fmt::format("unknown time zone '{}' (no {})", name, path);
  std::string data;
  data.resize(max_tzif_bytes + 1);
  in.read(data.data(), static_cast<std::streamsize>(data.size()));
  data.resize(static_cast<std::size_t>(in.gcount()));
  char version = 0;
  tzif_counts counts;
  const std::string bad = fmt::format("'{}': {} is not a tz database file", name, path);
  if (data.size() > max_tzif_bytes || !read_header(data, 0, version, counts)) return bad;
  // Version 2 and later repeat the data with 64-bit times after the 32-bit block (RFC 8536 §3).
  std::size_t at = 44;
  std::size_t time_bytes = 4;
  if (version >= '2') {
    at += block_bytes(counts, 4);
    if (!read_header(data, at, version, counts)) return bad;
    at += 44;
    time_bytes = 8;
  }
  if (data.size() < at + block_bytes(counts, time_bytes)) return bad;
  const auto* p = reinterpret_cast<const unsigned char*>(data.data() + at);
  const unsigned char* indices = p + counts.time * time_bytes;
  const unsigned char* types = indices + counts.time;
  auto offset_of_type = [&](std::size_t type) { return big_endian(types + 6 * type, 4); };
  std::vector<transition> transitions;
  transitions.reserve(counts.time);
  for (std::uint32_t i = 0; i < counts.time; ++i) {
    if (indices[i] >= counts.type) return bad;
    transitions.push_back(
        {big_endian(p + i * time_bytes, static_cast<int>(time_bytes)), offset_of_type(indices[i])});
  }
  if (!std::is_sorted(transitions.begin(), transitions.end(),
                      [](const transition& a, const transition& b) { return a.at < b.at; })) {
    return bad;
  }
  // Type 0 describes the times before the first transition. After the last one the offset last
  // in force is kept: the file's POSIX rule for later years is not read (Debian's files list
  // transitions up to 2037).
  return time_zone(std::string(name), offset_of_type(0), std::move(transitions));
}

std::int64_t time_zone::offset_at(std::int64_t utc_seconds) const {
  const auto after = std::upper_bound(transitions_.begin(), transitions_.end(), utc_seconds,
                                      [](std::int64_t t, const transition& x) { return t < x.at; });
  return after == transitions_.begin() ? fixed_ : std::prev(after)->offset;
}

std::int64_t time_zone::to_utc(std::int64_t local_seconds) const {
  // The offset at the reading taken as UTC is right except within a change's hours; one more
  // step settles those on a consistent reading.
  const std::int64_t first = local_seconds - offset_at(local_seconds);
  const std::int64_t second = local_seconds - offset_at(first);
  return offset_at(second) == local_seconds - second ? second : first;
}

std::string format_civil_day(std::int64_t days) {
  return format_rfc3339(timestamp{days * 86'400 * 1'000'000}).substr(0, 10);
}

std::variant<std::int64_t, std::string> parse_civil_day(std::string_view text) {
  const std::string wanted = fmt::format("'{}' is not a date of the form YYYY-MM-DD", text);
  if (text.size() != 10) return wanted;
  const auto t = parse_rfc3339(fmt::format("{}T00:00:00Z", text));
  if (!t) return wanted;
  const std::int64_t days = t->micros / (86'400LL * 1'000'000);
  // parse_rfc3339 accepts day 31 of any month; printing it back catches 2026-02-31.
  if (format_civil_day(days) != text) return wanted;
  return days;
}

}  // namespace loopscope
