// What Codex's error texts say about the transport failure behind them. Codex renders errors as
// prose ("unexpected status 405 Method Not Allowed: …, url: ws://…"); status, transport and path
// are read back out of that prose here. Message catalogue: codex-rs/protocol/src/error.rs
// (CodexErr, is_retryable) and codex-rs/codex-api/src/api_bridge.rs (map_api_error).
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "loopscope/core/event.hpp"

namespace loopscope::normalize::detail {

struct reconnecting_notice {
  int attempt = 0;
  int limit = 0;
  std::string details;  // the text in the trailing parentheses, if any
};

// "Reconnecting... 2/5 (details)" and the older "Re-connecting... 2/5".
std::optional<reconnecting_notice> parse_reconnecting(std::string_view message);

// Transport, method ("GET" for ws://) and path from a URL Codex printed; leaves `http` untouched
// when the text is not an http(s)/ws(s) URL.
void apply_codex_url(std::string_view url, http_facts& http);

// Fills status, transport, method and path, and the error class, from a Codex error text.
// Leaves fields it cannot tell untouched.
void classify_codex_error(std::string_view text, http_facts& http, std::string& error_class);

}  // namespace loopscope::normalize::detail
