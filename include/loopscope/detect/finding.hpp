// Findings: what the detector concluded about a turn, with its cause and evidence.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "loopscope/core/event.hpp"

namespace loopscope::detect {

enum class finding_kind : unsigned char {
  transport_fallback,
  stream_retry,
  request_retry,
  proxy_retry,
  proxy_fallback,
  tool_repeat,
  web_search_repeat,
  monologue,
  error_repeat,
  turn_failure,
};
std::string_view finding_kind_name(finding_kind kind);

enum class severity : unsigned char { info, warning, error };
std::string_view severity_name(severity level);
std::optional<severity> severity_from_name(std::string_view name);

enum class cause_source : unsigned char { codex, proxy, model };
std::string_view cause_source_name(cause_source source);

// Whether the failing status is worth retrying, by the rules of the layer that saw it.
enum class retriable : unsigned char { unknown, yes, no };

struct root_cause {
  cause_source source = cause_source::codex;
  http_facts http;
  std::string error_class;
  std::string message;
  retriable is_retriable = retriable::unknown;  // worth retrying, by HTTP semantics
  // What each retry layer does with this failure (retry_policy.hpp): a layer that retries what
  // is not retriable makes a loop out of an error.
  retriable codex_request_layer = retriable::unknown;
  retriable codex_turn_layer = retriable::unknown;
  retriable litellm_router = retriable::unknown;
};

struct evidence_line {
  origin where;
  std::string text;               // an excerpt of the line, not yet redacted
  std::optional<timestamp> time;  // the event's, for drawing lines of several logs in time order
};

// The turn's transition graph in the lane the finding was seen in, for drawing: nodes are masked
// signatures, edges observed transitions with their counts. Bounded (the most visited nodes).
struct graph_sketch {
  std::vector<std::string> nodes;
  struct edge {
    std::size_t from = 0;
    std::size_t to = 0;
    std::uint64_t count = 0;
  };
  std::vector<edge> edges;
};

// What one turn cost and how its attempts multiplied, measured by the engine from the turn's
// events; every turn-level finding of the turn carries the same profile, and incidents read it.
// Times are -1 when the logs give none (codex exec --json has no stamps).
struct turn_profile {
  std::int64_t span_ms = -1;     // the turn, first to last event
  std::int64_t loop_ms = -1;     // the union of the turn's findings' intervals, within the span
  std::int64_t backoff_ms = -1;  // Codex's announced waits before its retries, within loop_ms
  int websocket_attempts = 0;    // WebSocket upgrades that failed or were cut
  // Codex's turn layer over HTTP: the sampling attempts (retries + 1, per sampling request).
  int sampling_attempts = 0;
  int posts = 0;           // POSTs of the turn (proxy access log, else Codex's api_request events)
  int failed_posts = 0;    // of them, answered >= 400 or failed without a status
  int router_retries = 0;  // LiteLLM router retries logged by the proxy
  bool failed = false;     // the turn failed

  // Time inside the loops that was not an announced wait: in failing requests and streams.
  std::int64_t failing_ms() const {
    if (loop_ms < 0) return -1;
    return loop_ms - (backoff_ms > 0 ? backoff_ms : 0);
  }
  // The turn's time outside its loops.
  std::int64_t other_ms() const {
    if (span_ms < 0 || loop_ms < 0) return -1;
    return span_ms - loop_ms;
  }
};

struct finding {
  std::string rule;  // e.g. "codex.stream-retry"
  finding_kind kind = finding_kind::stream_retry;
  severity level = severity::info;
  std::string session;
  int turn = 0;  // 1-based turn position; 0 for session-level findings
  std::string turn_id;
  int iterations = 0;
  std::optional<timestamp> start;
  std::optional<timestamp> end;
  std::vector<std::string> cycle;  // node signatures of the repeated walk
  graph_sketch turn_graph;         // what else happened in the turn, around the cycle
  std::optional<root_cause> cause;
  std::vector<evidence_line> evidence;
  std::size_t evidence_omitted = 0;  // lines of the loop past the evidence cap ("+N more")
  std::string summary;
  std::string advice;
  std::int64_t tokens = -1;  // tokens spent inside the loop, when known
  // The same loop in consecutive turns of the session (the turns' signatures repeat): turn
  // numbers, this one included; empty when it happened once.
  std::vector<int> recurs_in_turns;
  // The rule's headline for the cause, filled ("The proxy refuses the WebSocket upgrade (GET
  // /v1/responses → 405)"): the start of the verdict sentence when this finding leads an incident.
  std::string headline;
  std::optional<turn_profile> profile;  // turn-level findings

  std::optional<std::int64_t> duration_ms() const {
    if (!start || !end) return std::nullopt;
    return (end->micros - start->micros) / 1000;
  }
};

}  // namespace loopscope::detect
