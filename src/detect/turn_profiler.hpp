// What a turn cost and how its attempts multiplied (finding.hpp, turn_profile), measured from the
// turn's events once its findings are known.
#pragma once

#include <span>

#include "loopscope/detect/finding.hpp"
#include "loopscope/session/turn.hpp"

namespace loopscope::detect {

turn_profile profile_turn(const session::turn& t, std::span<const finding> findings);

}  // namespace loopscope::detect
