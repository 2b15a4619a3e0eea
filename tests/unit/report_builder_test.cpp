// Bounded reports (issue #10, memory): sessions past the detail limits are counted, not listed,
// and every figure of the report stays what an unlimited report gives. Sessions are handed on as
// they end, so the session stage keeps only the active ones.
#include <doctest/doctest.h>

#include <sstream>
#include <string>
#include <vector>

#include "loopscope/report/aggregate_merge.hpp"
#include "loopscope/report/report_builder.hpp"
#include "loopscope/report/writers.hpp"
#include "loopscope/session/session_assembler.hpp"

namespace report = loopscope::report;
namespace detect = loopscope::detect;
namespace session = loopscope::session;
using loopscope::timestamp;

namespace {

constexpr std::int64_t hour = 3'600'000'000LL;

detect::finding finding_of(const std::string& id, int turn, int status, detect::finding_kind kind,
                           std::int64_t start, std::int64_t length, std::int64_t tokens) {
  detect::finding f;
  f.rule = kind == detect::finding_kind::turn_failure ? "codex.turn-failure" : "codex.stream-retry";
  f.kind = kind;
  f.level = status >= 500 ? detect::severity::error : detect::severity::warning;
  f.session = id;
  f.turn = turn;
  f.iterations = 3;
  f.start = timestamp{start};
  f.end = timestamp{start + length};
  f.tokens = tokens;
  f.cause = detect::root_cause{};
  f.cause->http.status = status;
  f.cause->http.path = "/v1/responses";
  f.evidence.push_back({{0, static_cast<std::uint64_t>(turn)}, "ERROR: Reconnecting... 1/5", {}});
  return f;
}

// Sessions of varied shape: i findings (0…4), causes 500/502/405, tokens on some.
struct generated {
  std::vector<session::session_summary> sessions;
  std::vector<std::vector<detect::finding>> findings;
};

generated many_sessions(int count) {
  generated g;
  for (int i = 0; i < count; ++i) {
    session::session_summary s;
    s.id = "session-" + std::to_string(1000 + i);
    s.sources = {0};
    s.start = timestamp{i * hour};
    s.end = timestamp{i * hour + 600'000'000};
    for (int t = 1; t <= 3; ++t) {
      s.turns.push_back({t, "", s.start, s.end, loopscope::turn_outcome::completed, 0, {}, 4});
    }
    std::vector<detect::finding> found;
    for (int k = 0; k < i % 5; ++k) {
      const int status = k == 0 ? 500 : (k == 1 ? 502 : 405);
      found.push_back(finding_of(
          s.id, 1 + k % 3, status,
          k == 3 ? detect::finding_kind::turn_failure : detect::finding_kind::stream_retry,
          i * hour + k * 1000, 1000 * (k + 1) + i, k == 2 ? 100 + i : -1));
    }
    g.sessions.push_back(std::move(s));
    g.findings.push_back(std::move(found));
  }
  return g;
}

report::report build(const generated& g, report::detail_limits limits,
                     report::time_window window = {}) {
  report::report_builder builder(window, limits);
  for (std::size_t i = 0; i < g.sessions.size(); ++i) {
    for (detect::finding f : g.findings[i]) builder.add_finding(std::move(f));
    session::session_summary s = g.sessions[i];
    builder.end_session(std::move(s));
  }
  report::report r = std::move(builder.result());
  report::input_report input;
  input.stats.path = "rollout.jsonl";
  r.inputs.push_back(input);
  r.window = window;
  report::finalize(r);
  return r;
}

void check_same_figures(const report::report& limited, const report::report& full) {
  CHECK(limited.summary.findings == full.summary.findings);
  CHECK(limited.summary.by_kind == full.summary.by_kind);
  CHECK(limited.summary.by_severity == full.summary.by_severity);
  CHECK(limited.summary.loop_time_ms == full.summary.loop_time_ms);
  const report::aggregates& a = limited.aggregate;
  const report::aggregates& b = full.aggregate;
  CHECK(a.sessions == b.sessions);
  CHECK(a.sessions_affected == b.sessions_affected);
  CHECK(a.turns == b.turns);
  CHECK(a.turns_affected == b.turns_affected);
  CHECK(a.time_lost_ms == b.time_lost_ms);
  CHECK(a.tokens_lost == b.tokens_lost);
  CHECK(a.findings_with_tokens == b.findings_with_tokens);
  CHECK(a.by_kind == b.by_kind);
  CHECK(a.by_rule == b.by_rule);
  CHECK(a.sessions_outside_window == b.sessions_outside_window);
  REQUIRE(a.by_root_cause.size() == b.by_root_cause.size());
  for (std::size_t i = 0; i < a.by_root_cause.size(); ++i) {
    CHECK(a.by_root_cause[i].status == b.by_root_cause[i].status);
    CHECK(a.by_root_cause[i].findings == b.by_root_cause[i].findings);
    CHECK(a.by_root_cause[i].time_lost_ms == b.by_root_cause[i].time_lost_ms);
    CHECK(a.by_root_cause[i].tokens_lost == b.by_root_cause[i].tokens_lost);
  }
  REQUIRE(a.top_offenders.size() == b.top_offenders.size());
  for (std::size_t i = 0; i < a.top_offenders.size(); ++i) {
    CHECK(a.top_offenders[i].session == b.top_offenders[i].session);
    CHECK(a.top_offenders[i].findings == b.top_offenders[i].findings);
    CHECK(a.top_offenders[i].time_lost_ms == b.top_offenders[i].time_lost_ms);
  }
}

}  // namespace

