// Codex rollout JSONL.
// Placeholder until this format's decoder lands: lines are counted as skipped, of unknown type.
#include "normalizers.hpp"

namespace loopscope::normalize::detail {
namespace {

class codex_rollout_normalizer final : public format_normalizer {
 public:
  line_result normalize(std::string_view, origin, event_sink&) override {
    return {line_outcome::skipped, true};
  }
};

}  // namespace

std::unique_ptr<format_normalizer> make_codex_rollout_normalizer(const input_context&) {
  return std::make_unique<codex_rollout_normalizer>();
}

}  // namespace loopscope::normalize::detail
