// Masks what changes between repeats of "the same" message — numbers, ids, hex, durations — so
// that "Reconnecting... 1/5" and "Reconnecting... 2/5" compare equal.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "loopscope/core/shared_text.hpp"
#include "loopscope/normalize/stable_hash.hpp"  // what the masked texts are compared by

namespace loopscope::normalize {

// Digit runs become "<n>", hex/uuid-like tokens of 8+ characters with a digit become "<id>",
// runs of whitespace become one space. A shared_text: it goes into an event as it is, and the
// working space is the thread's own, so a call costs one allocation.
shared_text mask_text(std::string_view text);

}  // namespace loopscope::normalize
