#include <doctest/doctest.h>
#include <sqlite3.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "loopscope/formats/sniff.hpp"
#include "loopscope/ingest/sqlite_logs.hpp"
#include "test_support.hpp"

using namespace loopscope;

namespace {

// A scratch file removed at the end of the test.
struct scratch_file {
  explicit scratch_file(const std::string& name)
      : path(std::filesystem::temp_directory_path() /
             ("loopscope-sqlite-" + std::to_string(::getpid()) + "-" + name)) {
    std::filesystem::remove(path);
  }
  ~scratch_file() { std::filesystem::remove(path); }
  std::filesystem::path path;
};

void exec(sqlite3* db, const char* sql) {
  char* error = nullptr;
  const int rc = sqlite3_exec(db, sql, nullptr, nullptr, &error);
  INFO((error ? error : ""));
  sqlite3_free(error);
  REQUIRE(rc == SQLITE_OK);
}

void make_db(const std::filesystem::path& path, const char* sql) {
  sqlite3* db = nullptr;
  REQUIRE(sqlite3_open(path.c_str(), &db) == SQLITE_OK);
  exec(db, sql);
  sqlite3_close(db);
}

struct captured_lines final : ingest::line_sink {
  std::vector<std::string> lines;
  std::vector<std::uint64_t> numbers;
  void on_line(std::string_view line, std::uint64_t number) override {
    lines.emplace_back(line);
    numbers.push_back(number);
  }
  void on_truncated_line(std::uint64_t, std::uint64_t) override {}
};

// Rows modelled on codex-formats.md §4.3 (0.121 targets), inserted out of time order.
constexpr const char* codex_logs_schema = R"sql(
CREATE TABLE logs (id INTEGER PRIMARY KEY AUTOINCREMENT, ts INTEGER NOT NULL, ts_nanos INTEGER NOT NULL,
  level TEXT NOT NULL, target TEXT NOT NULL, feedback_log_body TEXT, module_path TEXT, file TEXT,
  line INTEGER, thread_id TEXT, process_uuid TEXT, estimated_bytes INTEGER);
INSERT INTO logs (ts, ts_nanos, level, target, feedback_log_body, thread_id) VALUES
 (1795914456, 37439000, 'WARN', 'codex_core::codex',
  'stream disconnected - retrying sampling request (1/5 in 211ms)...', '01a224d7-db4e-7ff1-9d74-980be69b64fd'),
 (1795914455, 993860000, 'ERROR', 'codex_api::endpoint::responses_websocket',
  'failed to connect to websocket: HTTP error: 405 Method Not Allowed, url: ws://127.0.0.1:8765/v1/responses', NULL),
 (1795914456, 260000000, 'WARN', 'codex_core::client', 'falling back to HTTP', '01a224d7-db4e-7ff1-9d74-980be69b64fd'),
 (1795914456, 553168000, 'INFO', 'codex_core::codex',
  'Turn error: unexpected status 502 Bad Gateway: upstream
went away, url: http://127.0.0.1:8765/v1/responses', '01a224d7-db4e-7ff1-9d74-980be69b64fd'),
 (1795914456, 600000000, 'trace', 'codex_client::transport', NULL, NULL);
)sql";

}  // namespace

TEST_CASE("logs_2.sqlite rows become codex-trace lines in time order") {
  scratch_file file("logs.sqlite");
  make_db(file.path, codex_logs_schema);
  CHECK(ingest::is_sqlite_file(file.path));

  captured_lines sink;
  const ingest::read_outcome outcome =
      ingest::read_sqlite_logs({file.path.string(), file.path, false}, sink);
  CHECK(outcome.complete);
  CHECK(outcome.problems.empty());
  CHECK(outcome.lines == 5);
  REQUIRE(sink.lines.size() == 5);
  CHECK(sink.numbers == std::vector<std::uint64_t>{1, 2, 3, 4, 5});
  CHECK(sink.lines[0] ==
        "2026-11-29T01:07:35.993860Z ERROR codex_api::endpoint::responses_websocket: failed to "
        "connect to websocket: HTTP error: 405 Method Not Allowed, url: "
        "ws://127.0.0.1:8765/v1/responses");
  CHECK(sink.lines[1] ==
        "2026-11-29T01:07:36.037439Z WARN session_loop{thread_id=01a224d7-db4e-7ff1-9d74-"
        "980be69b64fd}: codex_core::codex: stream disconnected - retrying sampling request (1/5 "
        "in 211ms)...");
  CHECK(sink.lines[3].find("upstream went away") != std::string::npos);  // newline → space
  CHECK(sink.lines[4] == "2026-11-29T01:07:36.600000Z TRACE codex_client::transport: ");
  for (const auto& line : sink.lines) CHECK(formats::sniff_line(line) == format_id::codex_trace);

  // The trace decoder reads them like codex-tui.log.
  const test::collected got = test::normalize_lines(format_id::codex_trace, sink.lines);
  CHECK(got.outcomes(normalize::line_outcome::malformed) == 0);
  const auto errors = got.of_kind(event_kind::ws_error);
  REQUIRE(errors.size() == 1);
  CHECK(errors[0].http.status == 405);
  const auto retries = got.of_kind(event_kind::stream_retry);
  REQUIRE(retries.size() == 1);
  CHECK(retries[0].session_key == "01a224d7-db4e-7ff1-9d74-980be69b64fd");
  CHECK(retries[0].delay_ms == 211);
  REQUIRE(retries[0].time);
  CHECK(format_rfc3339(*retries[0].time) == "2026-11-29T01:07:36.037Z");
  CHECK(got.count(event_kind::transport_fallback) == 1);
  const auto turn_errors = got.of_kind(event_kind::turn_error);
  REQUIRE(turn_errors.size() == 1);
  CHECK(turn_errors[0].http.status == 502);
}

