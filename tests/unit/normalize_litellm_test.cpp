// LiteLLM text and JSON_LOGS decoders (litellm/_logging.py formatters, litellm/router.py
// messages), on real excerpts (corpus/real-logs), the recorded fault-proxy samples and hand-made
// edge cases.
#include <doctest/doctest.h>

#include <array>
#include <map>
#include <memory>

#include "test_support.hpp"

namespace loopscope {
namespace {

using normalize::line_outcome;

constexpr std::int64_t day_micros = 86'400'000'000;
// 2026-11-29T00:00:00Z
constexpr std::int64_t hint_micros = 20'786 * day_micros;

// What the pipeline does with one input (app/analysis.cpp): strip the container prefix, sniff
// each line, offer unclaimed lines to the previous format's continue_record, finish a format when
// another takes over and at the end.
struct pipeline_result {
  test::collected out;
  std::size_t unclaimed = 0;  // lines no format claimed and no record took
};

pipeline_result run_pipeline(const std::vector<std::string>& lines,
                             normalize::input_context context = {"input:test",
                                                                 timestamp{hint_micros}}) {
  pipeline_result r;
  test::collecting_sink sink(r.out.events);
  std::array<std::unique_ptr<normalize::format_normalizer>, 8> normalizers;
  normalize::format_normalizer* previous = nullptr;
  std::uint64_t number = 0;
  for (const std::string& raw : lines) {
    ++number;
    std::string padded = raw;
    padded.append(ingest::line_padding, '\0');
    const std::string_view line =
        formats::strip_container_prefix(std::string_view(padded.data(), raw.size()));
    const origin where{0, number};
    const format_id format = formats::sniff_line(line);
    normalize::line_result result;
    if (format == format_id::unknown) {
      if (previous != nullptr && previous->continue_record(line, where, result)) {
        r.out.results.push_back(result);
      } else {
        ++r.unclaimed;
        r.out.results.push_back({line_outcome::skipped, false});
      }
      continue;
    }
    auto& normalizer = normalizers[static_cast<std::size_t>(format)];
    if (!normalizer) normalizer = normalize::make_normalizer(format, context);
    if (previous != nullptr && previous != normalizer.get()) previous->finish(sink);
    previous = normalizer.get();
    r.out.results.push_back(normalizer->normalize(line, where, sink));
  }
  for (auto& normalizer : normalizers) {
    if (normalizer) normalizer->finish(sink);
  }
  return r;
}

pipeline_result run_excerpt(const std::string& name) {
  const std::string path = test::shared_corpus_dir() + "/real-logs/" + name;
  REQUIRE(test::file_exists(path));
  return run_pipeline(test::excerpt_lines(path));
}

test::collected text(const std::vector<std::string>& lines,
                     normalize::input_context context = {"input:test", timestamp{hint_micros}}) {
  return test::normalize_lines(format_id::litellm_text, lines, std::move(context), true);
}

test::collected json(const std::vector<std::string>& lines) {
  return test::normalize_lines(format_id::litellm_json, lines, {"input:test", {}}, false);
}

// ---------------------------------------------------------------------------------------------
// Real excerpts

TEST_CASE("litellm corpus 19985: retries, then a fallback whose group is retried again") {
  const auto r = run_excerpt("BerriAI-litellm-19985-fallback-resets-retry-cycle.log");
  const auto& out = r.out;
  CHECK(out.outcomes(line_outcome::malformed) == 0);
  REQUIRE(out.count(event_kind::proxy_error) == 3);
  REQUIRE(out.count(event_kind::proxy_fallback) == 1);  // "Trying…" + "Falling back…" = one
  CHECK(out.events.size() == 4);
  for (const event& e : out.of_kind(event_kind::proxy_error)) {
    CHECK(e.http.status == 429);
    CHECK(e.error_class == "litellm.RateLimitError");
    CHECK(e.attempt == 10);
    CHECK(e.time_is == time_quality::date_inferred);
  }
  const auto errors = out.of_kind(event_kind::proxy_error);
  CHECK(errors[0].model == "openai/liquid/lfm-2.5-1.2b-instruct:free");
  CHECK(errors[1].model == "openai/qwen/qwen3-4b:free");
  const event fallback = out.of_kind(event_kind::proxy_fallback)[0];
  CHECK(fallback.model_group == "model1");
  REQUIRE(fallback.time.has_value());
  CHECK(fallback.time->micros == hint_micros + (16 * 3600 + 43 * 60 + 23) * 1'000'000LL);
}

TEST_CASE("litellm corpus 20867: the router's own 429, with the uvicorn access line") {
  const auto r = run_excerpt("BerriAI-litellm-20867-no-deployments-available-429.log");
  CHECK(r.out.outcomes(line_outcome::malformed) == 0);
  REQUIRE(r.out.count(event_kind::response) == 1);
  CHECK(r.out.of_kind(event_kind::response)[0].http.status == 429);
  CHECK(r.out.of_kind(event_kind::response)[0].http.path == "/chat/completions");
  REQUIRE(r.out.count(event_kind::proxy_error) == 1);  // emitted at finish, mid-traceback
  const event e = r.out.of_kind(event_kind::proxy_error)[0];
  CHECK(e.http.status == 429);
  CHECK(e.error_class == "RouterRateLimitError");
  CHECK(r.out.events.size() == 2);
}

TEST_CASE("litellm corpus 8632: a 200 access line, then the stream fails with 503") {
  const auto r = run_excerpt("BerriAI-litellm-8632-gemini-503-midstream-200-ok.log");
  CHECK(r.out.outcomes(line_outcome::malformed) == 0);
  const auto responses = r.out.of_kind(event_kind::response);
  REQUIRE(responses.size() == 3);
  CHECK(responses[0].source == format_id::uvicorn_access);
  CHECK(responses[0].client == "172.18.0.6:42930");
  CHECK(responses[1].source == format_id::litellm_text);
  CHECK(responses[1].model == "gemini/gemini-2.0-flash-thinking-exp-01-21");
  CHECK(responses[1].http.status == 200);
  REQUIRE(r.out.count(event_kind::proxy_error) == 1);
  const event e = r.out.of_kind(event_kind::proxy_error)[0];
  CHECK(e.error_class == "litellm.InternalServerError");
  CHECK(e.http.status == 503);  // the provider's code beats the class's 500
  CHECK(e.text_template.find("async_data_generator") != std::string::npos);  // mid-stream
}

TEST_CASE("litellm corpus 7521: JSON_LOGS debug records, the cut last line is malformed") {
  const auto r = run_excerpt("BerriAI-litellm-7521-json-logs.log");
  CHECK(r.out.events.empty());  // DEBUG chatter of one routed request
  CHECK(r.out.outcomes(line_outcome::malformed) == 1);
  CHECK(r.out.results.back().outcome == line_outcome::malformed);
  CHECK(r.out.outcomes(line_outcome::skipped) == r.out.results.size() - 1);
}

TEST_CASE("litellm corpus 5933: the cooldown-callback flood is one repeated warning") {
  const auto r = run_excerpt("BerriAI-litellm-5933-cooldown-callback-flood.log");
  CHECK(r.out.outcomes(line_outcome::malformed) == 0);
  const auto warnings = r.out.of_kind(event_kind::warning);
  REQUIRE(warnings.size() == 8);
  for (const event& e : warnings) CHECK(e.text_template == warnings[0].text_template);
  CHECK(warnings[0].text_template.find("<id>") != std::string::npos);
  CHECK(r.out.events.size() == 8);
}

TEST_CASE("litellm corpus 18421: outer 400 around an APIConnectionError, retried 1 of 2") {
  const auto r = run_excerpt("BerriAI-litellm-18421-apiconnectionerror-400-retried.log");
  CHECK(r.out.outcomes(line_outcome::malformed) == 0);
  REQUIRE(r.out.events.size() == 1);
  const event& e = r.out.events[0];
  CHECK(e.kind == event_kind::proxy_error);
  CHECK(e.error_class == "litellm.APIConnectionError");
  CHECK(e.http.status == 400);
  CHECK(e.attempt == 1);
  CHECK(e.attempt_limit == 2);
  CHECK(e.model_group == "gpt-5-codex");
  // The prose after the blank line is not part of the record.
  CHECK(e.message.find("Realtime") == std::string::npos);
}

TEST_CASE("litellm corpus pr-1356: legacy httpx 401 and a cooldown") {
  const auto r = run_excerpt("BerriAI-litellm-pr-1356-legacy-cooldown-2024.log");
  CHECK(r.out.outcomes(line_outcome::malformed) == 0);
  REQUIRE(r.out.count(event_kind::response) == 1);
  const event response = r.out.of_kind(event_kind::response)[0];
  CHECK(response.http.status == 401);
  CHECK(response.http.method == "POST");
  CHECK(response.http.path == "/v1/chat/completions");
  REQUIRE(r.out.count(event_kind::warning) == 1);
  CHECK(r.out.of_kind(event_kind::warning)[0].error_class == "cooldown");
  CHECK(r.out.events.size() == 2);
}

TEST_CASE("litellm corpus 29818: TLS to the plain-HTTP port, uvicorn side") {
  const auto r = run_excerpt("BerriAI-litellm-29818-https-to-plain-http-port.log");
  CHECK(r.out.outcomes(line_outcome::malformed) == 0);
  std::size_t invalid = 0;
  for (const event& e : r.out.events) {
    if (e.source == format_id::uvicorn_access) {
      CHECK(e.kind == event_kind::warning);
      CHECK(e.error_class == "invalid_http_request");
      ++invalid;
    }
  }
  CHECK(invalid == 1);
}

// ---------------------------------------------------------------------------------------------
// Recorded fault-proxy samples (samples/codex-<version>/<scenario>/proxy.log)

TEST_CASE("litellm samples: every proxy.log line is recognized, none malformed") {
  int files = 0;
  for (const std::string& scenario : test::sample_dirs()) {
    const std::string path = scenario + "/proxy.log";
    if (!test::file_exists(path)) continue;
    ++files;
    const auto r = run_pipeline(test::file_lines(path));
    CHECK_MESSAGE(r.unclaimed == 0, scenario);
    CHECK_MESSAGE(r.out.outcomes(line_outcome::malformed) == 0, scenario);
    // One "Request received by LiteLLM" per access line, carrying Codex's ids.
    const std::size_t access = r.out.count(event_kind::response) -
                               [&] {
                                 std::size_t n = 0;
                                 for (const event& e : r.out.of_kind(event_kind::response)) {
                                   n += e.source == format_id::litellm_text ? 1 : 0;
                                 }
                                 return n;
                               }() +
                               r.out.count(event_kind::ws_error) +
                               r.out.count(event_kind::ws_connect);
    CHECK_MESSAGE(r.out.count(event_kind::request) == access, scenario);
    for (const event& e : r.out.of_kind(event_kind::request)) {
      CHECK(!e.session_key.empty());
      CHECK(e.session_key.rfind("input:", 0) == std::string::npos);
      CHECK(!e.request_id.empty());
      CHECK(e.message.find("authorization") == std::string::npos);
      CHECK(e.message.find("sk-loopscope") == std::string::npos);
    }
  }
  MESSAGE("sample files checked: " << files);
}

TEST_CASE("litellm samples: http-500-exhausted counts") {
  const std::string path =
      test::source_dir() + "/samples/codex-0.121.0/http-500-exhausted/proxy.log";
  if (!test::file_exists(path)) return;
  const auto r = run_pipeline(test::file_lines(path));
  CHECK(r.out.count(event_kind::request) == 60);
  CHECK(r.out.count(event_kind::proxy_retry) == 60);
  CHECK(r.out.count(event_kind::response) == 60);
  // The router line and the proxy's exception handler both report each failure.
  CHECK(r.out.count(event_kind::proxy_error) == 120);
  for (const event& e : r.out.of_kind(event_kind::proxy_error)) {
    CHECK(e.http.status == 500);
    CHECK(e.error_class == "litellm.InternalServerError");
    CHECK(e.attempt == 2);
    CHECK(e.attempt_limit == 2);
  }
  for (const event& e : r.out.of_kind(event_kind::request)) CHECK(!e.turn_key.empty());
}

// ---------------------------------------------------------------------------------------------
// The text format

TEST_CASE("litellm text: header forms, with and without colour codes") {
  const auto out = text({
      "\x1b[92m16:43:23 - LiteLLM Router:INFO\x1b[0m: router.py:3977 - Retrying request with "
      "num_retries: 3",
      "[92m16:43:24 - LiteLLM Router:INFO[0m: router.py:3977 - Retrying request with num_retries: "
      "2",
      "16:43:25 - LiteLLM Router:INFO: router.py:1644 - litellm.acompletion(model=gpt-4o)\x1b[31m "
      "Exception litellm.RateLimitError: RateLimitError: OpenAIException - Error code: 429\x1b[0m",
      "16:43:26 - LiteLLM Router:INFO: router.py:1019 - litellm.acompletion(model=gpt-4o)[32m 200 "
      "OK[0m",
      "LiteLLM Router - INFO: Retrying request with num_retries: 1",
      "LiteLLM.Router: Retrying request with num_retries: 4",
  });
  CHECK(out.outcomes(line_outcome::malformed) == 0);
  REQUIRE(out.events.size() == 6);
  CHECK(out.events[0].kind == event_kind::proxy_retry);
  CHECK(out.events[0].attempt_limit == 3);
  CHECK(out.events[0].message == "Retrying request with num_retries: 3");
  CHECK(out.events[1].attempt_limit == 2);
  CHECK(out.events[2].kind == event_kind::proxy_error);
  CHECK(out.events[2].model == "gpt-4o");
  CHECK(out.events[2].error_class == "litellm.RateLimitError");
  CHECK(out.events[2].http.status == 429);
  CHECK(out.events[2].message.find('\x1b') == std::string::npos);
  CHECK(out.events[2].message.find("[31m") == std::string::npos);
  CHECK(out.events[3].kind == event_kind::response);
  CHECK(out.events[3].http.status == 200);
  CHECK(out.events[3].model == "gpt-4o");
  CHECK(out.events[4].attempt_limit == 1);
  CHECK_FALSE(out.events[4].time.has_value());  // the 2024 form has no time
  CHECK(out.events[5].attempt_limit == 4);
}

TEST_CASE("litellm text: fallbacks") {
  const auto out = text({
      "10:00:00 - LiteLLM Router:INFO: router.py:4346 - Trying to fallback b/w models",
      "10:00:00 - LiteLLM Router:INFO: fallback_event_handlers.py:128 - Falling back to "
      "model_group = gpt-4o-mini",
      "10:00:01 - LiteLLM Router:INFO: router.py:4346 - Trying to fallback b/w models",
      "10:00:02 - LiteLLM Router:INFO: router.py:3100 - Successful fallback b/w models.",
      "10:00:02 - LiteLLM Router:INFO: router.py:3977 - Retrying request with num_retries: 1",
      "10:00:03 - LiteLLM Router:INFO: fallback_event_handlers.py:128 - Falling back to "
      "model_group = {'model': 'claude-3.5'}",
      "10:00:04 - LiteLLM Router:INFO: router.py:3979 - No fallback model group found for "
      "original model_group=gpt-3.5-turbo. Fallbacks=[{'gpt-4': ['gpt-4o']}]",
  });
  const auto fallbacks = out.of_kind(event_kind::proxy_fallback);
  REQUIRE(fallbacks.size() == 3);
  CHECK(fallbacks[0].model_group == "gpt-4o-mini");
  // A "Trying" without its "Falling back" (another event came first) stands alone.
  CHECK(fallbacks[1].model_group.empty());
  CHECK(fallbacks[2].model_group == "claude-3.5");
  const auto errors = out.of_kind(event_kind::proxy_error);
  REQUIRE(errors.size() == 1);
  CHECK(errors[0].error_class == "no_fallback_group");
  CHECK(errors[0].model_group == "gpt-3.5-turbo");
  CHECK(out.events.size() == 5);
  CHECK(out.outcomes(line_outcome::skipped) == 1);  // "Successful fallback"
}

TEST_CASE("litellm text: router and proxy errors") {
  const auto out = text({
      "11:00:00 - LiteLLM Router:INFO: router.py:3281 - ageneric_api_call_with_fallbacks("
      "model=gpt-5) Exception litellm.BadGatewayError: BadGatewayError: OpenAIException - Bad "
      "Gateway LiteLLM Retried: 2 times, LiteLLM Max Retries: 3",
      "11:00:01 - LiteLLM Proxy:ERROR: proxy_server.py:5213 - litellm.proxy.proxy_server."
      "_handle_llm_api_exception(): Exception occured - litellm.APIConnectionError: "
      "APIConnectionError: BedrockException - {'status_code': 400, 'message': 'bad'}",
      "11:00:02 - LiteLLM Router:INFO: router.py:7879 - No deployments available for selected "
      "model, Try again in 60 seconds. Passed model=gpt-4o. pre-call-checks=False, "
      "cooldown_list=['abc']",
      "11:00:03 - LiteLLM Proxy:ERROR: proxy_server.py:4672 - litellm.proxy.proxy_server."
      "async_data_generator(): Exception occured - litellm.Timeout: APITimeoutError - Request "
      "timed out.",
      "11:00:04 - LiteLLM Proxy:ERROR: endpoints.py:318 - Responses WebSocket authentication error",
  });
  REQUIRE(out.events.size() == 5);
  CHECK(out.events[0].kind == event_kind::proxy_error);
  CHECK(out.events[0].model_group == "gpt-5");
  CHECK(out.events[0].http.status == 502);
  CHECK(out.events[0].attempt == 2);
  CHECK(out.events[0].attempt_limit == 3);
  CHECK(out.events[1].error_class == "litellm.APIConnectionError");
  CHECK(out.events[1].http.status == 400);  // stated status wins over the class's 500
  CHECK(out.events[2].error_class == "RouterRateLimitError");
  CHECK(out.events[2].http.status == 429);
  CHECK(out.events[2].model_group == "gpt-4o");
  CHECK(out.events[3].error_class == "litellm.Timeout");
  CHECK(out.events[3].http.status == 408);
  CHECK(out.events[3].text_template.find("async_data_generator") != std::string::npos);
  CHECK(out.events[4].error_class == "websocket_authentication_error");
  CHECK(out.events[4].http.transport == transport_kind::websocket);
}

TEST_CASE("litellm text: multi-line records take class, group and retries from below") {
  const auto out = text({
      "12:00:00 - LiteLLM Router:ERROR: router.py:3000 - litellm.router.py::async_function_with_"
      "fallbacks() - Error occurred while trying to do fallbacks - 'NoneType' object is not "
      "subscriptable",
      "Received Model Group=gpt-5",
      "Available Model Group Fallbacks=None",
      "Traceback (most recent call last):",
      "  File \"/app/litellm/router.py\", line 3000, in async_function_with_fallbacks",
      "    raise original_exception",
      "litellm.exceptions.ServiceUnavailableError: litellm.ServiceUnavailableError: down",
      "",
      "Debug Information:Cooldown Deployments=[]",
      "12:00:01 - LiteLLM:INFO: utils.py:3748 - ",
      "LiteLLM completion() model= gpt-5; provider = openai",
  });
  CHECK(out.outcomes(line_outcome::malformed) == 0);
  REQUIRE(out.events.size() == 1);
  const event& e = out.events[0];
  CHECK(e.kind == event_kind::proxy_error);
  CHECK(e.error_class == "litellm.ServiceUnavailableError");
  CHECK(e.http.status == 503);
  CHECK(e.model_group == "gpt-5");
  CHECK(e.where.line == 1);
  CHECK(e.message.find("  File") == std::string::npos);  // frames are not the message
}

TEST_CASE("litellm text: a traceback cut at end of input is emitted by finish") {
  const auto out = text({
      "13:00:00 - LiteLLM Proxy:ERROR: proxy_server.py:5213 - litellm.proxy.proxy_server."
      "_handle_llm_api_exception(): Exception occured - ",
      "Traceback (most recent call last):",
      "  File \"/app/litellm/proxy/proxy_server.py\", line 5827, in chat_completion",
      "litellm.exceptions.RateLimitError: litellm.RateLimitError: slow down",
      "  File \"/h",
  });
  REQUIRE(out.events.size() == 1);
  CHECK(out.events[0].error_class == "litellm.RateLimitError");
  CHECK(out.events[0].http.status == 429);
  CHECK(out.outcomes(line_outcome::malformed) == 0);
}

TEST_CASE("litellm text: forced format sends continuation lines to normalize") {
  // `--input-format litellm-text`: no sniffing, no continue_record from the pipeline.
  const auto out = test::normalize_lines(
      format_id::litellm_text,
      {"13:00:00 - LiteLLM Proxy:ERROR: proxy_server.py:1 - x.y(): Exception occured - boom",
       "Traceback (most recent call last):", "  File \"a.py\", line 1",
       "litellm.exceptions.NotFoundError: litellm.NotFoundError: nope"},
      {"input:test", {}}, false);
  REQUIRE(out.events.size() == 1);
  CHECK(out.events[0].http.status == 404);
  CHECK(out.outcomes(line_outcome::malformed) == 0);
}

TEST_CASE("litellm text: request header dumps carry Codex's ids, never header values") {
  const auto out = text({
      "01:47:07 - LiteLLM Proxy:DEBUG: proxy_server.py:4064 - Request received by LiteLLM: "
      "method=POST path=/v1/responses?key=sk-q model=gpt-5 stream=True headers={"
      "'x-codex-turn-metadata': '{\"session_id\":\"0199a213-81c0-7800-8aa1-bbab2a035a53\","
      "\"turn_id\":\"0199a213-81c0-7800-8aa1-bbab2a035a99\"}', 'x-client-request-id': "
      "'req-0001', 'session_id': '0199a213-81c0-7800-8aa1-bbab2a035a53', 'authorization': "
      "'Bearer sk-secret-value'}",
      "01:47:08 - LiteLLM Proxy:DEBUG: proxy_server.py:4064 - Request received by LiteLLM:",
      "{",
      "    \"model\": \"gpt-5\",",
      "    \"litellm_call_id\": \"7f1c2b3a-0000-4000-8000-000000000001\"",
      "}",
  });
  REQUIRE(out.events.size() == 2);
  const event& e = out.events[0];
  CHECK(e.kind == event_kind::request);
  CHECK(e.session_key == "0199a213-81c0-7800-8aa1-bbab2a035a53");
  CHECK(e.turn_key == "0199a213-81c0-7800-8aa1-bbab2a035a99");
  CHECK(e.request_id == "req-0001");
  CHECK(e.http.method == "POST");
  CHECK(e.http.path == "/v1/responses");
  CHECK(e.http.transport == transport_kind::http);
  CHECK(e.model == "gpt-5");
  CHECK(e.message.find("sk-") == std::string::npos);
  CHECK(e.text_template.find("sk-") == std::string::npos);
  CHECK(out.events[1].session_key == "input:test");
  CHECK(out.events[1].request_id == "7f1c2b3a-0000-4000-8000-000000000001");
  CHECK(out.events[1].model == "gpt-5");
}

TEST_CASE("litellm text: time takes the hint's day and rolls over at midnight") {
  const auto out = text({
      "23:59:58 - LiteLLM Router:INFO: router.py:1 - Retrying request with num_retries: 1",
      "23:59:57 - LiteLLM Router:INFO: router.py:1 - Retrying request with num_retries: 1",
      "00:00:01 - LiteLLM Router:INFO: router.py:1 - Retrying request with num_retries: 1",
      "09:00:00 - LiteLLM Router:INFO: router.py:1 - Retrying request with num_retries: 1",
  });
  REQUIRE(out.events.size() == 4);
  for (const event& e : out.events) CHECK(e.time_is == time_quality::date_inferred);
  CHECK(out.events[0].time->micros == hint_micros + 86'398'000'000LL);
  CHECK(out.events[1].time->micros == hint_micros + 86'397'000'000LL);  // out of order, same day
  CHECK(out.events[2].time->micros == hint_micros + day_micros + 1'000'000LL);
  CHECK(out.events[3].time->micros == hint_micros + day_micros + 9 * 3'600'000'000LL);
}

TEST_CASE("litellm text: everything else of the format is skipped, not of unknown type") {
  const auto out = text({
      "10:00:00 - LiteLLM Router:DEBUG: router.py:2 - Inside async function with retries: args - "
      "(); kwargs - {'model': 'gpt-4'}",
      "10:00:00 - LiteLLM Proxy:INFO: proxy_server.py:2 - Routing strategy: simple-shuffle",
      "10:00:00 - LiteLLM:DEBUG: utils.py:2 - Attempting to add abc to cooldown list",
  });
  CHECK(out.events.empty());
  CHECK(out.outcomes(line_outcome::skipped) == 3);
  for (const auto& r : out.results) CHECK_FALSE(r.unknown_type);
}

TEST_CASE("litellm text: malformed input") {
  std::string big =
      "10:00:00 - LiteLLM Router:INFO: router.py:1 - litellm.acompletion(model=m) "
      "Exception litellm.RateLimitError: ";
  big.append(1 << 20, 'x');
  const auto out = text({
      "",
      "10:00:00 - LiteLLM Router:INFO: router.py:1 - Retrying request with num_retries: 2 "
      "\xff\xfe\xc3",
      big,
      std::string("\x00\x01\xff binary\x1b[", 12),
      "10:0",
  });
  REQUIRE(out.results.size() == 5);
  CHECK(out.results[0].outcome == line_outcome::skipped);
  CHECK(out.results[1].outcome == line_outcome::used);
  CHECK(out.results[2].outcome == line_outcome::used);
  REQUIRE(out.events.size() == 2);
  CHECK(out.events[0].attempt_limit == 2);
  CHECK(out.events[1].http.status == 429);
  CHECK(out.events[1].message.size() < 8192);
  CHECK(out.events[1].excerpt.size() <= normalize::excerpt_bytes + 4);
  // The binary line and the cut header are continuations of the 1 MB record, never malformed
  // while a record is open; on their own they are malformed.
  const auto alone = text({std::string("\x00\x01\xff binary\x1b[", 12), "10:0", "{"});
  CHECK(alone.outcomes(line_outcome::malformed) == 3);
  CHECK(alone.events.empty());
}

// ---------------------------------------------------------------------------------------------
// JSON_LOGS

TEST_CASE("litellm json: the catalogue applies to message and stacktrace") {
  const auto out = json({
      R"({"message": "Retrying request with num_retries: 3", "level": "INFO", "timestamp": "2025-01-01T12:00:00.123456"})",
      R"({"message": "litellm.proxy.proxy_server._handle_llm_api_exception(): Exception occured - ", "level": "ERROR", "timestamp": "2025-01-01T12:00:01.000000+02:00", "component": "LiteLLM Proxy", "logger": "proxy_server.py:5213", "stacktrace": "Traceback (most recent call last):\n  File \"a.py\", line 1\nlitellm.exceptions.AuthenticationError: litellm.AuthenticationError: bad key\n", "litellm_call_id": "call-77"})",
      R"({"message": "Trying to fallback b/w models", "level": "INFO", "timestamp": "2025-01-01T12:00:02"})",
      R"({"message": "Falling back to model_group = {'model': 'm2'}", "level": "INFO", "timestamp": "2025-01-01T12:00:02"})",
      R"({"message": "127.0.0.1:5000 - \"POST /v1/responses?k=sk-x HTTP/1.1\" 200", "level": "INFO", "timestamp": "2025-01-01T12:00:03", "component": "uvicorn.access", "logger": "h11_impl.py:473"})",
      R"({"message": "self.optional_params: {}", "level": "TRACE_VERBOSE", "timestamp": "2025-01-01T12:00:04"})",
      R"({"message": null, "level": "INFO"})",
  });
  CHECK(out.outcomes(line_outcome::malformed) == 0);
  REQUIRE(out.events.size() == 4);
  CHECK(out.events[0].kind == event_kind::proxy_retry);
  CHECK(out.events[0].attempt_limit == 3);
  CHECK(out.events[0].time_is == time_quality::zone_inferred);  // local time, no zone
  REQUIRE(out.events[0].time.has_value());
  CHECK(out.events[1].kind == event_kind::proxy_error);
  CHECK(out.events[1].error_class == "litellm.AuthenticationError");
  CHECK(out.events[1].http.status == 401);
  CHECK(out.events[1].request_id == "call-77");
  CHECK(out.events[1].time_is == time_quality::exact);
  CHECK(out.events[2].kind == event_kind::proxy_fallback);
  CHECK(out.events[2].model_group == "m2");
  CHECK(out.events[3].kind == event_kind::response);
  CHECK(out.events[3].http.path == "/v1/responses");
  CHECK(out.events[3].http.status == 200);
  CHECK(out.events[3].excerpt.find("sk-x") == std::string::npos);
  CHECK(out.outcomes(line_outcome::skipped) == 2);
}

TEST_CASE("litellm json: malformed input") {
  std::string big = R"({"message": "Retrying request with num_retries: 1 )";
  big.append(1 << 20, 'y');
  big += R"(", "level": "INFO", "timestamp": "2025-01-01T00:00:00"})";
  const auto out = json({
      "{",
      R"({"message": "Inside async function with retries: args - (); kwargs - {'tools': [{'type': 'function', 'function': {'name': 'get)",
      R"({"message": "bad )"
      "\xff\xfe"
      R"( bytes", "level": "INFO"})",
      "",
      std::string("\x00\x01\x02\xff", 4),
      R"([1, 2, 3])",
      big,
  });
  REQUIRE(out.results.size() == 7);
  CHECK(out.results[0].outcome == line_outcome::malformed);
  CHECK(out.results[1].outcome == line_outcome::malformed);
  CHECK(out.results[2].outcome == line_outcome::malformed);  // simdjson validates UTF-8
  CHECK(out.results[3].outcome == line_outcome::malformed);
  CHECK(out.results[4].outcome == line_outcome::malformed);
  CHECK(out.results[5].outcome == line_outcome::malformed);
  CHECK(out.results[6].outcome == line_outcome::used);
  REQUIRE(out.events.size() == 1);
  CHECK(out.events[0].message.size() < 8192);
}

