// One input as a stream of normalized events on the analysis's clock (input_decoder does the
// decoding, background_decoding runs it on a thread of its own for large inputs).
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
#include "loopscope/normalize/background_decoding.hpp"
#include "loopscope/normalize/input_decoder.hpp"
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

// One input as a stream of normalized events, pulled one at a time, on the analysis's clock.
// A large input is decoded on a thread of its own when the analysis has a core to spare
// (read_in_background); the events and the accounting are the same either way.
class event_source final {
 public:
  event_source(input_index index, ingest::input_spec spec, std::optional<format_id> forced,
               const ingest::read_limits& limits, const proxy_clock& clock = {});
  ~event_source();
  event_source(const event_source&) = delete;
  event_source& operator=(const event_source&) = delete;

  // The next event without taking it; nullptr at the end of the input.
  const sourced_event* peek();
  sourced_event pop();
  // Reads ahead until `count` events are queued (or the input ends); they stay queued.
  const event_queue& read_ahead(std::size_t count);

  // Added to every stamp of this input (clock skew, a date given to time-only stamps), including
  // the events already read ahead.
  void set_clock_offset(std::int64_t micros);
  std::int64_t clock_offset() const { return offset_micros_; }

  // Decodes on a thread of its own if the input is large enough and `policy` has a core to
  // give. Set before the first read; never for lines from open_lines_with.
  void read_in_background(background_policy policy) { background_policy_ = std::move(policy); }

  // Releases the reading buffers; the accounting stays. Re-reading is not possible after this.
  void close();
  bool finished() const { return finished_ && queue_.empty(); }
  // Lines from `opener` instead of the spec's file (watch mode feeds lines as they are written).
  void open_lines_with(line_opener opener) { opener_ = std::move(opener); }

  input_index index() const { return index_; }
  const ingest::input_spec& spec() const { return spec_; }
  // Accounting: final once finished() or closed. While a background thread decodes, it is
  // only read at the end.
  const input_stats& stats() const;
  const diagnostics& problems() const;
  format_id dominant_format() const;
  // Whether an event so far had a time-only stamp, which took its date from date_day().
  bool has_time_only_stamps() const;
  date_origin dated_by() const { return dated_by_; }
  std::int64_t date_day() const { return date_day_; }  // days since 1970-01-01

 private:
  // Reads until something is queued or the input ends.
  void fill();
  void start_decoding();
  bool wants_background() const;
  // Moves the stamps of the events queued from position `from` on by `micros`: new events by the
  // clock offset, all of them by a change of it.
  void shift_queued(std::size_t from, std::int64_t micros);
  void end_decoding();

  input_index index_;
  ingest::input_spec spec_;
  std::optional<format_id> forced_;
  std::shared_ptr<const time_zone> zone_;  // kept alive for context_.zone
  date_origin dated_by_ = date_origin::today;
  std::int64_t date_day_ = 0;
  input_context context_;
  ingest::read_limits limits_;
  line_opener opener_;
  background_policy background_policy_;
  std::unique_ptr<input_decoder> decoder_;           // reads nothing until the first read
  std::unique_ptr<background_decoding> background_;  // while a thread decodes
  event_queue queue_;
  std::int64_t offset_micros_ = 0;
  bool started_ = false;
  bool finished_ = false;
};

}  // namespace loopscope::normalize
