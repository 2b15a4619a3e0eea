// Which failures each retry layer retries: the table root causes are judged against.
// Source: openai/codex codex-rs/protocol/src/error.rs `is_retryable` (0.121), the recorded
// samples/codex-<version>/ (later releases) and LiteLLM's router (litellm._should_retry).
#pragma once

#include <string_view>

#include "loopscope/detect/finding.hpp"

namespace loopscope::detect {

// Codex's turn-level loop (stream_max_retries): CodexErr::is_retryable, for the release the
// logs name (session_meta's cli_version; empty when unknown). 429 is retried from 0.171 on, not
// up to 0.145; `unknown` where releases differ and the version is unknown or unrecorded.
retriable codex_turn_layer_retries(int status, std::string_view error_class,
                                   std::string_view cli_version = {});

// Codex's request layer (request_max_retries): 5xx and transport failures, never a 4xx.
retriable codex_request_layer_retries(int status, std::string_view error_class);

// LiteLLM's router (litellm._should_retry): 408, 409, 429 and 5xx; not other 4xx.
retriable litellm_router_retries(int status, std::string_view error_class);

// Whether the status is worth retrying by HTTP semantics (what a well-behaved client does):
// 408, 429, 5xx and transport failures yes; other 4xx no.
retriable http_semantics_retriable(int status, std::string_view error_class);

}  // namespace loopscope::detect
