// Time covered by a set of intervals, each instant counted once: overlapping findings of one
// session (a turn failure inside the stream retries inside the request retries) must not add up
// to more time than passed.
#pragma once

#include <cstdint>
#include <optional>
#include <utility>
#include <vector>

#include "loopscope/core/timestamp.hpp"

namespace loopscope::detect {

class interval_union {
 public:
  // [start, end] in microseconds; an empty or reversed interval adds nothing. Kept merged, so the
  // memory is the number of disjoint stretches, not of intervals added.
  void add(std::int64_t start, std::int64_t end);
  void add(const std::optional<timestamp>& start, const std::optional<timestamp>& end) {
    if (start && end) add(start->micros, end->micros);
  }
  void add(const interval_union& other) {
    for (const auto& [s, e] : other.parts_) add(s, e);
  }
  // Milliseconds covered, only within [low, high] when given.
  std::int64_t total_ms(const std::optional<timestamp>& low = std::nullopt,
                        const std::optional<timestamp>& high = std::nullopt) const;
  bool empty() const { return parts_.empty(); }

 private:
  std::vector<std::pair<std::int64_t, std::int64_t>> parts_;  // sorted, disjoint
};

}  // namespace loopscope::detect
