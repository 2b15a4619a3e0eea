#include "output_file.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <iostream>

#include <fmt/format.h>

namespace loopscope::app {

std::ostream& output_target::stdout_stream() {
  return std::cout;
}

output_target::~output_target() {
  if (!committed_ && !temp_path_.empty()) {
    file_.close();
    ::unlink(temp_path_.c_str());
  }
}

std::ostream& output_target::stream() {
  if (!path_) return stdout_stream();
  if (temp_path_.empty() && open_error_.empty()) {
    const std::filesystem::path target(*path_);
    const std::filesystem::path directory =
        target.has_parent_path() ? target.parent_path() : std::filesystem::path(".");
    // In the target's directory, so the final rename stays on one file system (atomic).
    std::string temp =
        (directory / fmt::format(".{}.tmp.XXXXXX", target.filename().string())).string();
    const int fd = ::mkstemp(temp.data());
    if (fd < 0) {
      open_error_ = fmt::format("cannot write {}: {}", *path_, std::strerror(errno));
    } else {
      ::fchmod(fd, 0644);
      ::close(fd);
      temp_path_ = std::move(temp);
      file_.open(temp_path_, std::ios::binary | std::ios::trunc);
      if (!file_) open_error_ = fmt::format("cannot write {}: {}", *path_, std::strerror(errno));
    }
  }
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
  if (!written || file_.fail())
    return fmt::format("cannot write {}: {}", *path_, std::strerror(errno));
  // Flushed to disk before the rename, so a crash never leaves an empty report in place.
  const int fd = ::open(temp_path_.c_str(), O_RDONLY);
  const bool synced = fd >= 0 && ::fsync(fd) == 0;
  if (fd >= 0) ::close(fd);
  if (!synced || ::rename(temp_path_.c_str(), path_->c_str()) != 0) {
    return fmt::format("cannot write {}: {}", *path_, std::strerror(errno));
  }
  committed_ = true;
  return {};
}

}  // namespace loopscope::app
