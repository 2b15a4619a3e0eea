// Hash containers keyed by std::string that are looked up by any text (std::string_view, a
// shared_text's view) without building a key per lookup.
#pragma once

#include <cstddef>
#include <functional>
#include <string>
#include <string_view>
#include <unordered_map>

namespace loopscope {

struct text_hash {
  using is_transparent = void;
  std::size_t operator()(std::string_view text) const noexcept {
    return std::hash<std::string_view>{}(text);
  }
};

// An unordered map from texts: find(), count() and contains() take a std::string_view.
template <typename Value>
using text_map = std::unordered_map<std::string, Value, text_hash, std::equal_to<>>;

}  // namespace loopscope
