// Format detection by content: which known format a line belongs to, from cheap prefix checks.
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

#include "loopscope/core/format_id.hpp"

namespace loopscope::formats {

// Decides from the line alone, by the installed registry; `unknown` when no format claims it
// (blank lines included).
format_id sniff_line(std::string_view line);

// `docker compose logs` writes "litellm-1  | " before each line: the rest is the real line.
// Returns the line without such a prefix (unchanged when there is none).
std::string_view strip_container_prefix(std::string_view line);

// Tallies the formats of one input's lines to name the input's format in the report.
class format_tally {
 public:
  void count(format_id id);
  format_id dominant() const;
  bool mixed() const;

 private:
  std::vector<std::uint64_t> counts_;  // indexed by format_id, grown as ids appear
};

}  // namespace loopscope::formats
