// One input as a stream of normalized events, pulled one at a time: line stream → format
// detection per line → the format's decoder → events, with the input's accounting.
#pragma once

#include <array>
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

// How the stamps of proxy logs that carry no date or no zone are read (--proxy-date, --proxy-tz).
struct proxy_clock {
  std::optional<std::int64_t> day;        // days since 1970-01-01 for time-only stamps
  std::shared_ptr<const time_zone> zone;  // the zone of stamps that name none; nullptr: UTC
};

// Where an input's time-only stamps got their date before the session stage re-dates them from
// the Codex logs beside them.
enum class date_origin : unsigned char {
  given,              // --proxy-date
  modification_time,  // the file's modification day, in the proxy's zone
  today,              // standard input has no file date
};

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

// A pretty-printed JSON object being gathered line by line. Outside event_source: clang 14 does
// not see a nested struct with member initializers as default-constructible inside its class.
struct pending_json_block {
  origin first;
  std::string compact;
  std::size_t lines = 0;
  int depth = 0;
  bool in_string = false;
  bool escaped = false;
};

class event_source final : private event_sink {
 public:
  event_source(input_index index, ingest::input_spec spec, std::optional<format_id> forced,
               const ingest::read_limits& limits, const proxy_clock& clock = {});

  // The next event without taking it; nullptr at the end of the input.
  const sourced_event* peek();
  sourced_event pop();
  // Reads ahead until `count` events are queued (or the input ends); they stay queued.
  const std::deque<sourced_event>& read_ahead(std::size_t count);

  // Added to every stamp of this input (clock skew, a date given to time-only stamps), including
  // the events already read ahead.
  void set_clock_offset(std::int64_t micros);
  std::int64_t clock_offset() const { return offset_micros_; }

  // Releases the reading buffers; the accounting stays. Re-reading is not possible after this.
  void close();
  // Back to the start, as if nothing had been read, buffers released (reopened on the next
  // read). False for stdin, which cannot be read twice.
  bool rewind();
  bool finished() const { return finished_ && queue_.empty(); }
  // Lines from `opener` instead of the spec's file (watch mode feeds lines as they are written).
  using line_opener = std::function<std::unique_ptr<ingest::line_stream>()>;
  void open_lines_with(line_opener opener) { opener_ = std::move(opener); }

  input_index index() const { return index_; }
  const ingest::input_spec& spec() const { return spec_; }
  // Accounting so far (final once finished()).
  const input_stats& stats() const { return stats_; }
  const diagnostics& problems() const { return problems_; }
  format_id dominant_format() const { return tally_.dominant(); }
  // Whether an event so far had a time-only stamp, which took its date from date_day().
  bool has_time_only_stamps() const { return time_only_stamps_; }
  date_origin dated_by() const { return dated_by_; }
  std::int64_t date_day() const { return date_day_; }  // days since 1970-01-01

 private:
  void on_event(event&& e) override;
  bool read_more();  // one line; false at the end of input
  void normalize_line(format_id format, std::string_view text, origin where);
  format_normalizer* normalizer_for(format_id format);
  // Offers a line no format claimed to the registry's fallback format (the generic reader).
  bool try_fallback(std::string_view text, origin where);
  void continue_json_block(std::string_view text);
  std::unique_ptr<ingest::line_stream> open_lines() const;
  void count(const line_result& result);
  void finish_input();
  void pair_or_queue(event&& e);
  void flush_held_request();

  input_index index_;
  ingest::input_spec spec_;
  std::optional<format_id> forced_;
  std::shared_ptr<const time_zone> zone_;  // kept alive for context_.zone
  date_origin dated_by_ = date_origin::today;
  std::int64_t date_day_ = 0;
  input_context context_;
  ingest::read_limits limits_;
  std::unique_ptr<ingest::line_stream> lines_;
  line_opener opener_;
  std::vector<std::unique_ptr<format_normalizer>> normalizers_;  // by format_id
  format_normalizer* previous_ = nullptr;
  formats::format_tally tally_;
  std::deque<sourced_event> queue_;
  // A proxy's "request received" record waits for the access line that gives its status.
  std::optional<event> held_request_;
  std::vector<event>* diverted_ = nullptr;  // see try_fallback
  std::optional<pending_json_block> json_block_;
  std::optional<timestamp> last_stamp_;
  std::int64_t offset_micros_ = 0;
  input_stats stats_;
  diagnostics problems_;
  bool finished_ = false;
  bool time_only_stamps_ = false;
};

}  // namespace loopscope::normalize
