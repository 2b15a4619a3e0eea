#include "progress.hpp"

#include <sys/ioctl.h>
#include <unistd.h>

#include <algorithm>
#include <csignal>
#include <string>

#include <fmt/format.h>

namespace loopscope::app {
namespace {

std::size_t stderr_width() {
  winsize size{};
  if (::ioctl(STDERR_FILENO, TIOCGWINSZ, &size) == 0 && size.ws_col >= 20) return size.ws_col;
  return 80;
}

std::string eta_text(double seconds) {
  const auto s = static_cast<long long>(seconds + 0.5);
  if (s >= 3600) return fmt::format("{}h{:02}m", s / 3600, (s / 60) % 60);
  if (s >= 60) return fmt::format("{}m{:02}s", s / 60, s % 60);
  return fmt::format("{}s", s);
}

// Whether a progress line is on screen, for the Ctrl-C handler: it clears the line, then lets
// SIGINT end the process as it would have.
std::atomic<bool> line_on_screen{false};

void clear_and_reraise(int signal) {
  if (line_on_screen.load()) {
    static constexpr char clear[] = "\r\x1b[K";
    [[maybe_unused]] const ssize_t n = ::write(STDERR_FILENO, clear, sizeof clear - 1);
  }
  std::signal(signal, SIG_DFL);
  std::raise(signal);
}

}  // namespace

progress_meter::progress_meter(progress_display display, std::uint64_t total_files,
                               std::uint64_t total_disk_bytes)
    : display_(display),
      total_files_(total_files),
      total_disk_bytes_(total_disk_bytes),
      started_(std::chrono::steady_clock::now()) {
  if (display_ == progress_display::terminal) {
    std::signal(SIGINT, clear_and_reraise);
    std::signal(SIGTERM, clear_and_reraise);
    thread_ = std::thread([this] { loop(); });
  }
}

progress_meter::~progress_meter() {
  finish();
}

void progress_meter::group_done(std::uint64_t files, std::uint64_t disk_bytes,
                                std::uint64_t read_bytes, std::uint64_t sessions) {
  files_ += files;
  disk_bytes_ += disk_bytes;
  read_bytes_ += read_bytes;
  sessions_ += sessions;
}

void progress_meter::finish() {
  if (!thread_.joinable()) return;
  {
    const std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  thread_.join();
  if (drawn_) {
    const std::string clear = "\r\x1b[K";
    [[maybe_unused]] const ssize_t n = ::write(STDERR_FILENO, clear.data(), clear.size());
  }
  line_on_screen = false;
  std::signal(SIGINT, SIG_DFL);
  std::signal(SIGTERM, SIG_DFL);
}

void progress_meter::loop() {
  std::unique_lock lock(mutex_);
  while (!wake_.wait_for(lock, std::chrono::milliseconds(250), [this] { return stopping_; })) {
    // Short runs stay silent: the line would only flicker.
    if (std::chrono::steady_clock::now() - started_ < std::chrono::seconds(1)) continue;
    draw();
  }
}

void progress_meter::draw() {
  const double elapsed =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started_).count();
  // Raw bytes as read, clamped to what is on disk: a large directory is surveyed, then read
  // again from the start, so its first blocks are counted twice.
  const std::uint64_t done = std::min(std::max(live_bytes_.load(), disk_bytes_.load()),
                                      std::max(total_disk_bytes_, disk_bytes_.load()));
  const double mb = static_cast<double>(done) / 1e6;
  const std::uint64_t sessions = sessions_.load();
  std::string line =
      fmt::format("loopscope: {}/{} files, {:.1f}/{:.1f} MB, {} session{}, {:.1f} MB/s",
                  files_.load(), total_files_, mb, static_cast<double>(total_disk_bytes_) / 1e6,
                  sessions, sessions == 1 ? "" : "s", elapsed > 0 ? mb / elapsed : 0.0);
  if (done > 0 && total_disk_bytes_ > done) {
    line += ", ETA " + eta_text(elapsed * static_cast<double>(total_disk_bytes_ - done) /
                                static_cast<double>(done));
  }
  const std::size_t width = stderr_width();
  if (line.size() >= width) line.resize(width - 1);
  line = "\r" + line + "\x1b[K";
  [[maybe_unused]] const ssize_t n = ::write(STDERR_FILENO, line.data(), line.size());
  drawn_ = true;
  line_on_screen = true;
}

}  // namespace loopscope::app
