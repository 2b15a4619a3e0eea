#include "loopscope/core/event.hpp"

#include "loopscope/core/enum_names.hpp"

#include <array>
#include <utility>

namespace loopscope {
namespace {

// One table per enum, read both ways.
constexpr std::array<std::pair<event_kind, std::string_view>, 25> event_kind_names{{
    {event_kind::session_start, "session_start"},
    {event_kind::turn_start, "turn_start"},
    {event_kind::turn_end, "turn_end"},
    {event_kind::turn_error, "turn_error"},
    {event_kind::request, "request"},
    {event_kind::response, "response"},
    {event_kind::request_attempt, "request_attempt"},
    {event_kind::ws_connect, "ws_connect"},
    {event_kind::ws_error, "ws_error"},
    {event_kind::transport_fallback, "transport_fallback"},
    {event_kind::stream_retry, "stream_retry"},
    {event_kind::proxy_retry, "proxy_retry"},
    {event_kind::proxy_fallback, "proxy_fallback"},
    {event_kind::proxy_error, "proxy_error"},
    {event_kind::tool_call, "tool_call"},
    {event_kind::tool_output, "tool_output"},
    {event_kind::web_search, "web_search"},
    {event_kind::agent_message, "agent_message"},
    {event_kind::user_message, "user_message"},
    {event_kind::reasoning, "reasoning"},
    {event_kind::token_count, "token_count"},
    {event_kind::compaction, "compaction"},
    {event_kind::warning, "warning"},
    {event_kind::error, "error"},
    {event_kind::other, "other"},
}};
static_assert(event_kind_names.back().first == event_kind::other, "every event_kind is named");

constexpr std::array<std::pair<transport_kind, std::string_view>, 3> transport_names{{
    {transport_kind::unknown, "unknown"},
    {transport_kind::http, "http"},
    {transport_kind::websocket, "websocket"},
}};

constexpr std::array<std::pair<turn_outcome, std::string_view>, 4> outcome_names{{
    {turn_outcome::none, "open"},
    {turn_outcome::completed, "completed"},
    {turn_outcome::failed, "failed"},
    {turn_outcome::aborted, "aborted"},
}};

constexpr std::array<std::pair<stream_phase, std::string_view>, 2> phase_names{{
    {stream_phase::unknown, "unknown"},
    {stream_phase::mid_stream, "mid_stream"},
}};

}  // namespace

std::string_view event_kind_name(event_kind kind) {
  return name_in(event_kind_names, kind, "other");
}
std::optional<event_kind> event_kind_from_name(std::string_view name) {
  return value_in(event_kind_names, name);
}

std::string_view transport_name(transport_kind transport) {
  return name_in(transport_names, transport, "unknown");
}
std::optional<transport_kind> transport_from_name(std::string_view name) {
  return value_in(transport_names, name);
}

std::string_view stream_phase_name(stream_phase phase) {
  return name_in(phase_names, phase, "unknown");
}
std::optional<stream_phase> stream_phase_from_name(std::string_view name) {
  return value_in(phase_names, name);
}

std::string_view turn_outcome_name(turn_outcome outcome) {
  return name_in(outcome_names, outcome, "open");
}

}  // namespace loopscope
