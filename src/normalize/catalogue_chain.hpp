// The message catalogues a format's registry entry names, in order, resolved once per decoder: a
// decoder hands each message here and gets the event kind and fields the data gives it.
#pragma once

#include <string_view>
#include <vector>

#include "loopscope/formats/catalogue.hpp"
#include "loopscope/normalize/normalizer.hpp"

namespace loopscope::normalize::detail {

class catalogue_chain {
 public:
  explicit catalogue_chain(const input_context& context);
  // The first catalogue that knows the message decides (event or skip).
  formats::match_result apply(
      std::string_view text, event& e, const formats::match_context& context = {},
      formats::extraction_time extraction = formats::extraction_time::now) const;
  bool empty() const { return catalogues_.empty(); }

 private:
  std::vector<const formats::catalogue*> catalogues_;
};

}  // namespace loopscope::normalize::detail
