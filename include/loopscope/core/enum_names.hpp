// One table per enum, read both ways: a constexpr array of {value, name} pairs and these two
// look-ups, instead of a switch for each direction.
#pragma once

#include <optional>
#include <string_view>

namespace loopscope {

template <typename Table, typename Enum>
constexpr std::string_view name_in(const Table& table, Enum value, std::string_view fallback) {
  for (const auto& [v, name] : table) {
    if (v == value) return name;
  }
  return fallback;
}

template <typename Table>
constexpr auto value_in(const Table& table, std::string_view name)
    -> std::optional<typename Table::value_type::first_type> {
  for (const auto& [v, n] : table) {
    if (n == name) return v;
  }
  return std::nullopt;
}

}  // namespace loopscope
