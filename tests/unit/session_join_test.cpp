// Proxy requests without join keys go to a turn by time (session_assembler::join_by_time). The
// turns are found through time indexes; these cases pin the choices the scan over every session
// made, ties included: among equal times, the first session in key order.
#include <doctest/doctest.h>

#include "loopscope/session/session_assembler.hpp"

using namespace loopscope;

namespace {

constexpr std::int64_t second = 1'000'000;
constexpr std::int64_t t0 = 1'800'000'000LL * second;

struct kept final : session::turn_sink {
  std::vector<session::turn> turns;
  std::vector<session::session_summary> sessions;
  void on_turn(const session::turn& t) override { turns.push_back(t); }
  void on_session(session::session_summary&& s) override { sessions.push_back(std::move(s)); }
};

event client(event_kind kind, std::string session, std::int64_t at, std::uint64_t line) {
  event e;
  e.kind = kind;
  e.source = format_id::codex_rollout;
  e.session_key = std::move(session);
  e.turn_key = e.session_key + "-turn";
  e.time = timestamp{at};
  e.where = {0, line};
  if (kind == event_kind::turn_end) e.outcome = turn_outcome::completed;
  return e;
}

event proxy_request(std::int64_t at, std::uint64_t line) {
  event e;
  e.kind = event_kind::request;
  e.source = format_id::litellm_text;
  e.session_key = "input:1";  // a proxy log's own session: no keys of a Codex session
  e.time = timestamp{at};
  e.where = {1, line};
  return e;
}

// The session whose turn took the one proxy request.
std::string joined_to(const std::vector<session::turn>& turns) {
  std::string found;
  for (const session::turn& t : turns) {
    if (t.requests > 0) {
      CHECK(found.empty());
      found = t.session_key;
    }
  }
  return found;
}

void run(session::session_assembler& assembler, std::vector<event> events) {
  for (event& e : events) {
    const std::optional<timestamp> when = e.time;
    assembler.on_event(std::move(e));
    assembler.advance(*when);
  }
  assembler.finish();
}

}  // namespace

TEST_CASE(
    "join by time: of two turns holding the request, the later start, on a tie the first key") {
  for (const bool tie : {true, false}) {
    kept sink;
    session::session_assembler assembler(sink);
    const std::int64_t b_start = tie ? t0 : t0 + second;
    std::vector<event> events;
    events.push_back(client(event_kind::turn_start, "a", t0, 1));
    events.push_back(client(event_kind::turn_start, "b", b_start, 2));
    events.push_back(proxy_request(t0 + 3 * second, 3));
    events.push_back(client(event_kind::agent_message, "a", t0 + 20 * second, 4));
    run(assembler, std::move(events));
    CHECK(joined_to(sink.turns) == (tie ? "a" : "b"));
  }
}

TEST_CASE("join by time: before any turn, the one starting first, on a tie the first key") {
  for (const bool tie : {true, false}) {
    kept sink;
    session::session_assembler assembler(sink);
    std::vector<event> events;
    events.push_back(proxy_request(t0, 1));
    events.push_back(client(event_kind::turn_start, "b", t0 + 4 * second, 2));
    events.push_back(client(event_kind::turn_start, "a", t0 + (tie ? 4 : 6) * second, 3));
    events.push_back(client(event_kind::agent_message, "a", t0 + 20 * second, 4));
    run(assembler, std::move(events));
    CHECK(joined_to(sink.turns) == (tie ? "a" : "b"));
  }
}

TEST_CASE("join by time: after the turns ended, the one that ended last, within the grace") {
  for (const int a_end : {10, 11, 30}) {
    kept sink;
    session::session_assembler assembler(sink);
    std::vector<event> events;
    events.push_back(client(event_kind::turn_start, "a", t0, 1));
    events.push_back(client(event_kind::turn_start, "b", t0, 2));
    events.push_back(client(event_kind::turn_end, "b", t0 + 11 * second, 3));
    if (a_end < 30) events.push_back(client(event_kind::turn_end, "a", t0 + a_end * second, 4));
    // 4 s after b's end: outside the one-second tolerance of a span, inside the grace.
    events.push_back(proxy_request(t0 + 15 * second, 5));
    events.push_back(client(event_kind::agent_message, "c", t0 + 40 * second, 6));
    run(assembler, std::move(events));
    // a_end 10: b ended last; 11: a tie, key order; 30: a never ended, so its span holds it.
    CHECK(joined_to(sink.turns) == (a_end == 10 ? "b" : "a"));
  }
}

TEST_CASE("join by time: no turn near the request leaves it with the proxy's own session") {
  kept sink;
  session::session_assembler assembler(sink);
  std::vector<event> events;
  events.push_back(client(event_kind::turn_start, "a", t0, 1));
  events.push_back(client(event_kind::turn_end, "a", t0 + 2 * second, 2));
  events.push_back(proxy_request(t0 + 60 * second, 3));
  events.push_back(client(event_kind::agent_message, "c", t0 + 120 * second, 4));
  run(assembler, std::move(events));
  CHECK(joined_to(sink.turns) == "input:1");
}
