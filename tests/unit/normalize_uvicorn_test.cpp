// uvicorn access and WebSocket lines (uvicorn's logger uvicorn.access
// (uvicorn/protocols/http/h11_impl.py) and its WebSocket lines on uvicorn.error).
#include <doctest/doctest.h>

#include <random>

#include "normalize/uvicorn_messages.hpp"
#include "test_support.hpp"

namespace loopscope {
namespace {

using normalize::line_outcome;

test::collected uvicorn(const std::vector<std::string>& lines) {
  return test::normalize_lines(format_id::uvicorn_access, lines, {"input:proxy", {}}, true);
}

TEST_CASE("uvicorn: a POST access line is a response with status, path and client") {
  const auto out = uvicorn({R"(INFO:     127.0.0.1:50412 - "POST /v1/responses HTTP/1.1" 200 OK)"});
  REQUIRE(out.events.size() == 1);
  const event& e = out.events[0];
  CHECK(e.kind == event_kind::response);
  CHECK(e.http.method == "POST");
  CHECK(e.http.path == "/v1/responses");
  CHECK(e.http.status == 200);
  CHECK(e.http.transport == transport_kind::http);
  CHECK(e.client == "127.0.0.1:50412");
  CHECK(e.session_key == "input:proxy");
  CHECK_FALSE(e.time.has_value());
  CHECK(e.time_is == time_quality::absent);
  CHECK(out.outcomes(line_outcome::used) == 1);
}

TEST_CASE("uvicorn: query strings are dropped from path, message and excerpt") {
  const auto out = uvicorn(
      {R"(INFO:     127.0.0.1:1 - "POST /v1/responses?api_key=sk-secret123&x=1 HTTP/1.1" 429 Too Many Requests)"});
  REQUIRE(out.events.size() == 1);
  CHECK(out.events[0].http.path == "/v1/responses");
  CHECK(out.events[0].http.status == 429);
  CHECK(out.events[0].message.find("sk-secret") == std::string::npos);
  CHECK(out.events[0].excerpt.find("sk-secret") == std::string::npos);
}

TEST_CASE("uvicorn: GET /responses answered 405 is Codex's WebSocket upgrade") {
  const auto out = uvicorn({
      "WARNING:  Unsupported upgrade request.",
      R"(INFO:     127.0.0.1:50412 - "GET /v1/responses HTTP/1.1" 405 Method Not Allowed)",
      R"(INFO:     127.0.0.1:50413 - "GET /v1/responses/resp_abc123 HTTP/1.1" 200 OK)",
  });
  REQUIRE(out.events.size() == 3);
  CHECK(out.events[0].kind == event_kind::warning);
  CHECK(out.events[0].error_class == "unsupported_upgrade");
  CHECK(out.events[1].kind == event_kind::ws_error);
  CHECK(out.events[1].http.status == 405);
  CHECK(out.events[1].http.method == "GET");
  CHECK(out.events[1].http.transport == transport_kind::websocket);
  // Retrieving a stored response is a real GET.
  CHECK(out.events[2].kind == event_kind::response);
  CHECK(out.events[2].http.transport == transport_kind::http);
}

TEST_CASE("uvicorn: WebSocket lines, old and new client forms, connection lines skipped") {
  const auto out = uvicorn({
      R"(INFO:     127.0.0.1:50412 - "WebSocket /v1/responses" 403)",
      "INFO:     connection rejected (403 Forbidden)",
      "INFO:     connection closed",
      R"(INFO:     172.17.0.1:52056 - "WebSocket /v1/responses?model=gpt-5" [accepted])",
      "INFO:     connection open",
      R"(INFO:     ('127.0.0.1', 12345) - "WebSocket /x" [accepted])",
  });
  REQUIRE(out.events.size() == 3);
  CHECK(out.events[0].kind == event_kind::ws_error);
  CHECK(out.events[0].http.status == 403);
  CHECK(out.events[0].http.method == "GET");
  CHECK(out.events[0].http.transport == transport_kind::websocket);
  CHECK(out.events[1].kind == event_kind::ws_connect);
  CHECK(out.events[1].http.path == "/v1/responses");
  CHECK(out.events[2].kind == event_kind::ws_connect);
  CHECK(out.events[2].client == "127.0.0.1:12345");
  CHECK(out.outcomes(line_outcome::skipped) == 3);
  CHECK(out.outcomes(line_outcome::malformed) == 0);
}

TEST_CASE("uvicorn: invalid HTTP request is a warning, start-up lines are skipped") {
  const auto out = uvicorn({
      "INFO:     Started server process [12]", "INFO:     Waiting for application startup.",
      "INFO:     Application startup complete.",
      "INFO:     Uvicorn running on http://0.0.0.0:4000 (Press CTRL+C to quit)",
      "WARNING:  Invalid HTTP request received.",
      "`WARNING:  Invalid HTTP request received.`",  // pasted as inline code (#29818)
  });
  REQUIRE(out.events.size() == 2);
  CHECK(out.events[0].kind == event_kind::warning);
  CHECK(out.events[0].error_class == "invalid_http_request");
  CHECK(out.events[1].error_class == "invalid_http_request");
  CHECK(out.outcomes(line_outcome::skipped) == 4);
  CHECK(formats::sniff_line("`WARNING:  Invalid HTTP request received.`") ==
        format_id::uvicorn_access);
}

TEST_CASE("uvicorn: an ASGI exception takes its traceback along") {
  const auto out = uvicorn({
      "ERROR:    Exception in ASGI application",
      "Traceback (most recent call last):",
      "  File \"/usr/lib/python3/site-packages/uvicorn/protocols/http/h11_impl.py\", line 403",
      "    result = await app(self.scope, self.receive, self.send)",
      "RuntimeError: boom",
      R"(INFO:     127.0.0.1:1 - "POST /v1/responses HTTP/1.1" 500 Internal Server Error)",
  });
  REQUIRE(out.events.size() == 2);
  CHECK(out.events[0].kind == event_kind::error);
  CHECK(out.events[1].http.status == 500);
  CHECK(out.outcomes(line_outcome::malformed) == 0);
}

TEST_CASE("uvicorn: malformed input") {
  std::string big = R"(INFO:     127.0.0.1:1 - "POST /)";
  big.append(1 << 20, 'a');
  big += R"( HTTP/1.1" 200 OK)";
  const auto out = uvicorn({
      "",
      std::string("\x01\x02\xff\xfe garbage\x00junk", 17),
      R"(INFO:     127.0.0.1:1 - "POST /v1/responses HTTP/1.1)",  // cut before the status
      R"(INFO:     127.0.0.1:1 - "POST /v1/r)"
      "\xff\xfe"
      R"(sponses HTTP/1.1" 200 OK)",
      big,
      "{",
  });
  REQUIRE(out.results.size() == 6);
  CHECK(out.results[0].outcome == line_outcome::skipped);
  CHECK(out.results[1].outcome == line_outcome::malformed);
  CHECK(out.results[2].outcome == line_outcome::malformed);
  CHECK(out.results[3].outcome == line_outcome::used);
  CHECK(out.results[4].outcome == line_outcome::used);
  CHECK(out.results[5].outcome == line_outcome::malformed);
  REQUIRE(out.events.size() == 2);
  CHECK(out.events[1].excerpt.size() <= normalize::excerpt_bytes + 4);
}

