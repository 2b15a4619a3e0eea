#include "loopscope/core/format_id.hpp"

#include <array>

namespace loopscope {
namespace {

constexpr std::array known_formats{
    format_id::codex_rollout,     format_id::codex_exec_jsonl, format_id::codex_trace,
    format_id::codex_exec_stderr, format_id::litellm_text,     format_id::litellm_json,
    format_id::uvicorn_access,
};

}  // namespace

std::string_view format_name(format_id id) {
  switch (id) {
    case format_id::unknown:
      return "unknown";
    case format_id::codex_rollout:
      return "codex-rollout";
    case format_id::codex_exec_jsonl:
      return "codex-exec-jsonl";
    case format_id::codex_trace:
      return "codex-trace";
    case format_id::codex_exec_stderr:
      return "codex-exec-stderr";
    case format_id::litellm_text:
      return "litellm-text";
    case format_id::litellm_json:
      return "litellm-json";
    case format_id::uvicorn_access:
      return "uvicorn-access";
  }
  return "unknown";
}

std::optional<format_id> format_from_name(std::string_view name) {
  if (name == "unknown") return format_id::unknown;
  for (const format_id id : known_formats) {
    if (format_name(id) == name) return id;
  }
  return std::nullopt;
}

std::span<const format_id> all_formats() {
  return known_formats;
}

}  // namespace loopscope
