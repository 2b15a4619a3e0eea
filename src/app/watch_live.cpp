#include "watch_live.hpp"

#include <fcntl.h>
#include <unistd.h>

namespace loopscope::app {
namespace {

constexpr std::size_t max_queued_events = 65'536;

// The reader's view of a line_queue: what event_source pulls its lines from.
class queued_line_stream final : public ingest::line_stream {
 public:
  explicit queued_line_stream(std::shared_ptr<line_queue> lines) : lines_(std::move(lines)) {}

  std::optional<line> next() override {
    std::uint64_t long_length = 0;
    if (!lines_->pop(text_, long_length)) return std::nullopt;
    ++outcome_.lines;
    line out;
    out.number = outcome_.lines;
    if (long_length > 0) {
      out.truncated = true;
      out.length = long_length;
      return out;
    }
    outcome_.bytes += text_.size() + 1;
    if (!text_.empty() && text_.back() == '\r') text_.pop_back();  // CRLF, as line_stream does
    text_.append(ingest::line_padding, '\0');
    out.text = std::string_view(text_.data(), text_.size() - ingest::line_padding);
    return out;
  }
  const ingest::read_outcome& outcome() const override { return outcome_; }

 private:
  std::shared_ptr<line_queue> lines_;
  std::string text_;
  ingest::read_outcome outcome_;
};

}  // namespace

void line_queue::push(std::string_view line) {
  {
    const std::lock_guard lock(mutex_);
    lines_.emplace_back(std::string(line), 0);
    bytes_ += line.size() + 1;
  }
  ready_.notify_one();
}

void line_queue::push_long(std::uint64_t length) {
  {
    const std::lock_guard lock(mutex_);
    lines_.emplace_back(std::string(), length);
  }
  ready_.notify_one();
}

void line_queue::close() {
  {
    const std::lock_guard lock(mutex_);
    closed_ = true;
  }
  ready_.notify_all();
}

bool line_queue::pop(std::string& into, std::uint64_t& long_length) {
  std::unique_lock lock(mutex_);
  ready_.wait(lock, [&] { return closed_ || !lines_.empty(); });
  if (lines_.empty()) return false;
  into = std::move(lines_.front().first);
  long_length = lines_.front().second;
  bytes_ -= into.size() + 1;
  lines_.pop_front();
  return true;
}

std::size_t line_queue::pending_bytes() const {
  const std::lock_guard lock(mutex_);
  return bytes_;
}

event_queue::event_queue() {
  if (::pipe2(pipe_, O_CLOEXEC | O_NONBLOCK) != 0) pipe_[0] = pipe_[1] = -1;
}

event_queue::~event_queue() {
  for (const int fd : pipe_) {
    if (fd >= 0) ::close(fd);
  }
}

void event_queue::push(live_event e) {
  bool was_empty = false;
  {
    std::unique_lock lock(mutex_);
    room_.wait(lock, [&] { return events_.size() < max_queued_events; });
    was_empty = events_.empty();
    events_.push_back(std::move(e));
  }
  if (was_empty && pipe_[1] >= 0) {
    const char byte = 1;
    [[maybe_unused]] const ssize_t ignored = ::write(pipe_[1], &byte, 1);
  }
}

std::deque<live_event> event_queue::take_all() {
  std::deque<live_event> taken;
  {
    const std::lock_guard lock(mutex_);
    taken.swap(events_);
  }
  room_.notify_all();
  return taken;
}

void event_queue::wake() {
  if (pipe_[1] >= 0) {
    const char byte = 1;
    [[maybe_unused]] const ssize_t ignored = ::write(pipe_[1], &byte, 1);
  }
}

void event_queue::drain_wake() {
  char bytes[256];
  while (pipe_[0] >= 0 && ::read(pipe_[0], bytes, sizeof bytes) > 0) {
  }
}

live_input::live_input(input_index index, ingest::input_spec spec, std::optional<format_id> forced,
                       const normalize::proxy_clock& clock, event_queue& out)
    : lines_(std::make_shared<line_queue>()) {
  source_ = std::make_unique<normalize::event_source>(index, std::move(spec), forced,
                                                      ingest::read_limits{}, clock);
  source_->open_lines_with(
      [lines = lines_] { return std::make_unique<queued_line_stream>(lines); });
  thread_ = std::thread([this, index, &out] {
    while (source_->peek() != nullptr) {
      live_event e{source_->pop(), index, source_->has_time_only_stamps()};
      out.push(std::move(e));
    }
    done_ = true;
    out.wake();
  });
}

live_input::~live_input() {
  close();
  join();
}

void live_input::join() {
  if (thread_.joinable()) thread_.join();
}

}  // namespace loopscope::app
