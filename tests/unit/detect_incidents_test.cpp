// Incidents: grouping by cause, the amplification chain, honest time, and cause specificity.
#include <doctest/doctest.h>

#include <vector>

#include "loopscope/detect/incident.hpp"
#include "loopscope/detect/interval_union.hpp"

namespace ld = loopscope::detect;
using loopscope::timestamp;

namespace {

constexpr std::int64_t second = 1'000'000;

ld::finding make(ld::finding_kind kind, int turn, int status, std::int64_t from_s,
                 std::int64_t to_s) {
  ld::finding f;
  f.rule = ld::finding_kind_name(kind);  // one rule per kind is enough here
  f.kind = kind;
  f.level = ld::severity::error;
  f.session = std::string(1, 's');
  f.turn = turn;
  f.iterations = 1;
  f.start = timestamp{from_s * second};
  f.end = timestamp{to_s * second};
  if (status != 0) {
    ld::root_cause c;
    c.http.status = status;
    c.http.method = "POST";
    c.http.path = "/v1/responses";
    c.message = "POST /v1/responses 500 Internal Server Error";
    f.cause = c;
  }
  return f;
}

std::vector<ld::incident> incidents_of(const std::vector<ld::finding>& findings,
                                       const ld::session_bounds& bounds = {}) {
  std::vector<const ld::finding*> pointers;
  for (const ld::finding& f : findings) pointers.push_back(&f);
  return ld::build_incidents(pointers, bounds);
}

}  // namespace

TEST_CASE("interval union: overlaps count once, bounds cut") {
  ld::interval_union u;
  u.add(0, 10 * second);
  u.add(5 * second, 15 * second);   // overlaps
  u.add(20 * second, 30 * second);  // apart
  u.add(0, 2 * second);             // inside
  CHECK(u.total_ms() == 25'000);
  CHECK(u.total_ms(timestamp{12 * second}, timestamp{25 * second}) == 8'000);
  u.add(14 * second, 21 * second);  // bridges the two stretches
  CHECK(u.total_ms() == 30'000);
  u.add(40 * second, 39 * second);  // reversed: nothing
  CHECK(u.total_ms() == 30'000);
}

TEST_CASE("findings sharing a cause are one incident whose time is the union within the session") {
  std::vector<ld::finding> findings{
      make(ld::finding_kind::stream_retry, 1, 500, 3, 18),
      make(ld::finding_kind::request_retry, 1, 500, 0, 24),
      make(ld::finding_kind::turn_failure, 1, 500, 24, 24),
      make(ld::finding_kind::stream_retry, 2, 500, 30, 45),
      make(ld::finding_kind::request_retry, 2, 500, 27, 52),
  };
  // Every finding of a turn carries the turn's profile.
  ld::turn_profile first_turn;
  first_turn.sampling_attempts = 6;
  first_turn.failed_posts = 30;
  first_turn.router_retries = 60;
  first_turn.failed = true;
  for (int k = 0; k < 3; ++k) findings[k].profile = first_turn;
  const auto incidents = incidents_of(findings, {timestamp{0}, timestamp{50 * second}, 2});
  REQUIRE(incidents.size() == 1);
  const ld::incident& i = incidents.front();
  CHECK(i.members.size() == 5);
  CHECK(i.turns == std::vector<int>{1, 2});
  CHECK(i.failed_turns == std::vector<int>{1});
  CHECK(i.time_ms == 24'000 + 23'000);  // 0–24 and 27–50 (the session ends at 50)
  CHECK(i.amplification ==
        "6 sampling attempts × 5 requests = 30 POSTs per turn, × 3 LiteLLM calls each = 90 "
        "upstream calls");
  CHECK(i.upstream_calls_per_turn == 90);
  CHECK(findings[i.lead].kind == ld::finding_kind::request_retry);
  REQUIRE(!i.layers.empty());
  CHECK(i.layers.front().layer == ld::incident_layer::session_turns);
}

TEST_CASE("different causes stay apart and a causeless failure joins its turn's incident") {
  std::vector<ld::finding> findings{
      make(ld::finding_kind::transport_fallback, 1, 405, 0, 6),
      make(ld::finding_kind::request_retry, 2, 503, 10, 12),
      make(ld::finding_kind::turn_failure, 2, 0, 12, 12),
      make(ld::finding_kind::tool_repeat, 3, 0, 20, 25),
  };
  findings[0].cause->http.transport = loopscope::transport_kind::websocket;
  findings[0].cause->http.method = "GET";
  findings[3].level = ld::severity::warning;
  const auto incidents = incidents_of(findings);
  REQUIRE(incidents.size() == 3);
  std::size_t owned = 0;
  for (const ld::incident& i : incidents) owned += i.members.size();
  CHECK(owned == findings.size());
  for (const ld::incident& i : incidents) {
    if (i.cause && i.cause->http.status == 503) CHECK(i.members.size() == 2);
  }
  CHECK(incidents.back().level == ld::severity::warning);  // worst first
}

TEST_CASE("cause specificity: a body beats an access line and a 2xx is no cause") {
  ld::root_cause access;
  access.http = {"POST", "/v1/responses", 400, loopscope::transport_kind::http};
  access.message = "POST /v1/responses 400 Bad Request";
  ld::root_cause body = access;
  body.message = R"({"error": {"message": "Unsupported parameter: 'reasoning'", "code": "400"}})";
  body.error_class = "litellm.BadRequestError";
  CHECK(ld::cause_specificity(body) > ld::cause_specificity(access));
  ld::root_cause ok = access;
  ok.http.status = 200;
  CHECK(ld::cause_specificity(ok) == 0);
  ld::root_cause bare;
  bare.http.status = 500;
  bare.message = "http 500";
  ld::root_cause none;
  none.message = "stream disconnected before completion: idle timeout waiting for SSE";
  CHECK(ld::cause_specificity(bare) > ld::cause_specificity(none));
  CHECK(ld::cause_specificity(none) > 0);
}
