// One input's lines decoded into events, in order, on the input's own clock: line stream →
// format detection per line → the format's decoder → events, with the input's accounting.
// It knows nothing of threads or clock offsets: event_source adds those.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "loopscope/core/event.hpp"
#include "loopscope/core/input_stats.hpp"
#include "loopscope/formats/registry.hpp"
#include "loopscope/formats/sniff.hpp"
#include "loopscope/ingest/input_list.hpp"
#include "loopscope/ingest/line_reader.hpp"
#include "loopscope/normalize/normalizer.hpp"

namespace loopscope::normalize {

// Which side of the wire a format describes (the registry says): joining treats the two
// differently.
using formats::source_role;
source_role role_of(format_id format);
std::string_view trim(std::string_view text);

struct sourced_event {
  event e;
  // Where the event sits in time: its own time (shifted by the input's clock offset), or, for
  // lines without a stamp (uvicorn access lines), the last stamp seen before it in the input.
  std::optional<timestamp> when;
};

// Events waiting to be taken, first in first out, in one buffer: taken from the front, added at
// the back, and the buffer kept when the last is taken. A deque allocated a block for every two
// events, and when the events were decoded on another thread each block was freed there, against
// the decoding thread's allocations (profiled). Batches that cross threads swap whole buffers.
class event_queue {
 public:
  event_queue() = default;
  event_queue(event_queue&& other) noexcept
      : items_(std::move(other.items_)), head_(std::exchange(other.head_, 0)) {
    other.items_.clear();
  }
  event_queue& operator=(event_queue&& other) noexcept {
    items_ = std::move(other.items_);
    head_ = std::exchange(other.head_, 0);
    other.items_.clear();
    return *this;
  }
  event_queue(const event_queue&) = delete;
  event_queue& operator=(const event_queue&) = delete;

  bool empty() const noexcept { return head_ == items_.size(); }
  std::size_t size() const noexcept { return items_.size() - head_; }
  sourced_event& operator[](std::size_t at) { return items_[head_ + at]; }
  const sourced_event& operator[](std::size_t at) const { return items_[head_ + at]; }
  sourced_event& front() { return items_[head_]; }
  auto begin() const { return items_.begin() + static_cast<std::ptrdiff_t>(head_); }
  auto end() const { return items_.end(); }
  auto begin() { return items_.begin() + static_cast<std::ptrdiff_t>(head_); }
  auto end() { return items_.end(); }

  void push_back(sourced_event&& e) { items_.push_back(std::move(e)); }
  sourced_event take_front() {
    sourced_event next = std::move(items_[head_]);
    if (++head_ == items_.size()) clear();
    return next;
  }
  // Empty, the buffer kept for what comes next.
  void clear() noexcept {
    items_.clear();
    head_ = 0;
  }
  // The events of `other` after these; `other` is left empty, with this queue's old buffer
  // when it had nothing to keep (a batch's buffer, to be used again).
  void append(event_queue& other) {
    if (empty()) {
      clear();
      std::swap(items_, other.items_);
      std::swap(head_, other.head_);
      return;
    }
    for (sourced_event& e : other) items_.push_back(std::move(e));
    other.clear();
  }
  void reserve(std::size_t count) { items_.reserve(count); }

 private:
  std::vector<sourced_event> items_;
  std::size_t head_ = 0;  // the first not taken
};

// Work left to the thread that reads a batch of events (event_sink's on_event_completed_from and
// on_event_masking_message): the texts to complete events from, one after the other, which
// event each is for, and the events whose message is to be masked.
struct deferred_work {
  struct pending {
    std::size_t event;  // its position in the batch's events
    std::size_t offset;
    std::size_t length;
    event_completer_fn complete;
  };
  std::string text;
  std::vector<pending> completions;
  std::vector<std::size_t> masks;  // positions of events whose text_template is still to make

  // A text longer than this is read where it is decoded: a batch holds little text.
  static constexpr std::size_t longest_text = std::size_t{256} << 10;

