// The Codex lines users paste into bug reports (TUI and Codex App text of 0.10x–0.15x, the
// app-server's JSON tracing quoted by the App's crash notice, stamp-less tracing lines): each test
// reads a real excerpt from tests/data/corpus/real-logs (line 1 of each file is its source URL).
#include <doctest/doctest.h>

#include "loopscope/formats/sniff.hpp"
#include "test_support.hpp"

using namespace loopscope;
using normalize::line_outcome;

namespace {

std::vector<std::string> excerpt(const std::string& name) {
  return test::excerpt_lines(test::shared_corpus_dir() + "/real-logs/" + name);
}

test::collected read_tui(const std::vector<std::string>& lines) {
  return test::normalize_lines(format_id::codex_exec_stderr, lines, {"input:test", {}}, true);
}

test::collected read_trace(const std::vector<std::string>& lines) {
  return test::normalize_lines(format_id::codex_trace, lines, {"input:test", {}});
}

}  // namespace

TEST_CASE("TUI fallback warning, refused connection (openai/codex#34312, 0.144.6)") {
  const test::collected got =
      read_tui(excerpt("openai-codex-34312-tui-fallback-os-error-10061.log"));
  const auto fallbacks = got.of_kind(event_kind::transport_fallback);
  REQUIRE(fallbacks.size() == 2);  // the reporter pasted it twice
  for (const event& e : fallbacks) {
    CHECK(e.http.transport == transport_kind::websocket);
    CHECK(e.error_class == "connection_error");
    CHECK(e.message.ends_with("(os error 10061)"));
  }
  CHECK(got.events.size() == 2);
  CHECK(got.outcomes(line_outcome::malformed) == 0);
}

TEST_CASE("TUI fallback warning wrapped onto an indented line (openai/codex#13143, 0.106.0)") {
  const test::collected got = read_tui(excerpt("openai-codex-13143-tui-fallback-wrapped.log"));
  const auto fallbacks = got.of_kind(event_kind::transport_fallback);
  REQUIRE(fallbacks.size() == 1);
  CHECK(fallbacks[0].message ==
        "Falling back from WebSockets to HTTPS transport. stream disconnected before completion: "
        "failed to send websocket request: Connection closed normally");
  CHECK(fallbacks[0].error_class == "stream_disconnected");
  CHECK(fallbacks[0].http.transport == transport_kind::websocket);
  CHECK(got.events.size() == 1);
  // The wrapped rest is part of the record, not an unknown line.
  REQUIRE(got.results.size() == 6);
  CHECK(got.results[3].outcome == line_outcome::used);
  CHECK_FALSE(got.results[3].unknown_type);
}

TEST_CASE("TUI fallback warning wrapped over three lines (Wei-Shaw/sub2api#2014)") {
  const test::collected got =
      read_tui(excerpt("Wei-Shaw-sub2api-2014-tui-fallback-header-utf8.log"));
  const auto fallbacks = got.of_kind(event_kind::transport_fallback);
  REQUIRE(fallbacks.size() == 1);
  CHECK(fallbacks[0].message.find("header name 'x-codex-turn-") != std::string::npos);
  CHECK(fallbacks[0].message.ends_with("metadata' with value"));
  CHECK(got.events.size() == 1);
  CHECK(got.outcomes(line_outcome::used) == 3);
}

TEST_CASE("TUI final error wrapped mid-word keeps its URL (openai/codex#19743, 0.125.0)") {
  const auto lines = excerpt("openai-codex-19743-tui-401-missing-scopes-wrapped.log");
  CHECK(formats::sniff_line(lines[2]) == format_id::codex_exec_stderr);
  const test::collected got = read_tui(lines);
  const auto errors = got.of_kind(event_kind::turn_error);
  REQUIRE(errors.size() == 1);
  CHECK(errors[0].http.status == 401);
  CHECK(errors[0].error_class == "UnexpectedStatus");
  // The URL is on the wrapped line: read only when the two lines are one record.
  CHECK(errors[0].http.transport == transport_kind::http);
  CHECK(errors[0].http.path == "/v1/responses");
  CHECK(errors[0].message.find("your organization (Reader") != std::string::npos);
  CHECK(got.events.size() == 1);
}

