// Aggregates, time bounds and merging of reports (issue #9: nightly jobs over archives).
#include <doctest/doctest.h>

#include <sstream>
#include <string>
#include <vector>

#include "loopscope/report/aggregate.hpp"
#include "loopscope/report/aggregate_merge.hpp"
#include "loopscope/report/writers.hpp"

namespace report = loopscope::report;
namespace detect = loopscope::detect;
using loopscope::timestamp;

namespace {

timestamp at(const char* text) {
  return *loopscope::parse_rfc3339(text);
}

detect::finding make_finding(const std::string& session, int turn, detect::finding_kind kind,
                             int status, std::int64_t start_us, std::int64_t end_us,
                             loopscope::input_index input, std::int64_t tokens = -1) {
  detect::finding f;
  f.rule = kind == detect::finding_kind::turn_failure ? "codex.turn-failure" : "codex.stream-retry";
  f.kind = kind;
  f.level = detect::severity::error;
  f.session = session;
  f.turn = turn;
  f.iterations = 2;
  f.start = timestamp{start_us};
  f.end = timestamp{end_us};
  f.tokens = tokens;
  f.cause = detect::root_cause{};
  f.cause->http.status = status;
  f.cause->http.path = "/v1/responses";
  f.cause->http.transport = loopscope::transport_kind::http;
  f.evidence.push_back({{input, 7}, "ERROR: Reconnecting... 1/5", {}});
  f.summary = "Codex retried";
  return f;
}

// Two inputs, two sessions; times with microseconds so that the JSON round trip must keep
// durations exact.
report::report sample_report(const std::string& prefix) {
  report::report r;
  r.tool_version = "test";
  for (const char* name : {"rollout.jsonl", "proxy.log"}) {
    report::input_report input;
    input.stats.path = prefix + "/" + name;
    r.inputs.push_back(input);
  }
  loopscope::session::session_summary s;
  s.id = prefix + "-session";
  s.sources = {0, 1};
  s.start = timestamp{1'700'000'000'000'999};
  s.end = timestamp{1'700'000'100'000'000};
  s.turns.push_back({1, "t1", s.start, s.end, loopscope::turn_outcome::failed, 3, {}, 10});
  r.sessions.push_back(s);
  r.findings.push_back({{},
                        make_finding(s.id, 1, detect::finding_kind::stream_retry, 500,
                                     1'700'000'000'000'999, 1'700'000'003'001'000, 0, 40)});
  r.findings.push_back({{},
                        make_finding(s.id, 1, detect::finding_kind::turn_failure, 500,
                                     1'700'000'000'000'999, 1'700'000'004'000'000, 1)});
  report::finalize(r);
  return r;
}

std::string json_of(const report::report& r) {
  std::ostringstream out;
  report::write_json(r, out, report::render_options{});
  return out.str();
}

}  // namespace

TEST_CASE("time bounds: RFC 3339, or a whole day for a bare date") {
  CHECK(report::parse_time_bound("2026-11-29", report::bound_side::lower) ==
        at("2026-11-29T00:00:00Z"));
  CHECK(report::parse_time_bound("2026-11-29", report::bound_side::upper) ==
        at("2026-11-30T00:00:00Z"));
  CHECK(report::parse_time_bound("2026-11-29T01:02:03+01:00", report::bound_side::upper) ==
        at("2026-11-29T00:02:03Z"));
  CHECK_FALSE(report::parse_time_bound("yesterday", report::bound_side::lower));
  CHECK_FALSE(report::parse_time_bound("2026-13-01", report::bound_side::lower));
}

TEST_CASE("aggregates: by kind, rule and cause, affected sessions and turns, what was lost") {
  const report::report r = sample_report("a");
  const report::aggregates& a = r.aggregate;
  CHECK(a.by_kind.at("stream_retry") == 1);
  CHECK(a.by_rule.at("codex.turn-failure") == 1);
  REQUIRE(a.by_root_cause.size() == 1);
  CHECK(a.by_root_cause[0].status == 500);
  CHECK(a.by_root_cause[0].transport == "http");
  CHECK(a.by_root_cause[0].findings == 2);
  CHECK(a.sessions_affected == 1);
  CHECK(a.turns_affected == 1);
  // The two findings overlap (the same turn's retries and its failure): the time lost is their
  // union, not their sum.
  CHECK(a.time_lost_ms == 3999);
  CHECK(a.tokens_lost == 40);
  CHECK(a.findings_with_tokens == 1);
  REQUIRE(a.top_offenders.size() == 1);
  CHECK(a.top_offenders[0].findings == 2);
  CHECK(report::aggregate_text(a).find("HTTP 500 /v1/responses over http") != std::string::npos);
}

TEST_CASE("a report read back gives the same JSON, durations included") {
  const report::report r = sample_report("a");
  report::report back;
  REQUIRE(report::read_json_report(json_of(r), back).empty());
  report::finalize(back);
  CHECK(json_of(back) == json_of(r));
}

TEST_CASE("finding ids do not depend on the other inputs of the run") {
  report::report r = sample_report("a");
  const std::string id = r.findings.front().id;
  // The same logs, with another input listed before them.
  report::input_report other;
  other.stats.path = "zzz/other.log";
  r.inputs.insert(r.inputs.begin(), other);
  for (auto& n : r.findings) {
    for (auto& e : n.finding.evidence) ++e.where.input;
  }
  report::finalize(r);
  CHECK(r.findings.front().id == id);
}

TEST_CASE("merging is order-independent and keeps what two reports share once") {
  const report::report a = sample_report("a");
  const report::report b = sample_report("b");
  const std::string ab = json_of(report::merge_reports({a, b}, {}));
  const std::string ba = json_of(report::merge_reports({b, a}, {}));
  CHECK(ab == ba);
  const report::report twice = report::merge_reports({a, b, a}, {});
  CHECK(json_of(twice) == ab);
  CHECK(twice.findings.size() == 4);
  CHECK(twice.inputs.size() == 4);
  CHECK(twice.aggregate.sessions == 2);
}

TEST_CASE("a window drops the sessions outside it, and their findings") {
  report::report r = sample_report("a");
  r.window.since = at("2030-01-01T00:00:00Z");
  report::finalize(r);
  CHECK(r.sessions.empty());
  CHECK(r.findings.empty());
  CHECK(r.aggregate.sessions_outside_window == 1);
}

TEST_CASE("merge reads only report v1") {
  report::report r;
  CHECK_FALSE(report::read_json_report(R"({"schema": "loopscope/report/v2"})", r).empty());
  CHECK_FALSE(report::read_json_report("not json", r).empty());
  CHECK(report::json_report_schema(R"({"schema": "x"})") == "x");
}
