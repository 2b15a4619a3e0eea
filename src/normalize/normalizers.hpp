// Factory functions of the per-format normalizers; one source file each.
#pragma once

#include <memory>
#include <string>

#include "loopscope/normalize/normalizer.hpp"

namespace loopscope::normalize::detail {

std::unique_ptr<format_normalizer> make_codex_exec_jsonl_normalizer(const input_context& context);
std::unique_ptr<format_normalizer> make_codex_rollout_normalizer(const input_context& context);
std::unique_ptr<format_normalizer> make_codex_trace_normalizer(const input_context& context);
std::unique_ptr<format_normalizer> make_codex_exec_stderr_normalizer(const input_context& context);
std::unique_ptr<format_normalizer> make_litellm_text_normalizer(const input_context& context);
std::unique_ptr<format_normalizer> make_litellm_json_normalizer(const input_context& context);
std::unique_ptr<format_normalizer> make_uvicorn_access_normalizer(const input_context& context);
std::unique_ptr<format_normalizer> make_lines_normalizer(const input_context& context);

}  // namespace loopscope::normalize::detail
