#include <doctest/doctest.h>

#include "loopscope/formats/sniff.hpp"
#include "test_support.hpp"

using namespace loopscope;
using normalize::line_outcome;

namespace {

std::string real_log(const std::string& name) {
  return test::shared_corpus_dir() + "/real-logs/" + name;
}

}  // namespace

TEST_CASE("human codex exec stderr") {
  const std::vector<std::string> lines{
      "Reading additional input from stdin...",
      "ERROR: Reconnecting... 2/5",
      "ERROR: Reconnecting... 3/5 (unexpected status 502 Bad Gateway: Unknown error, url: "
      "http://litellm:4000/v1/responses)",
      "ERROR: exceeded retry limit, last status: 429 Too Many Requests",
      "warning: Model personality requested but model_messages is missing",
      "WARNING: proceeding, even though we could not update PATH",
  };
  for (const auto& line : lines) CHECK(formats::sniff_line(line) == format_id::codex_exec_stderr);
  const test::collected got = test::normalize_lines(format_id::codex_exec_stderr, lines);
  CHECK(got.outcomes(line_outcome::malformed) == 0);
  CHECK(got.results[0].outcome == line_outcome::skipped);
  CHECK_FALSE(got.results[0].unknown_type);
  const auto retries = got.of_kind(event_kind::stream_retry);
  REQUIRE(retries.size() == 2);
  CHECK(retries[0].attempt == 2);
  CHECK(retries[0].attempt_limit == 5);
  CHECK(retries[0].http.status == 0);
  CHECK(retries[1].http.status == 502);
  CHECK(retries[1].http.transport == transport_kind::http);
  CHECK(retries[0].session_key == "input:test");
  const auto errors = got.of_kind(event_kind::turn_error);
  REQUIRE(errors.size() == 1);
  CHECK(errors[0].http.status == 429);
  CHECK(errors[0].error_class == "RetryLimit");
  CHECK(got.count(event_kind::warning) == 2);
}

TEST_CASE("old TUI stream error wrapped over lines (openai/codex#4136)") {
  const auto lines =
      test::excerpt_lines(real_log("openai-codex-4136-codex-via-litellm-400-retrying.log"));
  const test::collected got =
      test::normalize_lines(format_id::codex_exec_stderr, lines, {"input:test", {}}, true);
  std::size_t claimed = 0;
  for (const auto& line : lines) {
    claimed += formats::sniff_line(line) == format_id::codex_exec_stderr ? 1 : 0;
  }
  CHECK(claimed == 1);  // the "⚠️ stream error:" line; its wrapped rest are continuations
  CHECK(got.outcomes(line_outcome::malformed) == 0);
  const auto retries = got.of_kind(event_kind::stream_retry);
  REQUIRE(retries.size() == 1);
  CHECK(retries[0].attempt == 1);
  CHECK(retries[0].attempt_limit == 5);
  CHECK(retries[0].delay_ms == 199);
  CHECK(retries[0].http.status == 400);
  CHECK(retries[0].message.find("Available Model Group Fallbacks=None") != std::string::npos);
  CHECK(retries[0].message.find("; retrying") == std::string::npos);
  CHECK(got.events.size() == 1);
}

TEST_CASE("TUI status line with wrapped details (BerriAI/litellm#29818)") {
  const auto lines =
      test::excerpt_lines(real_log("BerriAI-litellm-29818-https-to-plain-http-port.log"));
  const test::collected got =
      test::normalize_lines(format_id::codex_exec_stderr, lines, {"input:test", {}}, true);
  const auto retries = got.of_kind(event_kind::stream_retry);
  REQUIRE(retries.size() == 1);
  CHECK(retries[0].attempt == 2);
  CHECK(retries[0].attempt_limit == 5);
  CHECK(retries[0].error_class == "connection_error");
  CHECK(retries[0].http.path == "/v1/responses");
  CHECK(retries[0].http.transport == transport_kind::http);
  CHECK(retries[0].message.find("esc to interrupt") == std::string::npos);
  CHECK(got.outcomes(line_outcome::malformed) == 0);
}

