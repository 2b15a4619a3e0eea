#include "loopscope/normalize/event_source.hpp"

#include <sys/stat.h>

#include <ctime>
#include <tuple>

#include "loopscope/ingest/sqlite_logs.hpp"

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

bool is_proxy_answer(const event& e) {
  return e.kind == event_kind::response || e.kind == event_kind::ws_error ||
         e.kind == event_kind::ws_connect;
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
  stats_.path = spec_.display_path;
}

bool event_source::rewind() {
  if (spec_.is_stdin) return false;
  lines_.reset();
  normalizers_.clear();
  previous_ = nullptr;
  tally_ = {};
  queue_.clear();
  held_request_.reset();
  last_stamp_.reset();
  stats_ = {};
  stats_.path = spec_.display_path;
  problems_.clear();
  finished_ = false;
  return true;
}

const sourced_event* event_source::peek() {
  while (queue_.empty() && !finished_) {
    if (!read_more()) finish_input();
  }
  return queue_.empty() ? nullptr : &queue_.front();
}

const std::deque<sourced_event>& event_source::read_ahead(std::size_t count) {
  while (queue_.size() < count && !finished_) {
    if (!read_more()) finish_input();
  }
  return queue_;
}

sourced_event event_source::pop() {
  peek();
  sourced_event next = std::move(queue_.front());
  queue_.pop_front();
  return next;
}

void event_source::set_clock_offset(std::int64_t micros) {
  const std::int64_t delta = micros - offset_micros_;
  offset_micros_ = micros;
  auto shift = [delta](std::optional<timestamp>& t) {
    if (t) t = timestamp{t->micros + delta};
  };
  for (sourced_event& queued : queue_) {
    shift(queued.e.time);
    shift(queued.when);
  }
  if (held_request_) shift(held_request_->time);
  shift(last_stamp_);
}

void event_source::close() {
  if (!finished_) {
    if (!lines_) lines_ = open_lines();  // account for the input
    finish_input();
  }
  lines_.reset();
  normalizers_.clear();
  previous_ = nullptr;
}

std::unique_ptr<ingest::line_stream> event_source::open_lines() const {
  if (opener_) return opener_();
  // Codex's logs_2.sqlite is read as its rows, rendered as tracing lines.
  if (!spec_.is_stdin && ingest::is_sqlite_file(spec_.file_path)) {
    return ingest::open_sqlite_logs(spec_);
  }
  return ingest::line_stream::open(spec_, limits_);
}

bool event_source::read_more() {
  if (!lines_) lines_ = open_lines();
  const std::optional<ingest::line_stream::line> line = lines_->next();
  if (!line) return false;
  if (line->truncated) {
    ++stats_.truncated;
    return true;
  }
  const std::string_view text = formats::strip_container_prefix(line->text);
  const origin where{index_, line->number};
  if (json_block_) {
    continue_json_block(text);
    return true;
  }
  const format_id format = forced_ ? *forced_ : formats::sniff_line(text);
  if (format == format_id::unknown) {
    // Perhaps the next line of a multi-line record (a traceback) of the previous format.
    line_result result;
    if (previous_ != nullptr && previous_->continue_record(text, where, result)) {
      count(result);
      return true;
    }
    // A JSON object printed over several lines (an app-server notification pasted in an issue).
    if (trim(text) == "{") {
      json_block_.emplace();
      json_block_->first = where;
      continue_json_block(text);
      return true;
    }
    // The generic reader claims only the lines its catalogues understand.
    if (try_fallback(text, where)) return true;
    tally_.count(format);
    ++stats_.skipped;
    return true;
  }
  normalize_line(format, text, where);
  return true;
}

format_normalizer* event_source::normalizer_for(format_id format) {
  const auto index = static_cast<std::size_t>(format);
  if (normalizers_.size() <= index) normalizers_.resize(formats::registry().table_size());
  if (normalizers_.size() <= index) return nullptr;
  std::unique_ptr<format_normalizer>& normalizer = normalizers_[index];
  if (!normalizer) normalizer = make_normalizer(format, context_);
  return normalizer.get();
}

void event_source::normalize_line(format_id format, std::string_view text, origin where) {
  format_normalizer* normalizer = normalizer_for(format);
  if (normalizer == nullptr) {  // a forced format without a decoder cannot happen: checked at load
    tally_.count(format_id::unknown);
    ++stats_.skipped;
    return;
  }
  tally_.count(format);
  if (previous_ != nullptr && previous_ != normalizer) previous_->finish(*this);
  previous_ = normalizer;
  count(normalizer->normalize(text, where, *this));
}

bool event_source::try_fallback(std::string_view text, origin where) {
  const std::optional<format_id> fallback = formats::registry().fallback();
  if (!fallback) return false;
  format_normalizer* normalizer = normalizer_for(*fallback);
  if (normalizer == nullptr) return false;
  // Its events wait until the record before it (another format's) is finished: order is kept.
  std::vector<event> claimed;
  diverted_ = &claimed;
  const line_result result = normalizer->normalize(text, where, *this);
  diverted_ = nullptr;
  if (result.outcome == line_outcome::skipped && !result.unknown_type && claimed.empty()) {
    return false;  // not its line either
  }
  tally_.count(*fallback);
  if (previous_ != nullptr && previous_ != normalizer) previous_->finish(*this);
  previous_ = normalizer;
  for (event& e : claimed) on_event(std::move(e));
  count(result);
  return true;
}

