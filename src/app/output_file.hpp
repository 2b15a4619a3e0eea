// Where a command's output goes: stdout, or the file of -o. A regular file (or one that does not
// exist yet) is replaced atomically: a temporary file beside it, renamed over it, so a nightly
// job never finds half a report; it keeps the mode of the file it replaces, and a symlink stays
// a symlink (its target is replaced). Anything else — a FIFO, a character device such as
// /dev/null, /dev/stdout — is opened and written in place: replacing it would destroy it.
#pragma once

#include <sys/types.h>

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

  // Makes the destination ready to take the output: commands call it before they read any
  // input, so an unwritable -o fails at once rather than after hours of analysis. Returns an
  // error message naming the path, or empty. Called by stream() when not called before.
  std::string open();
  // The output streams into the destination rather than into memory, so a large report costs
  // no more memory than a small one.
  std::ostream& stream();
  // Renames the temporary file into place (if any). Returns an error message, or empty.
  std::string commit();
  bool to_file() const { return path_.has_value(); }

 private:
  enum class mode : unsigned char { replace, in_place };
  std::string fail(int error);
  std::string open_replacement(const std::string& final_path, mode_t permissions);

  std::optional<std::string> path_;
  mode how_ = mode::replace;
  std::string final_path_;  // the file renamed over: the path with its symlinks resolved
  std::string temp_path_;   // empty until opened
  std::string open_error_;
  std::ofstream file_;
  bool opened_ = false;
  bool committed_ = false;
};

// Opens the target, or says why not on stderr (one line) and returns false.
bool ready(output_target& target);
// Commits the target; 0, or 2 (exit_trouble) after saying why on stderr.
int finish(output_target& target);

}  // namespace loopscope::app
