// Evaluating rule selectors against normalized events.
#include <re2/re2.h>
#include "loopscope/formats/registry.hpp"

#include <fmt/format.h>
#include <array>
#include <charconv>

#include "loopscope/detect/rule.hpp"

namespace loopscope::detect {
namespace {

constexpr std::array known_fields{
    "kind",        "source",  "lane",          "method",   "path",    "status",
    "transport",   "attempt", "attempt_limit", "delay_ms", "model",   "model_group",
    "error_class", "message", "template",      "tool",     "session", "turn_id",
    "request_id",  "client",  "outcome",       "tokens",   "phase"};

std::optional<double> as_number(const std::string& text) {
  double value = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return value;
}

bool holds(const field_test& test, const event& e) {
  const std::optional<std::string> value = field_value(e, test.field);
  switch (test.op) {
    case test_op::exists:
      return value.has_value() == test.expected;
    case test_op::equals: {
      if (!value) return !test.expected;
      bool any = false;
      for (const std::string& wanted : test.values) any = any || *value == wanted;
      return any == test.expected;
    }
    case test_op::regex: {
      if (!value) return !test.expected;
      return RE2::PartialMatch(*value, *test.pattern) == test.expected;
    }
    case test_op::greater:
    case test_op::greater_equal:
    case test_op::less:
    case test_op::less_equal: {
      const std::optional<double> number = value ? as_number(*value) : std::nullopt;
      if (!number) return !test.expected;
      bool result = false;
      switch (test.op) {
        case test_op::greater:
          result = *number > test.number;
          break;
        case test_op::greater_equal:
          result = *number >= test.number;
          break;
        case test_op::less:
          result = *number < test.number;
          break;
        case test_op::less_equal:
          result = *number <= test.number;
          break;
        default:
          break;
      }
      return result == test.expected;
    }
  }
  return false;
}

bool selected(const selection& s, const event& e) {
  for (const field_test& test : s.tests) {
    if (!holds(test, e)) return false;
  }
  return true;
}

bool evaluate(const condition_node& node, const event_filter& filter, const event& e) {
  switch (node.kind) {
    case condition_node::type::reference: {
      auto it = filter.selections.find(node.name);
      return it != filter.selections.end() && selected(it->second, e);
    }
    case condition_node::type::all:
      for (const condition_node& child : node.children) {
        if (!evaluate(child, filter, e)) return false;
      }
      return true;
    case condition_node::type::any:
      for (const condition_node& child : node.children) {
        if (evaluate(child, filter, e)) return true;
      }
      return false;
    case condition_node::type::negate:
      return !node.children.empty() && !evaluate(node.children.front(), filter, e);
  }
  return false;
}

}  // namespace

std::string_view lane_name(lane l) {
  switch (l) {
    case lane::proxy:
      return "proxy";
    case lane::trace:
      return "trace";
    case lane::exec:
      return "exec";
    case lane::rollout:
      return "rollout";
  }
  return "proxy";
}

std::optional<lane> lane_from_name(std::string_view name) {
  for (const lane l : {lane::proxy, lane::trace, lane::exec, lane::rollout}) {
    if (lane_name(l) == name) return l;
  }
  return std::nullopt;
}

// The registry names each format's lane; detect's lanes are the same four, in the same order.
lane lane_of(format_id source) {
  static_assert(static_cast<int>(lane::rollout) == static_cast<int>(formats::format_lane::rollout));
  const formats::format_info* info = formats::registry().info(source);
  return info != nullptr ? static_cast<lane>(info->lane) : lane::exec;
}

bool is_known_field(std::string_view field) {
  for (const char* known : known_fields) {
    if (field == known) return true;
  }
  return false;
}

std::optional<std::string> field_value(const event& e, std::string_view field) {
  auto text = [](const std::string& s) -> std::optional<std::string> {
    if (s.empty()) return std::nullopt;
    return s;
  };
  if (field == "kind") return std::string(event_kind_name(e.kind));
  if (field == "source") return std::string(format_name(e.source));
  if (field == "lane") return std::string(lane_name(lane_of(e.source)));
  if (field == "method") return text(e.http.method);
  if (field == "path") return text(e.http.path);
  if (field == "status")
    return e.http.status ? std::optional(fmt::format("{}", e.http.status)) : std::nullopt;
  if (field == "transport") {
    return e.http.transport == transport_kind::unknown
               ? std::nullopt
               : std::optional(std::string(transport_name(e.http.transport)));
  }
  if (field == "attempt")
    return e.attempt ? std::optional(fmt::format("{}", e.attempt)) : std::nullopt;
  if (field == "attempt_limit") {
    return e.attempt_limit ? std::optional(fmt::format("{}", e.attempt_limit)) : std::nullopt;
  }
  if (field == "delay_ms")
    return e.delay_ms >= 0 ? std::optional(fmt::format("{}", e.delay_ms)) : std::nullopt;
  if (field == "model") return text(e.model);
  if (field == "model_group") return text(e.model_group);
  if (field == "error_class") return text(e.error_class);
  if (field == "message") return text(e.message);
  if (field == "template") return text(e.text_template);
  if (field == "tool") return text(e.tool_name);
  if (field == "session") return text(e.session_key);
  if (field == "turn_id") return text(e.turn_key);
  if (field == "request_id") return text(e.request_id);
  if (field == "client") return text(e.client);
  if (field == "outcome") {
    return e.outcome == turn_outcome::none
               ? std::nullopt
               : std::optional(std::string(turn_outcome_name(e.outcome)));
  }
  if (field == "phase") {
    return e.phase == stream_phase::unknown
               ? std::nullopt
               : std::optional(std::string(stream_phase_name(e.phase)));
  }
  if (field == "tokens")
    return e.tokens >= 0 ? std::optional(fmt::format("{}", e.tokens)) : std::nullopt;
  return std::nullopt;
}

bool matches(const event_filter& filter, const event& e) {
  if (filter.selections.empty()) return true;
  if (filter.condition) return evaluate(*filter.condition, filter, e);
  for (const auto& [name, s] : filter.selections) {
    if (!selected(s, e)) return false;
  }
  return true;
}

}  // namespace loopscope::detect
