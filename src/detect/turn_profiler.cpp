#include "turn_profiler.hpp"

#include <algorithm>

#include "cause_resolver.hpp"
#include "finding_parts.hpp"
#include "loopscope/detect/interval_union.hpp"
#include "loopscope/detect/rule.hpp"

namespace loopscope::detect {
namespace {

// The events of the first lane, in order, that has any for which `wanted` holds: several logs
// see the same attempts, and each must be counted once.
template <typename Wanted>
std::vector<const event*> first_lane(const session::turn& t, std::initializer_list<lane> lanes,
                                     Wanted wanted) {
  for (const lane l : lanes) {
    std::vector<const event*> found;
    for (const event& e : t.events) {
      if (lane_of(e.source) == l && wanted(e)) found.push_back(&e);
    }
    if (!found.empty()) return found;
  }
  return {};
}

}  // namespace

turn_outcome outcome_of(const session::turn& t) {
  if (t.outcome != turn_outcome::none) return t.outcome;
  const event* last_request = nullptr;
  for (const event& e : t.events) {
    if (lane_of(e.source) != lane::proxy) return t.outcome;  // Codex's log says, or not
    // A log in no known format says nothing of turns: its last failed request is not a turn
    // given up (a one-off 401 is not a failed turn).
    if (e.source == format_id::generic) return t.outcome;
    const bool answered =
        e.kind == event_kind::request || (e.kind == event_kind::ws_error && e.http.status != 426);
    if (answered && e.http.status != 0) last_request = &e;
  }
  if (last_request != nullptr && last_request->http.status >= 400) return turn_outcome::failed;
  return t.outcome;
}

turn_profile profile_frame(const session::turn& t, turn_outcome outcome,
                           std::span<const finding> findings) {
  turn_profile p;
  p.failed = outcome == turn_outcome::failed;
  if (t.start && t.end) p.span_ms = (t.end->micros - t.start->micros) / 1000;
  interval_union loops;
  for (const finding& f : findings) loops.add(f.start, f.end);
  if (!loops.empty()) p.loop_ms = loops.total_ms(t.start, t.end);
  return p;
}

turn_profile profile_turn(const session::turn& t, std::span<const finding> findings) {
  turn_profile p = profile_frame(t, outcome_of(t), findings);

  // Codex's turn layer: "retrying sampling request (2/5 in 412ms)"; the counter restarts for each
  // sampling request, so attempts are the retries each request proved plus one per request.
  const auto http_retries =
      first_lane(t, {lane::trace, lane::exec, lane::rollout}, [](const event& e) {
        return e.kind == event_kind::stream_retry && e.http.transport != transport_kind::websocket;
      });
  int requests = 0, proven = 0, run_max = 0, previous = 0;
  for (const event* e : http_retries) {
    if (e->attempt <= previous || requests == 0) {
      proven += run_max;
      run_max = 0;
      ++requests;
    }
    run_max = std::max(run_max, std::max(e->attempt, 1));
    previous = e->attempt;
  }
  proven += run_max;
  if (requests > 0) p.sampling_attempts = proven + requests;

  // Announced waits of every retry (WebSocket phase too), from the first log that states them.
  const auto waits = first_lane(t, {lane::trace, lane::exec}, [](const event& e) {
    return e.kind == event_kind::stream_retry && e.delay_ms >= 0;
  });
  if (!waits.empty() && p.loop_ms >= 0) {
    std::int64_t ms = 0;
    for (const event* e : waits) ms += e->delay_ms;
    p.backoff_ms = std::min(ms, p.loop_ms);
  }

  p.websocket_attempts =
      static_cast<int>(first_lane(t, {lane::proxy, lane::trace}, [](const event& e) {
                         return e.kind == event_kind::ws_error && e.http.status != 426;
                       }).size());

  const auto posts = first_lane(t, {lane::proxy, lane::trace}, [](const event& e) {
    return (e.kind == event_kind::request && e.http.method == "POST") ||
           e.kind == event_kind::request_attempt;
  });
  p.posts = static_cast<int>(posts.size());
  p.failed_posts = static_cast<int>(std::count_if(posts.begin(), posts.end(), [](const event* e) {
    return e->http.status >= 400 || (e->http.status == 0 && !e->message.empty());
  }));

  router_retry_count router;
  for (const event& e : t.events) {
    if (lane_of(e.source) == lane::proxy) router.observe(e);
  }
  p.router_retries = router.total();
  return p;
}

}  // namespace loopscope::detect