TEST_CASE("Codex App lines: Reconnecting 2/5..5/5 then the 405 (farion1231/cc-switch#1673)") {
  const auto lines =
      test::excerpt_lines(real_log("farion1231-cc-switch-1673-ws-405-reconnect.log"));
  const test::collected got =
      test::normalize_lines(format_id::codex_exec_stderr, lines, {"input:test", {}}, true);
  const auto retries = got.of_kind(event_kind::stream_retry);
  REQUIRE(retries.size() == 4);
  CHECK(retries[0].attempt == 2);
  CHECK(retries[3].attempt == 5);
  const auto errors = got.of_kind(event_kind::turn_error);
  REQUIRE(errors.size() == 1);
  CHECK(errors[0].http.status == 405);
  CHECK(errors[0].http.method == "GET");
  CHECK(errors[0].http.transport == transport_kind::websocket);
  CHECK(errors[0].http.path == "/v1/responses");
}

TEST_CASE("Codex App retry with its details on the next line (BenedictKing/ccx#67)") {
  const auto lines = test::excerpt_lines(real_log("BenedictKing-ccx-67-idle-timeout-sse.log"));
  const test::collected got =
      test::normalize_lines(format_id::codex_exec_stderr, lines, {"input:test", {}}, true);
  const auto retries = got.of_kind(event_kind::stream_retry);
  REQUIRE(retries.size() == 1);
  CHECK(retries[0].attempt == 1);
  CHECK(retries[0].error_class == "stream_idle_timeout");
  CHECK(got.count(event_kind::turn_error) == 0);
}

TEST_CASE("TUI fallback warning and final error glyphs (icebear0828/codex-proxy#681)") {
  const auto lines =
      test::excerpt_lines(real_log("icebear0828-codex-proxy-681-ws-404-fallback-warning.log"));
  const test::collected got =
      test::normalize_lines(format_id::codex_exec_stderr, lines, {"input:test", {}}, true);
  const auto fallbacks = got.of_kind(event_kind::transport_fallback);
  REQUIRE(fallbacks.size() == 1);
  CHECK(fallbacks[0].http.status == 404);
  CHECK(fallbacks[0].http.transport == transport_kind::websocket);

  const std::vector<std::string> more{
      "■ unexpected status 400 Bad Request: missing model, url: ws://127.0.0.1:4000/v1/responses",
      "• Reconnecting... 3/5 (9s • esc to interrupt)",
      "  └ Timeout waiting for child process to exit",
  };
  for (const auto& line : {more[0], more[1]}) {
    CHECK(formats::sniff_line(line) == format_id::codex_exec_stderr);
  }
  const test::collected tui =
      test::normalize_lines(format_id::codex_exec_stderr, more, {"input:test", {}}, true);
  const auto errors = tui.of_kind(event_kind::turn_error);
  REQUIRE(errors.size() == 1);
  CHECK(errors[0].http.status == 400);
  const auto retries = tui.of_kind(event_kind::stream_retry);
  REQUIRE(retries.size() == 1);
  CHECK(retries[0].error_class == "Timeout");
}

TEST_CASE("exec stderr: no false claims, malformed and odd input") {
  // Lines of other formats and prose must not be claimed.
  for (const std::string_view line :
       {"ERROR:    Exception in ASGI application", "WARNING:  Invalid HTTP request received.",
        "Reconnecting to the database", "an unexpected status of the build", "• a bullet point",
        "warning:no space"}) {
    CHECK(formats::sniff_line(line) != format_id::codex_exec_stderr);
  }
  std::string huge = "ERROR: ";
  huge.append(std::size_t{1} << 20, 'z');
  const std::vector<std::string> lines{
      huge,
      "",
      "ERROR: \xff\xfe bad utf8",
      std::string("\x00\x01", 2),
      "⚠️ stream error: never completed",
      "```",
      "ERROR: Reconnecting... 99999999999999/5",
  };
  const test::collected got =
      test::normalize_lines(format_id::codex_exec_stderr, lines, {"input:test", {}}, true);
  CHECK(got.outcomes(line_outcome::malformed) == 0);
  CHECK(got.results[0].outcome == line_outcome::used);
  CHECK(got.results[1].unknown_type);
  CHECK(got.results[2].outcome == line_outcome::used);
  // The pending "stream error" without its suffix is still emitted, when the next line comes.
  const auto retries = got.of_kind(event_kind::stream_retry);
  REQUIRE(retries.size() == 2);
  CHECK(retries[0].message == "never completed");
  CHECK(retries[0].attempt == 0);
  // A retry notice whose count is out of range is still a retry notice, its count unknown.
  CHECK(retries[1].attempt == 0);
  CHECK(retries[1].attempt_limit == 5);
}
