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

// LiteLLM's router retries, fed the proxy lane's events in order: "LiteLLM Retried: N times" on the
// exception of a request that it retried (the router's INFO line and the proxy's ERROR line repeat
// it: one count per request), or one per "Retrying request" announcement whose outcome the log does
// not give.
class router_retry_count {
 public:
  void observe(const event& e);
  int total() const { return counted_ + (announced_ && !taken_ ? 1 : 0); }

 private:
  int counted_ = 0;
  bool announced_ = false;
  bool taken_ = false;  // the current request's retries are counted
};

// A turn's graph cut to its most visited nodes: `nodes` (signature, visits) in first-seen order,
// `edges` between them in the graph's edge order.
graph_sketch cut_sketch(const std::vector<std::pair<std::string, std::uint64_t>>& nodes,
                        const std::vector<graph_sketch::edge>& edges);

}  // namespace loopscope::detect