// Collects the lines of a pretty-printed JSON object until its braces balance, then reads it as
// one compact line (numbered by its first line). Blocks that do not close within bounds, or that
// no format claims, are counted as skipped lines, each of them.
void event_source::continue_json_block(std::string_view text) {
  constexpr std::size_t max_lines = 512;
  constexpr std::size_t max_bytes = 1 << 20;
  pending_json_block* block = &*json_block_;
  ++block->lines;
  for (const char c : text) {
    if (block->in_string) {
      block->compact += c;
      if (block->escaped) {
        block->escaped = false;
      } else if (c == '\\') {
        block->escaped = true;
      } else if (c == '"') {
        block->in_string = false;
      }
      continue;
    }
    if (c == ' ' || c == '\t') continue;
    block->compact += c;
    if (c == '"') block->in_string = true;
    if (c == '{' || c == '[') ++block->depth;
    if (c == '}' || c == ']') --block->depth;
  }
  const bool closed = block->depth <= 0 && !block->in_string;
  if (!closed && block->lines < max_lines && block->compact.size() < max_bytes) return;
  pending_json_block finished = std::move(*json_block_);
  json_block_.reset();
  const format_id format = closed && !forced_ ? formats::sniff_line(finished.compact)
                                              : (forced_ ? *forced_ : format_id::unknown);
  if (format == format_id::unknown) {
    stats_.skipped += finished.lines;
    tally_.count(format_id::unknown);
    return;
  }
  const std::size_t length = finished.compact.size();
  finished.compact.append(ingest::line_padding, '\0');
  const std::uint64_t malformed_before = stats_.malformed;
  const std::uint64_t used_before = stats_.used;
  normalize_line(format, std::string_view(finished.compact.data(), length), finished.first);
  // The block's other lines share the first line's fate.
  if (stats_.used > used_before) {
    stats_.used += finished.lines - 1;
  } else if (stats_.malformed > malformed_before) {
    stats_.malformed += finished.lines - 1;
  } else {
    stats_.skipped += finished.lines - 1;
  }
}

// "used" may come without an event yet: a multi-line record emits when it is complete, and
// context lines (turn_context) only inform later events.
void event_source::count(const line_result& result) {
  if (result.unknown_type) ++stats_.unknown_types;
  switch (result.outcome) {
    case line_outcome::malformed:
      ++stats_.malformed;
      break;
    case line_outcome::used:
      ++stats_.used;
      break;
    case line_outcome::skipped:
      ++stats_.skipped;
      break;
  }
}

void event_source::finish_input() {
  if (finished_) return;
  if (json_block_) {  // the input ended inside a block: its lines were read, not understood
    stats_.skipped += json_block_->lines;
    json_block_.reset();
  }
  for (auto& normalizer : normalizers_) {
    if (normalizer) normalizer->finish(*this);
  }
  flush_held_request();
  finished_ = true;
  if (lines_) {
    const ingest::read_outcome& outcome = lines_->outcome();
    stats_.lines = outcome.lines;
    stats_.bytes = outcome.bytes;
    stats_.compression = outcome.compression;
    stats_.status = !outcome.opened    ? read_status::unreadable
                    : outcome.complete ? read_status::complete
                                       : read_status::partial;
    for (diagnostic d : outcome.problems) {
      d.where.input = index_;
      problems_.push_back(std::move(d));
    }
  }
  stats_.format = forced_ ? *forced_ : tally_.dominant();
  stats_.mixed_formats = tally_.mixed();
  lines_.reset();
}

void event_source::on_event(event&& e) {
  if (diverted_ != nullptr) {
    diverted_->push_back(std::move(e));
    return;
  }
  ++stats_.events;
  if (e.time_is == time_quality::date_inferred) time_only_stamps_ = true;
  if (e.time) {
    e.time = timestamp{e.time->micros + offset_micros_};
    last_stamp_ = e.time;
  }
  pair_or_queue(std::move(e));
}

// A proxy logs a request twice: the record with its headers (join keys, a time) and the access
// line with its status (no time). They become one event: keys and time of the first, status,
// client, line and excerpt of the second.
void event_source::pair_or_queue(event&& e) {
  if (role_of(e.source) != source_role::proxy) {
    queue_.push_back({std::move(e), last_stamp_});
    return;
  }
  if (e.kind == event_kind::request) {
    flush_held_request();
    held_request_ = std::move(e);
    return;
  }
  if (held_request_ && is_proxy_answer(e) &&
      (held_request_->http.path.empty() || e.http.path.empty() ||
       held_request_->http.path == e.http.path)) {
    event merged = std::move(e);
    event& request = *held_request_;
    if (!merged.time) {
      merged.time = request.time;
      merged.time_is = request.time_is;
    }
    if (merged.session_key.empty() || merged.session_key == context_.input_key) {
      merged.session_key = request.session_key;
    }
    if (merged.turn_key.empty()) merged.turn_key = request.turn_key;
    if (merged.request_id.empty()) merged.request_id = request.request_id;
    if (merged.http.method.empty()) merged.http.method = request.http.method;
    if (merged.model.empty()) merged.model = request.model;
    // A request's kind is `request` unless the answer was a WebSocket verdict.
    if (merged.kind == event_kind::response) merged.kind = event_kind::request;
    held_request_.reset();
    --stats_.events;  // two lines, one event
    const std::optional<timestamp> when = merged.time ? merged.time : last_stamp_;
    queue_.push_back({std::move(merged), when});
    return;
  }
  if (!is_proxy_answer(e)) {
    // Warnings and router errors about the held request come between its two lines.
    queue_.push_back({std::move(e), last_stamp_});
    return;
  }
  if (e.kind == event_kind::response) e.kind = event_kind::request;  // an access line alone
  flush_held_request();
  queue_.push_back({std::move(e), last_stamp_});
}

void event_source::flush_held_request() {
  if (!held_request_) return;
  event request = std::move(*held_request_);
  held_request_.reset();
  const std::optional<timestamp> when = request.time ? request.time : last_stamp_;
  queue_.push_back({std::move(request), when});
}

}  // namespace loopscope::normalize