TEST_CASE("a report past its detail limits lists the first sessions and counts all of them") {
  const generated g = many_sessions(300);
  const report::report full = build(g, {100'000, 100'000});
  CHECK(full.sessions.size() == 300);
  CHECK_FALSE(full.omitted.any());

  const report::report limited = build(g, {50, 40});
  CHECK(limited.sessions.size() <= 50);
  CHECK(limited.findings.size() <= 40);
  CHECK(limited.omitted.any());
  CHECK(limited.sessions.size() + limited.omitted.aggregate.sessions == 300);
  CHECK(limited.findings.size() + limited.omitted.summary.findings == full.findings.size());
  // Listed in order: the first sessions, each with all its findings.
  CHECK(limited.sessions.front().id == "session-1000");
  for (const report::numbered_finding& n : limited.findings) {
    bool listed = false;
    for (const auto& s : limited.sessions) listed = listed || s.id == n.finding.session;
    CHECK(listed);
  }
  check_same_figures(limited, full);
}

TEST_CASE("a session with more findings than the limit is counted whole, never cut") {
  generated g = many_sessions(3);
  for (int k = 0; k < 30; ++k) {
    g.findings[1].push_back(finding_of(g.sessions[1].id, 1 + k % 3, 500,
                                       detect::finding_kind::stream_retry, hour + k, 10, -1));
  }
  const report::report full = build(g, {100, 1000});
  const report::report limited = build(g, {100, 10});
  CHECK(limited.sessions.size() == 2);  // the one with 31 findings is counted only
  CHECK(limited.omitted.aggregate.sessions == 1);
  CHECK(limited.omitted.summary.findings == 31);
  check_same_figures(limited, full);
}

TEST_CASE("the window drops sessions before the limits count them") {
  const generated g = many_sessions(100);
  report::time_window window;
  window.since = timestamp{40 * hour};
  window.until = timestamp{90 * hour};
  const report::report full = build(g, {100'000, 100'000}, window);
  const report::report limited = build(g, {10, 10}, window);
  CHECK(full.sessions.size() == 50);
  CHECK(full.aggregate.sessions_outside_window == 50);
  check_same_figures(limited, full);
}

TEST_CASE("omitted counts survive the JSON round trip and add up in merge") {
  const generated g = many_sessions(120);
  const report::report limited = build(g, {20, 20});
  std::ostringstream text;
  report::write_json(limited, text, {});
  CHECK(text.str().find("\"omitted\"") != std::string::npos);
  report::report back;
  REQUIRE(report::read_json_report(text.str(), back).empty());
  CHECK(back.omitted.aggregate.sessions == limited.omitted.aggregate.sessions);
  CHECK(back.omitted.summary.findings == limited.omitted.summary.findings);
  report::finalize(back);
  check_same_figures(back, limited);

  // Two halves, each limited, merged: the figures of the whole.
  generated first, second;
  for (std::size_t i = 0; i < g.sessions.size(); ++i) {
    generated& half = i < 60 ? first : second;
    half.sessions.push_back(g.sessions[i]);
    half.findings.push_back(g.findings[i]);
  }
  std::vector<report::report> parts;
  for (const generated* half : {&first, &second}) {
    std::ostringstream json;
    report::write_json(build(*half, {15, 15}), json, {});
    report::report part;
    REQUIRE(report::read_json_report(json.str(), part).empty());
    parts.push_back(std::move(part));
  }
  const report::report merged = report::merge_reports(std::move(parts), {});
  check_same_figures(merged, build(g, {100'000, 100'000}));
}

