// The input formats loopscope knows, by their stable report names.
#pragma once

#include <optional>
#include <span>
#include <string_view>

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
};

// Stable identifiers used in reports and by --input-format: "codex-rollout", "unknown", …
std::string_view format_name(format_id id);
std::optional<format_id> format_from_name(std::string_view name);
std::span<const format_id> all_formats();  // every format but `unknown`

}  // namespace loopscope
