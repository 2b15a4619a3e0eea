#include "catalogue_chain.hpp"

#include "loopscope/formats/registry.hpp"

namespace loopscope::normalize::detail {

catalogue_chain::catalogue_chain(const input_context& context) {
  if (context.format == nullptr) return;
  for (const std::string& name : context.format->catalogues) {
    if (const formats::catalogue* c = formats::registry().catalogue_named(name)) {
      catalogues_.push_back(c);
    }
  }
}

formats::match_result catalogue_chain::apply(std::string_view text, event& e,
                                             const formats::match_context& context,
                                             formats::extraction_time extraction) const {
  for (const formats::catalogue* c : catalogues_) {
    formats::match_result result = c->apply(text, e, context, extraction);
    if (result.outcome != formats::match_outcome::none) return result;
  }
  return {};
}

}  // namespace loopscope::normalize::detail
