#include "loopscope/normalize/event_source.hpp"

#include <sys/stat.h>

#include <ctime>
#include <tuple>

namespace loopscope::normalize {
namespace {

constexpr std::int64_t seconds_per_day = 86'400;

std::int64_t floor_div(std::int64_t a, std::int64_t b) {
  return a / b - (a % b != 0 && (a < 0) != (b < 0));
}

// The day given to time-only stamps until the session stage re-dates them from Codex's logs:
// --proxy-date, else the file's modification day (today for stdin) on the proxy's wall clock.
std::pair<std::int64_t, date_origin> date_for(const ingest::input_spec& spec,
                                              const proxy_clock& clock) {
  if (clock.day) return {*clock.day, date_origin::given};
  std::int64_t seconds = 0;
  date_origin origin = date_origin::today;
  struct stat info {};
  if (!spec.is_stdin && ::stat(spec.file_path.c_str(), &info) == 0) {
    seconds = info.st_mtime;
    origin = date_origin::modification_time;
  } else {
    seconds = static_cast<std::int64_t>(std::time(nullptr));
  }
  if (clock.zone) seconds += clock.zone->offset_at(seconds);
  return {floor_div(seconds, seconds_per_day), origin};
}

}  // namespace

std::string_view trim(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
  return text;
}

source_role role_of(format_id format) {
  const formats::format_info* info = formats::registry().info(format);
  return info != nullptr ? info->role : source_role::client;
}

event_source::event_source(input_index index, ingest::input_spec spec,
                           std::optional<format_id> forced, const ingest::read_limits& limits,
                           const proxy_clock& clock)
    : index_(index), spec_(std::move(spec)), forced_(forced), zone_(clock.zone), limits_(limits) {
  std::tie(date_day_, dated_by_) = date_for(spec_, clock);
  context_.input_key = "input:" + spec_.display_path;
  context_.date_hint = timestamp{date_day_ * seconds_per_day * 1'000'000};
  context_.zone = zone_.get();
  decoder_ = std::make_unique<input_decoder>(index_, spec_, forced_, limits_, context_, opener_);
}

// The thread is stopped before the decoder it reads with goes.
event_source::~event_source() {
  background_.reset();
}

bool event_source::wants_background() const {
  if (!background_policy_.threads || opener_) return false;
  if (spec_.is_stdin) return true;
  struct stat info {};
  if (::stat(spec_.file_path.c_str(), &info) != 0 || !S_ISREG(info.st_mode)) return false;
  const auto size = static_cast<std::uint64_t>(info.st_size);
  if (size >= background_policy_.min_file_bytes) return true;
  // A compressed log holds several times its size in lines (zstd about ten times).
  constexpr std::uint64_t compression_ratio = 8;
  return size * compression_ratio >= background_policy_.min_file_bytes &&
         ingest::is_compressed_file(spec_.file_path);
}

void event_source::start_decoding() {
  started_ = true;
  if (wants_background() && background_policy_.threads->try_take()) {
    // Decompression, if any, then gets a thread of its own too: the reader of the events has
    // time to spare on its core.
    limits_.decompression = ingest::decompress_on::own_thread;
    background_ = std::make_unique<background_decoding>(*decoder_, background_policy_.threads);
  }
}

void event_source::fill() {
  if (!started_) start_decoding();
  const std::size_t before = queue_.size();
  if (background_) {
    if (!background_->take(queue_)) end_decoding();
  } else if (!decoder_->read_line(queue_)) {
    decoder_->finish(queue_);
    finished_ = true;
  }
  shift_queued(before, offset_micros_);
}

void event_source::end_decoding() {
  background_.reset();  // the thread has ended: joined at once
  finished_ = true;
}

void event_source::shift_queued(std::size_t from, std::int64_t micros) {
  if (micros == 0) return;
  for (std::size_t i = from; i < queue_.size(); ++i) {
    sourced_event& queued = queue_[i];
    if (queued.e.time) queued.e.time = timestamp{queued.e.time->micros + micros};
    if (queued.when) queued.when = timestamp{queued.when->micros + micros};
  }
}

const sourced_event* event_source::peek() {
  while (queue_.empty() && !finished_) fill();
  return queue_.empty() ? nullptr : &queue_.front();
}

const event_queue& event_source::read_ahead(std::size_t count) {
  while (queue_.size() < count && !finished_) fill();
  return queue_;
}

sourced_event event_source::pop() {
  peek();
  return queue_.take_front();
}

// The decoder works on the input's own clock; the offset is added as events are queued, so a
// new offset moves only what is queued already.
void event_source::set_clock_offset(std::int64_t micros) {
  shift_queued(0, micros - offset_micros_);
  offset_micros_ = micros;
}

void event_source::close() {
  background_.reset();  // stops the thread; what it had read ahead is accounted for below
  const std::size_t before = queue_.size();
  decoder_->finish(queue_);
  shift_queued(before, offset_micros_);
  finished_ = true;
}

const input_stats& event_source::stats() const {
  return decoder_->stats();
}
const diagnostics& event_source::problems() const {
  return decoder_->problems();
}
format_id event_source::dominant_format() const {
  return decoder_->dominant_format();
}
bool event_source::has_time_only_stamps() const {
  return background_ ? background_->has_time_only_stamps() : decoder_->has_time_only_stamps();
}

}  // namespace loopscope::normalize
