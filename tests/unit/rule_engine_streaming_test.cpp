// The engine streaming per session: finish_session gives what on_turn + finish + mark_recurrences
// give, forgets the session it finished, and keeps a run of any length in bounded memory.
#include <doctest/doctest.h>

#include <algorithm>
#include <cstdint>
#include <map>
#include <string>
#include <tuple>
#include <vector>

#include "loopscope/detect/rule_engine.hpp"
#include "loopscope/detect/rule_loader.hpp"
#include "rule_text.hpp"

using namespace loopscope;

namespace {

using testing::rules_from;

// A failed turn in every turn (so turn signatures repeat), the same failure turn after turn, the
// same message turn after turn.
const char* session_rules = R"(
rules:
  - id: t.failed
    kind: turn_failure
    detect: {mode: failed_turn}
    lanes: [{lane: exec, match: {kind: turn_error}}]
  - id: t.repeat
    kind: error_repeat
    detect: {mode: consecutive_turns, key: failure_message, min_iterations: 2}
    lanes: [{lane: exec, match: {kind: turn_error}}]
  - id: t.monologue
    kind: monologue
    detect: {mode: consecutive_turns, key: agent_message, similarity: 0.6, min_iterations: 3}
    lanes: [{lane: exec, match: {kind: agent_message}}]
)";

const char* repeat_only_rules = R"(
rules:
  - id: t.repeat
    kind: error_repeat
    detect: {mode: consecutive_turns, key: failure_message, min_iterations: 2}
    lanes: [{lane: exec, match: {kind: turn_error}}]
)";

// One turn of a session: `failure` (empty: the turn completes) written as four error lines, and
// what the agent said. Each turn lasts 10 s from its index.
session::turn make_turn(const std::string& session, int index, const std::string& failure,
                        const std::string& said = "") {
  session::turn t;
  t.session_key = session;
  t.index = index;
  t.id = session + "-turn-" + std::to_string(index);
  t.outcome = failure.empty() ? turn_outcome::completed : turn_outcome::failed;
  t.start = timestamp{std::int64_t{index} * 10'000'000};
  t.end = timestamp{std::int64_t{index} * 10'000'000 + 9'000'000};
  std::uint64_t line = static_cast<std::uint64_t>(index) * 10;
  auto add = [&](event_kind kind, const std::string& message) {
    event e;
    e.kind = kind;
    e.source = format_id::codex_exec_jsonl;
    e.where = {0, ++line};
    e.time = timestamp{t.start->micros + static_cast<std::int64_t>(line % 10) * 1'000'000};
    e.message = message;
    e.excerpt = "line " + std::to_string(line);
    t.events.push_back(e);
  };
  if (!said.empty()) add(event_kind::agent_message, said);
  if (!failure.empty()) {
    for (int i = 0; i < 4; ++i) add(event_kind::turn_error, failure);
  }
  return t;
}

// What a finding is compared by.
using finding_facts = std::tuple<std::string, std::string, int, int, std::int64_t, std::int64_t,
                                 std::size_t, std::vector<int>, std::string>;

finding_facts facts_of(const detect::finding& f) {
  return {f.rule,
          f.session,
          f.turn,
          f.iterations,
          f.start ? f.start->micros : -1,
          f.end ? f.end->micros : -1,
          f.evidence.size(),
          f.recurs_in_turns,
          f.summary};
}

std::vector<finding_facts> facts_of(const std::vector<detect::finding>& findings) {
  std::vector<finding_facts> out;
  for (const auto& f : findings) out.push_back(facts_of(f));
  return out;
}

// Today's contract: on_turn for every turn, then finish() and mark_recurrences over everything.
std::vector<detect::finding> run_whole(const std::vector<session::turn>& turns,
                                       detect::engine_settings settings) {
  detect::rule_engine engine(rules_from(session_rules), settings);
  std::vector<detect::finding> all;
  for (const auto& t : turns) {
    for (auto& f : engine.on_turn(t)) all.push_back(std::move(f));
  }
  for (auto& f : engine.finish()) all.push_back(std::move(f));
  std::vector<detect::finding*> pointers;
  for (auto& f : all) pointers.push_back(&f);
  engine.mark_recurrences(pointers);
  return all;
}

