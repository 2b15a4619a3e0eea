// --on-alert CMD: runs a command for each alert with its JSON line on stdin. CMD is split into
// words (quotes group, backslash escapes) and run with execvp, never by a shell: the alert is
// data on stdin, never part of a command line. One command at a time, on a thread of its own:
// the watcher never waits for it. Alerts that arrive while the queue is full are dropped and
// counted; a command still running after the time limit is killed.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

namespace loopscope::app {

// The words of CMD, or an error (an unclosed quote, nothing to run).
struct command_words {
  std::vector<std::string> words;
  std::string error;
};
command_words split_command(const std::string& text);

class alert_command {
 public:
  alert_command(std::vector<std::string> argv, std::size_t max_queued = 64,
                int time_limit_ms = 10'000);
  ~alert_command();  // waits for the queued commands (each within its time limit)
  void submit(std::string json_line);
  std::uint64_t dropped() const;
  std::uint64_t failed() const;  // could not start, exited non-zero, or was killed

 private:
  void run_one(const std::string& json_line);
  void work();

  std::vector<std::string> argv_;
  std::size_t max_queued_;
  int time_limit_ms_;
  mutable std::mutex mutex_;
  std::condition_variable ready_;
  std::deque<std::string> queue_;
  bool stopping_ = false;
  std::uint64_t dropped_ = 0;
  std::uint64_t failed_ = 0;
  std::thread thread_;
};

}  // namespace loopscope::app
