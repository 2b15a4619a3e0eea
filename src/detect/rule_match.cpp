// Evaluating rule selectors against normalized events.
#include <re2/re2.h>
#include "loopscope/formats/registry.hpp"

#include <fmt/format.h>
#include <algorithm>
#include <array>
#include <charconv>

#include "loopscope/detect/rule.hpp"

namespace loopscope::detect {
namespace {

// Named in rule_field's order.
constexpr std::array known_fields{
    "kind",        "source",  "lane",          "method",   "path",    "status",
    "transport",   "attempt", "attempt_limit", "delay_ms", "model",   "model_group",
    "error_class", "message", "template",      "tool",     "session", "turn_id",
    "request_id",  "client",  "outcome",       "tokens",   "phase"};
static_assert(known_fields.size() == static_cast<std::size_t>(rule_field::phase) + 1);

std::optional<double> as_number(std::string_view text) {
  double value = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return value;
}

// A field as a test reads it: absent, an integer (the number fields) or text viewed in place.
struct field_read {
  bool present = false;
  bool is_number = false;
  std::int64_t number = 0;
  std::string_view text;
};

field_read number(bool present, std::int64_t value) {
  return {present, true, value, {}};
}
field_read text(std::string_view value) {
  return {!value.empty(), false, 0, value};
}

field_read read(const event& e, rule_field field) {
  switch (field) {
    case rule_field::kind:
      return text(event_kind_name(e.kind));
    case rule_field::source:
      return text(format_name(e.source));
    case rule_field::lane:
      return text(lane_name(lane_of(e.source)));
    case rule_field::method:
      return text(e.http.method);
    case rule_field::path:
      return text(e.http.path);
    case rule_field::status:
      return number(e.http.status != 0, e.http.status);
    case rule_field::transport:
      return e.http.transport == transport_kind::unknown ? field_read{}
                                                         : text(transport_name(e.http.transport));
    case rule_field::attempt:
      return number(e.attempt != 0, e.attempt);
    case rule_field::attempt_limit:
      return number(e.attempt_limit != 0, e.attempt_limit);
    case rule_field::delay_ms:
      return number(e.delay_ms >= 0, e.delay_ms);
    case rule_field::model:
      return text(e.model);
    case rule_field::model_group:
      return text(e.model_group);
    case rule_field::error_class:
      return text(e.error_class);
    case rule_field::message:
      return text(e.message);
    case rule_field::text_template:
      return text(e.text_template);
    case rule_field::tool:
      return text(e.tool_name);
    case rule_field::session:
      return text(e.session_key);
    case rule_field::turn_id:
      return text(e.turn_key);
    case rule_field::request_id:
      return text(e.request_id);
    case rule_field::client:
      return text(e.client);
    case rule_field::outcome:
      return e.outcome == turn_outcome::none ? field_read{} : text(turn_outcome_name(e.outcome));
    case rule_field::tokens:
      return number(e.tokens >= 0, e.tokens);
    case rule_field::phase:
      return e.phase == stream_phase::unknown ? field_read{} : text(stream_phase_name(e.phase));
  }
  return {};
}

// The tests compare what field_value would give as text, without building it: a number field's
// text is its integer printed, equal to a value only when that value is the same integer printed.
bool holds(const field_test& test, const event& e) {
  if (test.op == test_op::equals &&
      (test.which == rule_field::kind || test.which == rule_field::lane)) {
    // Always present; compared as the enum (the names are the enum's, one to one).
    const auto code = test.which == rule_field::kind
                          ? static_cast<unsigned char>(e.kind)
                          : static_cast<unsigned char>(lane_of(e.source));
    const bool any = std::find(test.codes.begin(), test.codes.end(), code) != test.codes.end();
    return any == test.expected;
  }
  const field_read value = read(e, test.which);
  switch (test.op) {
    case test_op::exists:
      return value.present == test.expected;
    case test_op::equals: {
      if (!value.present) return !test.expected;
      bool any = false;
      if (value.is_number) {
        for (const std::int64_t wanted : test.integers) any = any || value.number == wanted;
      } else {
        for (const std::string& wanted : test.values) any = any || value.text == wanted;
      }
      return any == test.expected;
    }
    case test_op::regex: {
      if (!value.present) return !test.expected;
      if (value.is_number) {
        const fmt::format_int printed(value.number);
        return RE2::PartialMatch(std::string_view(printed.data(), printed.size()), *test.pattern) ==
               test.expected;
      }
      return RE2::PartialMatch(value.text, *test.pattern) == test.expected;
    }
    case test_op::greater:
    case test_op::greater_equal:
    case test_op::less:
    case test_op::less_equal: {
      std::optional<double> number;
      if (value.present) {
        number = value.is_number ? std::optional(static_cast<double>(value.number))
                                 : as_number(value.text);
      }
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

// All tests hold: the regex tests last, since most events fail a cheaper test first (a kind, a
// status) and the tests have no effects, so the order cannot change the answer.
bool selected(const selection& s, const event& e) {
  for (const field_test& test : s.tests) {
    if (test.op != test_op::regex && !holds(test, e)) return false;
  }
  for (const field_test& test : s.tests) {
    if (test.op == test_op::regex && !holds(test, e)) return false;
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
  return rule_field_from_name(field).has_value();
}

std::optional<std::string> field_value(const event& e, std::string_view field) {
  const std::optional<rule_field> which = rule_field_from_name(field);
  if (!which) return std::nullopt;
  const field_read value = read(e, *which);
  if (!value.present) return std::nullopt;
  if (value.is_number) return fmt::format("{}", value.number);
  return std::string(value.text);
}

std::optional<rule_field> rule_field_from_name(std::string_view name) {
  for (std::size_t i = 0; i < known_fields.size(); ++i) {
    if (name == known_fields[i]) return static_cast<rule_field>(i);
  }
  return std::nullopt;
}

void compile_test(field_test& test) {
  test.which = rule_field_from_name(test.field).value_or(rule_field::kind);
  test.integers.clear();
  test.codes.clear();
  for (const std::string& wanted : test.values) {
    if (test.which == rule_field::kind) {
      if (const auto kind = event_kind_from_name(wanted)) {
        test.codes.push_back(static_cast<unsigned char>(*kind));
      }
    } else if (test.which == rule_field::lane) {
      if (const auto l = lane_from_name(wanted))
        test.codes.push_back(static_cast<unsigned char>(*l));
    }
  }
  for (const std::string& wanted : test.values) {
    std::int64_t value = 0;
    const auto [end, error] = std::from_chars(wanted.data(), wanted.data() + wanted.size(), value);
    if (error == std::errc() && end == wanted.data() + wanted.size() &&
        fmt::format("{}", value) == wanted) {
      test.integers.push_back(value);
    }
  }
}

namespace {

constexpr std::uint32_t every_kind = ~std::uint32_t{0};

// The kinds a selection can hold for: its `kind` tests narrow them, the other tests cannot be
// decided before an event is seen.
std::uint32_t possible_kinds(const selection& s) {
  std::uint32_t kinds = every_kind;
  for (const field_test& test : s.tests) {
    if (test.which != rule_field::kind || test.op != test_op::equals) continue;
    std::uint32_t named = 0;
    for (const unsigned char code : test.codes) named |= kind_bit(static_cast<event_kind>(code));
    kinds &= test.expected ? named : ~named;
  }
  return kinds;
}

std::uint32_t possible_kinds(const condition_node& node, const event_filter& filter) {
  switch (node.kind) {
    case condition_node::type::reference: {
      const auto it = filter.selections.find(node.name);
      return it == filter.selections.end() ? 0 : possible_kinds(it->second);
    }
    case condition_node::type::all: {
      std::uint32_t kinds = every_kind;
      for (const condition_node& child : node.children) kinds &= possible_kinds(child, filter);
      return kinds;
    }
    case condition_node::type::any: {
      std::uint32_t kinds = 0;
      for (const condition_node& child : node.children) kinds |= possible_kinds(child, filter);
      return kinds;
    }
    case condition_node::type::negate:
      // `not a` can hold for an event of any kind, even of one `a` names (when another test of
      // `a` fails).
      return node.children.empty() ? 0 : every_kind;
  }
  return every_kind;
}

}  // namespace

void compile_filter(event_filter& filter) {
  if (filter.selections.empty()) {
    filter.possible_kinds = every_kind;
  } else if (filter.condition) {
    filter.possible_kinds = possible_kinds(*filter.condition, filter);
  } else {
    filter.possible_kinds = every_kind;
    for (const auto& [name, s] : filter.selections) filter.possible_kinds &= possible_kinds(s);
  }
}

bool matches(const event_filter& filter, const event& e) {
  if (filter.selections.empty()) return true;
  if ((filter.possible_kinds & kind_bit(e.kind)) == 0) return false;
  if (filter.condition) return evaluate(*filter.condition, filter, e);
  for (const auto& [name, s] : filter.selections) {
    if (!selected(s, e)) return false;
  }
  return true;
}

}  // namespace loopscope::detect
