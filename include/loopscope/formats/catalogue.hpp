// Message catalogues: what a format's wordings mean, as data (rules/formats/*.yaml). An entry is an
// RE2 pattern with named captures that maps a message to an event kind and its fields; entries are
// ordered (the first that matches wins) and carry sample messages that are checked when the
// catalogue is loaded. Decoders keep the framing (JSON envelopes, multi-line records, prefixes) and
// hand the message to a catalogue; rules then test the event's typed fields, never the wording.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "loopscope/core/event.hpp"

namespace loopscope::formats {

// The event fields data can fill, by the names the data files use. One table (catalogue_fields.cpp)
// maps names, parsing and assignment.
enum class event_field : unsigned char {
  status,
  method,
  path,
  url,  // sets transport (ws/wss → websocket, GET), path (query dropped)
  transport,
  attempt,
  attempt_limit,
  delay_ms,
  delay_s,  // seconds, decimal: stored as delay_ms
  model,
  model_group,
  error_class,
  request_id,
  session_key,
  turn_key,
  client,
  tool_name,
  message,
  phase,  // stream_phase: mid_stream
};
std::optional<event_field> event_field_from_name(std::string_view name);
std::string_view event_field_name(event_field field);
// The field's value on `e` as data writes it ("" when unset): for samples and `formats test`.
std::string event_field_value(const event& e, event_field field);
// Sets the field from text when it is still unset. False when the text is not a valid value.
bool fill_event_field(event& e, event_field field, std::string_view value);

// A template over a match's captures: "{group}", "{group|model_name}", or a constant.
struct field_template {
  event_field field;
  std::string text;
};

struct message_sample {
  std::string text;
  std::map<std::string, std::string> expect;  // "event" → kind name, or field name → value
  int line = 0;
};

struct message_entry {
  std::string id;
  std::string pattern;
  std::optional<event_kind> kind;        // nullopt: `skip` (understood, not an event)
  std::vector<field_template> fields;    // captures named like fields, then `fields:`
  std::vector<std::string> extractors;   // `then:`: named C++ helpers (catalogue_extractors.cpp)
  std::vector<field_template> defaults;  // `set:`: constants for fields still unset
  std::string tag;                       // free text the decoder reads (e.g. fallback steps)
  std::vector<message_sample> samples;
  std::string defined_at;  // "file:line"
};

enum class match_outcome : unsigned char {
  event,  // the entry made `e` an event
  skip,   // the entry says the message is understood and no event
  none,   // no entry matched
};

// When a matched entry's extractors (`then:`, `always:`) and `set:` defaults run: within apply(),
// or left to the caller, who runs them with catalogue::complete on the same text and context
// before anything reads the fields they fill. A proxy log's decoding thread is the slower half
// of its analysis, and the extractors' searches are a fifth of it (profiled): an event whose
// fields no decoder reads can have them filled by the thread that reads the events.
enum class extraction_time : unsigned char { now, later };

class catalogue;

// What apply() left to do for extraction_time::later.
struct pending_extraction {
  const catalogue* from = nullptr;
  std::uint32_t entry = 0;
  std::uint32_t needles_seen = ~std::uint32_t{0};  // what the scan saw (catalogue_extractors)
};

struct match_result {
  match_outcome outcome = match_outcome::none;
  const message_entry* entry = nullptr;
  std::optional<pending_extraction> pending;  // set only for extraction_time::later
};

// What a decoder knows beside the message, for the extractors.
struct match_context {
  // The exception line that ends the record's traceback (Python), when the message names none.
  std::string_view traceback_exception;
};

// An ordered list of entries compiled into one RE2::Set (one pass finds the candidates) plus each
// entry's own RE2 for its captures.
class catalogue {
 public:
  catalogue(std::string name, std::string source, std::vector<message_entry> entries,
            std::vector<std::string> always);
  catalogue(catalogue&&) noexcept;
  catalogue& operator=(catalogue&&) noexcept;
  ~catalogue();

  // Compiles the patterns; the errors name file, entry and what is wrong. Call once after load.
  std::vector<std::string> compile();
  // Compiles on first use instead (the built-in pack, whose patterns the test suite checks): a
  // run that never meets a format does not pay for its catalogue.
  void compile_on_first_use();
  // Runs every entry's samples through the whole catalogue: each must be matched first by its
  // own entry and give the expected fields.
  std::vector<std::string> check_samples() const;

  // Fills `e.kind` and the fields of the first entry matching `text`. `e`'s fields already set
  // are kept. Thread-safe (const after compile()).
  match_result apply(std::string_view text, event& e, const match_context& context = {},
                     extraction_time extraction = extraction_time::now) const;
  // Runs the extractors and defaults apply() left pending, with the text and context it had.
  void complete(const pending_extraction& pending, std::string_view text,
                const match_context& context, event& e) const;

  const std::string& name() const { return name_; }
  const std::string& source() const { return source_; }
  const std::vector<message_entry>& entries() const { return entries_; }
  const std::vector<std::string>& always() const { return always_; }

 private:
  std::string name_;
  std::string source_;
  std::vector<message_entry> entries_;
  std::vector<std::string> always_;  // extractors run after every entry that makes an event
  struct compiled_entry;
  std::vector<compiled_entry> compiled_;
  struct compiled_set;  // RE2::Set, kept out of the header
  std::unique_ptr<compiled_set> set_;
  std::unique_ptr<std::once_flag> lazy_;  // set by compile_on_first_use
};

// Names of the extractors data may list in `then:` / `always:`.
bool is_known_extractor(std::string_view name);

}  // namespace loopscope::formats
