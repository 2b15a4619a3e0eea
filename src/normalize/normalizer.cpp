#include "loopscope/normalize/normalizer.hpp"

#include <array>

#include "loopscope/formats/registry.hpp"
#include "loopscope/normalize/text_template.hpp"
#include "normalizers.hpp"

namespace loopscope::normalize {
namespace {

using factory = std::unique_ptr<format_normalizer> (*)(const input_context&);

struct named_decoder {
  std::string_view name;
  factory make;
};

// The C++ decoders a format's `decoder:` can name: each keeps a format's framing.
constexpr std::array decoders{
    named_decoder{"codex-rollout", detail::make_codex_rollout_normalizer},
    named_decoder{"codex-exec-jsonl", detail::make_codex_exec_jsonl_normalizer},
    named_decoder{"codex-trace", detail::make_codex_trace_normalizer},
    named_decoder{"codex-exec-stderr", detail::make_codex_exec_stderr_normalizer},
    named_decoder{"litellm-text", detail::make_litellm_text_normalizer},
    named_decoder{"litellm-json", detail::make_litellm_json_normalizer},
    named_decoder{"uvicorn-access", detail::make_uvicorn_access_normalizer},
    named_decoder{"lines", detail::make_lines_normalizer},
};

factory find_decoder(std::string_view name) {
  for (const named_decoder& d : decoders) {
    if (d.name == name) return d.make;
  }
  return nullptr;
}

}  // namespace

void event_sink::on_event_masking_message(event&& e) {
  e.text_template = mask_text(e.message);
  on_event(std::move(e));
}

void event_sink::on_event_completed_masking(event&& e, std::string_view text,
                                            event_completer_fn complete) {
  complete(text, e);
  on_event_masking_message(std::move(e));
}

bool is_known_decoder(std::string_view name) {
  return find_decoder(name) != nullptr;
}

std::vector<std::string_view> decoder_names() {
  std::vector<std::string_view> names;
  for (const named_decoder& d : decoders) names.push_back(d.name);
  return names;
}

std::unique_ptr<format_normalizer> make_normalizer(format_id format, const input_context& context) {
  const formats::format_info* info = formats::registry().info(format);
  if (info == nullptr) return nullptr;
  const factory make = find_decoder(info->decoder);
  if (make == nullptr) return nullptr;
  input_context own = context;
  own.format = info;
  return make(own);
}

}  // namespace loopscope::normalize
