// The catalogue-driven line decoder, `lines`: the generic reader (format `generic`, for lines no
// format claims) and any data-only format a user defines with `decoder: lines`. C++ frames the
// line — colour codes and pasted backticks removed, the timestamp found and read, an optional
// `line:` pattern splitting time, level and message — and the format's catalogues say what the
// message means (rules/formats/generic.yaml). A line no catalogue entry matches is not this
// decoder's: it is skipped without an event, and the input counts it as unknown.
#include <re2/re2.h>

#include <cctype>
#include <memory>
#include <vector>

#include "catalogue_chain.hpp"
#include "json_line.hpp"
#include "line_stamp.hpp"
#include "litellm_messages.hpp"
#include "loopscope/core/text_lines.hpp"
#include "loopscope/formats/registry.hpp"
#include "loopscope/normalize/normalizer.hpp"
#include "loopscope/normalize/text_template.hpp"
#include "normalizers.hpp"
#include "uvicorn_messages.hpp"

namespace loopscope::normalize::detail {
namespace {

constexpr std::int64_t micros_per_second = 1'000'000;
constexpr std::int64_t micros_per_day = 86'400 * micros_per_second;
// What the catalogues see of a line: a DEBUG dump can be megabytes long, and what a line means is
// said in its head.
constexpr std::size_t matched_bytes = 4096;
constexpr std::size_t message_bytes = 1024;

std::string_view trim(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t' || text.back() == '\r')) {
    text.remove_suffix(1);
  }
  return text;
}

bool is_upper(char c) {
  return c >= 'A' && c <= 'Z';
}

// A level word near the start of the line: "INFO", "WARN", "[warn ]", "level=error", "ERR:".
// With a timestamp, it is what tells a log line from prose that quotes one.
bool has_level_word(std::string_view line) {
  static constexpr std::string_view upper[] = {"TRACE",   "DEBUG", "INFO", "NOTICE", "WARN",
                                               "WARNING", "ERROR", "ERR",  "FATAL",  "CRITICAL"};
  static constexpr std::string_view lower[] = {"[trace", "[debug", "[info",  "[warn",
                                               "[error", "[fatal", "level=", "\"level\":"};
  const std::string_view head = line.substr(0, 80);
  for (const std::string_view marker : lower) {
    if (head.find(marker) != std::string_view::npos) return true;
  }
  std::size_t i = 0;
  while (i < head.size()) {
    if (!is_upper(head[i])) {
      ++i;
      continue;
    }
    const std::size_t start = i;
    while (i < head.size() && is_upper(head[i])) ++i;
    const std::string_view word = head.substr(start, i - start);
    const bool bounded =
        (start == 0 || !std::isalnum(static_cast<unsigned char>(head[start - 1]))) &&
        (i == head.size() || !std::isalnum(static_cast<unsigned char>(head[i])));
    if (!bounded) continue;
    for (const std::string_view level : upper) {
      if (word == level) return true;
    }
  }
  return false;
}

class generic_lines_normalizer final : public format_normalizer {
 public:
  explicit generic_lines_normalizer(const input_context& context)
      : self_(context.format != nullptr ? context.format->id : format_id::generic),
        session_key_(context.input_key),
        zone_(context.zone),
        catalogues_(context),
        line_pattern_(context.format != nullptr && !context.format->line_pattern.empty()
                          ? std::make_unique<RE2>(context.format->line_pattern)
                          : nullptr),
        day_micros_(context.date_hint
                        ? context.date_hint->micros - context.date_hint->micros % micros_per_day
                        : 0) {}

