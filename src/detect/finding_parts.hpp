// Pieces of a finding that the whole-turn detection (rule_engine.cpp) and the part-by-part one
// (turn_digest.cpp) build alike, so that both give the same finding.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "loopscope/detect/finding.hpp"
#include "loopscope/detect/rule.hpp"
#include "loopscope/session/turn.hpp"

namespace loopscope::detect {

// The line as evidence, readable (tracing span chains cut to "{…}").
std::string readable_excerpt(const event& e);
evidence_line evidence_of(const event& e);

// The first severity_when entry that holds, else the rule's level.
void apply_severity(const rule& r, finding& f, turn_outcome outcome);

// A finding of rule `r` in turn `t`, with nothing found yet.
finding start_finding(const rule& r, const session::turn& t);

// A turn's graph cut to its most visited nodes: `nodes` (signature, visits) in first-seen order,
// `edges` between them in the graph's edge order.
graph_sketch cut_sketch(const std::vector<std::pair<std::string, std::uint64_t>>& nodes,
                        const std::vector<graph_sketch::edge>& edges);

}  // namespace loopscope::detect
