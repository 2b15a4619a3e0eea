// Node signatures: what an event is, minus what changes between repeats of it.
#pragma once

#include <string>

#include "loopscope/core/event.hpp"

namespace loopscope::graph {

// Empty for events that carry no step of the turn's work (turn boundaries, token counts,
// reasoning): they stay out of the graph so they cannot break a cycle apart.
std::string signature_of(const event& e);

// The same signature written into `out` (cleared first): a caller that only compares signatures
// reuses one buffer instead of allocating a string per event.
void write_signature(const event& e, std::string& out);

}  // namespace loopscope::graph
