#include "loopscope/detect/interval_union.hpp"

#include <algorithm>

namespace loopscope::detect {

void interval_union::add(std::int64_t start, std::int64_t end) {
  if (end < start) return;
  // The first stretch that ends at or after this start: everything before it stays apart.
  auto first = std::lower_bound(parts_.begin(), parts_.end(), start,
                                [](const auto& part, std::int64_t s) { return part.second < s; });
  auto last = first;
  while (last != parts_.end() && last->first <= end) {
    start = std::min(start, last->first);
    end = std::max(end, last->second);
    ++last;
  }
  first = parts_.erase(first, last);
  parts_.insert(first, {start, end});
}

std::int64_t interval_union::total_ms(const std::optional<timestamp>& low,
                                      const std::optional<timestamp>& high) const {
  std::int64_t micros = 0;
  for (auto [s, e] : parts_) {
    if (low) s = std::max(s, low->micros);
    if (high) e = std::min(e, high->micros);
    if (e > s) micros += e - s;
  }
  return micros / 1000;
}

}  // namespace loopscope::detect