TEST_CASE("litellm sniff: which lines the LiteLLM formats claim") {
  CHECK(formats::sniff_line("[92m16:43:23 - LiteLLM Router:INFO[0m: router.py:1 - x") ==
        format_id::litellm_text);
  CHECK(formats::sniff_line("\x1b[92m16:43:23 - LiteLLM Router:INFO\x1b[0m: router.py:1 - x") ==
        format_id::litellm_text);
  CHECK(formats::sniff_line(R"(INFO:httpx:HTTP Request: POST https://x/v1 "HTTP/1.1 200 OK")") ==
        format_id::litellm_text);
  CHECK(formats::sniff_line("in router_cooldown_event_callback but _deployment is None for "
                            "deployment_id=abc. Doing nothing") == format_id::litellm_text);
  CHECK(formats::sniff_line("{'error': {'message': \"litellm.BadRequestError: x\"") ==
        format_id::litellm_text);
  CHECK(formats::sniff_line(R"({"message": "cut)") == format_id::litellm_json);
  CHECK(formats::sniff_line(R"(INFO:     127.0.0.1:1 - "GET / HTTP/1.1" 200 OK)") ==
        format_id::uvicorn_access);
  CHECK(formats::sniff_line("Traceback (most recent call last):") == format_id::unknown);
  CHECK(formats::sniff_line("16:43:26 - LiteL") == format_id::unknown);
}

}  // namespace
}  // namespace loopscope