TEST_CASE("folding parts in order gives what one builder gives") {
  const generated g = many_sessions(90);
  report::report_builder whole({}, {30, 25});
  for (int p = 0; p < 3; ++p) {
    generated part_input;
    for (int i = p * 30; i < p * 30 + 30; ++i) {
      part_input.sessions.push_back(g.sessions[static_cast<std::size_t>(i)]);
      part_input.findings.push_back(g.findings[static_cast<std::size_t>(i)]);
    }
    report::report part = build(part_input, {30, 25});
    part.inputs.clear();
    whole.add_part(std::move(part));
  }
  report::report folded = std::move(whole.result());
  report::input_report input;
  input.stats.path = "rollout.jsonl";
  folded.inputs.push_back(input);
  report::finalize(folded);
  const report::report direct = build(g, {30, 25});
  CHECK(folded.sessions.size() == direct.sessions.size());
  CHECK(folded.findings.size() == direct.findings.size());
  check_same_figures(folded, direct);
}

namespace {

struct ended_sessions final : session::turn_sink {
  std::vector<std::string> order;  // "turn <session> <index>" and "end <session>"
  std::vector<session::session_summary> sessions;
  void on_turn(const session::turn& t) override {
    order.push_back("turn " + t.session_key + " " + std::to_string(t.index));
  }
  void on_session(session::session_summary&& s) override {
    order.push_back("end " + s.id);
    sessions.push_back(std::move(s));
  }
};

loopscope::event line_of(loopscope::event_kind kind, const std::string& session, std::int64_t at,
                         std::uint64_t line) {
  loopscope::event e;
  e.kind = kind;
  e.source = loopscope::format_id::codex_rollout;
  e.session_key = session;
  e.time = timestamp{at};
  e.where = {0, line};
  if (kind == loopscope::event_kind::turn_end) e.outcome = loopscope::turn_outcome::completed;
  return e;
}

}  // namespace

TEST_CASE("a session quiet for hours is handed on before the stream ends") {
  using loopscope::event_kind;
  ended_sessions sink;
  session::session_assembler assembler(sink);
  std::uint64_t line = 0;
  auto feed = [&](event_kind kind, const std::string& id, std::int64_t at) {
    assembler.on_event(line_of(kind, id, at, ++line));
    assembler.advance(timestamp{at});
  };
  feed(event_kind::turn_start, "a", 0);
  feed(event_kind::turn_end, "a", 60'000'000);
  feed(event_kind::turn_start, "b", 5 * hour);  // a has been quiet for 5 h
  feed(event_kind::turn_end, "b", 5 * hour + 1'000'000);
  // a is back later: its turns go on from 2, not from 1 again.
  feed(event_kind::turn_start, "a", 11 * hour);
  feed(event_kind::turn_end, "a", 11 * hour + 1'000'000);
  assembler.finish();

  const std::vector<std::string> expected{"turn a 1", "end a",    "turn b 1",
                                          "end b",    "turn a 2", "end a"};
  CHECK(sink.order == expected);
  REQUIRE(sink.sessions.size() == 3);
  CHECK(sink.sessions[2].turns.front().index == 2);
}

TEST_CASE("a very long session keeps a bounded number of turn summaries, counting the rest") {
  using loopscope::event_kind;
  ended_sessions sink;
  session::join_settings settings;
  settings.max_turn_summaries = 5;
  session::session_assembler assembler(sink, settings);
  std::uint64_t line = 0;
  for (int t = 0; t < 12; ++t) {
    const std::int64_t at = t * 60'000'000LL;
    assembler.on_event(line_of(event_kind::turn_start, "long", at, ++line));
    assembler.on_event(line_of(event_kind::turn_end, "long", at + 1'000'000, ++line));
    assembler.advance(timestamp{at + 30'000'000});
  }
  assembler.finish();
  REQUIRE(sink.sessions.size() == 1);
  CHECK(sink.sessions[0].turns.size() == 5);
  CHECK(sink.sessions[0].turns_omitted == 7);
}

#include "app/analysis.hpp"

TEST_CASE("analyze without rules applies the built-in pack (a library caller's default)") {
  loopscope::app::analysis_request request;
  request.inputs = {std::string(LOOPSCOPE_SOURCE_DIR) + "/samples/codex-0.121.0/ws-405-fallback"};
  request.tool_version = "test";
  const loopscope::app::analysis_result result = loopscope::app::analyze(request);
  CHECK(result.model.summary.findings > 0);
  CHECK(result.model.inputs.size() >= 4);
}