TEST_CASE("TUI error cell wrapped without indent at a word (openai/codex#42564, 0.152.0)") {
  const auto lines = excerpt("openai-codex-42564-tui-fallback-then-404-wrapped.log");
  // The warning follows the reporter's words: not at the start of its line, not claimed.
  CHECK(formats::sniff_line(lines[2]) == format_id::unknown);
  CHECK(formats::sniff_line(lines[6]) == format_id::codex_exec_stderr);
  const test::collected got = read_tui(lines);
  CHECK(got.count(event_kind::transport_fallback) == 0);
  const auto errors = got.of_kind(event_kind::turn_error);
  REQUIRE(errors.size() == 1);
  CHECK(errors[0].http.status == 404);
  CHECK(errors[0].error_class == "UnexpectedStatus");
  // The URL is on the rest of the cell: HTTPS, the ChatGPT backend's path.
  CHECK(errors[0].http.transport == transport_kind::http);
  CHECK(errors[0].http.path == "/backend-api/codex/responses");
  CHECK(
      errors[0].message.ends_with("url: https://chatgpt.com/backend-api/codex/responses, "
                                  "cf-ray: a355a07b5ca40c60-SJC"));
  CHECK(got.events.size() == 1);
}

TEST_CASE("Codex App: refused connection after the retries (openai/codex#18960)") {
  const auto lines = excerpt("openai-codex-18960-app-waiting-for-network-refused.log");
  CHECK(formats::sniff_line(lines[2]) == format_id::codex_exec_stderr);
  const test::collected got = read_tui(lines);
  // "Reconnecting... waiting for network": a pause before a retry, not an attempt.
  const auto waits = got.of_kind(event_kind::warning);
  REQUIRE(waits.size() == 1);
  CHECK(waits[0].error_class == "network_unavailable");
  CHECK(got.count(event_kind::stream_retry) == 0);
  const auto errors = got.of_kind(event_kind::turn_error);
  REQUIRE(errors.size() == 1);
  CHECK(errors[0].error_class == "connection_error");
  CHECK(errors[0].message.ends_with("(os error 10061)"));
  CHECK(got.outcomes(line_outcome::malformed) == 0);
}

TEST_CASE("TUI status line with its └ details, capitalised (farion1231/cc-switch#812)") {
  const auto lines = excerpt("farion1231-cc-switch-812-tui-reconnecting-401.log");
  CHECK(formats::sniff_line(lines[2]) == format_id::codex_exec_stderr);
  const test::collected got = read_tui(lines);
  const auto retries = got.of_kind(event_kind::stream_retry);
  REQUIRE(retries.size() == 1);
  CHECK(retries[0].attempt == 4);
  CHECK(retries[0].attempt_limit == 5);
  CHECK(retries[0].http.status == 401);  // "Unexpected status": the TUI's capital U
  CHECK(retries[0].error_class == "UnexpectedStatus");
  CHECK(retries[0].message == "Unexpected status 401 Unauthorized:");
  CHECK(got.events.size() == 1);
}

TEST_CASE("TUI status line, details pasted on the next line without └ (openai/codex#19121)") {
  const test::collected got =
      read_tui(excerpt("openai-codex-19121-tui-reconnecting-then-details.log"));
  const auto retries = got.of_kind(event_kind::stream_retry);
  REQUIRE(retries.size() == 1);
  CHECK(retries[0].attempt == 4);
  CHECK(retries[0].attempt_limit == 5);
  CHECK(retries[0].error_class == "stream_disconnected");
  CHECK(retries[0].message.find("5036c677-60f5-4aef-ad04-da4182e0fc56") != std::string::npos);
  const auto errors = got.of_kind(event_kind::turn_error);
  REQUIRE(errors.size() == 1);
  CHECK(errors[0].error_class == "stream_disconnected");
  CHECK(got.events.size() == 2);
}

TEST_CASE("TUI final error, capitalised, pasted without its glyph (openai/codex#22394, 0.130.0)") {
  const auto lines = excerpt("openai-codex-22394-tui-stream-disconnected-0-130.log");
  CHECK(formats::sniff_line(lines[2]) == format_id::codex_exec_stderr);
  const test::collected got = read_tui(lines);
  const auto errors = got.of_kind(event_kind::turn_error);
  REQUIRE(errors.size() == 1);
  CHECK(errors[0].error_class == "stream_disconnected");
  CHECK(errors[0].http.status == 0);  // the words name no status
  CHECK(got.events.size() == 1);
}

