#include "loopscope/ingest/file_follower.hpp"

#include <fcntl.h>
#include <poll.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>

namespace loopscope::ingest {
namespace fs = std::filesystem;
namespace {

constexpr std::size_t read_chunk = 64 * 1024;
constexpr std::size_t head_bytes = 256;  // enough to tell a rewritten log from a grown one

std::ptrdiff_t pread_fully(int fd, char* into, std::size_t size, off_t at) {
  for (;;) {
    const ssize_t got = ::pread(fd, into, size, at);
    if (got < 0 && errno == EINTR) continue;
    return got;
  }
}

}  // namespace

void line_assembler::feed(std::string_view bytes, follow_sink& sink) {
  while (!bytes.empty()) {
    const std::size_t newline = bytes.find('\n');
    const std::string_view piece = bytes.substr(0, newline);
    if (discarding_) {
      dropped_ += piece.size();
    } else if (partial_.size() + piece.size() > max_) {
      dropped_ = partial_.size() + piece.size();
      partial_.clear();
      partial_.shrink_to_fit();
      discarding_ = true;
    } else {
      partial_.append(piece);
    }
    if (newline == std::string_view::npos) return;
    bytes.remove_prefix(newline + 1);
    if (discarding_) {
      if (dropped_ > 0) sink.on_long_line(dropped_);
      discarding_ = false;
      dropped_ = 0;
    } else {
      sink.on_line(partial_);
      partial_.clear();
    }
  }
}

void line_assembler::flush(follow_sink& sink) {
  if (discarding_) {
    if (dropped_ > 0 && dropped_ > 0) sink.on_long_line(dropped_);
  } else if (!partial_.empty()) {
    sink.on_line(partial_);
  }
  partial_.clear();
  discarding_ = false;
  dropped_ = 0;
}

file_follower::file_follower(fs::path path, start_at start, follow_limits limits)
    : path_(std::move(path)), start_(start), limits_(limits), lines_(limits.max_line_bytes) {
  // A file that does not exist yet appears later: all of it is new.
  struct stat info {};
  if (::stat(path_.c_str(), &info) != 0) start_ = start_at::beginning;
}

file_follower::~file_follower() {
  close_file();
}

void file_follower::close_file() {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
}

void file_follower::release() {
  if (fd_ < 0) return;
  struct stat info {};
  released_size_ = ::fstat(fd_, &info) == 0 ? info.st_size : offset_;
  close_file();
  released_ = true;
}

bool file_follower::changed_since_release() const {
  struct stat info {};
  if (!released_ || ::stat(path_.c_str(), &info) != 0) return false;
  return info.st_dev != dev_ || info.st_ino != ino_ || info.st_size != released_size_;
}

namespace {

// A descriptor of `path` when it is a regular file (its stat in `info`), else -1.
int open_regular(const std::string& path, struct stat& info) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
  if (fd < 0) return -1;
  if (::fstat(fd, &info) != 0 || !S_ISREG(info.st_mode)) {
    ::close(fd);
    return -1;
  }
  return fd;
}

}  // namespace

// Back to a released file: the same one goes on at its position, another is read from 0.
bool file_follower::reopen_released(follow_sink& sink) {
  struct stat info {};
  const int fd = open_regular(path_, info);
  if (fd < 0) return false;
  released_ = false;
  if (info.st_dev == dev_ && info.st_ino == ino_) {
    fd_ = fd;  // poll() tells growth from truncation as always
    return true;
  }
  ::close(fd);
  lines_.flush(sink);
  ++counts_.rotations;
  return open_file(false);
}

