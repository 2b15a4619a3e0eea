// Session assembly, the turn graph and detection, driven by hand-made events.
#include <doctest/doctest.h>

#include "loopscope/detect/rule_engine.hpp"
#include "loopscope/detect/rule_loader.hpp"
#include "loopscope/graph/turn_graph.hpp"
#include "loopscope/session/session_assembler.hpp"

using namespace loopscope;

namespace {

struct kept_turns final : session::turn_sink {
  std::vector<session::turn> turns;
  std::vector<session::session_summary> sessions;
  void on_turn(const session::turn& t) override { turns.push_back(t); }
  void on_session(session::session_summary&& s) override { sessions.push_back(std::move(s)); }
};

event make(event_kind kind, std::string session, std::uint64_t line, int attempt = 0,
           int limit = 0) {
  event e;
  e.kind = kind;
  e.session_key = std::move(session);
  e.where = {0, line};
  e.attempt = attempt;
  e.attempt_limit = limit;
  if (kind == event_kind::stream_retry) {
    e.http.status = 500;
    e.error_class = "InternalServerError";
    e.text_template = "high demand";
  }
  e.excerpt = "line " + std::to_string(line);
  return e;
}

}  // namespace

TEST_CASE("turns are cut at turn_start/turn_end and numbered per session") {
  kept_turns sink;
  session::session_assembler assembler(sink);
  assembler.on_event(make(event_kind::session_start, "s1", 1));
  assembler.on_event(make(event_kind::turn_start, "s1", 2));
  assembler.on_event(make(event_kind::agent_message, "s1", 3));
  event done = make(event_kind::turn_end, "s1", 4);
  done.outcome = turn_outcome::completed;
  assembler.on_event(std::move(done));
  assembler.on_event(make(event_kind::turn_start, "s2", 5));
  assembler.on_event(make(event_kind::turn_start, "s1", 6));  // resumed later
  assembler.on_event(make(event_kind::stream_retry, "s1", 7, 1, 5));
  assembler.end_of_input(0);
  assembler.finish();

  REQUIRE(sink.turns.size() == 3);
  CHECK(sink.turns[0].index == 1);
  CHECK(sink.turns[0].outcome == turn_outcome::completed);
  CHECK(sink.turns[0].events.size() == 3);
  const auto& sessions = sink.sessions;
  REQUIRE(sessions.size() == 2);
  CHECK(sessions[0].id == "s1");
  REQUIRE(sessions[0].turns.size() == 2);
  CHECK(sessions[0].turns[1].index == 2);
  CHECK(sessions[0].turns[1].outcome == turn_outcome::none);  // the input ended mid-turn
  CHECK(sessions[0].events_outside_turns == 1);
  CHECK(sessions[1].turns.size() == 1);
}

namespace {

std::shared_ptr<const detect::rule_set> pack() {
  detect::loaded_rules loaded = detect::builtin_rules();
  REQUIRE(loaded.errors.empty());
  return std::make_shared<const detect::rule_set>(std::move(loaded.rules));
}

event exec_line(event e) {
  e.source = format_id::codex_exec_jsonl;
  return e;
}

}  // namespace

TEST_CASE("exhausted stream retries in a failed turn: an error finding and a turn failure") {
  session::turn t;
  t.session_key = "s1";
  t.index = 3;
  t.outcome = turn_outcome::failed;
  t.events.push_back(exec_line(make(event_kind::turn_start, "s1", 1)));
  for (int attempt = 1; attempt <= 5; ++attempt) {
    t.events.push_back(exec_line(
        make(event_kind::stream_retry, "s1", 1 + static_cast<std::uint64_t>(attempt), attempt, 5)));
  }
  event gave_up = exec_line(make(event_kind::turn_error, "s1", 7));
  gave_up.http.status = 500;
  gave_up.message = "We're currently experiencing high demand";
  t.events.push_back(gave_up);
  event end = exec_line(make(event_kind::turn_end, "s1", 8));
  end.outcome = turn_outcome::failed;
  t.events.push_back(end);

  detect::rule_engine engine(pack());
  const auto findings = engine.on_turn(t);
  REQUIRE(findings.size() == 2);
  const detect::finding& retry = findings[0];
  CHECK(retry.kind == detect::finding_kind::stream_retry);
  CHECK(retry.level == detect::severity::error);
  CHECK(retry.iterations == 5);
  CHECK(retry.turn == 3);
  REQUIRE(retry.cause);
  CHECK(retry.cause->http.status == 500);
  CHECK(retry.cause->is_retriable == detect::retriable::yes);
  REQUIRE(retry.evidence.size() >= 5);
  CHECK(findings[1].kind == detect::finding_kind::turn_failure);
  CHECK(engine.finish().empty());
}

TEST_CASE("one recovered retry is info, a clean turn has no findings") {
  session::turn t;
  t.session_key = "s";
  t.index = 1;
  t.outcome = turn_outcome::completed;
  t.events.push_back(exec_line(make(event_kind::stream_retry, "s", 1, 1, 5)));
  t.events.push_back(exec_line(make(event_kind::agent_message, "s", 2)));
  detect::rule_engine engine(pack());
  auto findings = engine.on_turn(t);
  REQUIRE(findings.size() == 1);
  CHECK(findings[0].level == detect::severity::info);
  CHECK(findings[0].iterations == 1);

  session::turn clean;
  clean.outcome = turn_outcome::completed;
  clean.events.push_back(exec_line(make(event_kind::agent_message, "s", 1)));
  CHECK(engine.on_turn(clean).empty());
}
