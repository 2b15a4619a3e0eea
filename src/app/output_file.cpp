#include "output_file.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <iostream>

#include <fmt/format.h>

namespace loopscope::app {
namespace {

// What a new file gets: 0666 less the umask, as any program that creates a file does.
mode_t new_file_permissions() {
  const mode_t mask = ::umask(0);
  ::umask(mask);
  return 0666 & ~mask;
}

// A symlink that points nowhere yet: the file it names is the one to create.
std::string dangling_target(const std::string& path) {
  std::error_code ec;
  const std::filesystem::path link(path);
  const std::filesystem::path target = std::filesystem::read_symlink(link, ec);
  if (ec) return path;
  return (target.is_absolute() ? target : link.parent_path() / target).string();
}

}  // namespace

output_target::~output_target() {
  if (!committed_ && !temp_path_.empty()) {
    file_.close();
    ::unlink(temp_path_.c_str());
  }
}

std::string output_target::fail(int error) {
  open_error_ = fmt::format("cannot write {}: {}", *path_, std::strerror(error));
  return open_error_;
}

std::string output_target::open() {
  if (!path_ || opened_) return open_error_;
  opened_ = true;
  struct stat info {};
  // /dev/stdout and /proc/self/fd/N name a descriptor the caller holds (a pipe, a terminal, a
  // file opened for appending): written through, never replaced behind the caller's back.
  const bool names_descriptor = path_->starts_with("/dev/") || path_->starts_with("/proc/");
  if (::stat(path_->c_str(), &info) == 0) {
    if (S_ISDIR(info.st_mode)) {
      open_error_ = fmt::format("cannot write {}: it is a directory", *path_);
      return open_error_;
    }
    if (!S_ISREG(info.st_mode) || names_descriptor) {
      how_ = mode::in_place;
      // Opening a FIFO waits for its reader, as `> fifo` in a shell does. A regular file behind
      // a descriptor name is appended to, as the descriptor's holder opened it.
      file_.open(*path_,
                 std::ios::binary | (S_ISREG(info.st_mode) ? std::ios::app : std::ios::out));
      if (!file_) return fail(errno);
      return {};
    }
    char resolved[PATH_MAX];
    if (::realpath(path_->c_str(), resolved) == nullptr) return fail(errno);
    return open_replacement(resolved, info.st_mode & 07777);
  }
  if (errno != ENOENT) return fail(errno);
  struct stat link {};
  const bool dangling = ::lstat(path_->c_str(), &link) == 0 && S_ISLNK(link.st_mode);
  return open_replacement(dangling ? dangling_target(*path_) : *path_, new_file_permissions());
}

std::string output_target::open_replacement(const std::string& final_path, mode_t permissions) {
  final_path_ = final_path;
  const std::filesystem::path target(final_path_);
  const std::filesystem::path directory =
      target.has_parent_path() ? target.parent_path() : std::filesystem::path(".");
  // In the target's directory, so the final rename stays on one file system (atomic).
  std::string temp =
      (directory / fmt::format(".{}.tmp.XXXXXX", target.filename().string())).string();
  const int fd = ::mkstemp(temp.data());
  if (fd < 0) return fail(errno);
  ::fchmod(fd, permissions);
  ::close(fd);
  temp_path_ = std::move(temp);
  file_.open(temp_path_, std::ios::binary | std::ios::trunc);
  if (!file_) return fail(errno);
  return {};
}

std::ostream& output_target::stream() {
  if (!path_) return std::cout;
  (void)open();
  return file_;  // a stream that failed to open swallows the output; commit() reports it
}

std::string output_target::commit() {
  if (!path_) {
    std::cout.flush();
    return {};
  }
  (void)stream();  // a command that printed nothing still writes an (empty) file
  if (!open_error_.empty()) return open_error_;
  file_.flush();
  const bool written = static_cast<bool>(file_);
  file_.close();
  if (!written || file_.fail()) return fail(errno);
  if (how_ == mode::in_place) {
    committed_ = true;
    return {};
  }
  // Flushed to disk before the rename, so a crash never leaves an empty report in place.
  const int fd = ::open(temp_path_.c_str(), O_RDONLY);
  const bool synced = fd >= 0 && ::fsync(fd) == 0;
  if (fd >= 0) ::close(fd);
  if (!synced || ::rename(temp_path_.c_str(), final_path_.c_str()) != 0) return fail(errno);
  committed_ = true;
  return {};
}

// -o is made ready before any input is read: an unwritable path fails in a second, not after
// the night's analysis.
bool ready(output_target& target) {
  if (const std::string error = target.open(); !error.empty()) {
    std::cerr << "loopscope: " << error << '\n';
    return false;
  }
  return true;
}

int finish(output_target& target) {
  if (const std::string error = target.commit(); !error.empty()) {
    std::cerr << "loopscope: " << error << '\n';
    return 2;  // exit_trouble
  }
  return 0;
}

}  // namespace loopscope::app
