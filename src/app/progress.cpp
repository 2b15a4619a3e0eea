#include "progress.hpp"

#include <sys/ioctl.h>
#include <unistd.h>

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

}  // namespace

progress_meter::progress_meter(progress_display display, std::uint64_t total_files,
                               std::uint64_t total_disk_bytes)
    : display_(display),
      total_files_(total_files),
      total_disk_bytes_(total_disk_bytes),
      started_(std::chrono::steady_clock::now()) {
  if (display_ == progress_display::terminal) thread_ = std::thread([this] { loop(); });
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
  const double mb = static_cast<double>(read_bytes_.load()) / 1e6;
  const std::uint64_t disk = disk_bytes_.load();
  std::string line =
      fmt::format("loopscope: {}/{} files, {:.1f} MB, {} sessions, {:.1f} MB/s", files_.load(),
                  total_files_, mb, sessions_.load(), elapsed > 0 ? mb / elapsed : 0.0);
  if (disk > 0 && total_disk_bytes_ > disk) {
    line += ", ETA " + eta_text(elapsed * static_cast<double>(total_disk_bytes_ - disk) /
                                static_cast<double>(disk));
  }
  const std::size_t width = stderr_width();
  if (line.size() >= width) line.resize(width - 1);
  line = "\r" + line + "\x1b[K";
  [[maybe_unused]] const ssize_t n = ::write(STDERR_FILENO, line.data(), line.size());
  drawn_ = true;
}

}  // namespace loopscope::app
