#include <doctest/doctest.h>

#include <fmt/format.h>

#include <filesystem>

#include "loopscope/formats/sniff.hpp"
#include "loopscope/normalize/text_template.hpp"
#include "test_support.hpp"

using namespace loopscope;
using normalize::line_outcome;

namespace {

const std::string synthetic_rollout =
    "/codex-examples/"
    "SYNTHETIC_rollout-2026-04-20T12-15-00-019dab2c-5e1f-7a40-9c3e-2f6b8d1e4a77.jsonl";

}  // namespace

TEST_CASE("real rollout of a failed codex exec turn (Codex 0.121.0)") {
  const auto lines = test::file_lines(test::shared_corpus_dir() +
                                      "/codex-recorded/rollout-http500-failed-turn.jsonl");
  REQUIRE(lines.size() == 8);
  for (const auto& line : lines) CHECK(formats::sniff_line(line) == format_id::codex_rollout);
  const test::collected got = test::normalize_lines(format_id::codex_rollout, lines);
  CHECK(got.outcomes(line_outcome::malformed) == 0);
  for (const auto& r : got.results) CHECK_FALSE(r.unknown_type);

  REQUIRE(got.count(event_kind::session_start) == 1);
  const event start = got.of_kind(event_kind::session_start)[0];
  CHECK(start.session_key == "01a224d7-413f-7282-93f1-ca3631b9c6f2");
  CHECK(start.cli_version == "0.121.0");
  CHECK(start.originator == "codex_exec");
  CHECK(start.provider == "mock");
  CHECK(start.time_is == time_quality::exact);
  REQUIRE(start.time);
  CHECK(*start.time == *parse_rfc3339("2026-11-29T01:06:56.498Z"));

  const auto turn_starts = got.of_kind(event_kind::turn_start);
  REQUIRE(turn_starts.size() == 1);
  CHECK(turn_starts[0].turn_key == "01a224d7-4161-7141-86a8-0bb96e9cdb58");
  const auto ends = got.of_kind(event_kind::turn_end);
  REQUIRE(ends.size() == 1);
  // Only task_started and task_complete(last_agent_message: null) are persisted: a failure.
  CHECK(ends[0].outcome == turn_outcome::failed);
  CHECK(ends[0].turn_key == "01a224d7-4161-7141-86a8-0bb96e9cdb58");
  CHECK(ends[0].model == "gpt-5");  // from turn_context
  CHECK(got.count(event_kind::user_message) == 1);
  for (const event& e : got.events) CHECK(e.session_key == start.session_key);
  CHECK(got.events.size() == 4);
}

TEST_CASE("synthetic rollout covering every item type") {
  const auto lines = test::file_lines(test::shared_corpus_dir() + synthetic_rollout);
  REQUIRE(lines.size() == 27);
  const test::collected got = test::normalize_lines(format_id::codex_rollout, lines);
  CHECK(got.outcomes(line_outcome::malformed) == 0);
  for (const auto& r : got.results) CHECK_FALSE(r.unknown_type);

  CHECK(got.count(event_kind::session_start) == 1);
  CHECK(got.count(event_kind::turn_start) == 2);
  const auto ends = got.of_kind(event_kind::turn_end);
  REQUIRE(ends.size() == 3);
  CHECK(ends[0].outcome == turn_outcome::completed);
  CHECK(ends[0].turn_key == "019dab2c-6a02-7c11-8d0f-44e1b2c3d4e5");
  CHECK(ends[1].outcome == turn_outcome::failed);  // error, then last_agent_message null
  CHECK(ends[1].turn_key == "019dab2d-0b7e-7d22-9e10-55f2c3d4e5f6");
  CHECK(ends[2].outcome == turn_outcome::aborted);
  CHECK(ends[2].message == "interrupted");

  const auto errors = got.of_kind(event_kind::turn_error);
  REQUIRE(errors.size() == 1);
  CHECK(errors[0].http.status == 502);
  CHECK(errors[0].http.transport == transport_kind::http);
  CHECK(errors[0].http.path == "/v1/responses");
  CHECK(errors[0].turn_key == "019dab2d-0b7e-7d22-9e10-55f2c3d4e5f6");

  const auto calls = got.of_kind(event_kind::tool_call);
  REQUIRE(calls.size() == 3);
  CHECK(calls[0].tool_name == "exec_command");
  CHECK(calls[0].text_template.starts_with(R"(exec_command {"cmd":"cargo test","workdir":)"));
  CHECK(calls[0].arguments_hash != 0);
  CHECK(calls[1].tool_name == "apply_patch");
  CHECK(calls[2].tool_name == "local_shell");
  const auto outputs = got.of_kind(event_kind::tool_output);
  REQUIRE(outputs.size() == 2);
  CHECK(outputs[0].tool_name == "exec_command");  // looked up by call_id
  CHECK(outputs[1].tool_name == "apply_patch");
  CHECK(outputs[0].output_hash != 0);

  const auto searches = got.of_kind(event_kind::web_search);
  REQUIRE(searches.size() == 1);  // web_search_end is a duplicate: skipped
  CHECK(searches[0].message == "litellm responses websocket model query");
  // Only event_msg/agent_message counts; the assistant response_item is the same text.
  const auto agent = got.of_kind(event_kind::agent_message);
  REQUIRE(agent.size() == 1);
  CHECK(agent[0].message == "All 12 tests pass.");
  const auto tokens = got.of_kind(event_kind::token_count);
  REQUIRE(tokens.size() == 1);
  CHECK(tokens[0].tokens > 0);
  CHECK(got.count(event_kind::compaction) == 2);  // compacted + context_compacted
  CHECK(got.count(event_kind::user_message) == 2);
  CHECK(got.count(event_kind::reasoning) == 0);  // reasoning items are skipped
  CHECK(got.events[3].model == "gpt-5.4");       // from turn_context
}