  // Completes each event from its text and masks the messages; the texts are then let go (the
  // buffers kept).
  void complete(event_queue& events);
  void clear() {
    text.clear();
    completions.clear();
    masks.clear();
  }
};

// A pretty-printed JSON object being gathered line by line. Outside input_decoder: clang 14 does
// not see a nested struct with member initializers as default-constructible inside its class.
struct pending_json_block {
  origin first;
  std::string compact;
  std::size_t lines = 0;
  int depth = 0;
  bool in_string = false;
  bool escaped = false;
};

using line_opener = std::function<std::unique_ptr<ingest::line_stream>()>;

class input_decoder final : private event_sink {
 public:
  // `spec`, `limits`, `context` and `opener` must outlive the decoder (event_source owns them);
  // an empty `opener` reads the spec's file.
  input_decoder(input_index index, const ingest::input_spec& spec, std::optional<format_id> forced,
                const ingest::read_limits& limits, const input_context& context,
                const line_opener& opener);

  // Reads one line; the events it completes are appended to `out`, their stamps as the input
  // wrote them. False at the end of the input: then finish().
  bool read_line(event_queue& out);
  // Ends the input: records still open are completed into `out`, the accounting made final.
  void finish(event_queue& out);
  bool finished() const { return finished_; }

  const input_stats& stats() const { return stats_; }
  const diagnostics& problems() const { return problems_; }
  format_id dominant_format() const { return tally_.dominant(); }
  bool has_time_only_stamps() const { return time_only_stamps_; }
  // The completions and masks of the events read from now on go to `into` (nullptr: taken at once);
  // the events' positions are their places in the `out` given to read_line, which must start empty.
  void defer_work_to(deferred_work* into) { deferred_ = into; }
  // A new batch of events begins: see format_normalizer::renew_shared_texts.
  void renew_shared_texts() {
    for (const auto& normalizer : normalizers_) {
      if (normalizer) normalizer->renew_shared_texts();
    }
  }

 private:
  void on_event(event&& e) override;
  void on_event_completed_from(event&& e, std::string_view text,
                               event_completer_fn complete) override;
  void on_event_masking_message(event&& e) override;
  void on_event_completed_masking(event&& e, std::string_view text,
                                  event_completer_fn complete) override;
  // A proxy's request waits here for its answer and an answer is paired with it: their fields
  // are read while decoding, so they are never completed later.
  bool waits_for_pairing(const event& e) const;
  bool completes_later(const event& e) const override;

  // Whether an event's text_template is made or still mask_text(message) to make.
  enum class template_state : unsigned char { made, to_mask };
  void deliver(event&& e, template_state state);
  void complete_and_deliver(event&& e, std::string_view text, event_completer_fn complete,
                            template_state state);
  void normalize_line(format_id format, std::string_view text, origin where);
  format_normalizer* normalizer_for(format_id format);
  // Offers a line no format claimed to the registry's fallback format (the generic reader).
  bool try_fallback(std::string_view text, origin where);
  void continue_json_block(std::string_view text);
  std::unique_ptr<ingest::line_stream> open_lines() const;
  void count(const line_result& result);
  void pair_or_queue(event&& e, template_state state);
  void queue(event&& e, std::optional<timestamp> when, template_state state);
  void flush_held_request();

  input_index index_;
  const ingest::input_spec& spec_;
  std::optional<format_id> forced_;
  const ingest::read_limits& limits_;
  const input_context& context_;
  const line_opener& opener_;
  std::unique_ptr<ingest::line_stream> lines_;
  std::vector<std::unique_ptr<format_normalizer>> normalizers_;  // by format_id
  format_normalizer* previous_ = nullptr;
  formats::format_tally tally_;
  event_queue* out_ = nullptr;  // where the line being read puts its events
  // A proxy's "request received" record waits for the access line that gives its status.
  std::optional<event> held_request_;
  template_state held_template_ = template_state::made;
  std::vector<event>* diverted_ = nullptr;  // see try_fallback
  deferred_work* deferred_ = nullptr;
  std::optional<pending_json_block> json_block_;
  std::optional<timestamp> last_stamp_;
  input_stats stats_;
  diagnostics problems_;
  bool finished_ = false;
  bool time_only_stamps_ = false;
};

}  // namespace loopscope::normalize