TEST_CASE("uvicorn: every line of the recorded samples is recognized") {
  int files = 0;
  for (const std::string& scenario : test::sample_dirs()) {
    const std::string path = scenario + "/proxy.log";
    if (!test::file_exists(path)) continue;
    ++files;
    std::vector<std::string> access;
    for (const std::string& line : test::file_lines(path)) {
      if (formats::sniff_line(line) == format_id::uvicorn_access) access.push_back(line);
    }
    const auto out = uvicorn(access);
    CHECK_MESSAGE(out.outcomes(line_outcome::malformed) == 0, scenario);
    CHECK(out.count(event_kind::response) + out.count(event_kind::ws_error) +
              out.count(event_kind::ws_connect) >
          0);
  }
  MESSAGE("sample files checked: " << files);
}

TEST_CASE("uvicorn: an excerpt leaves out every query, up to the space or quote after it") {
  // The byte-at-a-time rule the faster copy replaced, held to it on texts made of its edges.
  const auto reference = [](std::string_view line) {
    std::string out;
    for (std::size_t i = 0; i < line.size();) {
      if (line[i] == '?') {
        while (i < line.size() && line[i] != ' ' && line[i] != '"') ++i;
        continue;
      }
      out.push_back(line[i++]);
    }
    return out;
  };
  CHECK(normalize::detail::without_query(R"(GET /v1/responses?key=sk-1 HTTP/1.1" 403)") ==
        R"(GET /v1/responses HTTP/1.1" 403)");
  const std::string alphabet = "ab?? \"/=&";
  std::mt19937 random(5);
  for (int n = 0; n < 5000; ++n) {
    std::string text(random() % 40, ' ');
    for (char& c : text) c = alphabet[random() % alphabet.size()];
    CAPTURE(text);
    REQUIRE(normalize::detail::without_query(text) == reference(text));
  }
}

}  // namespace
}  // namespace loopscope