TEST_CASE("bare live EventMsgs: stream_error and the fallback warning") {
  const auto lines = test::file_lines(test::shared_corpus_dir() +
                                      "/codex-examples/SYNTHETIC_non_persisted_event_msgs.jsonl");
  REQUIRE(lines.size() == 5);
  for (const auto& line : lines) CHECK(formats::sniff_line(line) == format_id::codex_rollout);
  const test::collected got = test::normalize_lines(format_id::codex_rollout, lines);
  CHECK(got.outcomes(line_outcome::malformed) == 0);
  const auto retries = got.of_kind(event_kind::stream_retry);
  REQUIRE(retries.size() == 1);
  CHECK(retries[0].attempt == 2);
  CHECK(retries[0].attempt_limit == 5);
  CHECK(retries[0].http.status == 405);
  CHECK(retries[0].http.transport == transport_kind::websocket);
  CHECK(retries[0].http.method == "GET");
  const auto fallbacks = got.of_kind(event_kind::transport_fallback);
  REQUIRE(fallbacks.size() == 1);
  CHECK(fallbacks[0].http.status == 405);
}

TEST_CASE("tool calls: canonical arguments, outputs without per-call headers") {
  const std::vector<std::string> lines{
      R"({"timestamp":"2026-04-20T10:15:00.000Z","type":"event_msg","payload":{"type":"task_started","turn_id":"t1"}})",
      R"({"timestamp":"2026-04-20T10:15:01.000Z","type":"response_item","payload":{"type":"function_call","name":"exec_command","arguments":"{\"cmd\": \"cat notes.txt\", \"workdir\": \"/p\"}","call_id":"c1"}})",
      R"({"timestamp":"2026-04-20T10:15:02.000Z","type":"response_item","payload":{"type":"function_call_output","call_id":"c1","output":"Chunk ID: c69e7a\nWall time: 0.0714 seconds\nProcess exited with code 0\nOutput:\nhello\n"}})",
      R"({"timestamp":"2026-04-20T10:15:03.000Z","type":"response_item","payload":{"type":"function_call","name":"exec_command","arguments":"{\"workdir\":\"/p\",\"cmd\":\"cat notes.txt\"}","call_id":"c2"}})",
      R"({"timestamp":"2026-04-20T10:15:04.000Z","type":"response_item","payload":{"type":"function_call_output","call_id":"c2","output":[{"type":"input_text","text":"Chunk ID: 1f8ca2\nWall time: 0.0195 seconds\nProcess exited with code 0\nOutput:\nhello\n"}]}})",
      R"({"timestamp":"2026-04-20T10:15:05.000Z","type":"response_item","payload":{"type":"function_call","name":"exec_command","arguments":"not json  {","call_id":"c3"}})",
      R"({"timestamp":"2026-04-20T10:15:06.000Z","type":"response_item","payload":{"type":"function_call_output","call_id":"c3","output":"Output:\nbye\n"}})",
      R"({"timestamp":"2026-04-20T10:15:07.000Z","type":"response_item","payload":{"type":"web_search_call","status":"completed","action":{"type":"search","queries":["a","b"]}}})",
      R"({"timestamp":"2026-04-20T10:15:08.000Z","type":"response_item","payload":{"type":"web_search_call","status":"completed","action":{"type":"open_page","url":"https://x.test/"}}})",
      R"({"timestamp":"2026-04-20T10:15:09.000Z","type":"event_msg","payload":{"type":"task_started","turn_id":"t2"}})",
      R"({"timestamp":"2026-04-20T10:15:10.000Z","type":"response_item","payload":{"type":"function_call_output","call_id":"c1","output":"late"}})",
  };
  const test::collected got = test::normalize_lines(format_id::codex_rollout, lines);
  CHECK(got.outcomes(line_outcome::malformed) == 0);
  const auto calls = got.of_kind(event_kind::tool_call);
  REQUIRE(calls.size() == 3);
  CHECK(calls[0].arguments_hash == calls[1].arguments_hash);  // key order and spaces differ
  CHECK(calls[0].arguments_hash != calls[2].arguments_hash);
  CHECK(calls[0].text_template == R"(exec_command {"cmd":"cat notes.txt","workdir":"/p"})");
  CHECK(calls[2].text_template == "exec_command not json {");
  const auto outputs = got.of_kind(event_kind::tool_output);
  REQUIRE(outputs.size() == 4);
  CHECK(outputs[0].output_hash == outputs[1].output_hash);  // string vs input_text list too
  CHECK(outputs[0].output_hash != outputs[2].output_hash);
  CHECK(outputs[3].tool_name.empty());  // the call_id map is cleared at each turn start
  const auto searches = got.of_kind(event_kind::web_search);
  REQUIRE(searches.size() == 2);
  CHECK(searches[0].message == "a | b");
  CHECK(searches[1].message == "https://x.test/");
  CHECK(searches[0].arguments_hash != searches[1].arguments_hash);
}