// Streaming: each session is finished right after its last turn (`last_turn_of`), with the
// findings on_turn gave for it. Findings are listed as run_whole lists them: on_turn's in turn
// order, then the sessions' end findings in the order the sessions were first seen.
std::vector<detect::finding> run_streaming(const std::vector<session::turn>& turns,
                                           detect::engine_settings settings) {
  detect::rule_engine engine(rules_from(session_rules), settings);
  std::vector<detect::finding> from_turns;
  std::map<std::string, std::vector<detect::finding>> at_end;
  std::vector<std::string> first_seen;
  for (std::size_t i = 0; i < turns.size(); ++i) {
    const auto& t = turns[i];
    if (std::find(first_seen.begin(), first_seen.end(), t.session_key) == first_seen.end()) {
      first_seen.push_back(t.session_key);
    }
    for (auto& f : engine.on_turn(t)) from_turns.push_back(std::move(f));
    bool last = true;
    for (std::size_t j = i + 1; j < turns.size(); ++j) {
      last = last && turns[j].session_key != t.session_key;
    }
    if (!last) continue;
    std::vector<detect::finding*> earlier;
    for (auto& f : from_turns) {
      if (f.session == t.session_key) earlier.push_back(&f);
    }
    at_end[t.session_key] = engine.finish_session(t.session_key, earlier);
  }
  CHECK(engine.finish().empty());  // every session was finished already
  std::vector<detect::finding> all = std::move(from_turns);
  for (const auto& session : first_seen) {
    for (auto& f : at_end[session]) all.push_back(std::move(f));
  }
  return all;
}

// Session "a": 1–4 fail the same way (saying the same thing), 5–6 fail another way, 7 completes,
// 8–9 fail as 1–4 did.
std::vector<session::turn> session_a() {
  const std::string unavailable = "upstream unavailable: 503";
  const std::string announce = "I will inspect the repo, then run tests.";
  const std::string missing = "model gpt-x not found";
  const std::string done = "All 12 tests pass.";
  return {make_turn("a", 1, unavailable, announce),
          make_turn("a", 2, unavailable, announce),
          make_turn("a", 3, unavailable, "I'll inspect the repo and then run the tests."),
          make_turn("a", 4, unavailable, announce),
          make_turn("a", 5, missing, done),
          make_turn("a", 6, missing, done),
          make_turn("a", 7, "", done),
          make_turn("a", 8, unavailable, done),
          make_turn("a", 9, unavailable)};
}

std::size_t count_rule(const std::vector<detect::finding>& findings, const std::string& rule) {
  return static_cast<std::size_t>(std::count_if(findings.begin(), findings.end(),
                                                [&](const auto& f) { return f.rule == rule; }));
}

}  // namespace

TEST_CASE("rule_engine finish_session: one session gives what finish and mark_recurrences give") {
  // An evidence cap reached inside a turn's lines: the run's evidence stops where finish()'s did.
  const detect::engine_settings settings{.max_evidence_lines = 7};
  const auto whole = run_whole(session_a(), settings);
  const auto streamed = run_streaming(session_a(), settings);
  CHECK(facts_of(streamed) == facts_of(whole));

  // The runs themselves, so that the comparison above is not between two empty answers.
  REQUIRE(count_rule(streamed, "t.repeat") == 3);
  REQUIRE(count_rule(streamed, "t.monologue") == 2);
  std::vector<const detect::finding*> repeats;
  for (const auto& f : streamed) {
    if (f.rule == "t.repeat") repeats.push_back(&f);
  }
  CHECK(repeats[0]->turn == 1);
  CHECK(repeats[0]->iterations == 4);
  CHECK(repeats[0]->start->micros == 10'000'000);
  CHECK(repeats[0]->end->micros == 49'000'000);
  CHECK(repeats[0]->evidence.size() == 7);  // 3 + 3 + 1 of the run's 4 × 3
  CHECK(repeats[0]->recurs_in_turns == std::vector<int>{1, 2, 3, 4, 5, 6});
  CHECK(repeats[1]->turn == 5);
  CHECK(repeats[1]->iterations == 2);
  CHECK(repeats[1]->evidence.size() == 6);
  CHECK(repeats[2]->turn == 8);
  CHECK(repeats[2]->iterations == 2);
  CHECK(repeats[2]->recurs_in_turns == std::vector<int>{8, 9});
}

