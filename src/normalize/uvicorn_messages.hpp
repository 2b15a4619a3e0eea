// uvicorn's messages (uvicorn's logger uvicorn.access (uvicorn/protocols/http/h11_impl.py) and its
// WebSocket lines on uvicorn.error): access lines, WebSocket lines and the few warnings that
// matter. The plain uvicorn format and LiteLLM's JSON_LOGS records of component "uvicorn.access" /
// "uvicorn.error" carry the same message text.
#pragma once

#include <string>
#include <string_view>

#include "loopscope/core/event.hpp"

namespace loopscope::normalize::detail {

enum class uvicorn_outcome : unsigned char { event, skipped, malformed };

// Decodes a message (what follows "INFO:     "): fills kind, http, client, error_class and
// message of `e`; its text_template is made as it is delivered (on_event_masking_message).
// Query strings are dropped everywhere: they can hold keys.
uvicorn_outcome decode_uvicorn_message(std::string_view message, event& e);

// The line without its query string ("/v1/responses?key=…" → "/v1/responses"), for the excerpt.
std::string without_query(std::string_view line);

// A line pasted as markdown inline code ("`WARNING:  Invalid HTTP request received.`") without
// the backticks.
std::string_view unwrap_inline_code(std::string_view line);

}  // namespace loopscope::normalize::detail
