// The rule language and the engine on synthetic turns: cycles of periods 1–3, noise, progress,
// several cycles, recurrence across turns, and located rule errors.
#include <doctest/doctest.h>

#include "loopscope/detect/rule_engine.hpp"
#include "loopscope/detect/rule_loader.hpp"
#include "rule_text.hpp"

using namespace loopscope;

namespace {

using testing::rules_from;

const char* tool_cycle_rule = R"(
rules:
  - id: t.cycle
    kind: tool_repeat
    detect: {mode: cycle, min_iterations: 3, max_period: 4}
    lanes:
      - lane: rollout
        match: {kind: [tool_call, tool_output]}
    reset_on: {kind: tool_call, tool: apply_patch}
)";

struct turn_builder {
  session::turn t;
  std::uint64_t line = 0;
  explicit turn_builder(int index = 1, std::string session = "s") {
    t.session_key = std::move(session);
    t.index = index;
    t.outcome = turn_outcome::completed;
  }
  turn_builder& add(event_kind kind, std::string tool, std::uint64_t args, std::uint64_t out = 0) {
    event e;
    e.kind = kind;
    e.source = format_id::codex_rollout;
    e.where = {0, ++line};
    e.time = timestamp{static_cast<std::int64_t>(line) * 1'000'000};
    e.tool_name = std::move(tool);
    e.arguments_hash = args;
    e.output_hash = out;
    e.excerpt = "line " + std::to_string(line);
    t.events.push_back(e);
    return *this;
  }
  // A call and its result.
  turn_builder& step(std::uint64_t args, std::uint64_t out) {
    add(event_kind::tool_call, "exec_command", args);
    return add(event_kind::tool_output, "exec_command", args, out);
  }
  turn_builder& noise() { return add(event_kind::agent_message, "", 0); }
};

}  // namespace

TEST_CASE("A×8: one call with one result, eight times") {
  turn_builder b;
  for (int i = 0; i < 8; ++i) b.step(1, 10);
  detect::rule_engine engine(rules_from(tool_cycle_rule));
  const auto found = engine.on_turn(b.t);
  REQUIRE(found.size() == 1);
  CHECK(found[0].iterations == 8);
  CHECK(found[0].cycle.size() == 2);  // call → result
  CHECK(found[0].start->micros == 1'000'000);
  CHECK(found[0].end->micros == 16'000'000);
}

TEST_CASE("(A B)×5 ping-pong and (A B C)×4") {
  turn_builder ping;
  for (int i = 0; i < 5; ++i) ping.step(1, 10).step(2, 20);
  detect::rule_engine engine(rules_from(tool_cycle_rule));
  auto found = engine.on_turn(ping.t);
  REQUIRE(found.size() == 1);
  CHECK(found[0].iterations == 5);
  CHECK(found[0].cycle.size() == 4);

  const auto three = rules_from(R"(
rules:
  - id: t.calls
    kind: tool_repeat
    detect: {mode: cycle, min_iterations: 3, max_period: 3}
    lanes: [{lane: rollout, match: {kind: tool_call}}]
)");
  turn_builder abc;
  for (int i = 0; i < 4; ++i) abc.step(1, 10).step(2, 20).step(3, 30);
  detect::rule_engine by_calls(three);
  found = by_calls.on_turn(abc.t);
  REQUIRE(found.size() == 1);
  CHECK(found[0].iterations == 4);
  CHECK(found[0].cycle.size() == 3);
}

TEST_CASE("noise interleaved does not break a cycle the selection ignores") {
  turn_builder b;
  for (int i = 0; i < 6; ++i) b.step(7, 70).noise().noise();
  detect::rule_engine engine(rules_from(tool_cycle_rule));
  const auto found = engine.on_turn(b.t);
  REQUIRE(found.size() == 1);
  CHECK(found[0].iterations == 6);
}

TEST_CASE("polling whose results progress is not a repeat, a file edit resets the count") {
  turn_builder polling;
  for (std::uint64_t i = 0; i < 8; ++i) polling.step(1, 100 + i);  // same call, new result
  detect::rule_engine engine(rules_from(tool_cycle_rule));
  CHECK(engine.on_turn(polling.t).empty());

  turn_builder edited;
  edited.step(1, 10)
      .step(1, 10)
      .add(event_kind::tool_call, "apply_patch", 99)
      .step(1, 10)
      .step(1, 10);
  CHECK(engine.on_turn(edited.t).empty());  // two and two, never three in a row
}

TEST_CASE("two different cycles in one turn give two findings") {
  turn_builder b;
  for (int i = 0; i < 4; ++i) b.step(1, 10);
  b.noise();
  for (int i = 0; i < 3; ++i) b.step(2, 20).step(3, 30);
  detect::rule_engine engine(rules_from(tool_cycle_rule));
  const auto found = engine.on_turn(b.t);
  REQUIRE(found.size() == 2);
  CHECK(found[0].iterations == 4);
  CHECK(found[1].iterations == 3);
}