TEST_CASE("resumed sessions, turn context, error info and outcome rules") {
  const std::vector<std::string> lines{
      R"({"timestamp":"2026-04-20T10:15:00.000Z","type":"session_meta","payload":{"id":"s-1","cli_version":"0.121.0","originator":"codex-tui","model_provider":"litellm"}})",
      R"({"timestamp":"2026-04-20T10:15:01.000Z","type":"turn_context","payload":{"turn_id":"t1","model":"gpt-5"}})",
      R"({"timestamp":"2026-04-20T10:15:02.000Z","type":"event_msg","payload":{"type":"turn_started","turn_id":"t1"}})",
      R"({"timestamp":"2026-04-20T10:15:03.000Z","type":"event_msg","payload":{"type":"error","message":"exceeded retry limit, last status: 429 Too Many Requests","codex_error_info":{"response_too_many_failed_attempts":{"http_status_code":429}}}})",
      R"({"timestamp":"2026-04-20T10:15:04.000Z","type":"event_msg","payload":{"type":"turn_complete","turn_id":"t1","last_agent_message":null}})",
      R"({"timestamp":"2026-04-20T10:16:00.000Z","type":"session_meta","payload":{"id":"s-1","cli_version":"0.121.0"}})",
      R"({"timestamp":"2026-04-20T10:16:01.000Z","type":"turn_context","payload":{"turn_id":"t2","model":"gpt-5-mini"}})",
      R"({"timestamp":"2026-04-20T10:16:02.000Z","type":"event_msg","payload":{"type":"task_started","turn_id":"t2"}})",
      R"({"timestamp":"2026-04-20T10:16:03.000Z","type":"event_msg","payload":{"type":"agent_message","message":"Done."}})",
      R"({"timestamp":"2026-04-20T10:16:04.000Z","type":"event_msg","payload":{"type":"task_complete","turn_id":"t2","last_agent_message":null}})",
      R"({"timestamp":"2026-04-20T10:16:05.000Z","type":"event_msg","payload":{"type":"error","message":"boom","codex_error_info":{"http_connection_failed":{"http_status_code":null}}}})",
  };
  const test::collected got = test::normalize_lines(format_id::codex_rollout, lines);
  CHECK(got.outcomes(line_outcome::malformed) == 0);
  CHECK(got.results[1].outcome == line_outcome::used);  // turn_context: no event, still used
  CHECK(got.count(event_kind::session_start) == 2);
  const auto errors = got.of_kind(event_kind::turn_error);
  REQUIRE(errors.size() == 2);
  CHECK(errors[0].http.status == 429);
  CHECK(errors[0].error_class == "RetryLimit");
  CHECK(errors[0].model == "gpt-5");
  CHECK(errors[1].http.status == 0);
  CHECK(errors[1].error_class == "http_connection_failed");
  const auto ends = got.of_kind(event_kind::turn_end);
  REQUIRE(ends.size() == 2);
  CHECK(ends[0].outcome == turn_outcome::failed);
  // null last message but an agent message and no error: the turn completed.
  CHECK(ends[1].outcome == turn_outcome::completed);
  CHECK(ends[1].model == "gpt-5-mini");
  CHECK(ends[1].turn_key == "t2");
  for (const event& e : got.events) CHECK(e.session_key == "s-1");
}

