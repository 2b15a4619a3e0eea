// LiteLLM text logs (litellm/_logging.py):
//   "16:43:23 - LiteLLM Router:INFO: fallback_event_handlers.py:128 - Falling back to …"
// optionally wrapped in ANSI colours (or their ESC-less remnants "[92m"), plus the 2024 forms
// "LiteLLM Router - INFO: …", "LiteLLM.Router: …" and Python's basic format "INFO:httpx:…".
// A record can span lines (embedded newlines, tracebacks, the router's "Received Model Group=…"
// suffix): it is held until the next record starts or the input ends, then classified whole.
#include <optional>

#include "json_line.hpp"
#include "litellm_messages.hpp"
#include "loopscope/normalize/normalizer.hpp"
#include "normalizers.hpp"
#include "uvicorn_messages.hpp"

namespace loopscope::normalize::detail {
namespace {

constexpr std::int64_t micros_per_second = 1'000'000;
constexpr int seconds_per_day = 86'400;
// Continuation text kept per record for classification; a DEBUG dump can run to megabytes.
constexpr std::size_t record_text_bytes = 64 * 1024;

bool is_digit(char c) {
  return c >= '0' && c <= '9';
}

int two_digits(std::string_view text, std::size_t pos) {
  return (text[pos] - '0') * 10 + (text[pos + 1] - '0');
}

// "HH:MM:SS" at the start of `text`: seconds of the day, or -1.
int time_of_day(std::string_view text) {
  if (text.size() < 8 || text[2] != ':' || text[5] != ':') return -1;
  for (const std::size_t i : {0U, 1U, 3U, 4U, 6U, 7U}) {
    if (!is_digit(text[i])) return -1;
  }
  const int hours = two_digits(text, 0);
  const int minutes = two_digits(text, 3);
  const int seconds = two_digits(text, 6);
  if (hours > 23 || minutes > 59 || seconds > 60) return -1;
  return hours * 3600 + minutes * 60 + seconds;
}

bool all_upper(std::string_view text) {
  if (text.empty()) return false;
  for (const char c : text) {
    if (c < 'A' || c > 'Z') return false;
  }
  return true;
}

// "router.py:1644 - message" → "message"; unchanged when there is no "<file>.py:<N> - ".
std::string_view after_location(std::string_view text) {
  const std::size_t dash = text.find(" - ");
  const std::size_t py = text.find(".py:");
  if (dash == std::string_view::npos || py == std::string_view::npos || py > dash) {
    if (text.ends_with(" -") && py != std::string_view::npos) return {};  // "utils.py:3748 -"
    return text;
  }
  for (std::size_t i = py + 4; i < dash; ++i) {
    if (!is_digit(text[i])) return text;
  }
  return text.substr(dash + 3);
}

struct header {
  int seconds = -1;  // time of day, -1 when the form has none
  std::string_view message;
  bool single_line = false;  // printed by a handler that never continues on the next line
};

// The record's header, on the line with colour codes removed. False when the line is not one.
bool parse_header(std::string_view text, header& h) {
  // "HH:MM:SS - <logger>:<LEVEL>: <file>.py:<N> - <message>"
  if (const int seconds = time_of_day(text); seconds >= 0 && text.substr(8).starts_with(" - ")) {
    const std::string_view rest = text.substr(11);
    const std::size_t colon = rest.find(':');
    if (colon == std::string_view::npos || !rest.starts_with("LiteLLM")) return false;
    const std::size_t level_end = rest.find(':', colon + 1);
    if (level_end == std::string_view::npos ||
        !all_upper(rest.substr(colon + 1, level_end - colon - 1))) {
      return false;
    }
    std::string_view message = rest.substr(level_end + 1);
    if (message.starts_with(" ")) message.remove_prefix(1);
    h.seconds = seconds;
    h.message = after_location(message);
    return true;
  }
  // 2024: "LiteLLM Router - INFO: <msg>", "LiteLLM - DEBUG: <msg>".
  for (const std::string_view logger : {"LiteLLM Router - ", "LiteLLM Proxy - ", "LiteLLM - "}) {
    if (!text.starts_with(logger)) continue;
    const std::string_view rest = text.substr(logger.size());
    const std::size_t colon = rest.find(':');
    if (colon == std::string_view::npos || !all_upper(rest.substr(0, colon))) return false;
    h.message = rest.substr(colon + 1);
    if (h.message.starts_with(" ")) h.message.remove_prefix(1);
    return true;
  }
  // 2024: "LiteLLM.Router: <msg>", "LiteLLM: <msg>" (the message may be empty: it follows).
  for (const std::string_view logger :
       {"LiteLLM.Router:", "LiteLLM Router:", "LiteLLM Proxy:", "LiteLLM:"}) {
    if (!text.starts_with(logger)) continue;
    h.message = text.substr(logger.size());
    if (h.message.starts_with(" ")) h.message.remove_prefix(1);
    return true;
  }
  // Python's basic format, "INFO:httpx:HTTP Request: …" (LiteLLM's own upstream calls).
  if (const std::size_t colon = text.find(':');
      colon != std::string_view::npos && all_upper(text.substr(0, colon))) {
    const std::string_view rest = text.substr(colon + 1);
    if (rest.starts_with("httpx:") || rest.starts_with("LiteLLM")) {
      const std::size_t name_end = rest.find(':');
      h.message = rest.substr(name_end + 1);
      h.single_line = rest.starts_with("httpx:");
      return true;
    }
  }
  // Header-less lines LiteLLM prints through print() or a bare handler: the cooldown-callback
  // flood (#5933) and the error body a client prints (#18421, claimed by the JSON sniffer).
  if (text.starts_with("in router_cooldown_event_callback")) {
    h.message = text;
    h.single_line = true;
    return true;
  }
  if (text.starts_with("{'error': ")) {
    h.message = text;
    return true;
  }
  return false;
}

class litellm_text_normalizer final : public format_normalizer {
 public:
  explicit litellm_text_normalizer(const input_context& context)
      : session_key_(context.input_key),
        catalogues_(context),
        zone_(context.zone),
        day_micros_(context.date_hint
                        ? context.date_hint->micros -
                              context.date_hint->micros % (seconds_per_day * micros_per_second)
                        : 0) {}