TEST_CASE("Codex App: the whole retry budget, then the error (openai/codex#14260)") {
  const test::collected got =
      read_tui(excerpt("openai-codex-14260-app-reconnecting-1-5-to-5-5.log"));
  const auto retries = got.of_kind(event_kind::stream_retry);
  REQUIRE(retries.size() == 5);
  for (std::size_t i = 0; i < retries.size(); ++i) {
    CHECK(retries[i].attempt == static_cast<int>(i) + 1);
    CHECK(retries[i].attempt_limit == 5);
  }
  const auto errors = got.of_kind(event_kind::turn_error);
  REQUIRE(errors.size() == 1);
  CHECK(errors[0].error_class == "stream_disconnected");
  CHECK(got.events.size() == 6);
}

TEST_CASE("Codex App crash notice quoting a JSON tracing retry (openai/codex#25554)") {
  const auto lines = excerpt("openai-codex-25554-app-json-tracing-retry.log");
  CHECK(formats::sniff_line(lines[3]) == format_id::codex_trace);
  // The same event as the app-server writes it, one JSON object per line.
  CHECK(formats::sniff_line(lines[3].substr(19)) == format_id::codex_trace);
  const test::collected got = read_trace(lines);
  const auto retries = got.of_kind(event_kind::stream_retry);
  REQUIRE(retries.size() == 1);
  CHECK(retries[0].attempt == 4);
  CHECK(retries[0].attempt_limit == 5);
  CHECK(retries[0].delay_ms == 1698);
  REQUIRE(retries[0].time);
  CHECK(format_rfc3339(*retries[0].time) == "2026-06-01T07:38:33.088Z");
  CHECK(retries[0].time_is == time_quality::exact);
  CHECK(retries[0].session_key == "input:test");
  CHECK(got.events.size() == 1);
  CHECK(got.results[3].outcome == line_outcome::used);
}

TEST_CASE("IDE extension crash notice quoting a benign JSON warning (openai/codex#31752)") {
  const auto lines = excerpt("openai-codex-31752-app-json-tracing-plugin-warning.log");
  std::vector<std::string> event_line;
  for (const auto& line : lines) {
    if (line.starts_with("Most recent error: ")) event_line.push_back(line);
  }
  REQUIRE(event_line.size() == 1);
  CHECK(formats::sniff_line(event_line[0]) == format_id::codex_trace);
  const test::collected got = read_trace(event_line);
  CHECK(got.events.empty());
  REQUIRE(got.results.size() == 1);
  CHECK(got.results[0].outcome == line_outcome::skipped);  // read, understood, nothing to say
}

TEST_CASE("tracing line pasted without its stamp: WebSocket 426 (openai/codex#43353, 0.153.4)") {
  const auto lines = excerpt("openai-codex-43353-trace-ws-426-no-stamp.log");
  std::vector<std::string> log_line;
  for (const auto& line : lines) {
    if (line.starts_with("ERROR ")) log_line.push_back(line);
  }
  REQUIRE(log_line.size() == 1);
  CHECK(formats::sniff_line(log_line[0]) == format_id::codex_trace);
  const test::collected got = read_trace(log_line);
  const auto failures = got.of_kind(event_kind::ws_error);
  REQUIRE(failures.size() == 1);
  CHECK(failures[0].http.status == 426);
  CHECK(failures[0].http.method == "GET");
  CHECK(failures[0].http.transport == transport_kind::websocket);
  CHECK(failures[0].http.path == "/v1/responses");
  CHECK(failures[0].error_class == "websocket_handshake_rejected");
  CHECK_FALSE(failures[0].time);
}