TEST_CASE("rollout: malformed and unknown input") {
  std::string huge =
      R"({"timestamp":"2026-04-20T10:15:00.000Z","type":"session_meta","payload":{"id":"s-big","base_instructions":{"text":")";
  huge.append(std::size_t{1} << 20, 'x');
  huge += R"("}}})";
  const std::vector<std::string> lines{
      huge,
      "",
      R"({"timestamp":"2026-04-20T10:15:00.000Z","type":"event_msg","payload":{"type":"task_sta)",
      R"({"timestamp":"x","type":"event_msg","payload":5})",
      R"({"timestamp":"2026-04-20T10:15:00.000Z","type":"realtime_item","payload":{"a":1}})",
      R"({"timestamp":"2026-04-20T10:15:00.000Z","type":"event_msg","payload":{"type":"brand_new","x":1}})",
      R"({"timestamp":"2026-04-20T10:15:00.000Z","type":"response_item","payload":{"type":"brand_new"}})",
      "{\"timestamp\":\"2026-04-20T10:15:00.000Z\",\"type\":\"event_msg\",\"payload\":{\"type\":"
      "\"user_message\",\"message\":\"bad \xff\xfe utf8\"}}",
      std::string("\x00\x01\x02\xff garbage {", 14),
      R"({"timestamp":"x","type":"event_msg","payload":{"type":"agent_message","message":"hi","new_key":[1,2]}})",
      R"([1,2,3])",
      R"({"timestamp":"2026-04-20T10:15:00.000Z","type":"session_meta","payload":{"cwd":"/p"}})",
  };
  const test::collected got = test::normalize_lines(format_id::codex_rollout, lines);
  REQUIRE(got.results.size() == lines.size());
  CHECK(got.results[0].outcome == line_outcome::used);
  CHECK(got.events[0].session_key == "s-big");
  CHECK(got.events[0].excerpt.size() < 1000);
  CHECK(got.results[1].outcome == line_outcome::malformed);
  CHECK(got.results[2].outcome == line_outcome::malformed);
  CHECK(got.results[3].outcome == line_outcome::malformed);
  CHECK(got.results[4].outcome == line_outcome::skipped);
  CHECK(got.results[4].unknown_type);
  CHECK(got.results[5].unknown_type);
  CHECK(got.results[6].unknown_type);
  CHECK(got.results[7].outcome == line_outcome::malformed);  // simdjson validates UTF-8
  CHECK(got.results[8].outcome == line_outcome::malformed);
  CHECK(got.results[9].outcome == line_outcome::used);  // unknown keys are ignored
  CHECK_FALSE(got.events.back().time);                  // "x" is no time
  CHECK(got.events.back().time_is == time_quality::absent);
  CHECK(got.results[10].outcome == line_outcome::malformed);
  CHECK(got.results[11].outcome == line_outcome::malformed);  // session_meta without id
}

