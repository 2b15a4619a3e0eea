// Targets that read a path (the whole pipeline, the SQLite reader) get the fuzzer's bytes as a
// file: one per process, rewritten for every input.
#pragma once

#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <string>

namespace loopscope::fuzzing {

// The file's path, or "" when it could not be written.
inline std::string as_input_file(const char* kind, const std::uint8_t* data, std::size_t size) {
  const std::string path =
      std::string("/tmp/loopscope-fuzz-") + kind + "-" + std::to_string(::getpid());
  std::FILE* file = std::fopen(path.c_str(), "wb");
  if (file == nullptr) return {};
  const bool written = size == 0 || std::fwrite(data, 1, size, file) == size;
  return std::fclose(file) == 0 && written ? path : std::string();
}

}  // namespace loopscope::fuzzing
