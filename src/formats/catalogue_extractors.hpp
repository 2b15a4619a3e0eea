// The named C++ helpers a catalogue entry may run after its pattern (`then:` / `always:`): what
// a regular expression cannot say well, such as the class of a Python exception named somewhere in
// a message, or the join ids inside a header dump.
#pragma once

#include <string_view>

#include "loopscope/core/event.hpp"
#include "loopscope/formats/catalogue.hpp"

namespace loopscope::formats::detail {

using extractor_fn = void (*)(std::string_view text, const match_context& context, event& e);

// nullptr when the name is not an extractor.
extractor_fn find_extractor(std::string_view name);

// std::string_view::find's answer for `needle` in `text` from `from`, found faster where the
// needle's first byte is common (the extractors' key searches).
std::size_t find_text(std::string_view text, std::string_view needle, std::size_t from = 0);

// "{'model': 'model1'}" → "model1"; "gpt-4" → "gpt-4" (the `model_name` template filter).
std::string model_group_name(std::string_view value);

}  // namespace loopscope::formats::detail