bool file_follower::open_file(bool at_end) {
  struct stat info {};
  const int fd = open_regular(path_, info);
  if (fd < 0) return false;
  fd_ = fd;
  dev_ = info.st_dev;
  ino_ = info.st_ino;
  offset_ = 0;
  head_.clear();
  if (at_end && info.st_size > 0) {
    offset_ = info.st_size;
    // What the file held is not ours; neither is the rest of a line it ends inside.
    char last = '\n';
    if (pread_fully(fd_, &last, 1, offset_ - 1) == 1 && last != '\n') lines_.discard_to_newline();
    std::array<char, head_bytes> head{};
    const std::ptrdiff_t got = pread_fully(fd_, head.data(), head.size(), 0);
    if (got > 0) head_.assign(head.data(), static_cast<std::size_t>(got));
  }
  return true;
}

// A file rewritten in place (truncated, then written past where we were before we looked) keeps
// its size growing: its first bytes tell.
bool file_follower::head_changed() {
  if (head_.empty()) return false;
  std::array<char, head_bytes> now{};
  const std::ptrdiff_t got = pread_fully(fd_, now.data(), head_.size(), 0);
  return got != static_cast<std::ptrdiff_t>(head_.size()) ||
         std::string_view(now.data(), head_.size()) != head_;
}

bool file_follower::read_some(follow_sink& sink, std::size_t& budget) {
  std::array<char, read_chunk> buffer{};
  bool any = false;
  while (budget > 0) {
    const std::ptrdiff_t got =
        pread_fully(fd_, buffer.data(), std::min(buffer.size(), budget), offset_);
    if (got <= 0) return any;
    const std::string_view bytes(buffer.data(), static_cast<std::size_t>(got));
    if (head_.size() < head_bytes && offset_ < static_cast<off_t>(head_bytes)) {
      const std::size_t want = head_bytes - head_.size();
      if (static_cast<std::size_t>(offset_) == head_.size()) head_.append(bytes.substr(0, want));
    }
    offset_ += got;
    budget -= static_cast<std::size_t>(got);
    counts_.bytes += static_cast<std::uint64_t>(got);
    sink.on_bytes(bytes);
    lines_.feed(bytes, sink);
    any = true;
  }
  return true;  // the budget ran out: there may be more
}

bool file_follower::poll(follow_sink& sink) {
  if (released_) {
    if (!changed_since_release() || !reopen_released(sink)) return false;
  }
  if (fd_ < 0) {
    // First sight: the start position as asked; a file that appears (again) later: from 0.
    if (!open_file(!seen_ && start_ == start_at::end)) return false;
    if (seen_) ++counts_.reopens;
    seen_ = true;
  }
  std::size_t budget = limits_.max_read_per_poll;
  struct stat info {};
  if (::fstat(fd_, &info) == 0 && (info.st_size < offset_ || head_changed())) {
    // Truncated (copytruncate) or rewritten: what is there now is new.
    lines_.flush(sink);
    ++counts_.truncations;
    offset_ = 0;
    head_.clear();
  }
  if (read_some(sink, budget)) return true;
  // Read to its end: does the path still name this file?
  struct stat named {};
  if (::stat(path_.c_str(), &named) != 0) return false;  // renamed away, not yet recreated
  if (named.st_dev == dev_ && named.st_ino == ino_) return false;
  // Rotated: the old file is read to its end (above); its last unfinished line is a line.
  lines_.flush(sink);
  close_file();
  if (!open_file(false)) return false;
  ++counts_.rotations;
  read_some(sink, budget);
  return true;
}

void file_follower::finish(follow_sink& sink) {
  while (fd_ >= 0 && poll(sink)) {
  }
  lines_.flush(sink);
}

stream_follower::stream_follower(int fd, follow_limits limits)
    : fd_(fd), limits_(limits), lines_(limits.max_line_bytes) {}

