#include <doctest/doctest.h>

#include <algorithm>
#include <array>
#include <filesystem>
#include <memory>

#include "loopscope/formats/sniff.hpp"
#include "test_support.hpp"

using namespace loopscope;
using normalize::line_outcome;

namespace {

constexpr std::string_view thread = "01a224d7-db4e-7ff1-9d74-980be69b64fd";
constexpr std::string_view turn = "01a224d7-db64-78f3-9f9c-f8a0b26ae42c";

// Routes lines as the pipeline does: sniffed per line, unclaimed lines offered to the previous
// format's continue_record, one normalizer per format.
struct routed {
  std::vector<event> events;
  std::size_t unrecognized = 0;
  std::size_t malformed = 0;
};

routed route_lines(const std::vector<std::string>& lines) {
  routed out;
  test::collecting_sink sink(out.events);
  std::array<std::unique_ptr<normalize::format_normalizer>, 8> normalizers;
  normalize::format_normalizer* previous = nullptr;
  std::uint64_t number = 0;
  for (const std::string& line : lines) {
    ++number;
    std::string padded = line;
    padded.append(ingest::line_padding, '\0');
    const std::string_view view(padded.data(), line.size());
    const origin where{0, number};
    const format_id format = formats::sniff_line(view);
    normalize::line_result result;
    if (format == format_id::unknown) {
      if (previous == nullptr || !previous->continue_record(view, where, result)) {
        ++out.unrecognized;
      }
      continue;
    }
    auto& normalizer = normalizers[static_cast<std::size_t>(format)];
    if (!normalizer) normalizer = normalize::make_normalizer(format, {"input:test", {}});
    if (previous != nullptr && previous != normalizer.get()) previous->finish(sink);
    previous = normalizer.get();
    result = normalizer->normalize(view, where, sink);
    out.malformed += result.outcome == line_outcome::malformed ? 1 : 0;
  }
  for (auto& normalizer : normalizers) {
    if (normalizer) normalizer->finish(sink);
  }
  return out;
}

std::size_t count(const std::vector<event>& events, event_kind kind) {
  std::size_t n = 0;
  for (const event& e : events) n += e.kind == kind ? 1 : 0;
  return n;
}

}  // namespace

TEST_CASE("real trace of a WebSocket 405, fallback and HTTP 500 (Codex 0.121.0, RUST_LOG=debug)") {
  const auto lines =
      test::file_lines(test::shared_corpus_dir() + "/codex-recorded/trace-ws405-debug.log");
  REQUIRE(lines.size() == 128);
  const routed all = route_lines(lines);
  CHECK(all.unrecognized == 0);
  CHECK(all.malformed == 0);

  // Lines 3.. are the trace proper (1: npm launcher warning, 2: exec's stdin notice).
  const std::vector<std::string> trace(lines.begin() + 2, lines.end());
  const test::collected got = test::normalize_lines(format_id::codex_trace, trace);
  CHECK(got.outcomes(line_outcome::malformed) == 0);
  for (const auto& r : got.results) CHECK_FALSE(r.unknown_type);

  // No span lifecycle lines here; the turn starts where its span is first seen.
  const auto starts = got.of_kind(event_kind::turn_start);
  REQUIRE(starts.size() == 1);
  CHECK(starts[0].turn_key == turn);
  CHECK(starts[0].session_key == thread);
  CHECK(starts[0].where.line == 38);  // file line 40: the prewarm failure inside the turn span

  // Prewarm + 2 turn attempts on WebSocket: "connecting" and "failed" each; OTel copies dropped.
  const auto connects = got.of_kind(event_kind::ws_connect);
  CHECK(connects.size() == 3);
  for (const event& e : connects) {
    CHECK(e.http.method == "GET");
    CHECK(e.http.path == "/v1/responses");
    CHECK(e.http.transport == transport_kind::websocket);
  }
  const auto ws_errors = got.of_kind(event_kind::ws_error);
  REQUIRE(ws_errors.size() == 4);  // 3 handshakes + "startup websocket prewarm setup failed"
  for (const event& e : ws_errors) {
    CHECK(e.http.status == 405);
    CHECK(e.http.transport == transport_kind::websocket);
    CHECK(e.http.path == "/v1/responses");
  }
  CHECK(ws_errors[0].session_key == "input:test");  // the prewarm runs before the session span
  CHECK(ws_errors[1].message.starts_with("unexpected status 405 Method Not Allowed"));
  CHECK(ws_errors[1].turn_key == turn);

  const auto retries = got.of_kind(event_kind::stream_retry);
  REQUIRE(retries.size() == 2);
  CHECK(retries[0].attempt == 1);
  CHECK(retries[0].attempt_limit == 1);
  CHECK(retries[0].delay_ms == 211);
  CHECK(retries[0].http.transport == transport_kind::websocket);
  CHECK(retries[1].delay_ms == 205);
  CHECK(retries[1].http.transport == transport_kind::http);
  CHECK(retries[0].turn_key == turn);
  CHECK(retries[0].session_key == thread);
  CHECK(retries[0].model == "gpt-5");

  const auto fallbacks = got.of_kind(event_kind::transport_fallback);
  REQUIRE(fallbacks.size() == 1);
  CHECK(fallbacks[0].where.line == 64);

  const auto attempts = got.of_kind(event_kind::request_attempt);
  REQUIRE(attempts.size() == 2);  // codex.api_request on log_only; trace_safe copies dropped
  for (const event& e : attempts) {
    CHECK(e.http.status == 500);
    CHECK(e.http.method == "POST");
    CHECK(e.attempt == 1);
    CHECK(e.http.transport == transport_kind::http);
  }
  const auto errors = got.of_kind(event_kind::turn_error);
  REQUIRE(errors.size() == 1);
  CHECK(errors[0].http.status == 500);
  CHECK(errors[0].error_class == "InternalServerError");
  CHECK(errors[0].time_is == time_quality::exact);
}

