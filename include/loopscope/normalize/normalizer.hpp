// Turns one input's lines into normalized events. The only stage that knows the field names and
// message texts of each format. One normalizer per input: formats such as `codex exec --json`
// carry the session id once, at the top, and it applies to the lines after it.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "loopscope/core/event.hpp"
#include "loopscope/core/time_zone.hpp"

namespace loopscope::formats {
struct format_info;
}

namespace loopscope::normalize {

// How a normalizer completes an event from a text it may leave to be read later: a tool
// output's hash, a tool call's canonical arguments (their hash and template).
using event_completer_fn = void (*)(std::string_view text, event& e);

class event_sink {
 public:
  virtual ~event_sink() = default;
  virtual void on_event(event&& e) = 0;
  // `e` once complete(text, e) has run. Hashing a rollout's tool outputs is a fifth of decoding
  // it, canonicalising its tool calls' arguments a tenth (profiled); when the decoding runs on a
  // thread of its own and is the slower half, the sink copies the text and leaves the work to
  // the thread that reads the events.
  virtual void on_event_completed_from(event&& e, std::string_view text,
                                       event_completer_fn complete) {
    complete(text, e);
    on_event(std::move(e));
  }
  // `e` with its text_template to be mask_text(e.message). A proxy log's messages are masked
  // this way: its decoding thread does three times the work of the one that reads its events
  // (callgrind, 10 MB LiteLLM log), so the reader masks them when it can.
  virtual void on_event_masking_message(event&& e);
  // Both: `e` once complete(text, e) has run, its text_template then mask_text(e.message). A
  // proxy's catalogued fields (an exception's class and status, retries, ids) are filled so when
  // nothing that decodes reads them: the sink knows which events it pairs and reads.
  virtual void on_event_completed_masking(event&& e, std::string_view text,
                                          event_completer_fn complete);
  // Whether on_event_completed_masking would leave `e`'s completion for later: when not, the
  // caller fills the fields itself and spares the copy of the text.
  virtual bool completes_later(const event& /*e*/) const { return false; }
};

// What became of one line.
enum class line_outcome : unsigned char {
  used,       // produced at least one event
  skipped,    // understood and irrelevant (or a type we do not know: see unknown_type)
  malformed,  // claimed by the format but could not be decoded
};

struct line_result {
  line_outcome outcome = line_outcome::skipped;
  bool unknown_type = false;  // a record type this version of loopscope does not know
};

// Per-format decoders implement this; see the files next to normalizer.cpp.
class format_normalizer {
 public:
  virtual ~format_normalizer() = default;
  // `line` has line_padding readable bytes after it (see ingest/line_reader.hpp).
  virtual line_result normalize(std::string_view line, origin where, event_sink& sink) = 0;
  // Multi-line records (tracebacks, "Received Model Group=…" suffixes): lines that no format
  // claims, following a line of this format, are offered here first. Return true when the line
  // belongs to the current record (it then counts as used or skipped per `result`).
  virtual bool continue_record(std::string_view /*line*/, origin /*where*/,
                               line_result& /*result*/) {
    return false;
  }
  // End of input: emit whatever a pending multi-line record still holds.
  virtual void finish(event_sink& /*sink*/) {}
  // A new batch of events begins (a decoding thread's hand-over): the texts the normalizer
  // copies into every event are put in new blocks (shared_text::renewed), so that the thread
  // releasing the last batch's events and this one do not share their counts.
  virtual void renew_shared_texts() {}
};

// What a normalizer may know about its input beyond the lines.
struct input_context {
  std::string input_key;  // names the session of events whose source names none
  // Day to give time-only stamps such as LiteLLM's "HH:MM:SS" (midnight of that day as if it
  // were UTC: the wall clock of `zone`); the session stage re-dates such times from sources
  // with full dates.
  std::optional<timestamp> date_hint;
  // The zone of stamps that name none (--proxy-tz); nullptr: UTC.
  const time_zone* zone = nullptr;
  // The registry's entry of the format being decoded (its id, catalogues, line pattern); set by
  // make_normalizer.
  const formats::format_info* format = nullptr;
};

// The decoder the registry names for `format`; nullptr when it has none.
std::unique_ptr<format_normalizer> make_normalizer(format_id format, const input_context& context);
// Whether a format's `decoder:` names a decoder of this build (checked when formats are loaded).
bool is_known_decoder(std::string_view name);
std::vector<std::string_view> decoder_names();

// The longest line excerpt kept with an event as evidence.
inline constexpr std::size_t excerpt_bytes = 400;

}  // namespace loopscope::normalize
