// Incidents: the findings of one session that share a root cause, told as one story (the model:
// Sentry groups events into one issue by fingerprint; Alertmanager's inhibition keeps a symptom
// from paging beside its cause). A failing upstream is one incident, not a stream retry, a
// request retry, a turn failure and an error repeat each with the same cause line.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "loopscope/detect/finding.hpp"

namespace loopscope::detect {

// One retry layer of the incident, outermost first: the same incident turn after turn, Codex's
// WebSocket attempts before the HTTP fallback, Codex's turn layer (sampling attempts), its request
// layer (POSTs per attempt), LiteLLM's router under it; or the agent repeating itself.
enum class incident_layer : unsigned char {
  session_turns,
  codex_websocket,
  codex_turn,
  codex_request,
  litellm_router,
  proxy_fallback,
  agent,
  turn_outcome,
};
std::string_view incident_layer_name(incident_layer layer);

struct layer_entry {
  incident_layer layer = incident_layer::codex_turn;
  int per_turn = 0;  // attempts at this layer in the worst turn (turns, for session_turns)
  std::string what;  // "sampling attempts", "POSTs per attempt", …
};

// Per affected turn: why it took as long as it did.
struct turn_time {
  int turn = 0;
  std::int64_t span_ms = -1;
  std::int64_t backoff_ms = -1;  // Codex's announced waits before retries
  std::int64_t failing_ms = -1;  // in the loops, outside those waits: failing requests, streams
  std::int64_t other_ms = -1;    // the rest of the turn
  bool failed = false;
};

struct incident {
  std::string key;  // the cause's fingerprint within the session
  std::string session;
  severity level = severity::info;
  std::optional<root_cause> cause;    // the most specific cause its findings name
  std::vector<std::size_t> members;   // positions of its findings in the list given
  std::size_t lead = 0;               // the member whose rule tells the story (a position)
  std::vector<int> turns;             // turns touched, in order
  std::vector<int> failed_turns;      // of them, turns that failed
  std::vector<layer_entry> layers;    // outermost first
  std::string amplification;          // "6 sampling attempts × 5 requests = 30 POSTs per turn"
  int upstream_calls_per_turn = 0;    // in the worst turn; 0 when the logs do not show
  std::int64_t time_ms = -1;          // union of its findings' intervals, within the session
  std::vector<turn_time> turn_times;  // per turn touched, where the logs give times
  std::string verdict;                // one sentence, with its fix
  std::string advice;
};

// How specific a cause is: a status from an error body with its class and message beats an
// access-log line; a status beats none; a 2xx is no cause at all (0). Adding logs must never
// lower the score of what a report names.
int cause_specificity(const root_cause& cause);

// What the session itself says: its span bounds an incident's time; its turns tell "every turn".
struct session_bounds {
  std::optional<timestamp> start;
  std::optional<timestamp> end;
  std::size_t turns = 0;
};

// The session's findings grouped into incidents, worst first (severity, failed turns, time).
std::vector<incident> build_incidents(std::span<const finding* const> findings,
                                      const session_bounds& bounds);

}  // namespace loopscope::detect