  line_result normalize(std::string_view raw_line, origin where, event_sink& sink) override {
    const std::string_view clean = strip_ansi(unwrap_inline_code(raw_line), clean_buffer_);
    header h;
    if (!parse_header(clean, h)) {
      // A forced format sends every line here, continuation lines included.
      line_result result;
      if (continue_record(raw_line, where, result)) return result;
      if (clean.empty()) return {line_outcome::skipped, false};
      return {line_outcome::malformed, false};
    }
    flush(sink);

    record_.restart();
    record_.active = true;
    record_.open = !h.single_line;
    record_.where = where;
    record_.text.assign(h.message.substr(0, record_text_bytes));
    record_.excerpt.assign(raw_line.substr(0, excerpt_bytes + 4));
    if (h.seconds >= 0) record_.time = stamp(h.seconds);
    // Whether the head alone is a catalogued message decides how its lines are counted; the
    // record is classified again once complete.
    // The fields only: whether the record is the head alone is known at flush, and a head
    // classified again there needs none of them.
    record_.head_class = classify_litellm_message(catalogues_, record_.text, {}, record_.head,
                                                  formats::extraction_time::later);
    record_.is_event = record_.head_class.is_event;
    record_.head_kind = record_.head.kind;
    record_.head_bytes = record_.text.size();
    return {record_.is_event ? line_outcome::used : line_outcome::skipped, false};
  }

  bool continue_record(std::string_view raw_line, origin, line_result& result) override {
    if (!record_.active || !record_.open) return false;
    const std::string_view line = strip_ansi(raw_line, line_buffer_);
    if (line.starts_with("```")) {  // the end of a pasted block
      record_.open = false;
      return false;
    }
    if (line.empty() || line == "\r") {
      // Blank lines occur inside records ("\n\nDebug Information:"), and between pastes.
      record_.after_blank = true;
      result = {line_outcome::skipped, false};
      return true;
    }
    if (record_.after_blank && !looks_like_record_part(line)) {
      record_.open = false;
      return false;
    }
    record_.after_blank = false;
    result = {record_.is_event ? line_outcome::used : line_outcome::skipped, false};
    if (line.starts_with("Traceback (most recent call last)")) {
      record_.in_traceback = true;
      return true;
    }
    if (record_.in_traceback) {
      if (line.front() == ' ' || line.front() == '\t') return true;  // frames and carets
      record_.in_traceback = false;
      if (line.starts_with("During handling of the above exception") ||
          line.starts_with("The above exception was the direct cause")) {
        return true;
      }
      // The exception that ends the traceback; the last one of a chain is the one raised.
      record_.traceback_exception = line.substr(0, 1024);
      return true;
    }
    if (record_.text.size() < record_text_bytes) {
      record_.text.push_back('\n');
      record_.text.append(line.substr(0, record_text_bytes - record_.text.size()));
    }
    if (record_.excerpt.size() < excerpt_bytes) {
      record_.excerpt.push_back('\n');
      record_.excerpt.append(raw_line.substr(0, excerpt_bytes + 4 - record_.excerpt.size()));
    }
    return true;
  }

  void finish(event_sink& sink) override {
    flush(sink);
    fold_.flush(sink);
  }

