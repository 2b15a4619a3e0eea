// LiteLLM's messages: the text and JSON_LOGS formats print the same messages, so both decoders
// classify through here, by the catalogues their registry entry names (rules/formats/litellm.yaml,
// from litellm/router.py, litellm/router_utils/*, litellm/proxy/proxy_server.py); only the framing
// around the message differs and stays here.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "catalogue_chain.hpp"
#include "loopscope/core/event.hpp"
#include "loopscope/normalize/normalizer.hpp"

namespace loopscope::normalize::detail {

// Removes ANSI colour codes: "\x1b[92m" and the "[92m" / "[0m" remnants that pasted or exported
// logs keep after the ESC byte is lost.
std::string strip_ansi(std::string_view text);
// The same without a copy when there is nothing to remove (the common case): `text` itself, else
// the cleaned text in `buffer`.
std::string_view strip_ansi(std::string_view text, std::string& buffer);

// Where a message stands in LiteLLM's two-line fallback announcement ("Trying to fallback b/w
// models" then "Falling back to model_group = X"): see fallback_fold.
enum class fallback_step : unsigned char { none, trying, falling_back };

struct classification {
  bool is_event = false;  // false: not a catalogued message; the record is skipped
  fallback_step step = fallback_step::none;
  // With formats::extraction_time::later: the fields the entry's extractors and defaults are
  // still to fill (deferred_fields).
  std::optional<formats::pending_extraction> pending;
};

// Classifies one record. `text` is the message (ANSI removed; continuation lines joined with
// '\n', traceback frames left out); `traceback_exception` is the exception line that ends the
// record's traceback (or a JSON record's stacktrace), used when `text` names no exception class.
// Fills kind, model, model_group, error_class, status, attempts, ids and message of `e`; leaves
// the rest (time, session, excerpt) to the caller, and the template to fallback_fold, which
// delivers the event.
classification classify_litellm_message(
    const catalogue_chain& catalogues, std::string_view text, std::string_view traceback_exception,
    event& e, formats::extraction_time extraction = formats::extraction_time::now);

// A classification's pending fields as one text an event_sink may copy and complete on another
// thread (event_sink::on_event_completed_masking): what is pending, the session the record
// falls back to when the fields name none, the traceback's exception line and the message.
class deferred_fields {
 public:
  // Packed into `buffer`, which the caller keeps from record to record (no allocation per event);
  // valid until the buffer is packed again.
  deferred_fields(std::string& buffer, const formats::pending_extraction& pending,
                  std::string_view fallback_session, std::string_view traceback_exception,
                  std::string_view text);
  std::string_view packed() const { return packed_; }
  // The event_completer_fn: fills `e` from a packed text.
  static void complete(std::string_view packed, event& e);

 private:
  std::string& packed_;
};

// The exception line of a Python traceback: the last line that is neither indented nor a frame
// ("litellm.exceptions.RateLimitError: …"). Empty when there is none.
std::string_view last_exception_line(std::string_view traceback);

// True for the lines that can only belong to the record above: traceback parts, the router's
// "Received Model Group=" / "Available Model Group Fallbacks=" / "LiteLLM Retried:" suffixes,
// "Debug Information:", indented lines.
bool looks_like_record_part(std::string_view line);

// LiteLLM announces one fallback twice, "Trying to fallback b/w models" then "Falling back to
// model_group = X". Folding the pair into one proxy_fallback event keeps one event per fallback;
// a "Trying" line not followed by its "Falling back" (older versions, interleaved requests) is
// still emitted on its own.
class fallback_fold {
 public:
  // `later`: fields of `e` still to fill, when `e` is delivered as it comes (never for a
  // `trying` step, which is held: its fields must be filled before).
  void push(event&& e, fallback_step step, event_sink& sink,
            const deferred_fields* later = nullptr);
  void flush(event_sink& sink);

 private:
  event held_;
  bool holding_ = false;
};

}  // namespace loopscope::normalize::detail
