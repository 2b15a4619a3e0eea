#include "loopscope/normalize/normalizer.hpp"

#include "normalizers.hpp"

namespace loopscope::normalize {
namespace {

// A format detected but not decoded by this version: its lines are counted as skipped with an
// unknown type, so the report shows they were seen and not used.
class not_yet_decoded final : public format_normalizer {
 public:
  line_result normalize(std::string_view, origin, event_sink&) override {
    return {line_outcome::skipped, true};
  }
};

}  // namespace

std::unique_ptr<format_normalizer> make_normalizer(format_id format, std::string input_key) {
  switch (format) {
    case format_id::codex_exec_jsonl:
      return detail::make_codex_exec_jsonl_normalizer(std::move(input_key));
    default: return std::make_unique<not_yet_decoded>();
  }
}

}  // namespace loopscope::normalize