TEST_CASE("trace line parts: spans, quoted fields, targets, durations") {
  const std::vector<std::string> lines{
      // 0.122 target, retry with seconds; span fields quoted and bare.
      R"(2026-04-20T10:15:01.000001Z  WARN session_loop{thread_id=th-1}:turn{otel.name="session_task.turn" thread.id=th-1 turn.id=tu-1 model=gpt-5}: codex_core::session::turn: stream disconnected - retrying sampling request (4/5 in 1.60234s)...)",
      // pre-2026 wording and microseconds.
      R"(2026-04-20T10:15:02Z WARN session_loop{thread_id=th-1}:turn{turn.id=tu-1}: codex_core::codex: stream disconnected - retrying turn (1/5 in 950µs)...)",
      // an OTel websocket_connect without the codex_api lines: stands in for them.
      R"(2026-04-20T10:15:03Z  INFO session_loop{thread_id=th-1}:turn{turn.id=tu-1}:model_client.stream_responses_websocket{transport="responses_websocket" websocket.warmup=false}: codex_otel.log_only: event.name="codex.websocket_connect" duration_ms=15001 http.response.status_code=403 success="false" error.message="http 403 \"quoted\"" endpoint="/responses" event.timestamp=2026-04-20T10:15:03.000Z)",
      R"(2026-04-20T10:15:03Z  INFO session_loop{thread_id=th-1}:turn{turn.id=tu-1}:model_client.stream_responses_websocket{transport="responses_websocket" websocket.warmup=false}: codex_otel.trace_safe: event.name="codex.websocket_connect" duration_ms=15001 http.response.status_code=403 success="false" error.message="http 403 \"quoted\"" endpoint="/responses" event.timestamp=2026-04-20T10:15:03.000Z)",
      R"(2026-04-20T10:15:04Z  INFO session_loop{thread_id=th-1}:turn{turn.id=tu-1}: codex_otel.log_only: event.name="codex.websocket_connect" duration_ms=12 http.response.status_code=101 success="true" endpoint="/responses" event.timestamp=2026-04-20T10:15:04.000Z)",
      R"(2026-04-20T10:15:05Z  INFO session_loop{thread_id=th-1}:turn{turn.id=tu-1}: codex_core::session::turn: Turn error: unexpected status 401 Unauthorized: bad key, url: https://proxy.test/v1/responses)",
      R"(2026-04-20T10:15:06Z  INFO session_loop{thread_id=th-1}:turn{turn.id=tu-2}: codex_otel.log_only: event.name="codex.api_request" duration_ms=5 http.response.status_code=502 error.message="http 502" attempt=3 endpoint="/responses" event.timestamp=2026-04-20T10:15:06.000Z)",
      R"(2026-04-20T10:15:07Z  INFO codex_core::session_startup_prewarm: startup websocket prewarm timed out before the first turn could use it)",
      R"(2026-04-20T10:15:08Z  INFO span_no_fields:other{a="x}y"}: codex_api::endpoint::responses_websocket: successfully connected to websocket: wss://x/v1/responses, headers: {})",
      R"(2026-04-20T10:15:09Z DEBUG codex_core::codex: close time.busy=1.2ms time.idle=3s)",
  };
  const test::collected got = test::normalize_lines(format_id::codex_trace, lines);
  CHECK(got.outcomes(line_outcome::malformed) == 0);
  const auto retries = got.of_kind(event_kind::stream_retry);
  REQUIRE(retries.size() == 2);
  CHECK(retries[0].attempt == 4);
  CHECK(retries[0].delay_ms == 1602);
  CHECK(retries[0].turn_key == "tu-1");
  CHECK(retries[0].session_key == "th-1");
  CHECK(retries[0].model == "gpt-5");
  CHECK(retries[1].delay_ms == 0);
  const auto connects = got.of_kind(event_kind::ws_connect);
  REQUIRE(connects.size() == 2);  // the failed handshake and the successful one
  CHECK(connects[1].http.status == 101);
  const auto ws_errors = got.of_kind(event_kind::ws_error);
  REQUIRE(ws_errors.size() == 1);
  CHECK(ws_errors[0].http.status == 403);
  CHECK(ws_errors[0].message == R"(http 403 \"quoted\")");
  const auto errors = got.of_kind(event_kind::turn_error);
  REQUIRE(errors.size() == 1);
  CHECK(errors[0].http.status == 401);
  CHECK(errors[0].http.path == "/v1/responses");
  const auto attempts = got.of_kind(event_kind::request_attempt);
  REQUIRE(attempts.size() == 1);
  CHECK(attempts[0].attempt == 4);
  CHECK(attempts[0].http.status == 502);
  CHECK(attempts[0].turn_key == "tu-2");
  CHECK(got.count(event_kind::turn_start) == 2);
  CHECK(got.results[7].outcome == line_outcome::skipped);
  CHECK(got.results[8].outcome == line_outcome::skipped);
  CHECK(got.results[9].outcome == line_outcome::skipped);
}

