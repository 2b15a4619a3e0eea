// Turns what the user named (files, directories, "-") into the ordered list of inputs to read.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "loopscope/core/diagnostic.hpp"

namespace loopscope::ingest {

struct input_spec {
  std::string display_path;         // as named, or the path found under a named directory
  std::filesystem::path file_path;  // empty for stdin
  bool is_stdin = false;
};

struct input_list {
  std::vector<input_spec> inputs;
  // Names that could not be opened or walked (missing file, unreadable directory, symlink loop).
  std::vector<std::string> unreadable;
  diagnostics problems;
};

// Directories are walked recursively in lexicographic order so output never depends on the
// file system's listing order; symlinked directories are followed once (loops are reported).
input_list expand_inputs(const std::vector<std::string>& names);

}  // namespace loopscope::ingest
