// The generic reader (format `generic`, decoder `lines`): framing (stamps, colours, prefixes) and
// the catalogues of rules/formats/generic.yaml on real excerpts (URLs on line 1 of each file).
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "loopscope/formats/registry.hpp"
#include "test_support.hpp"

namespace loopscope {
namespace {

using normalize::line_outcome;

format_id generic_id() {
  const auto id = formats::registry().find("generic");
  REQUIRE(id.has_value());
  return *id;
}

test::collected generic(const std::vector<std::string>& lines,
                        normalize::input_context context = {"input:proxy", {}}) {
  return test::normalize_lines(generic_id(), lines, std::move(context));
}

std::string corpus(const std::string& name) {
  return test::shared_corpus_dir() + "/real-logs/" + name;
}

TEST_CASE("generic: lines no entry matches are not the reader's, without an event") {
  const auto out = generic({
      "Press Ctrl+C to stop.",
      "The proxy was restarted at 09:00 after the config change.",
      "[2026-11-30 09:00:00.001] INFO  relayd 0.4.2 listening on http://127.0.0.1:8787",
      "request timeout 600s, max retries 3, fallback model gpt-4o-mini",
      "",
  });
  CHECK(out.events.empty());
  CHECK(out.outcomes(line_outcome::skipped) == 5);
}

TEST_CASE("generic: a made-up proxy's access and retry lines, with their stamps") {
  const auto out = generic({
      "[2026-11-30 10:00:05.004] INFO  <-- POST /v1/responses",
      "[2026-11-30 10:00:05.310] WARN  upstream answered 429, retrying in 1s (attempt 2/4)",
      "[2026-11-30 10:00:12.352] INFO  --> POST /v1/responses?key=sk-secret 429 7348ms",
  });
  REQUIRE(out.events.size() == 3);
  const event& incoming = out.events[0];
  CHECK(incoming.kind == event_kind::request);
  CHECK(incoming.http.method == "POST");
  CHECK(incoming.http.path == "/v1/responses");
  CHECK(incoming.source == generic_id());
  CHECK(incoming.session_key == "input:proxy");
  REQUIRE(incoming.time.has_value());
  CHECK(format_rfc3339(*incoming.time) == "2026-11-30T10:00:05.004Z");
  CHECK(incoming.time_is == time_quality::zone_inferred);

  const event& retry = out.events[1];
  CHECK(retry.kind == event_kind::proxy_retry);
  CHECK(retry.attempt == 2);
  CHECK(retry.attempt_limit == 4);
  CHECK(retry.delay_ms == 1000);

  const event& answer = out.events[2];
  CHECK(answer.kind == event_kind::response);
  CHECK(answer.http.status == 429);
  CHECK(answer.http.path == "/v1/responses");
  // Query strings can hold keys: neither the excerpt nor the message keeps them.
  CHECK(answer.excerpt.find("sk-secret") == std::string::npos);
  CHECK(answer.message.find("sk-secret") == std::string::npos);
  CHECK(out.outcomes(line_outcome::used) == 3);
}

TEST_CASE("generic: stamps with a zone are exact, time-only stamps take the date hint") {
  normalize::input_context context{"input:proxy", timestamp{1'764'460'800'000'000}};  // 2025-11-30
  const auto out = generic(
      {
          "2026-01-02T03:04:05.5+02:00 ERROR read ECONNRESET",
          "23:59:59 WARN retrying in 2s (attempt 2/3)",
          "00:00:01 WARN retrying in 4s (attempt 3/3)",
      },
      context);
  REQUIRE(out.events.size() == 3);
  CHECK(format_rfc3339(*out.events[0].time) == "2026-01-02T01:04:05.500Z");
  CHECK(out.events[0].time_is == time_quality::exact);
  CHECK(out.events[0].error_class == "ECONNRESET");
  CHECK(format_rfc3339(*out.events[1].time) == "2025-11-30T23:59:59.000Z");
  CHECK(out.events[1].time_is == time_quality::date_inferred);
  // The clock went back by almost a day: the log crossed midnight.
  CHECK(format_rfc3339(*out.events[2].time) == "2025-12-01T00:00:01.000Z");
}

TEST_CASE("generic: langbot-app/LangBot#606, httpx 429s and openai-python retries") {
  const auto out =
      generic(test::excerpt_lines(corpus("langbot-app-LangBot-606-httpx-429-retrying.log")));
  REQUIRE(out.count(event_kind::response) == 4);
  REQUIRE(out.count(event_kind::proxy_retry) == 2);
  const auto answers = out.of_kind(event_kind::response);
  CHECK(answers[0].http.method == "POST");
  CHECK(answers[0].http.path == "/v1/chat/completions");
  CHECK(answers[0].http.status == 429);
  CHECK(answers[0].http.transport == transport_kind::http);
  CHECK(format_rfc3339(*answers[0].time) == "2023-11-20T21:34:00.847Z");
  const auto retries = out.of_kind(event_kind::proxy_retry);
  CHECK(retries[0].http.path == "/chat/completions");
  CHECK(retries[0].delay_ms == 915);
  CHECK(retries[1].delay_ms == 1881);
  CHECK(out.outcomes(line_outcome::malformed) == 0);
}

TEST_CASE("generic: camel-ai/owl#54, openai-python retries in Python's default format") {
  const auto out =
      generic(test::excerpt_lines(corpus("camel-ai-owl-54-openai-retrying-request.log")));
  const auto retries = out.of_kind(event_kind::proxy_retry);
  REQUIRE(retries.size() == 3);
  CHECK(retries[0].delay_ms == 383);
  CHECK(retries[2].delay_ms == 1866);
  CHECK(format_rfc3339(*retries[2].time) == "2025-03-08T01:16:13.522Z");
  CHECK(out.events.size() == 3);  // the prose and the configuration around them are not events
}

TEST_CASE("generic: acheong08/ChatGPTProxy#25, gin's access lines") {
  const auto out = generic(test::excerpt_lines(corpus("acheong08-ChatGPTProxy-25-gin-access.log")));
  const auto answers = out.of_kind(event_kind::response);
  REQUIRE(answers.size() == 3);
  CHECK(answers[0].http.status == 404);
  CHECK(answers[0].http.path == "/api/");
  CHECK(answers[1].http.status == 405);
  CHECK(answers[1].http.method == "GET");
  CHECK(answers[1].client == "10.0.2.2");
  CHECK(answers[2].http.status == 200);
  CHECK(format_rfc3339(*answers[2].time) == "2023-03-31T10:01:21.000Z");
  CHECK(out.events.size() == 3);
}

TEST_CASE("generic: luminati-io/luminati-proxy#129, errno names behind a pm2 prefix") {
  const auto out =
      generic(test::excerpt_lines(corpus("luminati-io-luminati-proxy-129-econnreset.log")));
  const auto errors = out.of_kind(event_kind::proxy_error);
  REQUIRE(errors.size() == 6);
  for (const event& e : errors) CHECK(e.error_class == "ECONNRESET");
  CHECK(format_rfc3339(*errors[0].time) == "2018-09-29T03:24:33.056Z");
}

TEST_CASE("generic: router-for-me/CLIProxyAPI#679, gin lines nested in CLIProxyAPI's format") {
  const auto out =
      generic(test::excerpt_lines(corpus("router-for-me-CLIProxyAPI-679-server-log-healthy.log")));
  const auto answers = out.of_kind(event_kind::response);
  REQUIRE(answers.size() == 2);
  CHECK(answers[0].http.path == "/v1/messages/count_tokens");
  CHECK(answers[0].http.status == 200);
  CHECK(answers[1].http.path == "/v1/messages");
  // The outer stamp is the line's time.
  CHECK(format_rfc3339(*answers[1].time) == "2025-12-23T02:08:38.000Z");
  CHECK(out.events.size() == 2);  // banners, the route table and debug lines are not events
}

TEST_CASE("generic: malformed lines never crash and are never events by accident") {
  std::vector<std::string> lines = {
      "[2026-11-30 10:00:05.004] INFO  <-- POST",
      "--> POST /v1/responses 4",
      "[GIN] 2023/03/31 - 09:59:47 | 40",
      "HTTP Request: POST https://api.example.com/v1/responses \"HTTP/1.1 4",
      "Retrying request to /chat/completions in \xff\xfe seconds",
      "\xc3\x28 retrying in 2s (attempt 2/\xe2\x82",
      "2026-13-45T99:99:99Z junk",
      "\x1b[31m\x1b[0m\x1b[",
      std::string(100000, 'x') + " retrying in 1s (attempt 2/3)",
      std::string(64, '\0'),
  };
  const auto out = generic(lines);
  CHECK(out.results.size() == lines.size());
  CHECK(out.events.empty());
}

}  // namespace
}  // namespace loopscope