TEST_CASE("recorded samples: every rollout line is a used or skipped rollout line") {
  for (const std::string& dir : test::sample_dirs()) {
    const std::string path = dir + "/rollout.jsonl";
    if (!test::file_exists(path)) continue;
    CAPTURE(path);
    const auto lines = test::file_lines(path);
    for (const auto& line : lines) REQUIRE(formats::sniff_line(line) == format_id::codex_rollout);
    const test::collected got = test::normalize_lines(format_id::codex_rollout, lines);
    CHECK(got.outcomes(line_outcome::malformed) == 0);
    for (const auto& r : got.results) CHECK_FALSE(r.unknown_type);
    CHECK(got.count(event_kind::turn_start) == got.count(event_kind::turn_end));
    CHECK(got.count(event_kind::turn_start) > 0);
  }
}

// The output hash is computed without building the masked text (a hot path); it must stay
// stable_hash(mask_text(output without its per-call header lines)), bit for bit.
TEST_CASE("tool output hash equals the hash of the masked output") {
  const std::vector<std::string> outputs = {
      "",
      "\n\n",
      "Chunk ID: ab12\nWall time: 0.1 seconds\nProcess exited with code 0\nOutput:\nok\n",
      "  leading space, trailing space  \n",
      "id 0123abcd-ef45-6789-abcd-ef0123456789 then deadbeef1 and cafe_babe123 and abcdef12g",
      "v1.2.3 and 3.14. and .5 and 12345678 beef 0x1F\tbad\rface 99bottles",
      "Überprüfung — ✅ 42\nline\r\nCRLF 7\n",
      "abc\nChunk ID: not first\nWall time: 3\nx 1-2-3-4-5-6-7-8 a-b-c-d-e-f-1-2",
      std::string("nul\0inside 12", 13),
      "gfeed xfeedbeef12345 dead-beef-cafe feed-1234 deadbeef-cafe12345678 -abc a- ab-cd-",
      "caffe1234567 Face0123456789_ fade.1234 bead12345678g cafe--babe-1234-5678",
  };
  // And strings drawn from the characters the masking rules decide on (fixed seed: the same
  // strings on every run), so every way a hex run can start, fail or end is met.
  std::vector<std::string> drawn = outputs;
  std::uint32_t seed = 19;
  constexpr std::string_view alphabet = "abcdefABCDEF0123456789gxzG_-. \n.-a1";
  for (int n = 0; n < 400; ++n) {
    std::string text;
    seed = seed * 1664525u + 1013904223u;
    const std::size_t length = seed % 40;
    for (std::size_t i = 0; i < length; ++i) {
      seed = seed * 1664525u + 1013904223u;
      text.push_back(alphabet[(seed >> 16) % alphabet.size()]);
    }
    drawn.push_back(text);
  }
  // Longer texts of mostly plain words, so the eight-bytes-at-a-time path meets words that
  // start, end or are cut by single and double spaces, tabs and control bytes at every offset.
  const std::vector<std::string_view> pieces = {
      "hello", "world", " ", " ", "  ", "\t", "x\x01y", "\xc3\xa9t\xc3\xa9", "the_end;", "a", "bc",
      // exec_command's header lines, which are left out wherever a line starts with them
      "\n", "\nChunk ID: 1f2e", "\nWall time: 0.2 seconds", "Chunk ID: ", "\nChunk ID:x", "\n\n"};
  for (int n = 0; n < 200; ++n) {
    std::string text;
    seed = seed * 1664525u + 1013904223u;
    const std::size_t count = 2 + seed % 60;
    for (std::size_t i = 0; i < count; ++i) {
      seed = seed * 1664525u + 1013904223u;
      text.append(pieces[(seed >> 16) % pieces.size()]);
    }
    drawn.push_back(text);
  }
  for (const std::string& output : drawn) {
    CAPTURE(output);
    std::string line = R"({"timestamp":"2026-04-20T10:15:06.222Z","type":"response_item",)"
                       R"("payload":{"type":"function_call_output","call_id":"c1","output":)";
    std::string escaped;
    for (const char c : output) {
      if (c == '\n')
        escaped += "\\n";
      else if (c == '\r')
        escaped += "\\r";
      else if (c == '\t')
        escaped += "\\t";
      else if (static_cast<unsigned char>(c) < 0x20)
        escaped += fmt::format("\\u{:04x}", static_cast<int>(c));
      else if (c == '"' || c == '\\')
        escaped += std::string("\\") + c;
      else
        escaped += c;
    }
    line += "\"" + escaped + "\"}}";
    const test::collected got = test::normalize_lines(format_id::codex_rollout, {line});
    const auto tool_outputs = got.of_kind(event_kind::tool_output);
    REQUIRE(tool_outputs.size() == 1);
    std::string kept;
    std::size_t start = 0;
    while (start <= output.size()) {
      std::size_t end = output.find('\n', start);
      if (end == std::string::npos) end = output.size();
      const std::string_view part = std::string_view(output).substr(start, end - start);
      if (!part.starts_with("Chunk ID: ") && !part.starts_with("Wall time: ")) {
        kept.append(part);
        kept.push_back('\n');
      }
      start = end + 1;
    }
    CHECK(tool_outputs[0].output_hash == normalize::stable_hash(normalize::mask_text(kept)));
  }
}

