// JSON lines are recognised by their structure, not by wording: which top-level keys an object
// has (in any order, with any extra keys) and the values of the few keys that name a format.
#pragma once

#include <string_view>

#include "loopscope/core/format_id.hpp"

namespace loopscope::formats::detail {

// The JSON format of a line that starts with '{'; `unknown` when no JSON format claims it.
format_id sniff_json(std::string_view line);

}  // namespace loopscope::formats::detail