TEST_CASE("pasted Codex lines: malformed, truncated and mixed input") {
  SUBCASE("JSON tracing: truncated, invalid UTF-8, not an event, junk") {
    const std::vector<std::string> lines{
        R"({"timestamp":"2026-06-01T07:38:33.088544Z","level":"WARN","fields":{"message":"stream disc)",
        "Most recent error: {\"timestamp\":\"2026-06-01T07:38:33Z\",\"level\":\"WARN\",\"fields\":"
        "{\"message\":\"stream disconnected - retrying sampling request (\xff\xfe/5 in 1s)...\"},"
        "\"target\":\"codex_core::responses_retry\"}",
        R"({"timestamp":"2026-06-01T07:38:33Z","level":"LOUD","fields":{"message":"x"},"target":"a::b"})",
        R"({"timestamp":"2026-06-01T07:38:33Z","level":"WARN","fields":[],"target":"a::b"})",
        "{}",
        "{",
        "Most recent error: None",
        R"({"timestamp":"2026-06-01T07:38:34Z","level":"WARN","fields":{"message":"stream disconnected - retrying sampling request (5/5 in 3.2s)...","turn_id":"t-1","retries":5},"spans":[{"name":"turn","turn.id":"t-1","model":"gpt-5"}],"target":"codex_core::responses_retry"})",
    };
    const test::collected got = read_trace(lines);
    CHECK(got.results[0].outcome == line_outcome::malformed);  // cut short
    CHECK(got.results[1].outcome == line_outcome::malformed);  // not UTF-8: simdjson refuses it
    CHECK(got.results[2].outcome == line_outcome::malformed);  // no such level
    CHECK(got.results[3].outcome == line_outcome::malformed);  // fields is not an object
    CHECK(got.results[4].outcome == line_outcome::malformed);
    CHECK(got.results[5].outcome == line_outcome::malformed);
    CHECK(got.results[6].outcome == line_outcome::malformed);  // the notice without an event
    // A full event with its span list: the span chain gives the turn and the model.
    CHECK(got.results[7].outcome == line_outcome::used);
    const auto retries = got.of_kind(event_kind::stream_retry);
    REQUIRE(retries.size() == 1);
    CHECK(retries[0].attempt == 5);
    CHECK(retries[0].delay_ms == 3200);
    CHECK(retries[0].turn_key == "t-1");
    CHECK(retries[0].model == "gpt-5");
    CHECK(got.count(event_kind::turn_start) == 1);
  }
  SUBCASE("stamp-less lines that are prose") {
    const std::vector<std::string> lines{"ERROR something went wrong: badly", "INFO foo: bar",
                                         "WARN", "ERROR ", "DEBUG a::b"};
    for (const auto& line : lines) CHECK(formats::sniff_line(line) != format_id::codex_trace);
    const test::collected got = read_trace(lines);
    CHECK(got.events.empty());
    CHECK(got.outcomes(line_outcome::malformed) == lines.size());
  }
  SUBCASE("wrapped TUI records end at blank lines, fences and the bound") {
    std::vector<std::string> lines{
        "■ unexpected status 502 Bad Gateway: upstream went away and "
        "did not come back in time for this long li"};
    lines.push_back("ne to be cut");  // an error cell's rest, cut mid-word at full width: joined
    lines.push_back("");
    lines.push_back("next prose line that is not indented");  // after the blank: not a rest
    lines.push_back("⚠ Falling back from WebSockets to HTTPS transport. short");
    lines.push_back("prose right under a warning");  // a warning goes on indented only
    lines.push_back("⚠ Falling back from WebSockets to HTTPS transport. stream disconnected");
    for (int i = 0; i < 40; ++i) lines.push_back("  " + std::string(2000, 'w'));
    lines.push_back("⚠ Falling back from WebSockets to HTTPS transport. \xff\xfe broken");
    lines.push_back("  \xc3");  // a truncated UTF-8 sequence on the wrapped line
    const test::collected got = read_tui(lines);
    const auto errors = got.of_kind(event_kind::turn_error);
    REQUIRE(errors.size() == 1);
    CHECK(errors[0].http.status == 502);
    CHECK(errors[0].message.ends_with("this long line to be cut"));
    const auto fallbacks = got.of_kind(event_kind::transport_fallback);
    REQUIRE(fallbacks.size() == 3);
    CHECK(fallbacks[0].message.ends_with("transport. short"));
    CHECK(got.results[5].unknown_type);
    CHECK(fallbacks[1].message.size() <= 16 * 1024 + 2100);  // bounded record
    CHECK(got.outcomes(line_outcome::malformed) == 0);
  }
}
