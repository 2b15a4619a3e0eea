// Human `codex exec` stderr.
// Placeholder until this format's decoder lands: lines are counted as skipped, of unknown type.
#include "normalizers.hpp"

namespace loopscope::normalize::detail {
namespace {

class codex_exec_stderr_normalizer final : public format_normalizer {
 public:
  line_result normalize(std::string_view, origin, event_sink&) override {
    return {line_outcome::skipped, true};
  }
};

}  // namespace

std::unique_ptr<format_normalizer> make_codex_exec_stderr_normalizer(const input_context&) {
  return std::make_unique<codex_exec_stderr_normalizer>();
}

}  // namespace loopscope::normalize::detail
