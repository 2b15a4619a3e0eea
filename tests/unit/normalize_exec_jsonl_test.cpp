#include <doctest/doctest.h>

#include "loopscope/normalize/text_template.hpp"
#include "test_support.hpp"

using namespace loopscope;
using normalize::line_outcome;

TEST_CASE("real codex exec --json with Reconnecting errors (Codex 0.121.0)") {
  const auto lines = test::file_lines(test::shared_corpus_dir() +
                                      "/codex-recorded/exec-http500-reconnecting.jsonl");
  REQUIRE(lines.size() == 6);
  const test::collected got = test::normalize_lines(format_id::codex_exec_jsonl, lines);
  CHECK(got.outcomes(line_outcome::used) == 6);
  CHECK(got.outcomes(line_outcome::malformed) == 0);
  REQUIRE(got.events.size() == 6);
  CHECK(got.events[0].kind == event_kind::session_start);
  for (const event& e : got.events) CHECK(e.session_key == "01a224d7-c175-7291-88ff-e1272f32c037");
  const auto retries = got.of_kind(event_kind::stream_retry);
  REQUIRE(retries.size() == 2);
  CHECK(retries[0].attempt == 1);
  CHECK(retries[1].attempt == 2);
  CHECK(retries[1].attempt_limit == 2);
  CHECK(retries[0].http.status == 500);  // "high demand" is Codex's text for HTTP 500
  CHECK(retries[0].where.line == 3);
  CHECK(retries[0].text_template == retries[1].text_template);
  CHECK(got.count(event_kind::turn_error) == 1);
  const auto ends = got.of_kind(event_kind::turn_end);
  REQUIRE(ends.size() == 1);
  CHECK(ends[0].outcome == turn_outcome::failed);
}

TEST_CASE("items: commands, messages, web searches with duplicate id keys") {
  const std::vector<std::string> lines{
      R"({"type":"thread.started","thread_id":"t-1"})",
      R"({"type":"turn.started"})",
      R"({"type":"item.started","item":{"id":"item_1","type":"command_execution","command":"bash -lc ls","aggregated_output":"","exit_code":null,"status":"in_progress"}})",
      R"({"type":"item.completed","item":{"id":"item_1","type":"command_execution","command":"bash -lc  ls","aggregated_output":"a\nb\n","exit_code":0,"status":"completed"}})",
      R"({"type":"item.completed","item":{"id":"item_2","type":"web_search","id":"ws_1","query":"litellm websocket","action":{"type":"search"}}})",
      R"({"type":"item.completed","item":{"id":"item_3","type":"agent_message","text":"I will run the tests 3 times."}})",
      R"({"type":"item.completed","item":{"id":"item_4","type":"todo_list","items":[]}})",
      R"({"type":"item.completed","item":{"id":"item_5","type":"hologram","x":1}})",
      R"({"type":"turn.completed","usage":{"input_tokens":100,"cached_input_tokens":0,"output_tokens":20}})",
      R"({"type":"mystery.event"})",
  };
  const test::collected got = test::normalize_lines(format_id::codex_exec_jsonl, lines);
  const auto calls = got.of_kind(event_kind::tool_call);
  const auto outputs = got.of_kind(event_kind::tool_output);
  REQUIRE(calls.size() == 1);
  REQUIRE(outputs.size() == 1);
  // Whitespace does not make the same command a different call.
  CHECK(calls[0].arguments_hash == outputs[0].arguments_hash);
  CHECK(outputs[0].output_hash != 0);
  const auto searches = got.of_kind(event_kind::web_search);
  REQUIRE(searches.size() == 1);
  CHECK(searches[0].message == "litellm websocket");
  CHECK(got.of_kind(event_kind::agent_message)[0].text_template ==
        "I will run the tests <n> times.");
  CHECK(got.of_kind(event_kind::turn_end)[0].tokens == 120);
  CHECK(got.results[6].outcome == line_outcome::skipped);
  CHECK_FALSE(got.results[6].unknown_type);  // todo_list is known and irrelevant
  CHECK(got.results[7].unknown_type);        // a new item type is counted
  CHECK(got.results[9].unknown_type);        // so is a new event type
  CHECK(got.outcomes(line_outcome::malformed) == 0);
}

TEST_CASE("malformed exec JSON lines are counted, never fatal") {
  const std::vector<std::string> lines{
      R"x({"type":"error","message":"Reconnecting... 1/5 (x)")x",  // truncated
      "{",
      R"({"type":5})",
      R"({"type":"item.completed","item":"nope"})",
      R"({"type":"thread.started"})",
      std::string("{\"type\":\"error\",\"message\":\"bad \xff\xfe utf8\"}"),
      std::string(1 << 20, 'x'),
      "",
      std::string("\x00\x01\x02", 3),
  };
  const test::collected got = test::normalize_lines(format_id::codex_exec_jsonl, lines);
  REQUIRE(got.results.size() == lines.size());
  CHECK(got.results[0].outcome == line_outcome::malformed);
  CHECK(got.results[1].outcome == line_outcome::malformed);
  CHECK(got.results[2].outcome == line_outcome::malformed);
  CHECK(got.results[3].outcome == line_outcome::malformed);
  CHECK(got.results[4].outcome == line_outcome::malformed);
  CHECK(got.results[5].outcome == line_outcome::malformed);  // simdjson validates UTF-8
  CHECK(got.results[6].outcome == line_outcome::malformed);
  CHECK(got.results[7].outcome == line_outcome::malformed);
  CHECK(got.results[8].outcome == line_outcome::malformed);
}

TEST_CASE("masking keeps what repeats and hides what counts") {
  using normalize::mask_text;
  CHECK(mask_text("Reconnecting... 2/5 in 412.3ms") == "Reconnecting... <n>/<n> in <n>ms");
  CHECK(mask_text("thread 01a224d7-c175-7291-88ff-e1272f32c037 done") == "thread <id> done");
  CHECK(mask_text("  many   spaces\there ") == "many spaces here");
  CHECK(mask_text("deadbeef and cafe") == "deadbeef and cafe");  // hex words without digits stay
  CHECK(mask_text("port 127.0.0.1:8765") == "port <n>:<n>");
  CHECK(normalize::stable_hash("abc") == normalize::stable_hash("abc"));
  CHECK(normalize::stable_hash("abc") != normalize::stable_hash("abd"));
}
