#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "loopscope/report/redact.hpp"

using loopscope::report::redact;

TEST_CASE("every kind of secret is removed") {
  const std::vector<std::string> secrets{
      "sk-loopscope-fake-0123456789abcdef",
      "sk-proj-AbCdEf0123456789AbCdEf0123456789",
      "sk-ant-api03-AbCdEf0123456789_xyz",
      "ghp_0123456789abcdefABCDEF0123456789abcd",
      "github_pat_11ABCDEFG0123456789_abcdefghijklmnopqrstuvwxyz",
      "AKIAIOSFODNN7EXAMPLE",
      "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U",
      "s3cr3t-cookie-value",
      "tok3n-in-query",
      "plain-api-key-value-123",
  };
  const std::vector<std::string> carriers{
      "authorization: Bearer " + secrets[0],
      "{'Authorization': 'Bearer " + secrets[1] + "', 'x': 1}",
      "\"x-api-key\":\"" + secrets[2] + "\"",
      "token " + secrets[3] + " leaked",
      "GITHUB_TOKEN=" + secrets[4],
      "aws " + secrets[5],
      "jwt=" + secrets[6],
      "Cookie: session=" + secrets[7],
      "GET /v1/responses?model=gpt-5&token=" + secrets[8] + " HTTP/1.1",
      "'api_key': '" + secrets[9] + "'",
  };
  for (std::size_t i = 0; i < carriers.size(); ++i) {
    CAPTURE(carriers[i]);
    const std::string cleaned = redact(carriers[i]);
    CHECK(cleaned.find(secrets[i]) == std::string::npos);
    CHECK(cleaned.find("[REDACTED]") != std::string::npos);
  }
}

TEST_CASE("ordinary log text is left alone") {
  const std::string line =
      "2026-11-29T01:07:35.993860Z ERROR codex_api::endpoint::responses_websocket: failed to "
      "connect to websocket: HTTP error: 405 Method Not Allowed, url: ws://127.0.0.1:8765/v1/responses";
  CHECK(redact(line) == line);
  CHECK(redact("Reconnecting... 2/5 (task-runner)") == "Reconnecting... 2/5 (task-runner)");
  CHECK(redact("GET /v1/responses?model=gpt-5") == "GET /v1/responses?model=gpt-5");
}
