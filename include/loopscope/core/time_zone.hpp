// A time zone for stamps that carry none (LiteLLM's "HH:MM:SS", zone-less JSON stamps): a fixed
// UTC offset ("+05:30", "UTC") or a zone of the system's tz database ("America/Los_Angeles"),
// read from its TZif file so that no process-wide TZ variable is touched (workers run in
// threads). Results are values: a zone, or the reason there is none.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace loopscope {

class time_zone {
 public:
  // "UTC", "Z", "GMT", "+HH", "+HH:MM", "+HHMM" (and "-"), or an IANA name looked up under
  // $TZDIR or /usr/share/zoneinfo. The error names what is wrong with `name`.
  static std::variant<time_zone, std::string> named(std::string_view name);
  static time_zone utc();

  const std::string& name() const { return name_; }
  // Seconds east of UTC in force at `utc_seconds`.
  std::int64_t offset_at(std::int64_t utc_seconds) const;
  // The UTC second of a wall-clock second in this zone. In a gap or an overlap (DST changes) the
  // offset in force just before the change is used, as `date -d` does for the earlier reading.
  std::int64_t to_utc(std::int64_t local_seconds) const;

 private:
  struct transition {
    std::int64_t at = 0;  // UTC seconds from which `offset` holds
    std::int64_t offset = 0;
  };
  time_zone(std::string name, std::int64_t fixed_offset)
      : name_(std::move(name)), fixed_(fixed_offset) {}
  time_zone(std::string name, std::int64_t before_first, std::vector<transition> transitions)
      : name_(std::move(name)), fixed_(before_first), transitions_(std::move(transitions)) {}

  std::string name_;
  std::int64_t fixed_ = 0;  // the offset before the first transition (or always, without any)
  std::vector<transition> transitions_;
};

// The civil day ("YYYY-MM-DD") of a count of days since 1970-01-01, and back.
std::string format_civil_day(std::int64_t days);
std::variant<std::int64_t, std::string> parse_civil_day(std::string_view text);

}  // namespace loopscope