TEST_CASE("rule_engine finish_session: two interleaved sessions, one ending before the other") {
  std::vector<session::turn> turns;
  const auto a = session_a();
  const std::string reset = "connection reset by peer";
  for (int i = 0; i < 12; ++i) {
    if (i < static_cast<int>(a.size())) turns.push_back(a[static_cast<std::size_t>(i)]);
    // "b": the same failure throughout but for a clean turn 4, and the same message from turn 6.
    turns.push_back(
        make_turn("b", i + 1, i == 3 ? "" : reset, i >= 5 ? "Let me retry the request now." : ""));
  }
  const auto whole = run_whole(turns, {});
  const auto streamed = run_streaming(turns, {});
  CHECK(facts_of(streamed) == facts_of(whole));
  CHECK(count_rule(streamed, "t.repeat") == 5);     // a: 3, b: 1–3 and 5–12
  CHECK(count_rule(streamed, "t.monologue") == 3);  // a: 2, b: 6–12
}

TEST_CASE("rule_engine finish_session forgets the session: its key starts afresh") {
  detect::rule_engine engine(rules_from(session_rules));
  const std::string unavailable = "upstream unavailable: 503";
  std::vector<detect::finding> kept;
  auto feed = [&](int from, int to) {
    for (int index = from; index <= to; ++index) {
      for (auto& f : engine.on_turn(make_turn("k", index, unavailable))) {
        kept.push_back(std::move(f));
      }
    }
  };
  auto earlier = [&] {
    std::vector<detect::finding*> pointers;
    for (auto& f : kept) pointers.push_back(&f);
    return pointers;
  };

  feed(1, 3);
  const auto first = engine.finish_session("k", earlier());
  REQUIRE(first.size() == 1);
  CHECK(first[0].turn == 1);
  CHECK(first[0].iterations == 3);
  CHECK(first[0].recurs_in_turns == std::vector<int>{1, 2, 3});

  kept.clear();
  feed(4, 5);  // the same failure: were the session remembered, the run would go on from turn 1
  const auto second = engine.finish_session("k", earlier());
  REQUIRE(second.size() == 1);
  CHECK(second[0].turn == 4);
  CHECK(second[0].iterations == 2);
  CHECK(second[0].start->micros == 40'000'000);
  CHECK(second[0].recurs_in_turns == std::vector<int>{4, 5});
  REQUIRE(kept.size() == 2);
  CHECK(kept[0].recurs_in_turns == std::vector<int>{4, 5});  // not 1–5: signatures forgotten too

  CHECK(engine.finish().empty());
  CHECK(engine.finish_session("k", {}).empty());
}

TEST_CASE("rule_engine: a run of 50,000 failing turns is one finding, in bounded evidence" *
          doctest::timeout(30)) {
  const detect::engine_settings settings;
  detect::rule_engine engine(rules_from(repeat_only_rules), settings);
  constexpr int turns = 50'000;
  std::size_t found_on_turns = 0;
  for (int index = 1; index <= turns; ++index) {
    found_on_turns += engine.on_turn(make_turn("long", index, "upstream unavailable: 503")).size();
  }
  CHECK(found_on_turns == 0);  // a run is reported when it ends
  const auto found = engine.finish_session("long", {});
  REQUIRE(found.size() == 1);
  CHECK(found[0].turn == 1);
  CHECK(found[0].iterations == turns);
  CHECK(found[0].end->micros == std::int64_t{turns} * 10'000'000 + 9'000'000);
  CHECK(found[0].evidence.size() <= settings.max_evidence_lines);
  CHECK(found[0].evidence.size() == settings.max_evidence_lines);
}

TEST_CASE("rule_engine: recurrences are marked among a session's first max_recurrence_turns") {
  detect::rule_engine engine(rules_from(session_rules), {.max_recurrence_turns = 3});
  std::vector<detect::finding> kept;
  for (int index = 1; index <= 5; ++index) {
    for (auto& f : engine.on_turn(make_turn("s", index, "upstream unavailable: 503"))) {
      if (f.rule == "t.failed") kept.push_back(std::move(f));
    }
  }
  std::vector<detect::finding*> earlier;
  for (auto& f : kept) earlier.push_back(&f);
  const auto found = engine.finish_session("s", earlier);
  REQUIRE(kept.size() == 5);
  CHECK(kept[0].recurs_in_turns == std::vector<int>{1, 2, 3});
  CHECK(kept[3].recurs_in_turns.empty());  // turn 4 is past the cap
  REQUIRE(found.size() == 1);
  CHECK(found[0].iterations == 5);  // runs are not capped
}
