// Finds loops and failures in one turn, from its events and its transition graph.
#pragma once

#include <vector>

#include "loopscope/detect/finding.hpp"
#include "loopscope/graph/turn_graph.hpp"
#include "loopscope/session/turn.hpp"

namespace loopscope::detect {

struct detector_settings {
  std::size_t max_cycle_period = 8;
  std::size_t max_evidence_lines = 20;
  int stream_retry_warning_at = 2;  // retries in one turn from which a recovered turn warns
};

std::vector<finding> detect_in_turn(const session::turn& t, const graph::turn_graph& g,
                                    const detector_settings& settings = {});

}  // namespace loopscope::detect
