// Factory functions of the per-format normalizers; one source file each.
#pragma once

#include <memory>
#include <string>

#include "loopscope/normalize/normalizer.hpp"

namespace loopscope::normalize::detail {

std::unique_ptr<format_normalizer> make_codex_exec_jsonl_normalizer(std::string input_key);

}  // namespace loopscope::normalize::detail
