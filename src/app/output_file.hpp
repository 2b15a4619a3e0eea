// Where a command's output goes: stdout, or a file replaced atomically (temp file + rename), so
// a nightly job never finds half a report.
#pragma once

#include <optional>
#include <sstream>
#include <string>

namespace loopscope::app {

class output_target {
 public:
  explicit output_target(std::optional<std::string> path) : path_(std::move(path)) {}

  std::ostream& stream() { return path_ ? static_cast<std::ostream&>(buffer_) : stdout_stream(); }
  // Writes the file (if any). Returns an error message, or empty on success.
  std::string commit();
  bool to_file() const { return path_.has_value(); }

 private:
  static std::ostream& stdout_stream();
  std::optional<std::string> path_;
  std::ostringstream buffer_;
};

}  // namespace loopscope::app
