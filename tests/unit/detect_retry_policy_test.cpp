// Which Codex retry layer retries what, by release (issue 15): the table behind root causes.
#include <doctest/doctest.h>

#include "loopscope/detect/retry_policy.hpp"

namespace loopscope::detect {
namespace {

TEST_CASE("the turn-level loop retries 429 from Codex 0.171, not up to 0.145") {
  // Recorded: samples/codex-0.121.0|0.145.0/http-429 fail at once, codex-0.171.0 retries 5 times.
  CHECK(codex_turn_layer_retries(429, "", "0.121.0") == retriable::no);
  CHECK(codex_turn_layer_retries(429, "", "0.145.0") == retriable::no);
  CHECK(codex_turn_layer_retries(429, "", "0.171.0") == retriable::yes);
  CHECK(codex_turn_layer_retries(429, "", "0.180.2") == retriable::yes);
  CHECK(codex_turn_layer_retries(429, "", "0.99.0") == retriable::no);
  // Between the recorded releases, and without a version, the log has to tell.
  CHECK(codex_turn_layer_retries(429, "", "0.160.0") == retriable::unknown);
  CHECK(codex_turn_layer_retries(429, "", "") == retriable::unknown);
  CHECK(codex_turn_layer_retries(429, "", "garbage") == retriable::no);  // parses as 0.0.0
}

TEST_CASE("statuses whose handling did not change are judged the same in every release") {
  for (const char* version : {"", "0.121.0", "0.171.0"}) {
    CAPTURE(version);
    CHECK(codex_turn_layer_retries(500, "", version) == retriable::yes);
    CHECK(codex_turn_layer_retries(405, "", version) == retriable::yes);
    CHECK(codex_turn_layer_retries(400, "", version) == retriable::no);
    CHECK(codex_turn_layer_retries(503, "ServerOverloaded", version) == retriable::no);
    CHECK(codex_turn_layer_retries(0, "response_stream_disconnected", version) == retriable::yes);
  }
}

}  // namespace
}  // namespace loopscope::detect
