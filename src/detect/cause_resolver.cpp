#include "cause_resolver.hpp"

#include <algorithm>
#include <functional>
#include <map>

#include <re2/re2.h>

#include "loopscope/detect/incident.hpp"
#include "loopscope/detect/retry_policy.hpp"

namespace loopscope::detect {
namespace {

constexpr std::int64_t stamp_tolerance_micros = 1'000'000;  // proxy stamps have whole seconds

// The candidate of one lane, by the rule's pick.
const event* pick_in_lane(const rule& r, const std::vector<const event*>& candidates,
                          bool loop_timed, std::int64_t loop_start) {
  const event* chosen = candidates.front();
  switch (r.cause.pick) {
    case cause_pick::first:
      break;
    case cause_pick::last:
      chosen = candidates.back();
      break;
    case cause_pick::last_before_loop:
      if (loop_timed) {
        for (const event* c : candidates) {
          if (c->time && c->time->micros <= loop_start + stamp_tolerance_micros) chosen = c;
        }
      }
      break;
    case cause_pick::most_common: {
      std::map<int, std::size_t> counts;
      for (const event* c : candidates) ++counts[c->http.status];
      std::size_t best = 0;
      for (const auto& [status, n] : counts) best = std::max(best, n);
      for (auto it = candidates.rbegin(); it != candidates.rend(); ++it) {
        if (counts[(*it)->http.status] == best) chosen = *it;  // ties: the earliest
      }
      break;
    }
  }
  return chosen;
}

// Method, path and transport the chosen cause does not know, from another witness of the same
// failure (the access line of the POST whose error body Codex logged).
void complete_from(root_cause& cause, const root_cause& other) {
  if (cause.http.status != 0 && other.http.status != cause.http.status) return;
  if (cause.http.status == 0 && other.http.status != 0) return;
  if (cause.http.method.empty()) cause.http.method = other.http.method;
  if (cause.http.path.empty()) cause.http.path = other.http.path;
  if (cause.http.transport == transport_kind::unknown) cause.http.transport = other.http.transport;
  if (cause.error_class.empty()) cause.error_class = other.error_class;
}

// An error body in the message says what the status line did not: LiteLLM's JSON error
// (`"code": "400"`, `litellm.BadRequestError`) inside Codex's text when only Codex's log is read.
void read_error_body(root_cause& cause) {
  if (cause.message.empty()) return;
  if (cause.http.status == 0) {
    static const RE2 code(R"re("code"\s*:\s*"?([1-5][0-9][0-9])\b)re");
    int status = 0;
    if (RE2::PartialMatch(cause.message, code, &status) && !is_success_status(status)) {
      cause.http.status = status;
    }
  }
  if (cause.error_class.empty()) {
    static const RE2 litellm_class(R"re(\b(litellm\.[A-Za-z]+Error)\b)re");
    std::string error_class;
    if (RE2::PartialMatch(cause.message, litellm_class, &error_class)) {
      cause.error_class = error_class;
    }
  }
}

void judge(root_cause& cause) {
  cause.is_retriable = http_semantics_retriable(cause.http.status, cause.error_class);
  cause.codex_request_layer = codex_request_layer_retries(cause.http.status, cause.error_class);
  cause.codex_turn_layer = codex_turn_layer_retries(cause.http.status, cause.error_class);
  cause.litellm_router = litellm_router_retries(cause.http.status, cause.error_class);
}

}  // namespace

bool names_failure(const event& e) {
  if (e.http.status != 0) return !is_success_status(e.http.status);
  return !e.error_class.empty() || !e.message.empty();
}

root_cause cause_of(const event& e) {
  root_cause cause;
  cause.source = lane_of(e.source) == lane::proxy ? cause_source::proxy : cause_source::codex;
  cause.http = e.http;
  cause.error_class = e.error_class;
  cause.message = e.message;
  read_error_body(cause);
  judge(cause);
  return cause;
}

void judge_turn_layer(root_cause& cause, std::string_view cli_version,
                      const std::function<bool(int status)>& retried_in_turn) {
  cause.codex_turn_layer =
      codex_turn_layer_retries(cause.http.status, cause.error_class, cli_version);
  if (cause.codex_turn_layer != retriable::unknown || cause.http.status == 0) return;
  if (retried_in_turn(cause.http.status)) cause.codex_turn_layer = retriable::yes;
}

root_cause combine_lane_causes(const std::vector<root_cause>& found) {
  // The most specific witness; on a tie, the rule's lane order.
  std::size_t best = 0;
  for (std::size_t k = 1; k < found.size(); ++k) {
    if (cause_specificity(found[k]) > cause_specificity(found[best])) best = k;
  }
  root_cause cause = found[best];
  for (std::size_t k = 0; k < found.size(); ++k) {
    if (k != best) complete_from(cause, found[k]);
  }
  judge(cause);
  return cause;
}

namespace {

// Issue 15: whether Codex's turn loop retries the cause depends on the release (429: not up to
// 0.145, yes from 0.171). The release is the one the turn's rollout lines name; without one,
// what the log shows decides: turn-level retries of that status mean yes.
void judge_turn_layer(root_cause& cause, const session::turn& t) {
  std::string_view version;
  for (const event& e : t.events) {
    if (!e.cli_version.empty()) {
      version = e.cli_version;
      break;
    }
  }
  judge_turn_layer(cause, version, [&](int status) {
    return std::any_of(t.events.begin(), t.events.end(), [&](const event& e) {
      return e.kind == event_kind::stream_retry && e.http.status == status;
    });
  });
}

std::optional<root_cause> find_cause_in_turn(const rule& r, const session::turn& t,
                                             const std::vector<const event*>& loop);

}  // namespace

std::optional<root_cause> find_cause(const rule& r, const session::turn& t,
                                     const std::vector<const event*>& loop) {
  std::optional<root_cause> cause = find_cause_in_turn(r, t, loop);
  if (cause) judge_turn_layer(*cause, t);
  return cause;
}

namespace {

std::optional<root_cause> find_cause_in_turn(const rule& r, const session::turn& t,
                                             const std::vector<const event*>& loop) {
  const bool loop_timed = !loop.empty() && loop.front()->time.has_value();
  const std::int64_t loop_start = loop_timed ? loop.front()->time->micros : 0;
  // What the loop's own lines say failed ("unexpected status 503"): a candidate with that status
  // is the better witness when stamps of whole seconds cannot order the lines. Any Codex-side log
  // of the turn may name it (exec's "Reconnecting… (unexpected status 503…)" when the trace's
  // retry lines do not).
  int named_status = 0;
  if (!loop.empty()) {
    for (const event& e : t.events) {
      if (e.kind == loop.front()->kind && lane_of(e.source) != lane::proxy && e.http.status != 0 &&
          !is_success_status(e.http.status)) {
        named_status = e.http.status;
      }
    }
  }
  std::vector<root_cause> found;  // one per lane that has a candidate, in the rule's order
  for (const auto& [l, filter] : r.cause.lanes) {
    std::vector<const event*> candidates;
    for (const event& e : t.events) {
      if (lane_of(e.source) == l && matches(filter, e) && names_failure(e)) {
        candidates.push_back(&e);
      }
    }
    if (candidates.empty()) continue;
    if (named_status != 0) {
      std::vector<const event*> agreeing;
      for (const event* c : candidates) {
        if (c->http.status == named_status) agreeing.push_back(c);
      }
      if (!agreeing.empty()) candidates = std::move(agreeing);
    }
    found.push_back(cause_of(*pick_in_lane(r, candidates, loop_timed, loop_start)));
  }
  if (found.empty()) {
    // No lane names a cause: the loop's own events may say what failed.
    for (auto it = loop.rbegin(); it != loop.rend(); ++it) {
      if ((*it)->http.status != 0 && is_success_status((*it)->http.status)) continue;
      if ((*it)->http.status != 0 || !(*it)->error_class.empty()) return cause_of(**it);
    }
    return std::nullopt;
  }
  return combine_lane_causes(found);
}

}  // namespace

}  // namespace loopscope::detect
