// Where a command's output goes: stdout, or a file replaced atomically (temp file + rename), so
// a nightly job never finds half a report.
#pragma once

#include <fstream>
#include <optional>
#include <string>

namespace loopscope::app {

class output_target {
 public:
  explicit output_target(std::optional<std::string> path) : path_(std::move(path)) {}
  output_target(const output_target&) = delete;
  output_target& operator=(const output_target&) = delete;
  // An output never committed (the command failed) leaves no file behind, not even a temporary.
  ~output_target();

  // For a file: a temporary file beside it, opened on first use; the report streams into it
  // rather than into memory, so a large report costs no more memory than a small one.
  std::ostream& stream();
  // Renames the temporary file into place (if any). Returns an error message, or empty.
  std::string commit();
  bool to_file() const { return path_.has_value(); }

 private:
  static std::ostream& stdout_stream();
  std::optional<std::string> path_;
  std::string temp_path_;  // empty until opened
  std::string open_error_;
  std::ofstream file_;
  bool committed_ = false;
};

}  // namespace loopscope::app
