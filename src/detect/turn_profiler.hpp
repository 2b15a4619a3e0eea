// What a turn cost and how its attempts multiplied (finding.hpp, turn_profile), measured from the
// turn's events once its findings are known.
#pragma once

#include <span>

#include "loopscope/detect/finding.hpp"
#include "loopscope/session/turn.hpp"

namespace loopscope::detect {

// The turn's outcome as far as the logs tell: Codex's, or — for a turn that only a proxy log shows
// — failed when the last request the proxy answered for it failed (Codex gives up after it: a 4xx
// is fatal, and the turn layer's retries end on the last one).
turn_outcome outcome_of(const session::turn& t);

turn_profile profile_turn(const session::turn& t, std::span<const finding> findings);

// What every profile starts from, whole turn or parts (turn_digest): failed or not, the turn's
// span, and the time inside its findings' loops (overlaps counted once).
turn_profile profile_frame(const session::turn& t, turn_outcome outcome,
                           std::span<const finding> findings);

}  // namespace loopscope::detect