TEST_CASE("trace span lines pasted without stamp (openai/codex#20739)") {
  const auto lines = test::excerpt_lines(
      test::shared_corpus_dir() + "/real-logs/openai-codex-20739-ws-closed-before-completed.log");
  const routed all = route_lines(lines);
  CHECK(all.malformed == 0);
  std::size_t spans = 0;
  for (const auto& line : lines) {
    spans += formats::sniff_line(line) == format_id::codex_trace ? 1 : 0;
  }
  CHECK(spans == 2);  // the third is cut inside its span: not claimed
  const auto errors = std::count_if(all.events.begin(), all.events.end(), [](const event& e) {
    return e.kind == event_kind::turn_error;
  });
  CHECK(errors == 1);  // the quoted error line, as a human-readable Codex line
  for (const event& e : all.events) {
    if (e.kind == event_kind::turn_error) CHECK(e.error_class == "stream_closed");
  }
}

TEST_CASE("trace: malformed and odd input") {
  std::string huge = "2026-04-20T10:15:00Z  INFO codex_core::codex: Turn error: ";
  huge.append(std::size_t{1} << 20, 'y');
  const std::vector<std::string> lines{
      "2026-04-20T10:15:00Z  INFO session_loop{thread_id=th-1: codex_core::codex: Turn error: x",
      "2026-04-20T10:15:00Z NOTALEVEL codex_core::codex: Turn error: x",
      huge,
      "",
      "2026-04-20T10:15:00Z ERROR codex_core::codex: Turn error: \xff\xfe invalid utf8",
      "not a trace line at all",
      std::string("\x00\x01\x02", 3),
      "2026-04-20T10:15:00Z  INFO codex_core::codex: stream disconnected - retrying sampling "
      "request (x/y in soon)...",
  };
  const test::collected got = test::normalize_lines(format_id::codex_trace, lines);
  CHECK(got.results[0].outcome == line_outcome::malformed);  // unterminated span "{"
  CHECK(got.results[1].outcome == line_outcome::malformed);
  CHECK(got.results[2].outcome == line_outcome::used);
  CHECK(got.results[3].outcome == line_outcome::malformed);
  CHECK(got.results[4].outcome == line_outcome::used);
  CHECK(got.results[5].outcome == line_outcome::malformed);
  CHECK(got.results[6].outcome == line_outcome::malformed);
  CHECK(got.results[7].outcome == line_outcome::used);
  const auto retries = got.of_kind(event_kind::stream_retry);
  REQUIRE(retries.size() == 1);
  CHECK(retries[0].attempt == 0);
  CHECK(retries[0].delay_ms == -1);
  // The unterminated span is still claimed by sniffing (stamp and level), and decoded as malformed.
  CHECK(formats::sniff_line(lines[0]) == format_id::codex_trace);
  CHECK(formats::sniff_line("foo{bar: baz") == format_id::unknown);
}

TEST_CASE("recorded samples: every trace.log line recognized, none malformed") {
  for (const std::string& dir : test::sample_dirs()) {
    const std::string path = dir + "/trace.log";
    if (!test::file_exists(path)) continue;
    CAPTURE(path);
    const routed all = route_lines(test::file_lines(path));
    CHECK(all.unrecognized == 0);
    CHECK(all.malformed == 0);
    CHECK(count(all.events, event_kind::turn_start) > 0);
    // Counts measured on the 0.121.0 recordings (samples/codex-0.121.0/*/expected.json).
    const std::string name = std::filesystem::path(dir).filename().string();
    const bool v121 = dir.find("/codex-0.121.0/") != std::string::npos;
    if (v121 && name == "http-500-exhausted") {
      CHECK(count(all.events, event_kind::stream_retry) == 10);
      CHECK(count(all.events, event_kind::request_attempt) == 60);
      CHECK(count(all.events, event_kind::turn_error) == 2);
    }
    if (v121 && name == "ws-405-fallback") {
      CHECK(count(all.events, event_kind::transport_fallback) == 3);
      CHECK(count(all.events, event_kind::ws_connect) == 21);
    }
  }
}
