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

std::string output_target::commit() {
  if (!path_) {
    std::cout.flush();
    return {};
  }
  const std::filesystem::path target(*path_);
  const std::filesystem::path directory =
      target.has_parent_path() ? target.parent_path() : std::filesystem::path(".");
  std::string temp =
      (directory / fmt::format(".{}.tmp.XXXXXX", target.filename().string())).string();
  const int fd = ::mkstemp(temp.data());
  if (fd < 0) return fmt::format("cannot write {}: {}", *path_, std::strerror(errno));
  const std::string data = buffer_.str();
  std::size_t written = 0;
  while (written < data.size()) {
    const ssize_t n = ::write(fd, data.data() + written, data.size() - written);
    if (n < 0) {
      if (errno == EINTR) continue;
      const std::string message = fmt::format("cannot write {}: {}", *path_, std::strerror(errno));
      ::close(fd);
      ::unlink(temp.c_str());
      return message;
    }
    written += static_cast<std::size_t>(n);
  }
  ::fchmod(fd, 0644);
  if (::fsync(fd) != 0 || ::close(fd) != 0 || ::rename(temp.c_str(), path_->c_str()) != 0) {
    const std::string message = fmt::format("cannot write {}: {}", *path_, std::strerror(errno));
    ::unlink(temp.c_str());
    return message;
  }
  return {};
}

}  // namespace loopscope::app
