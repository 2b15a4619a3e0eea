// Follows inputs that are still being written (`loopscope watch`): a file across growth,
// truncation and rotation (renamed and recreated, as logrotate does), a directory tree whose files
// appear later, and a stream (stdin). Whole lines are handed on exactly once each; raw bytes too,
// as read, for a pass-through (--tee). inotify tells when to look where it is available; else
// the caller polls on a timer. No threads: the caller's loop calls poll().
#pragma once

#include <sys/types.h>

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace loopscope::ingest {

// Where a file that exists when following starts is read from; files that appear later are
// always read from their start.
enum class start_at : unsigned char { end, beginning };

class follow_sink {
 public:
  virtual ~follow_sink() = default;
  virtual void on_bytes(std::string_view) {}        // as read, before lines are split
  virtual void on_line(std::string_view line) = 0;  // without its '\n'
  virtual void on_long_line(std::uint64_t) {}       // over the cap: dropped, its length given
};

struct follow_limits {
  std::size_t max_line_bytes = std::size_t{64} << 20;
  std::size_t max_read_per_poll = std::size_t{1} << 20;  // bytes; the rest on the next poll
};

// Splits bytes into lines, keeping the unfinished last one (bounded by the cap).
class line_assembler {
 public:
  explicit line_assembler(std::size_t max_line_bytes) : max_(max_line_bytes) {}
  void feed(std::string_view bytes, follow_sink& sink);
  // The unfinished line as a line (its file ended: rotated away, truncated, end of stream).
  void flush(follow_sink& sink);
  void discard_to_newline() { discarding_ = true; }

 private:
  std::size_t max_;
  std::string partial_;
  std::uint64_t dropped_ = 0;  // bytes of a too-long line dropped so far
  bool discarding_ = false;    // skipping the rest of a line (too long, or begun before us)
};

struct follow_counts {
  std::uint64_t bytes = 0;
  std::uint64_t rotations = 0;    // the path named a new file; the old one was read to its end
  std::uint64_t truncations = 0;  // the file shrank (or was rewritten): read again from 0
  std::uint64_t reopens = 0;      // the file appeared (again) after it was missing
};

// One path. The open file is identified by device and inode: when the path names another file,
// the old one is read to its end first, then the new one from its start.
class file_follower {
 public:
  file_follower(std::filesystem::path path, start_at start, follow_limits limits = {});
  ~file_follower();
  file_follower(const file_follower&) = delete;
  file_follower& operator=(const file_follower&) = delete;

  // Reads what was added since the last call (at most max_read_per_poll). True when it read
  // something or has more to read.
  bool poll(follow_sink& sink);
  // The end of following: an unfinished last line is handed on as a line.
  void finish(follow_sink& sink);
  // Releases the file descriptor (an idle file). The position stays: the next poll goes on
  // where this one stopped when the path still names the same file, else reads the new one.
  void release();
  bool released() const { return released_; }
  // Released, and the path now names another file or one of another size: poll() has work.
  bool changed_since_release() const;

  const std::filesystem::path& path() const { return path_; }
  const follow_counts& counts() const { return counts_; }
  bool is_open() const { return fd_ >= 0; }
  // The open file's device and inode.
  std::optional<std::pair<dev_t, ino_t>> identity() const {
    if (fd_ < 0) return std::nullopt;
    return std::pair{dev_, ino_};
  }

 private:
  bool open_file(bool at_end);
  void close_file();
  bool read_some(follow_sink& sink, std::size_t& budget);
  bool head_changed();
  bool reopen_released(follow_sink& sink);

  std::filesystem::path path_;
  start_at start_;
  follow_limits limits_;
  line_assembler lines_;
  int fd_ = -1;
  dev_t dev_ = 0;
  ino_t ino_ = 0;
  off_t offset_ = 0;
  std::string head_;   // the file's first bytes, to tell a rewrite from growth
  bool seen_ = false;  // a file has been opened at this path before
  bool released_ = false;
  off_t released_size_ = 0;
  follow_counts counts_;
};

// A stream that cannot be reopened or sought (stdin, a pipe): read when readable, until its end.
class stream_follower {
 public:
  explicit stream_follower(int fd, follow_limits limits = {});
  // Reads what is available without waiting. False at the end of the stream.
  bool poll(follow_sink& sink);
  bool ended() const { return ended_; }
  // Following stops before the stream's end: an unfinished last line is handed on as a line.
  void finish(follow_sink& sink) { lines_.flush(sink); }
  int fd() const { return fd_; }
  std::uint64_t bytes() const { return bytes_; }

 private:
  int fd_;
  follow_limits limits_;
  line_assembler lines_;
  bool ended_ = false;
  std::uint64_t bytes_ = 0;
};

// The files of a directory tree whose names pass `accept`, as they appear. Files there at the
// first scan start at `start`; later ones at their beginning.
class tree_follower {
 public:
  using name_filter = std::function<bool(const std::filesystem::path&)>;
  tree_follower(std::filesystem::path root, start_at start, name_filter accept);
  // New files since the last scan (in path order), with where to start reading them.
  std::vector<std::pair<std::filesystem::path, start_at>> scan();
  // Directories under the root (for inotify watches), as of the last scan.
  const std::vector<std::filesystem::path>& directories() const { return directories_; }
  const std::filesystem::path& root() const { return root_; }

 private:
  std::filesystem::path root_;
  start_at start_;
  name_filter accept_;
  bool scanned_ = false;
  std::map<std::string, bool> known_;  // every file seen (path → accepted)
  std::vector<std::filesystem::path> directories_;
};

// When to look again: inotify on the watched directories, or a plain timer.
enum class notify_mode : unsigned char { inotify, polling };

class change_notifier {
 public:
  explicit change_notifier(notify_mode wanted);
  ~change_notifier();
  change_notifier(const change_notifier&) = delete;
  change_notifier& operator=(const change_notifier&) = delete;

  notify_mode mode() const { return mode_; }
  // Watches a directory's entries (files created, written, renamed, removed). Idempotent; true
  // when the directory is watched from now on (it was not before).
  bool watch_directory(const std::filesystem::path& dir);
  // Waits until a watched directory changed, one of `fds` is readable, or `timeout_ms` passed.
  // True when inotify reported a file created or moved in (a tree may have a new file).
  bool wait(int timeout_ms, const std::vector<int>& fds);

 private:
  notify_mode mode_;
  int fd_ = -1;
  std::map<std::string, int> watches_;
};

}  // namespace loopscope::ingest
