#include "loopscope/core/event.hpp"

namespace loopscope {

std::string_view event_kind_name(event_kind kind) {
  switch (kind) {
    case event_kind::session_start:
      return "session_start";
    case event_kind::turn_start:
      return "turn_start";
    case event_kind::turn_end:
      return "turn_end";
    case event_kind::turn_error:
      return "turn_error";
    case event_kind::request:
      return "request";
    case event_kind::response:
      return "response";
    case event_kind::request_attempt:
      return "request_attempt";
    case event_kind::ws_connect:
      return "ws_connect";
    case event_kind::ws_error:
      return "ws_error";
    case event_kind::transport_fallback:
      return "transport_fallback";
    case event_kind::stream_retry:
      return "stream_retry";
    case event_kind::proxy_retry:
      return "proxy_retry";
    case event_kind::proxy_fallback:
      return "proxy_fallback";
    case event_kind::proxy_error:
      return "proxy_error";
    case event_kind::tool_call:
      return "tool_call";
    case event_kind::tool_output:
      return "tool_output";
    case event_kind::web_search:
      return "web_search";
    case event_kind::agent_message:
      return "agent_message";
    case event_kind::user_message:
      return "user_message";
    case event_kind::reasoning:
      return "reasoning";
    case event_kind::token_count:
      return "token_count";
    case event_kind::compaction:
      return "compaction";
    case event_kind::warning:
      return "warning";
    case event_kind::error:
      return "error";
    case event_kind::other:
      return "other";
  }
  return "other";
}

std::string_view transport_name(transport_kind transport) {
  switch (transport) {
    case transport_kind::unknown:
      return "unknown";
    case transport_kind::http:
      return "http";
    case transport_kind::websocket:
      return "websocket";
  }
  return "unknown";
}

std::string_view turn_outcome_name(turn_outcome outcome) {
  switch (outcome) {
    case turn_outcome::none:
      return "open";
    case turn_outcome::completed:
      return "completed";
    case turn_outcome::failed:
      return "failed";
    case turn_outcome::aborted:
      return "aborted";
  }
  return "open";
}

}  // namespace loopscope
