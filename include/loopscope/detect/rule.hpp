// Detection rules: what counts as a loop, how bad it is and what caused it, as data (YAML files
// in rules/, read by rule_loader). The engine (rule_engine.hpp) applies them to turns.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "loopscope/core/event.hpp"
#include "loopscope/detect/finding.hpp"

namespace re2 {
class RE2;
}

namespace loopscope::detect {

// The same loop is often seen by several logs; a lane is one family of sources. A rule counts in
// the first lane (in its order) that has matching events, so one loop gives one finding.
enum class lane : unsigned char { proxy, trace, exec, rollout };
std::string_view lane_name(lane l);
std::optional<lane> lane_from_name(std::string_view name);
lane lane_of(format_id source);

enum class test_op : unsigned char {
  equals,
  regex,
  exists,
  greater,
  greater_equal,
  less,
  less_equal
};

// The event fields a rule can test (rule_match.cpp names them, in this order). A test is bound
// to its field when the rule is loaded, so matching reads the field without looking it up by name
// or formatting it.
enum class rule_field : unsigned char {
  kind,
  source,
  lane,
  method,
  path,
  status,
  transport,
  attempt,
  attempt_limit,
  delay_ms,
  model,
  model_group,
  error_class,
  message,
  text_template,
  tool,
  session,
  turn_id,
  request_id,
  client,
  outcome,
  tokens,
  phase
};
std::optional<rule_field> rule_field_from_name(std::string_view name);

// One test on one field: `status: 405`, `status: ">=500"`, `message|re: "…"`, `tool: [a, b]`,
// `turn_id|exists: true`.
struct field_test {
  std::string field;
  rule_field which = rule_field::kind;  // `field`, bound at load
  test_op op = test_op::equals;
  std::vector<std::string> values;  // equals: any of
  // equals on a number field: the values written as an integer is printed ("405", not "0405"),
  // the only ones the field's text can equal.
  std::vector<std::int64_t> integers;
  // equals on `kind` or `lane`: the values that name one, as their enum's value.
  std::vector<unsigned char> codes;
  double number = 0;  // comparisons
  std::shared_ptr<const re2::RE2> pattern;
  bool expected = true;  // exists: true/false; negation for `not`
};

// Binds a parsed test to its field (`which`, `integers`); the loader calls it on every test.
void compile_test(field_test& test);

// All tests hold.
struct selection {
  std::vector<field_test> tests;
};

// Named selections combined by a condition ("a and not b", "a or (b and c)").
struct condition_node {
  enum class type : unsigned char { reference, all, any, negate } kind = type::reference;
  std::string name;
  std::vector<condition_node> children;
};

// The bit of `kind` in a set of event kinds (event_filter::possible_kinds, turn_view::kinds_in).
static_assert(static_cast<unsigned>(event_kind::other) < 32, "a kind set has a bit per kind");
inline std::uint32_t kind_bit(event_kind kind) {
  return std::uint32_t{1} << static_cast<unsigned>(kind);
}

struct event_filter {
  std::map<std::string, selection> selections;
  std::optional<condition_node> condition;  // absent: every selection must hold
  // Bit k set: an event of kind k may match (bound by compile_filter). Every loop of the
  // detectors asks each event of a turn against each rule's filters, and most are told apart by
  // their kind alone (profiled: the tests were a tenth of a proxy log's assembling thread).
  std::uint32_t possible_kinds = ~std::uint32_t{0};
  bool empty() const { return selections.empty(); }
};

// Binds `possible_kinds` from the filter's tests on `kind`; the loader calls it on every filter,
// after its tests are compiled. A filter not bound admits every kind, which is always right.
void compile_filter(event_filter& filter);
bool matches(const event_filter& filter, const event& e);
// The field as text ("" when absent), for tests and templates.
std::optional<std::string> field_value(const event& e, std::string_view field);
bool is_known_field(std::string_view field);

enum class detection_mode : unsigned char {
  count,              // matching events in the turn: iterations = how many
  cycle,              // matching events' signatures walk a cycle consecutively
  consecutive_turns,  // consecutive turns of a session share a key (failure, message)
  failed_turn,        // a turn that failed
};

enum class turn_key : unsigned char { failure_message, agent_message };

enum class cause_pick : unsigned char { last_before_loop, first, last, most_common };

struct root_cause_rule {
  std::vector<std::pair<lane, event_filter>> lanes;  // searched in order
  cause_pick pick = cause_pick::last_before_loop;
};

struct severity_rule {
  std::optional<turn_outcome> outcome;
  std::optional<int> iterations_at_least;
  std::optional<int> iterations_below;
  std::vector<int> statuses;
  std::optional<bool> retriable;
  severity level = severity::warning;
};

// Advice for one kind of cause: the first entry whose conditions all hold replaces the rule's
// `advice` (a 405 on the WebSocket upgrade and a 500 on a POST need different fixes).
struct advice_rule {
  std::vector<int> statuses;  // any of
  std::optional<transport_kind> transport;
  std::optional<bool> retriable;
  std::optional<bool> has_status;          // false: a failure without a status (a cut stream)
  std::vector<std::string> error_classes;  // any of, exactly
  std::string advice;
  int line = 0;
};

struct rule_example {
  bool should_match = true;
  std::string sample;              // a file or directory, relative to the rule file
  std::vector<std::string> lines;  // or inline log lines (one input)
  int turn = 0;                    // when given, the finding's turn
  int iterations = 0;              // when given, the finding's iterations
  int line = 0;                    // in the rule file
};

struct rule {
  std::string id;
  std::string title;
  finding_kind kind = finding_kind::stream_retry;
  severity level = severity::warning;
  std::string description;
  std::vector<std::string> references;
  std::vector<std::string> tags;
  std::string file;
  int line = 0;

  detection_mode mode = detection_mode::count;
  event_filter match;                                // common to every lane
  std::vector<std::pair<lane, event_filter>> lanes;  // where to look, in order
  int min_iterations = 1;
  // count mode: iterations are the events, or — for Codex's "n/N" retries, whose first lines a
  // log may hide — the retries their attempt numbers prove (per sampling request, summed).
  enum class measure : unsigned char { events, attempts } measured = measure::events;
  std::size_t max_period = 1;  // cycle mode
  event_filter reset_on;       // cycle mode: progress between repeats breaks the run
  std::optional<std::int64_t> maxspan_ms;
  std::optional<std::int64_t> maxpause_ms;
  turn_key key = turn_key::failure_message;  // consecutive_turns mode
  double similarity = 0.6;                   // consecutive_turns with agent_message
  std::vector<finding_kind> suppressed_by;   // a finding of these kinds in the turn covers it

  root_cause_rule cause;
  std::vector<severity_rule> severity_rules;  // first that holds wins
  std::string summary;                        // templates: {iterations}, {status}, {method}, …
  std::string advice;
  std::vector<advice_rule> advice_rules;  // first that holds wins over `advice`
  // The start of the verdict sentence when this rule's finding leads an incident (templates like
  // summary): "The proxy refuses the WebSocket upgrade ({method} {path} → {status})".
  std::string headline;
  std::vector<rule_example> examples;
};

using rule_set = std::vector<rule>;

}  // namespace loopscope::detect
