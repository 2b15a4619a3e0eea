// uvicorn access lines.
// Placeholder until this format's decoder lands: lines are counted as skipped, of unknown type.
#include "normalizers.hpp"

namespace loopscope::normalize::detail {
namespace {

class uvicorn_access_normalizer final : public format_normalizer {
 public:
  line_result normalize(std::string_view, origin, event_sink&) override {
    return {line_outcome::skipped, true};
  }
};

}  // namespace

std::unique_ptr<format_normalizer> make_uvicorn_access_normalizer(const input_context&) {
  return std::make_unique<uvicorn_access_normalizer>();
}

}  // namespace loopscope::normalize::detail
