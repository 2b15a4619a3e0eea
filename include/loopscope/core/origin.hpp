// Where a piece of evidence came from: which input and which line of it.
#pragma once

#include <cstdint>

namespace loopscope {

// Inputs are numbered in the order the input list was expanded; the report maps numbers to paths.
using input_index = std::uint32_t;

struct origin {
  input_index input = 0;
  std::uint64_t line = 0;  // 1-based; for multi-line records, the first line

  friend constexpr bool operator==(const origin&, const origin&) = default;
};

}  // namespace loopscope
