// The words of a finding: its rule's templates filled with what was found ({iterations},
// {status}, {cause}, …), the advice that fits the cause, and the headline an incident opens with.
#pragma once

#include <string>
#include <string_view>

#include "loopscope/detect/finding.hpp"
#include "loopscope/detect/rule.hpp"

namespace loopscope::detect {

std::string fill_template(const std::string& text, const finding& f, std::string_view lane_text);

// summary, advice (the first advice_when entry that fits the cause, else the rule's advice) and
// headline, filled.
void write_prose(const rule& r, finding& f, std::string_view lane_text);

}  // namespace loopscope::detect