// Codex 0.171 (issue 15): "ordinal" before "type", new line types, and the agent's text only in
// item_completed and response_item in `exec` rollouts. Lines shortened from
// samples/codex-0.171.0/healthy/rollout.jsonl.
TEST_CASE("rollout 0.171: one agent message per message, whichever copies a release writes") {
  const std::vector<std::string> lines{
      R"({"timestamp":"2026-12-01T21:20:38.500Z","ordinal":0,"type":"session_meta","payload":{"session_id":"s1","id":"s1","cli_version":"0.171.0","originator":"codex_exec","model_provider":"litellm"}})",
      R"({"timestamp":"2026-12-01T21:20:38.510Z","ordinal":1,"type":"event_msg","payload":{"type":"task_started","turn_attribution":{"turn_id":"t1"},"turn_id":"t1","started_at":1}})",
      R"({"timestamp":"2026-12-01T21:20:38.520Z","ordinal":2,"type":"world_state","payload":{"full":true,"state":{}}})",
      R"({"timestamp":"2026-12-01T21:20:38.530Z","ordinal":3,"type":"event_msg","payload":{"type":"thread_settings_applied","thread_id":"s1"}})",
      R"({"timestamp":"2026-12-01T21:20:38.598Z","ordinal":8,"type":"event_msg","payload":{"type":"item_completed","thread_id":"s1","turn_id":"t1","item":{"type":"UserMessage","id":"u","content":[{"type":"text","text":"List the files."}]}}})",
      R"({"timestamp":"2026-12-01T21:20:38.666Z","ordinal":9,"type":"event_msg","payload":{"type":"item_completed","thread_id":"s1","turn_id":"t1","item":{"type":"AgentMessage","id":"m","content":[{"type":"Text","text":"I'll list the files first."}]}}})",
      R"({"timestamp":"2026-12-01T21:20:38.667Z","ordinal":10,"type":"response_item","payload":{"type":"message","status":"completed","id":"m","role":"assistant","content":[{"type":"output_text","text":"I'll list the files first."}]},"metadata":{"x":1}})",
      R"({"timestamp":"2026-12-01T21:20:38.700Z","ordinal":11,"type":"token_usage_record","payload":{"thread_id":"s1","turn_id":"t1","usage":{"total_tokens":5}}})",
      R"({"timestamp":"2026-12-01T21:20:38.800Z","ordinal":12,"type":"response_item","payload":{"type":"message","role":"assistant","content":[{"type":"output_text","text":"Done."}]}})",
      R"({"timestamp":"2026-12-01T21:20:38.900Z","ordinal":13,"type":"event_msg","payload":{"type":"task_complete","turn_id":"t1","last_agent_message":"Done."}})",
  };
  for (const auto& line : lines) CHECK(formats::sniff_line(line) == format_id::codex_rollout);
  const test::collected got = test::normalize_lines(format_id::codex_rollout, lines);
  CHECK(got.outcomes(line_outcome::malformed) == 0);
  for (const auto& r : got.results) CHECK_FALSE(r.unknown_type);
  const auto agent = got.of_kind(event_kind::agent_message);
  REQUIRE(agent.size() == 2);
  CHECK(agent[0].message == "I'll list the files first.");
  CHECK(agent[1].message == "Done.");
  REQUIRE(got.count(event_kind::user_message) == 1);
  CHECK(got.of_kind(event_kind::user_message)[0].message == "List the files.");
  for (const event& e : got.events) CHECK(e.cli_version == "0.171.0");
  // 0.121's pair (event_msg agent_message, then the response_item) is one message too, and two
  // identical messages in a row from the same source stay two.
  const std::vector<std::string> old_lines{
      R"({"timestamp":"2026-11-29T01:06:56.499Z","type":"event_msg","payload":{"type":"task_started","turn_id":"t2"}})",
      R"({"timestamp":"2026-11-29T01:06:57.000Z","type":"event_msg","payload":{"type":"agent_message","message":"Hi."}})",
      R"({"timestamp":"2026-11-29T01:06:57.001Z","type":"response_item","payload":{"type":"message","role":"assistant","content":[{"type":"output_text","text":"Hi."}]}})",
      R"({"timestamp":"2026-11-29T01:06:58.000Z","type":"event_msg","payload":{"type":"agent_message","message":"Hi."}})",
      R"({"timestamp":"2026-11-29T01:06:58.001Z","type":"response_item","payload":{"type":"message","role":"assistant","content":[{"type":"output_text","text":"Hi."}]}})",
  };
  CHECK(
      test::normalize_lines(format_id::codex_rollout, old_lines).count(event_kind::agent_message) ==
      2);
}