bool stream_follower::poll(follow_sink& sink) {
  if (ended_) return false;
  std::array<char, read_chunk> buffer{};
  std::size_t budget = limits_.max_read_per_poll;
  while (budget > 0) {
    pollfd ready{fd_, POLLIN, 0};
    if (::poll(&ready, 1, 0) <= 0 || (ready.revents & (POLLIN | POLLHUP | POLLERR)) == 0) {
      return true;
    }
    const ssize_t got = ::read(fd_, buffer.data(), std::min(buffer.size(), budget));
    if (got < 0 && (errno == EINTR || errno == EAGAIN)) return true;
    if (got <= 0) {
      lines_.flush(sink);
      ended_ = true;
      return false;
    }
    const std::string_view bytes(buffer.data(), static_cast<std::size_t>(got));
    bytes_ += static_cast<std::uint64_t>(got);
    budget -= static_cast<std::size_t>(got);
    sink.on_bytes(bytes);
    lines_.feed(bytes, sink);
  }
  return true;
}

tree_follower::tree_follower(fs::path root, start_at start, name_filter accept)
    : root_(std::move(root)), start_(start), accept_(std::move(accept)) {}

std::vector<std::pair<fs::path, start_at>> tree_follower::scan() {
  std::vector<std::pair<fs::path, start_at>> found;
  std::error_code ec;
  directories_.clear();
  if (!fs::is_directory(root_, ec)) {
    scanned_ = true;  // a folder that appears later holds new files only
    return found;
  }
  directories_.push_back(root_);
  for (fs::recursive_directory_iterator
           it(root_, fs::directory_options::skip_permission_denied, ec),
       end;
       it != end; it.increment(ec)) {
    if (ec) break;
    if (it->is_directory(ec)) {
      directories_.push_back(it->path());
      continue;
    }
    if (!it->is_regular_file(ec)) continue;
    const auto [known, inserted] = known_.try_emplace(it->path().string(), false);
    if (!inserted) continue;
    known->second = accept_ ? accept_(it->path()) : true;
    if (known->second) found.emplace_back(it->path(), scanned_ ? start_at::beginning : start_);
  }
  std::sort(found.begin(), found.end());
  scanned_ = true;
  return found;
}

change_notifier::change_notifier(notify_mode wanted) : mode_(wanted) {
  if (mode_ == notify_mode::inotify) {
    fd_ = ::inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
    if (fd_ < 0) mode_ = notify_mode::polling;  // no inotify here (or no instances left)
  }
}

change_notifier::~change_notifier() {
  if (fd_ >= 0) ::close(fd_);
}

bool change_notifier::watch_directory(const fs::path& dir) {
  if (mode_ != notify_mode::inotify || watches_.contains(dir.string())) return false;
  const int wd = ::inotify_add_watch(
      fd_, dir.c_str(),
      IN_MODIFY | IN_CREATE | IN_MOVED_TO | IN_MOVED_FROM | IN_DELETE | IN_CLOSE_WRITE | IN_ATTRIB);
  // A directory that does not exist yet is looked for again on the next call.
  if (wd < 0) return false;
  watches_.emplace(dir.string(), wd);
  return true;
}

bool change_notifier::wait(int timeout_ms, const std::vector<int>& fds) {
  std::vector<pollfd> wanted;
  if (fd_ >= 0) wanted.push_back({fd_, POLLIN, 0});
  for (const int fd : fds) wanted.push_back({fd, POLLIN, 0});
  if (::poll(wanted.data(), wanted.size(), timeout_ms) <= 0 || fd_ < 0) return false;
  bool created = false;
  alignas(inotify_event) std::array<char, 16 * 1024> buffer{};
  for (;;) {
    const ssize_t got = ::read(fd_, buffer.data(), buffer.size());
    if (got <= 0) break;
    for (std::size_t at = 0; at < static_cast<std::size_t>(got);) {
      const auto* e = reinterpret_cast<const inotify_event*>(buffer.data() + at);
      if ((e->mask & (IN_CREATE | IN_MOVED_TO | IN_Q_OVERFLOW)) != 0) created = true;
      at += sizeof(inotify_event) + e->len;
    }
  }
  return created;
}

}  // namespace loopscope::ingest
