// One input's lines decoded into events, in order, on the input's own clock: line stream →
// format detection per line → the format's decoder → events, with the input's accounting.
// It knows nothing of threads or clock offsets: event_source adds those.
#pragma once

#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <string>
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
  bool read_line(std::deque<sourced_event>& out);
  // Ends the input: records still open are completed into `out`, the accounting made final.
  void finish(std::deque<sourced_event>& out);
  bool finished() const { return finished_; }

  const input_stats& stats() const { return stats_; }
  const diagnostics& problems() const { return problems_; }
  format_id dominant_format() const { return tally_.dominant(); }
  bool has_time_only_stamps() const { return time_only_stamps_; }

 private:
  void on_event(event&& e) override;
  void normalize_line(format_id format, std::string_view text, origin where);
  format_normalizer* normalizer_for(format_id format);
  // Offers a line no format claimed to the registry's fallback format (the generic reader).
  bool try_fallback(std::string_view text, origin where);
  void continue_json_block(std::string_view text);
  std::unique_ptr<ingest::line_stream> open_lines() const;
  void count(const line_result& result);
  void pair_or_queue(event&& e);
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
  std::deque<sourced_event>* out_ = nullptr;  // where the line being read puts its events
  // A proxy's "request received" record waits for the access line that gives its status.
  std::optional<event> held_request_;
  std::vector<event>* diverted_ = nullptr;  // see try_fallback
  std::optional<pending_json_block> json_block_;
  std::optional<timestamp> last_stamp_;
  input_stats stats_;
  diagnostics problems_;
  bool finished_ = false;
  bool time_only_stamps_ = false;
};

}  // namespace loopscope::normalize