// The canonical arguments escape what JSON must (quotes, backslashes, newlines, control bytes),
// wherever they fall among the eight-byte steps of the search for them.
TEST_CASE("tool call arguments are hashed in canonical JSON, escapes and all") {
  const std::vector<std::string> lines{
      R"x({"timestamp":"2026-04-20T10:15:00.000Z","type":"event_msg","payload":{"type":"task_started","turn_id":"t1"}})x",
      R"x({"timestamp":"2026-04-20T10:15:01.000Z","type":"response_item","payload":{"type":"function_call","name":"exec_command","arguments":"{\"workdir\": \"/p\", \"cmd\": \"echo \\\"a b\\\" \\\\ C:\\\\path\\nnext line\\u0001 and the end of a string long enough for eight-byte steps\"}","call_id":"c9"}})x",
  };
  const test::collected got = test::normalize_lines(format_id::codex_rollout, lines);
  const auto calls = got.of_kind(event_kind::tool_call);
  REQUIRE(calls.size() == 1);
  const std::string canonical =
      R"x({"cmd":"echo \"a b\" \\ C:\\path\nnext line\u0001 and the end of a string long enough for eight-byte steps","workdir":"/p"})x";
  CHECK(calls[0].arguments_hash == normalize::stable_hash(canonical));
}

// Numbers, booleans and null are written as simdjson writes them; keys are sorted stably (a
// repeated key keeps its order), in objects of a few keys and of more than sixteen.
TEST_CASE(
    "tool call arguments: scalars as written, keys sorted stably in small and large objects") {
  std::string many_keys = "{";
  std::string many_sorted = "{";
  for (int k = 19; k >= 0; --k) {
    many_keys += fmt::format(R"(\"k{:02}\": {}{})", k, k, k > 0 ? ", " : "");
  }
  for (int k = 0; k <= 19; ++k)
    many_sorted += fmt::format(R"("k{:02}":{}{})", k, k, k < 19 ? "," : "");
  many_keys += "}";
  many_sorted += "}";
  const std::vector<std::string> lines{
      R"x({"timestamp":"2026-04-20T10:15:00.000Z","type":"event_msg","payload":{"type":"task_started","turn_id":"t1"}})x",
      R"x({"timestamp":"2026-04-20T10:15:01.000Z","type":"response_item","payload":{"type":"function_call","name":"f","arguments":"{\"z\": -42, \"y\": 18446744073709551615, \"x\": 1.5, \"w\": true, \"v\": false, \"u\": null, \"a\": 1, \"a\": 2, \"m\": )x" +
          many_keys + R"x(}","call_id":"c1"}})x",
  };
  const test::collected got = test::normalize_lines(format_id::codex_rollout, lines);
  const auto calls = got.of_kind(event_kind::tool_call);
  REQUIRE(calls.size() == 1);
  const std::string canonical =
      R"({"a":1,"a":2,"m":)" + many_sorted +
      R"(,"u":null,"v":false,"w":true,"x":1.5,"y":18446744073709551615,"z":-42})";
  CHECK(calls[0].arguments_hash == normalize::stable_hash(canonical));
}
