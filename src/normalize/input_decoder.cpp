#include "loopscope/normalize/input_decoder.hpp"

#include "loopscope/ingest/sqlite_logs.hpp"
#include "loopscope/normalize/text_template.hpp"

namespace loopscope::normalize {
namespace {

bool is_proxy_answer(const event& e) {
  return e.kind == event_kind::response || e.kind == event_kind::ws_error ||
         e.kind == event_kind::ws_connect;
}

}  // namespace

input_decoder::input_decoder(input_index index, const ingest::input_spec& spec,
                             std::optional<format_id> forced, const ingest::read_limits& limits,
                             const input_context& context, const line_opener& opener)
    : index_(index),
      spec_(spec),
      forced_(forced),
      limits_(limits),
      context_(context),
      opener_(opener) {
  stats_.path = spec_.display_path;
}

std::unique_ptr<ingest::line_stream> input_decoder::open_lines() const {
  if (opener_) return opener_();
  // Codex's logs_2.sqlite is read as its rows, rendered as tracing lines.
  if (!spec_.is_stdin && ingest::is_sqlite_file(spec_.file_path)) {
    return ingest::open_sqlite_logs(spec_);
  }
  return ingest::line_stream::open(spec_, limits_);
}

bool input_decoder::read_line(event_queue& out) {
  if (!lines_) lines_ = open_lines();
  const std::optional<ingest::line_stream::line> line = lines_->next();
  if (!line) return false;
  out_ = &out;
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

format_normalizer* input_decoder::normalizer_for(format_id format) {
  const auto index = static_cast<std::size_t>(format);
  if (normalizers_.size() <= index) normalizers_.resize(formats::registry().table_size());
  if (normalizers_.size() <= index) return nullptr;
  std::unique_ptr<format_normalizer>& normalizer = normalizers_[index];
  if (!normalizer) normalizer = make_normalizer(format, context_);
  return normalizer.get();
}

void input_decoder::normalize_line(format_id format, std::string_view text, origin where) {
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

bool input_decoder::try_fallback(std::string_view text, origin where) {
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
void input_decoder::continue_json_block(std::string_view text) {
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
void input_decoder::count(const line_result& result) {
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

void input_decoder::finish(event_queue& out) {
  if (finished_) return;
  if (!lines_) lines_ = open_lines();  // an input never read is still accounted for
  out_ = &out;
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
  lines_.reset();  // the reading buffers go; the accounting stays
  previous_ = nullptr;
  normalizers_.clear();
}

bool input_decoder::waits_for_pairing(const event& e) const {
  return role_of(e.source) == source_role::proxy &&
         (e.kind == event_kind::request || is_proxy_answer(e));
}

// A proxy's request or answer may wait to be paired, and events offered to the fallback format may
// be dropped: any other event is queued as it comes (pair_or_queue), at the position noted.
bool input_decoder::completes_later(const event& e) const {
  return deferred_ != nullptr && diverted_ == nullptr && !waits_for_pairing(e);
}

// Completes `e` from `text` now, or notes that the reader is to (the event is queued next), then
// delivers it.
void input_decoder::complete_and_deliver(event&& e, std::string_view text,
                                         event_completer_fn complete, template_state state) {
  if (completes_later(e) && text.size() <= deferred_work::longest_text) {
    deferred_->completions.push_back({out_->size(), deferred_->text.size(), text.size(), complete});
    deferred_->text.append(text);
  } else {
    complete(text, e);
  }
  deliver(std::move(e), state);
}

void input_decoder::on_event_completed_from(event&& e, std::string_view text,
                                            event_completer_fn complete) {
  complete_and_deliver(std::move(e), text, complete, template_state::made);
}

void input_decoder::on_event_completed_masking(event&& e, std::string_view text,
                                               event_completer_fn complete) {
  complete_and_deliver(std::move(e), text, complete, template_state::to_mask);
}

void deferred_work::complete(event_queue& events) {
  const std::string_view all = text;
  for (const pending& p : completions) {
    p.complete(all.substr(p.offset, p.length), events[p.event].e);
  }
  for (const std::size_t position : masks) {
    event& e = events[position].e;
    e.text_template = mask_text(e.message);
  }
  clear();
}

void input_decoder::on_event(event&& e) {
  deliver(std::move(e), template_state::made);
}

void input_decoder::on_event_masking_message(event&& e) {
  deliver(std::move(e), template_state::to_mask);
}

void input_decoder::deliver(event&& e, template_state state) {
  if (diverted_ != nullptr) {
    // Offered to the fallback format: maybe dropped, else replayed through on_event, made.
    if (state == template_state::to_mask) e.text_template = mask_text(e.message);
    diverted_->push_back(std::move(e));
    return;
  }
  ++stats_.events;
  if (e.time_is == time_quality::date_inferred) time_only_stamps_ = true;
  if (e.time) {
    last_stamp_ = e.time;
  }
  pair_or_queue(std::move(e), state);
}

// The batch being filled takes the masking when it is handed to another thread; a held request
// may be queued into a later batch than the one it was read in, so this is decided here.
void input_decoder::queue(event&& e, std::optional<timestamp> when, template_state state) {
  if (state == template_state::to_mask) {
    if (deferred_ != nullptr) {
      deferred_->masks.push_back(out_->size());
    } else {
      e.text_template = mask_text(e.message);
    }
  }
  out_->push_back({std::move(e), when});
}

// A proxy logs a request twice: the record with its headers (join keys, a time) and the access
// line with its status (no time). They become one event: keys and time of the first, status,
// client, line and excerpt of the second.
void input_decoder::pair_or_queue(event&& e, template_state state) {
  if (role_of(e.source) != source_role::proxy) {
    queue(std::move(e), last_stamp_, state);
    return;
  }
  if (e.kind == event_kind::request) {
    flush_held_request();
    held_request_ = std::move(e);
    held_template_ = state;
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
    queue(std::move(merged), when, state);  // the message is the answer's
    return;
  }
  if (!is_proxy_answer(e)) {
    // Warnings and router errors about the held request come between its two lines.
    queue(std::move(e), last_stamp_, state);
    return;
  }
  if (e.kind == event_kind::response) e.kind = event_kind::request;  // an access line alone
  flush_held_request();
  queue(std::move(e), last_stamp_, state);
}

void input_decoder::flush_held_request() {
  if (!held_request_) return;
  event request = std::move(*held_request_);
  held_request_.reset();
  const std::optional<timestamp> when = request.time ? request.time : last_stamp_;
  queue(std::move(request), when, held_template_);
}

}  // namespace loopscope::normalize
