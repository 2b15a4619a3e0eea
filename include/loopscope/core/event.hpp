// The normalized event: the one shape every parser's output is turned into. Nothing after the
// normalize stage sees a format's own field names.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "loopscope/core/format_id.hpp"
#include "loopscope/core/origin.hpp"
#include "loopscope/core/shared_text.hpp"
#include "loopscope/core/timestamp.hpp"

namespace loopscope {

enum class event_kind : unsigned char {
  session_start,  // a session (thread) begins or is resumed
  turn_start,
  turn_end,            // see event::outcome
  turn_error,          // the error that ended a turn (Codex gave up)
  request,             // a request seen by a proxy or sent by Codex
  response,            // a response status seen by a proxy
  request_attempt,     // one HTTP attempt of Codex's request layer
  ws_connect,          // a WebSocket upgrade attempt
  ws_error,            // a failed WebSocket upgrade or close
  transport_fallback,  // Codex switched from WebSocket to HTTP
  stream_retry,        // Codex's turn-level retry ("Reconnecting... n/N")
  proxy_retry,         // a LiteLLM router retry
  proxy_fallback,      // a LiteLLM model-group fallback
  proxy_error,         // an exception logged by the proxy
  tool_call,
  tool_output,
  web_search,
  agent_message,
  user_message,
  reasoning,
  token_count,
  compaction,  // the conversation was compacted
  warning,
  error,
  other,
};

std::string_view event_kind_name(event_kind kind);
std::optional<event_kind> event_kind_from_name(std::string_view name);

enum class transport_kind : unsigned char { unknown, http, websocket };
std::string_view transport_name(transport_kind transport);
std::optional<transport_kind> transport_from_name(std::string_view name);

enum class turn_outcome : unsigned char { none, completed, failed, aborted };

// Where in a response a failure happened, when the log says: a stream that failed after its 200
// answer looks like success in an access log.
enum class stream_phase : unsigned char { unknown, mid_stream };
std::string_view stream_phase_name(stream_phase phase);
std::optional<stream_phase> stream_phase_from_name(std::string_view name);
std::string_view turn_outcome_name(turn_outcome outcome);

struct http_facts {
  shared_text method;  // "GET", "POST"; empty when unknown
  shared_text path;    // "/v1/responses"
  int status = 0;      // 0 when unknown
  transport_kind transport = transport_kind::unknown;
};

// Every text is a shared_text: an event moves through several queues on its way to the rules, and
// most of its texts are empty or the same as the previous event's (ids, model, tool name).
struct event {
  event_kind kind = event_kind::other;
  format_id source = format_id::unknown;
  origin where;
  std::optional<timestamp> time;
  time_quality time_is = time_quality::absent;

  shared_text session_key;  // Codex thread id, or a per-input key for proxy logs
  shared_text turn_key;     // Codex turn id when the source names it
  shared_text request_id;   // x-client-request-id, litellm_call_id, …: joins proxy and client
  shared_text client;       // the proxy's view of the caller, "127.0.0.1:50412"

  http_facts http;
  int attempt = 0;        // n of "n/N"
  int attempt_limit = 0;  // N of "n/N"
  std::int64_t delay_ms = -1;

  shared_text model;
  shared_text model_group;
  // What the client said about itself (Codex session_meta): for the report's environment table.
  shared_text cli_version;
  shared_text originator;
  shared_text provider;
  shared_text error_class;    // e.g. "litellm.InternalServerError", "response_stream_disconnected"
  shared_text message;        // the human text, as written (redaction happens at output)
  shared_text text_template;  // message with numbers, ids and hex masked: what repeats compare

  shared_text tool_name;
  std::uint64_t arguments_hash = 0;  // hash of the canonical arguments; 0 when none
  std::uint64_t output_hash = 0;     // hash of the tool's output, for outcome-aware repeats

  turn_outcome outcome = turn_outcome::none;  // for turn_end
  stream_phase phase = stream_phase::unknown;
  std::int64_t tokens = -1;  // tokens reported by this event, -1 when none

  // The source line, cut to a bounded length: the evidence a report shows. Reports redact it.
  shared_text excerpt;
};

}  // namespace loopscope