 private:
  struct record {
    bool active = false;
    bool open = false;  // still takes continuation lines
    bool is_event = false;
    event_kind head_kind = event_kind::other;
    std::size_t head_bytes = 0;
    event head;  // the head line's classification, reused when the record is the head alone
    classification head_class;
    bool after_blank = false;
    bool in_traceback = false;
    origin where;
    std::optional<timestamp> time;
    std::string text;  // message, then continuation lines (traceback frames left out)
    std::string traceback_exception;
    std::string excerpt;

    // A fresh record that keeps the strings' storage: one record per log record is read.
    void restart() {
      std::string kept_text = std::move(text);
      std::string kept_exception = std::move(traceback_exception);
      std::string kept_excerpt = std::move(excerpt);
      *this = record{};
      text = std::move(kept_text);
      text.clear();
      traceback_exception = std::move(kept_exception);
      traceback_exception.clear();
      excerpt = std::move(kept_excerpt);
      excerpt.clear();
    }
  };

  // The date hint's day plus the time of day, a wall clock in the input's zone (UTC unless
  // --proxy-tz names one). LiteLLM prints no date: when the clock goes back by more than 12 hours
  // the log has crossed midnight. Smaller steps back are concurrent requests logged out of
  // order, not a new day.
  timestamp stamp(int seconds) {
    if (last_seconds_ >= 0 && seconds + seconds_per_day / 2 < last_seconds_) {
      day_micros_ += std::int64_t{seconds_per_day} * micros_per_second;
    }
    last_seconds_ = seconds;
    const std::int64_t local = day_micros_ / micros_per_second + seconds;
    return timestamp{(zone_ != nullptr ? zone_->to_utc(local) : local) * micros_per_second};
  }

  void flush(event_sink& sink) {
    if (!record_.active) return;
    record_.active = false;
    // A complete message (retry, fallback, warning, 200) keeps its own text: the lines after it
    // are other prints that no format claims. An error's or a header dump's text goes on below
    // its head (exception messages with newlines, "Received Model Group=…", pretty-printed
    // headers), and a head with an empty message ("utils.py:3748 - ") is all continuation.
    const bool head_complete = record_.is_event && record_.head_kind != event_kind::proxy_error &&
                               record_.head_kind != event_kind::request;
    const std::string_view text = head_complete
                                      ? std::string_view(record_.text).substr(0, record_.head_bytes)
                                      : std::string_view(record_.text);
    const std::string_view excerpt =
        head_complete ? std::string_view(record_.excerpt).substr(0, record_.excerpt.find('\n'))
                      : std::string_view(record_.excerpt);
    // A record that is its head alone was classified when the head was read: the same text, and
    // no traceback to name an exception.
    const bool same_as_head =
        text.size() == record_.head_bytes && record_.traceback_exception.empty();
    event e = make_event(event_kind::other, format_id::litellm_text, record_.where, excerpt);
    classification c;
    if (same_as_head) {
      c = record_.head_class;
      if (c.is_event) {
        std::string kept_excerpt = std::move(e.excerpt);
        e = std::move(record_.head);
        e.source = format_id::litellm_text;
        e.where = record_.where;
        e.excerpt = std::move(kept_excerpt);
      }
    } else {
      c = classify_litellm_message(catalogues_, text, record_.traceback_exception, e,
                                   formats::extraction_time::later);
    }
    if (!c.is_event) return;
    if (record_.time) {
      e.time = record_.time;
      e.time_is = time_quality::date_inferred;
    }
    // A `trying` step is held by the fold: its fields are filled now. The others' may be left
    // to the sink, which fills them later when nothing reads them while decoding.
    const std::string_view traceback =
        same_as_head ? std::string_view() : record_.traceback_exception;
    if (c.pending && c.step != fallback_step::trying && sink.completes_later(e)) {
      const deferred_fields later(packed_fields_, *c.pending, session_key_, traceback, text);
      fold_.push(std::move(e), c.step, sink, &later);
      return;
    }
    if (c.pending)
      c.pending->from->complete(*c.pending, text, formats::match_context{traceback}, e);
    if (e.session_key.empty()) e.session_key = session_key_;
    fold_.push(std::move(e), c.step, sink);
  }

  std::string session_key_;
  catalogue_chain catalogues_;
  const time_zone* zone_ = nullptr;
  std::int64_t day_micros_ = 0;
  int last_seconds_ = -1;
  record record_;
  fallback_fold fold_;
  std::string clean_buffer_;   // a header line without its colour codes, when it had any
  std::string line_buffer_;    // the same for a continuation line
  std::string packed_fields_;  // a record's fields left to the sink (deferred_fields)
};

}  // namespace

std::unique_ptr<format_normalizer> make_litellm_text_normalizer(const input_context& context) {
  return std::make_unique<litellm_text_normalizer>(context);
}

}  // namespace loopscope::normalize::detail
