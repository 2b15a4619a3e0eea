// A progress line on stderr for long runs: files, MB, sessions, rate, ETA, by the bytes read so
// far (inside a join group too, so one big file moves it). Only on a terminal, only after the
// first second, refreshed at most 4 times a second, cleared at the end and on Ctrl-C.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <thread>

namespace loopscope::app {

enum class progress_display : unsigned char { off, terminal };

class progress_meter {
 public:
  progress_meter(progress_display display, std::uint64_t total_files,
                 std::uint64_t total_disk_bytes);
  ~progress_meter();
  progress_meter(const progress_meter&) = delete;
  progress_meter& operator=(const progress_meter&) = delete;

  // A join group is done (read or taken from --state). Thread-safe.
  void group_done(std::uint64_t files, std::uint64_t disk_bytes, std::uint64_t read_bytes,
                  std::uint64_t sessions);
  // Stops the refreshing and clears the line.
  void finish();
  // The readers add the raw bytes they read here (ingest::read_limits::bytes_read).
  std::atomic<std::uint64_t>* bytes_counter() { return &live_bytes_; }

 private:
  void loop();
  void draw();

  progress_display display_;
  std::uint64_t total_files_;
  std::uint64_t total_disk_bytes_;
  std::atomic<std::uint64_t> files_{0};
  std::atomic<std::uint64_t> disk_bytes_{0};
  std::atomic<std::uint64_t> read_bytes_{0};
  std::atomic<std::uint64_t> live_bytes_{0};
  std::atomic<std::uint64_t> sessions_{0};
  std::chrono::steady_clock::time_point started_;
  std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;
  bool drawn_ = false;
  std::thread thread_;
};

}  // namespace loopscope::app
