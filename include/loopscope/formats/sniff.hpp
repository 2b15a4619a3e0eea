// Format detection by content: which known format a line belongs to, from cheap prefix checks.
#pragma once

#include <cstdint>
#include <string_view>

#include "loopscope/core/format_id.hpp"

namespace loopscope::formats {

// Decides from the line alone; `unknown` when no format claims it (blank lines included).
format_id sniff_line(std::string_view line);

// `docker compose logs` writes "litellm-1  | " before each line: the rest is the real line.
// Returns the line without such a prefix (unchanged when there is none).
std::string_view strip_container_prefix(std::string_view line);

// One sample line per format, for `loopscope formats`.
std::string_view sample_line(format_id id);
std::string_view format_description(format_id id);

// Tallies the formats of one input's lines to name the input's format in the report.
class format_tally {
 public:
  void count(format_id id);
  format_id dominant() const;
  bool mixed() const;

 private:
  std::uint64_t counts_[8] = {};
};

}  // namespace loopscope::formats