// Codex 0.171 stores the span chain in the body (samples/codex-0.171.0/tui-http-500-exhausted):
// the line takes the row's own chain, so the turn id and the message are where a tracing line
// has them.
TEST_CASE("logs_2.sqlite rows of 0.171 keep their span chain") {
  scratch_file file("logs171.sqlite");
  make_db(file.path, R"sql(
CREATE TABLE logs (id INTEGER PRIMARY KEY AUTOINCREMENT, ts INTEGER NOT NULL, ts_nanos INTEGER NOT NULL,
  level TEXT NOT NULL, target TEXT NOT NULL, feedback_log_body TEXT, module_path TEXT, file TEXT,
  line INTEGER, thread_id TEXT, process_uuid TEXT, estimated_bytes INTEGER);
INSERT INTO logs (ts, ts_nanos, level, target, feedback_log_body, thread_id) VALUES
 (1796161264, 5000, 'WARN', 'codex_core::responses_retry',
  'session_loop{thread_id=01a2338d-cb58-7bc3-a1c5-c796f4049dd4}:submission_dispatch{otel.name="op.dispatch.turn_input" codex.op="turn_input"}:turn{otel.name="session_task.turn" thread.id=01a2338d-cb58-7bc3-a1c5-c796f4049dd4 turn.id=01a2338d-d140-7000-ab3d-83cc273a5e97 model=gpt-5}:session_task.run: stream disconnected - retrying sampling request (1/5 in 190.5ms)... retries=1 max_retries=5',
  '01a2338d-cb58-7bc3-a1c5-c796f4049dd4'),
 (1796161265, 0, 'INFO', 'codex_http_client::custom_ca', 'using system root certificates {not a chain}', NULL);
)sql");
  captured_lines sink;
  ingest::read_sqlite_logs({file.path.string(), file.path, false}, sink);
  REQUIRE(sink.lines.size() == 2);
  CHECK(sink.lines[0].starts_with("2026-12-01T"));
  CHECK(sink.lines[0].find(" WARN session_loop{thread_id=01a2338d-cb58-7bc3-a1c5-c796f4049dd4}:"
                           "submission_dispatch{") != std::string::npos);
  CHECK(
      sink.lines[0].find("}:session_task.run: codex_core::responses_retry: stream disconnected") !=
      std::string::npos);
  CHECK(
      sink.lines[1].ends_with(" INFO codex_http_client::custom_ca: using system root certificates "
                              "{not a chain}"));
  const test::collected got = test::normalize_lines(format_id::codex_trace, sink.lines);
  CHECK(got.outcomes(normalize::line_outcome::malformed) == 0);
  const auto retries = got.of_kind(event_kind::stream_retry);
  REQUIRE(retries.size() == 1);
  CHECK(retries[0].turn_key == "01a2338d-d140-7000-ab3d-83cc273a5e97");
  CHECK(retries[0].attempt == 1);
  CHECK(retries[0].attempt_limit == 5);
}

TEST_CASE("logs_2.sqlite: wrong files give a diagnostic, not a crash") {
  SUBCASE("a database without a logs table") {
    scratch_file file("other.sqlite");
    make_db(file.path, "CREATE TABLE threads (id TEXT);");
    CHECK(ingest::is_sqlite_file(file.path));
    captured_lines sink;
    const auto outcome = ingest::read_sqlite_logs({file.path.string(), file.path, false}, sink);
    CHECK_FALSE(outcome.complete);
    REQUIRE(outcome.problems.size() == 1);
    CHECK(outcome.problems[0].message.find("logs") != std::string::npos);
    CHECK(sink.lines.empty());
  }
  SUBCASE("a corrupt file with SQLite's magic") {
    scratch_file file("corrupt.sqlite");
    {
      std::ofstream out(file.path, std::ios::binary);
      out.write("SQLite format 3\0", 16);
      for (int i = 0; i < 4096; ++i) out.put(static_cast<char>(i * 37));
    }
    CHECK(ingest::is_sqlite_file(file.path));
    captured_lines sink;
    const auto outcome = ingest::read_sqlite_logs({file.path.string(), file.path, false}, sink);
    CHECK_FALSE(outcome.complete);
    CHECK_FALSE(outcome.problems.empty());
  }
  SUBCASE("a text file and a missing file") {
    scratch_file file("text.log");
    {
      std::ofstream out(file.path);
      out << "2026-11-29T01:07:35.993860Z ERROR x::y: hello\n";
    }
    CHECK_FALSE(ingest::is_sqlite_file(file.path));
    captured_lines sink;
    const auto outcome = ingest::read_sqlite_logs({file.path.string(), file.path, false}, sink);
    CHECK_FALSE(outcome.complete);
    scratch_file missing("missing.sqlite");
    CHECK_FALSE(ingest::is_sqlite_file(missing.path));
    const auto none = ingest::read_sqlite_logs({missing.path.string(), missing.path, false}, sink);
    CHECK_FALSE(none.complete);
    CHECK(sink.lines.empty());
  }
  SUBCASE("stdin") {
    captured_lines sink;
    const auto outcome = ingest::read_sqlite_logs({"-", {}, true}, sink);
    CHECK_FALSE(outcome.opened);
    CHECK_FALSE(outcome.complete);
  }
}