  line_result normalize(std::string_view raw_line, origin where, event_sink& sink) override {
    const std::string_view clean =
        strip_ansi(utf8_prefix(unwrap_inline_code(raw_line), matched_bytes), clean_buffer_);
    const std::string_view line = trim(clean);
    if (line.empty()) return {line_outcome::skipped, false};
    // Inline code inside a line is prose quoting a log line (a README, a bug report's text), not
    // the log: logs do not print backticks, and a pasted line in backticks was unwrapped above.
    if (line.find('`') != std::string_view::npos) return {line_outcome::skipped, false};

    std::string_view message = line;
    std::optional<line_stamp> stamp;
    if (line_pattern_ != nullptr) {
      if (!split_line(line, message, stamp)) return {line_outcome::skipped, false};
    } else {
      stamp = find_line_stamp(line);
    }

    event e = make_event(event_kind::other, self_, where, without_query(raw_line));
    const formats::match_result result = catalogues_.apply(message, e);
    if (result.outcome != formats::match_outcome::event) return {line_outcome::skipped, false};
    // A wording bug reports also use in prose counts only on a log line.
    if (result.entry != nullptr && result.entry->tag == "framed" && !stamp &&
        line_pattern_ == nullptr && !has_level_word(line)) {
      return {line_outcome::skipped, false};
    }

    if (stamp) stamp_event(*stamp, e);
    if (e.session_key.empty()) e.session_key = session_key_;
    if (e.message.empty()) {
      std::string_view text = message;
      if (stamp && line_pattern_ == nullptr && stamp->begin == 0)
        text = trim(text.substr(stamp->end));
      // Query strings can hold keys: the message drops them, as the excerpt does.
      e.message = without_query(utf8_prefix(text, message_bytes));
    }
    if (e.text_template.empty()) e.text_template = mask_text(e.message);
    sink.on_event(std::move(e));
    return {line_outcome::used, false};
  }

 private:
  // A `line:` pattern: the line must match it whole-or-prefix; `message` (else the whole line)
  // is what the catalogues see, `time` is read with the stamp layouts.
  bool split_line(std::string_view line, std::string_view& message,
                  std::optional<line_stamp>& stamp) const {
    const int groups = line_pattern_->NumberOfCapturingGroups();
    std::vector<re2::StringPiece> parts(static_cast<std::size_t>(groups) + 1);
    if (!line_pattern_->Match(re2::StringPiece(line.data(), line.size()), 0, line.size(),
                              RE2::UNANCHORED, parts.data(), static_cast<int>(parts.size()))) {
      return false;
    }
    const auto& names = line_pattern_->NamedCapturingGroups();
    auto capture = [&](const std::string& name) -> std::optional<std::string_view> {
      const auto it = names.find(name);
      if (it == names.end() || parts[static_cast<std::size_t>(it->second)].data() == nullptr) {
        return std::nullopt;
      }
      const re2::StringPiece& part = parts[static_cast<std::size_t>(it->second)];
      return std::string_view(part.data(), part.size());
    };
    if (const auto text = capture("message")) message = *text;
    if (const auto time = capture("time")) stamp = parse_line_stamp(*time);
    return true;
  }

  // A stamp with a zone is exact; a date and time without one is read in the input's zone
  // (--proxy-tz, else UTC); a time of day alone gets the date hint's day, and a step back of more
  // than 12 hours means the log crossed midnight (as LiteLLM's HH:MM:SS stamps).
  void stamp_event(const line_stamp& s, event& e) {
    if (s.has_date && s.has_zone) {
      e.time = timestamp{s.wall_micros - s.offset_seconds * micros_per_second};
      e.time_is = time_quality::exact;
      return;
    }
    std::int64_t wall = s.wall_micros;
    if (s.has_date) {
      e.time_is = time_quality::zone_inferred;
    } else {
      if (s.has_zone) wall -= s.offset_seconds * micros_per_second;
      if (last_time_of_day_ >= 0 && wall + micros_per_day / 2 < last_time_of_day_) {
        day_micros_ += micros_per_day;
      }
      last_time_of_day_ = wall;
      wall += day_micros_;
      e.time_is = time_quality::date_inferred;
    }
    if (zone_ != nullptr && !s.has_zone) {
      const std::int64_t seconds = wall / micros_per_second;
      wall = zone_->to_utc(seconds) * micros_per_second + wall % micros_per_second;
    }
    e.time = timestamp{wall};
  }

  format_id self_;
  std::string session_key_;
  const time_zone* zone_ = nullptr;
  catalogue_chain catalogues_;
  std::unique_ptr<RE2> line_pattern_;  // checked when the format was loaded
  std::int64_t day_micros_ = 0;
  std::int64_t last_time_of_day_ = -1;
  std::string clean_buffer_;  // the line without its colour codes, when it had any
};

}  // namespace

std::unique_ptr<format_normalizer> make_lines_normalizer(const input_context& context) {
  return std::make_unique<generic_lines_normalizer>(context);
}

}  // namespace loopscope::normalize::detail