TEST_CASE("the same cycle across 4 turns is marked as recurring") {
  detect::rule_engine engine(rules_from(tool_cycle_rule));
  std::vector<detect::finding> all;
  for (int turn = 1; turn <= 4; ++turn) {
    turn_builder b(turn);
    for (int i = 0; i < 3; ++i) b.step(5, 50);
    for (auto& f : engine.on_turn(b.t)) all.push_back(f);
  }
  turn_builder clean(5);
  clean.noise();
  engine.on_turn(clean.t);
  for (auto& f : engine.finish()) all.push_back(f);
  std::vector<detect::finding*> pointers;
  for (auto& f : all) pointers.push_back(&f);
  engine.mark_recurrences(pointers);
  REQUIRE(all.size() == 4);
  for (const auto& f : all) CHECK(f.recurs_in_turns == std::vector<int>{1, 2, 3, 4});
}

TEST_CASE("near-identical messages across turns: the word similarity") {
  const auto a = detect::message_words("I will inspect the repo, then run tests.");
  const auto b = detect::message_words("I'll inspect the repo and then run the tests.");
  const auto c = detect::message_words("I will inspect the repository, then run the tests.");
  const auto d = detect::message_words("All 12 tests pass.");
  CHECK(detect::word_similarity(a, b) == doctest::Approx(1.0));
  CHECK(detect::word_similarity(a, c) >= 0.6);
  CHECK(detect::word_similarity(a, d) < 0.6);
}

TEST_CASE("rule errors name the file, the line and the rule") {
  const detect::loaded_rules bad = detect::parse_rules(R"(
rules:
  - id: r.bad
    kind: stream_retry
    detect: {mode: count}
    lanes:
      - lane: exec
        match: {"message|re": "(unclosed"}
  - id: r.kind
    kind: not_a_kind
    detect: {mode: count}
    lanes: [{lane: exec}]
  - id: r.field
    kind: stream_retry
    colour: blue
    detect: {mode: sometimes}
    lanes: [{lane: nowhere}]
)",
                                                       "bad.yaml");
  CHECK(bad.rules.empty());
  REQUIRE(bad.errors.size() >= 5);
  CHECK(bad.errors[0].file == "bad.yaml");
  CHECK(bad.errors[0].line == 8);
  CHECK(bad.errors[0].rule_id == "r.bad");
  CHECK(bad.errors[0].message.find("regex") != std::string::npos);
  CHECK(bad.errors[1].rule_id == "r.kind");
  CHECK(bad.errors[1].message.find("not_a_kind") != std::string::npos);
  bool unknown_field = false, unknown_mode = false, unknown_lane = false;
  for (const auto& e : bad.errors) {
    unknown_field = unknown_field || e.message.find("'colour'") != std::string::npos;
    unknown_mode = unknown_mode || e.message.find("sometimes") != std::string::npos;
    unknown_lane = unknown_lane || e.message.find("unknown lane") != std::string::npos;
  }
  CHECK(unknown_field);
  CHECK(unknown_mode);
  CHECK(unknown_lane);
  CHECK_FALSE(detect::parse_rules("rules: [ {id: x", "broken.yaml").errors.empty());
}

TEST_CASE("conditions combine named selections") {
  const auto rules = rules_from(R"(
rules:
  - id: t.cond
    kind: request_retry
    detect: {mode: count, min_iterations: 2}
    lanes:
      - lane: proxy
        match:
          failed: {kind: request, status: ">=500"}
          health: {"path|re": "^/health"}
          condition: failed and not health
)");
  session::turn t;
  t.session_key = "s";
  t.index = 1;
  for (const char* path : {"/v1/responses", "/health/ready", "/v1/responses"}) {
    event e;
    e.kind = event_kind::request;
    e.source = format_id::uvicorn_access;
    e.http.method = "POST";
    e.http.path = path;
    e.http.status = 502;
    t.events.push_back(e);
  }
  detect::rule_engine engine(rules);
  const auto found = engine.on_turn(t);
  REQUIRE(found.size() == 1);
  CHECK(found[0].iterations == 2);
}

// fuzz_rules found "{}," and its like: yaml-cpp's LoadAll never returned on them (allocating
// gigabytes); documents are now split and loaded one at a time.
TEST_CASE("malformed rule files end with an error, never a hang") {
  for (const char* text : {"{},", "[],", "{}\n},", "rules: []\n{},\n"}) {
    const detect::loaded_rules loaded = detect::parse_rules(text, "fuzzed.yaml");
    CHECK(loaded.rules.empty());
  }
  CHECK_FALSE(detect::parse_rules("{},", "fuzzed.yaml").errors.empty());
  CHECK_FALSE(detect::parse_rules("rules: 5", "fuzzed.yaml").errors.empty());
}

TEST_CASE("rule files of several documents keep their line numbers") {
  const detect::loaded_rules loaded = detect::parse_rules(R"(rules:
  - id: a.first
    kind: turn_failure
    detect: {mode: failed_turn}
    lanes: [{lane: exec, match: {kind: turn_error}}]
---
rules:
  - id: b.second
    kind: turn_failure
    detect: {mode: failed_turn}
    lanes: [{lane: exec, match: {kind: turn_error}}]
--- # a third, broken
rules:
  - id: c.third
    kind: no_such_kind
)",
                                                          "multi.yaml");
  REQUIRE(loaded.rules.size() == 2);
  CHECK(loaded.rules[0].line == 2);
  CHECK(loaded.rules[1].line == 8);
  REQUIRE_FALSE(loaded.errors.empty());
  CHECK(loaded.errors.front().line >= 14);
}
