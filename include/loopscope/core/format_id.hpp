// The input formats loopscope knows. The registry (formats/registry.hpp) holds each format's name,
// role and the rest, as data; the ids below are the formats whose decoders are C++ and that code
// refers to. Formats defined only by data (a user's --formats file) get ids from
// first_data_format on.
#pragma once

namespace loopscope {

enum class format_id : unsigned char {
  unknown,
  codex_rollout,      // $CODEX_HOME/sessions/**/rollout-*.jsonl
  codex_exec_jsonl,   // stdout of `codex exec --json`
  codex_trace,        // codex-tui.log or `codex exec` stderr with RUST_LOG
  codex_exec_stderr,  // human `codex exec` stderr ("ERROR: Reconnecting... 1/5")
  litellm_text,       // "HH:MM:SS - LiteLLM Router:INFO: router.py:N - …"
  litellm_json,       // JSON_LOGS=true
  uvicorn_access,     // "INFO:     127.0.0.1:5 - \"POST /v1/responses HTTP/1.1\" 200 OK"
  generic,            // lines in no known format that read as HTTP exchanges, retries, errors
};

inline constexpr unsigned first_data_format = 32;
inline constexpr unsigned max_formats = 255;

}  // namespace loopscope
