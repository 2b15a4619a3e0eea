// Per-input accounting. Invariant: lines == used + skipped + malformed + truncated.
#pragma once

#include <cstdint>
#include <string>

#include "loopscope/core/format_id.hpp"

namespace loopscope {

enum class read_status : unsigned char { complete, partial, unreadable };

struct input_stats {
  std::string path;  // as the user named it ("-" for stdin)
  format_id format = format_id::unknown;
  bool mixed_formats = false;  // lines of more than one format were seen
  std::uint64_t bytes = 0;     // decompressed bytes read
  std::uint64_t lines = 0;
  std::uint64_t used = 0;       // lines that produced at least one event
  std::uint64_t skipped = 0;    // lines understood but irrelevant, blank, or of no known format
  std::uint64_t malformed = 0;  // lines of a known format that could not be decoded
  std::uint64_t truncated = 0;  // lines longer than the line cap, skipped
  std::uint64_t events = 0;
  std::uint64_t unknown_types = 0;  // records of a known format whose type we do not know yet
  read_status status = read_status::complete;
  std::string compression;  // "", "gzip", "zstd"

  bool accounting_holds() const { return lines == used + skipped + malformed + truncated; }
};

}  // namespace loopscope
