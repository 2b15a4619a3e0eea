#include "loopscope/normalize/normalizer.hpp"

#include "normalizers.hpp"

namespace loopscope::normalize {

std::unique_ptr<format_normalizer> make_normalizer(format_id format, const input_context& context) {
  switch (format) {
    case format_id::codex_exec_jsonl:
      return detail::make_codex_exec_jsonl_normalizer(context);
    case format_id::codex_rollout:
      return detail::make_codex_rollout_normalizer(context);
    case format_id::codex_trace:
      return detail::make_codex_trace_normalizer(context);
    case format_id::codex_exec_stderr:
      return detail::make_codex_exec_stderr_normalizer(context);
    case format_id::litellm_text:
      return detail::make_litellm_text_normalizer(context);
    case format_id::litellm_json:
      return detail::make_litellm_json_normalizer(context);
    case format_id::uvicorn_access:
      return detail::make_uvicorn_access_normalizer(context);
    case format_id::unknown:
      break;
  }
  return nullptr;
}

}  // namespace loopscope::normalize
