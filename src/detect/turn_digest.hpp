// A turn too long to hold (session::join_settings::turn_window_events), seen part by part: what
// each rule needs of it is kept as running summaries — counts, attempt runs, the first evidence
// lines, the last failing event, cause candidates per status, the lane's transition graph (its
// nodes are distinct signatures, not events), cycle runs with a look-back of max_period steps —
// so a runaway turn of any length costs the memory of its rules, not of its events. The findings
// are those the whole-turn detection (rule_engine.cpp) gives on the same events in the same order.
//
// Where a part boundary can still show (documented in docs/architecture.md): events arriving out
// of time order across two parts are not re-sorted together; a signature-less retry line is not
// given the cause of an error in a later part (session_assembler::hand_on); the transition graph
// keeps max_graph_nodes signatures per lane, and past max_token_stamps distinct stamps the
// tokens inside a loop are counted in time buckets (a fraction of the turn's span wide).
#pragma once

#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "loopscope/detect/finding.hpp"
#include "loopscope/detect/rule.hpp"
#include "loopscope/session/turn.hpp"

namespace loopscope::detect {

// What a consecutive_turns rule takes of one turn (rule_engine's turn_record, without the ids).
struct turn_key_facts {
  std::string key;
  std::set<std::string> words;
  std::string shown;
  std::optional<root_cause> cause;
  std::vector<evidence_line> evidence;
};

class turn_digest {
 public:
  static constexpr std::size_t max_graph_nodes = 4096;
  static constexpr std::size_t max_token_stamps = 16384;
  static constexpr std::size_t max_cause_lines = 1024;

  turn_digest(std::shared_ptr<const rule_set> rules, std::size_t max_evidence);
  ~turn_digest();
  turn_digest(const turn_digest&) = delete;
  turn_digest& operator=(const turn_digest&) = delete;

  // The next part's events, in turn order.
  void add(const session::turn& part);
  // No more parts: closes what is still open (cycle runs of the last segment).
  void end();

  // After end(): rule `index`'s findings, as rule_engine::on_turn finds them before
  // suppression. `t` carries the turn-level facts (ids, start, end, outcome).
  std::vector<finding> findings(std::size_t index, const session::turn& t) const;
  turn_key_facts key_facts(std::size_t index, const session::turn& t) const;
  turn_outcome outcome(const session::turn& t) const;
  turn_profile profile(const session::turn& t, std::span<const finding> kept) const;

 private:
  struct state;
  std::unique_ptr<state> state_;
};

}  // namespace loopscope::detect
