// Rule tests are bound to their field at load and compare integers and string views: each must
// still answer as the field's text would (field_value), number fields included.
#include <doctest/doctest.h>

#include "loopscope/detect/rule.hpp"
#include "rule_text.hpp"

using namespace loopscope;

namespace {

// The match filter of a one-rule pack whose match is `match`.
detect::event_filter filter_of(const std::string& match) {
  const auto rules = testing::rules_from(R"(
rules:
  - id: m.test
    kind: turn_failure
    detect: {mode: failed_turn}
    match: )" + match + "\n");
  REQUIRE(rules->size() == 1);
  return rules->front().match;
}

bool matches(const std::string& match, const event& e) {
  return detect::matches(filter_of(match), e);
}

}  // namespace

TEST_CASE("number fields compare as the integer's text would") {
  event e;
  e.kind = event_kind::response;
  e.http.status = 405;
  e.attempt = 2;
  e.delay_ms = 0;  // present: 0 is a delay
  CHECK(matches("{status: 405}", e));
  CHECK(matches("{status: [400, 405]}", e));
  CHECK_FALSE(matches("{status: 404}", e));
  CHECK_FALSE(matches("{status: '0405'}", e));  // not the text "405"
  CHECK(matches("{'status|not': [400, 426]}", e));
  CHECK_FALSE(matches("{'status|not': 405}", e));
  CHECK(matches("{status: '>=400'}", e));
  CHECK_FALSE(matches("{status: '<405'}", e));
  CHECK(matches("{'status|re': '^40'}", e));
  CHECK_FALSE(matches("{'status|re': '^5'}", e));
  CHECK(matches("{'delay_ms|exists': true}", e));
  CHECK(matches("{delay_ms: 0}", e));
  CHECK(matches("{'attempt_limit|exists': false}", e));  // 0: unknown
  CHECK_FALSE(matches("{attempt_limit: '>=0'}", e));     // absent fails a comparison
  CHECK(matches("{'attempt_limit|not': 3}", e));         // and passes a negation
  CHECK(matches("{kind: response, attempt: 2}", e));
  CHECK(detect::field_value(e, "status") == "405");
  CHECK(detect::field_value(e, "delay_ms") == "0");
  CHECK_FALSE(detect::field_value(e, "tokens").has_value());
}

TEST_CASE("text fields compare in place, absent when empty") {
  event e;
  e.kind = event_kind::tool_call;
  e.source = format_id::codex_rollout;
  e.tool_name = "shell";
  e.message = "1.5";
  CHECK(matches("{kind: [tool_output, tool_call], tool: shell}", e));
  CHECK(matches("{lane: rollout}", e));
  CHECK(matches("{lane: [proxy, rollout]}", e));
  CHECK(matches("{'kind|not': [tool_output, no_such_kind]}", e));
  CHECK_FALSE(matches("{kind: no_such_kind}", e));
  CHECK_FALSE(matches("{'lane|not': rollout}", e));
  CHECK(matches("{'kind|re': '^tool_'}", e));
  CHECK_FALSE(matches("{lane: proxy}", e));
  CHECK(matches("{'model|exists': false}", e));
  CHECK_FALSE(matches("{model: ''}", e));
  CHECK(matches("{message: '>1'}", e));  // a numeric comparison on text parses it
  CHECK_FALSE(matches("{tool: '>1'}", e));
  CHECK(matches("{'tool|re': '^sh'}", e));
  CHECK_FALSE(matches("{'outcome|exists': true}", e));
  CHECK(detect::field_value(e, "tool") == "shell");
  CHECK_FALSE(detect::field_value(e, "no_such_field").has_value());
}

// The kinds a filter can match are bound at load (event_filter::possible_kinds) and tested first:
// for an event of every kind, in every shape of filter, the answer must be the one the tests give
// without that bound.
TEST_CASE("the kinds bound at load answer as the filter's tests do, for every kind") {
  const std::vector<std::string> shapes{
      "{kind: proxy_retry}",
      "{kind: [request, response], status: '>=400'}",
      "{'kind|not': [tool_call, tool_output]}",
      "{'kind|re': '^proxy_'}",
      "{status: 500}",
      "{a: {kind: proxy_retry}, b: {kind: request, status: 500}, condition: a or b}",
      "{a: {kind: proxy_retry}, b: {status: 500}, condition: a and not b}",
      "{a: {kind: proxy_retry}, b: {kind: request}, condition: not a}",
      "{a: {kind: proxy_retry}, b: {kind: request}, condition: a and b}",
  };
  for (const std::string& shape : shapes) {
    CAPTURE(shape);
    const detect::event_filter bound = filter_of(shape);
    detect::event_filter unbound = bound;
    unbound.possible_kinds = ~std::uint32_t{0};
    for (unsigned k = 0; k <= static_cast<unsigned>(event_kind::other); ++k) {
      for (const int status : {0, 500}) {
        event e;
        e.kind = static_cast<event_kind>(k);
        e.http.status = status;
        CAPTURE(k);
        CAPTURE(status);
        CHECK(detect::matches(bound, e) == detect::matches(unbound, e));
      }
    }
  }
  // And the bound narrows: a filter on one kind admits that kind only, `a and b` on two kinds none.
  CHECK(filter_of("{kind: proxy_retry}").possible_kinds ==
        detect::kind_bit(event_kind::proxy_retry));
  CHECK(filter_of("{a: {kind: proxy_retry}, b: {kind: request}, condition: a and b}")
            .possible_kinds == 0);
  CHECK(filter_of("{'kind|not': proxy_retry}").possible_kinds ==
        ~detect::kind_bit(event_kind::proxy_retry));
}
