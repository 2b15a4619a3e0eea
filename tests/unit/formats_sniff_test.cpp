#include <doctest/doctest.h>

#include <string>

#include "loopscope/formats/registry.hpp"
#include "loopscope/formats/sniff.hpp"

using loopscope::format_id;
using loopscope::formats::sniff_line;
using loopscope::formats::strip_container_prefix;

TEST_CASE("each format's own sample lines are recognized as that format") {
  for (const loopscope::formats::format_info& f : loopscope::formats::registry().formats()) {
    CAPTURE(f.name);
    CHECK(!f.samples.empty());
    for (const std::string& sample : f.samples) {
      CAPTURE(sample);
      if (f.fallback) continue;  // claimed by its catalogue, not by sniffing
      CHECK(sniff_line(sample) == f.id);
    }
  }
}

TEST_CASE("exec JSON and rollout lines are told apart") {
  CHECK(sniff_line(R"({"type":"thread.started","thread_id":"01a2"})") ==
        format_id::codex_exec_jsonl);
  CHECK(sniff_line(R"({"type":"turn.failed","error":{"message":"x"}})") ==
        format_id::codex_exec_jsonl);
  CHECK(sniff_line(
            R"({"timestamp":"2026-11-29T01:06:56.498Z","type":"session_meta","payload":{}})") ==
        format_id::codex_rollout);
  CHECK(sniff_line("") == format_id::unknown);
  CHECK(sniff_line("just some prose") == format_id::unknown);
  CHECK(sniff_line("{not json at all") == format_id::unknown);
}

TEST_CASE("docker compose prefixes are stripped, other text is left alone") {
  CHECK(strip_container_prefix(
            "litellm-1  | INFO:     127.0.0.1:1 - \"POST /v1/responses HTTP/1.1\" 200 OK") ==
        "INFO:     127.0.0.1:1 - \"POST /v1/responses HTTP/1.1\" 200 OK");
  CHECK(strip_container_prefix("proxy_1 | x") == "x");
  CHECK(strip_container_prefix("INFO:     x") == "INFO:     x");
  CHECK(strip_container_prefix("a | b | c") == "b | c");
  CHECK(strip_container_prefix("| table |") == "| table |");
}

TEST_CASE("the tally names the dominant known format and notices mixtures") {
  loopscope::formats::format_tally tally;
  tally.count(format_id::unknown);
  tally.count(format_id::unknown);
  tally.count(format_id::codex_trace);
  CHECK(tally.dominant() == format_id::codex_trace);
  CHECK_FALSE(tally.mixed());
  tally.count(format_id::codex_exec_jsonl);
  CHECK(tally.mixed());
}

TEST_CASE("JSON printed with spaces (jq, Python) is recognized like Codex's compact JSON") {
  CHECK(sniff_line(R"({"type": "thread.started", "thread_id": "t"})") ==
        format_id::codex_exec_jsonl);
  CHECK(sniff_line(R"({ "type" : "turn.started" })") == format_id::codex_exec_jsonl);
  CHECK(
      sniff_line(
          R"({"timestamp": "2026-11-29T01:06:56.498Z", "type": "session_meta", "payload": {}})") ==
      format_id::codex_rollout);
  CHECK(sniff_line(R"({"kind": "something else"})") == format_id::unknown);
}

TEST_CASE("log lines quoted as Markdown list items in bug reports are read") {
  CHECK(strip_container_prefix("- `ERROR: Reconnecting... 2/5`") == "ERROR: Reconnecting... 2/5");
  CHECK(strip_container_prefix("* `x`") == "x");
  CHECK(strip_container_prefix("- `a` and `b`") == "- `a` and `b`");
  CHECK(strip_container_prefix("- plain item") == "- plain item");
}

// Issue 15: a JSON line is known by its top-level keys and type values, in any order, with keys
// a release adds (0.171's "ordinal" sits between "timestamp" and "type").
TEST_CASE("JSON lines are recognized by their keys, in any order, with extra keys") {
  CHECK(
      sniff_line(
          R"({"timestamp":"2026-12-01T19:33:57.363Z","ordinal":0,"type":"session_meta","payload":{}})") ==
      format_id::codex_rollout);
  CHECK(sniff_line(R"({"payload":{"type":"task_started"},"type":"event_msg","timestamp":"x"})") ==
        format_id::codex_rollout);
  CHECK(sniff_line(R"({"x_new":[1,{"type":"a"}],"payload":{"a":"}{\"]"},"type":"future_type"})") ==
        format_id::codex_rollout);
  CHECK(
      sniff_line(
          R"({"ordinal":3, "type" : "response_item", "metadata":{}, "payload" : {"type":"message"}})") ==
      format_id::codex_rollout);
  CHECK(sniff_line(R"({"thread_id":"t","type":"thread.started"})") == format_id::codex_exec_jsonl);
  CHECK(sniff_line(R"({"item":{"type":"error"},"type":"item.completed"})") ==
        format_id::codex_exec_jsonl);
  CHECK(sniff_line(R"({"params":{"willRetry":true},"jsonrpc":"2.0","method":"error"})") ==
        format_id::codex_exec_jsonl);
  CHECK(sniff_line(R"({"level":"INFO","timestamp":"t","message":"Retrying request"})") ==
        format_id::litellm_json);
  CHECK(sniff_line(R"({"message": "cut before the lev)") == format_id::litellm_json);
  CHECK(sniff_line(R"({"call_id":"c","type":"warning","message":"m"})") ==
        format_id::codex_rollout);  // a bare live EventMsg
  // Keys only nested, or a payload that is not an object, are not an envelope.
  CHECK(sniff_line(R"({"outer":{"type":"event_msg","payload":{}}})") == format_id::unknown);
  CHECK(sniff_line(R"({"type":"event_msg","payload":5})") == format_id::unknown);
  CHECK(sniff_line(R"({"type":"event_msg","payload")") == format_id::unknown);
  CHECK(sniff_line("{\"type\":\"event_msg\",\"payload\":{\"a\":" + std::string(5000, '[')) ==
        format_id::codex_rollout);  // decided at the payload's brace, never scanning it
  CHECK(sniff_line("{\"a\":" + std::string(5000, '[')) == format_id::unknown);
}
