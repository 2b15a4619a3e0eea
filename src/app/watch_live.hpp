// Watch mode's live side: each followed input is decoded by the same event_source as `analyze`,
// fed from a queue of lines instead of a file, on a thread of its own (a decoder waits for its
// next line); the events of every input come out of one queue, in the order they were decoded.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "loopscope/normalize/event_source.hpp"

namespace loopscope::app {

// Lines handed from the follower (the watch loop) to one decoder thread.
class line_queue {
 public:
  void push(std::string_view line);
  void push_long(std::uint64_t length);  // a line over the cap, counted by the decoder
  void close();                          // no more lines: the decoder's input ends
  // Waits for the next line; nothing once closed and empty.
  bool pop(std::string& into, std::uint64_t& long_length);
  std::size_t pending_bytes() const;

 private:
  mutable std::mutex mutex_;
  std::condition_variable ready_;
  std::deque<std::pair<std::string, std::uint64_t>> lines_;  // (text, length of a long line)
  std::size_t bytes_ = 0;
  bool closed_ = false;
};

struct live_event {
  normalize::sourced_event sourced;
  input_index input = 0;
  bool time_only = false;  // its input's stamps had no date (HH:MM:SS): the date was guessed
  bool shifted = false;    // moved by its input's day shift already
};

// What the decoders produce, for the watch loop; wakes it through a pipe.
class event_queue {
 public:
  event_queue();
  ~event_queue();
  void push(live_event e);  // waits while the loop is far behind (bounded memory)
  std::deque<live_event> take_all();
  int wake_fd() const { return pipe_[0]; }
  void drain_wake();
  void wake();

 private:
  std::mutex mutex_;
  std::condition_variable room_;
  std::deque<live_event> events_;
  int pipe_[2] = {-1, -1};
};

// One followed input, decoded on its own thread.
class live_input {
 public:
  live_input(input_index index, ingest::input_spec spec, std::optional<format_id> forced,
             const normalize::proxy_clock& clock, event_queue& out);
  ~live_input();
  line_queue& lines() { return *lines_; }
  void close() { lines_->close(); }
  void join();
  bool done() const { return done_; }

 private:
  std::shared_ptr<line_queue> lines_;
  std::unique_ptr<normalize::event_source> source_;
  std::atomic<bool> done_{false};
  std::thread thread_;
};

}  // namespace loopscope::app
