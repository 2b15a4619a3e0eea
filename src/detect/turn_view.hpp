// What the rules read of one turn more than once, worked out once per turn and shared by all its
// rules and findings: each event's lane, its signature as an interned id (strings only for what
// is printed), the lane's drawn graph, and the tokens by time. Alive while on_turn runs.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "loopscope/detect/finding.hpp"
#include "loopscope/detect/rule.hpp"
#include "loopscope/session/turn.hpp"

namespace loopscope::detect {

class turn_view {
 public:
  static constexpr std::uint32_t no_signature = UINT32_MAX;

  explicit turn_view(const session::turn& t);
  turn_view(const turn_view&) = delete;
  turn_view& operator=(const turn_view&) = delete;

  const session::turn& turn() const { return turn_; }
  lane lane_at(std::size_t event) const { return lanes_[event]; }
  // Bit k set: the turn has an event of kind k in lane `l` (event_filter::possible_kinds's bits).
  std::uint32_t kinds_in(lane l) const { return kinds_in_lane_[static_cast<std::size_t>(l)]; }
  std::size_t index_of(const event& e) const {
    return static_cast<std::size_t>(&e - turn_.events.data());
  }

  // The event's signature (graph::signature_of) as an id, equal ids for equal strings;
  // no_signature when it has none.
  std::uint32_t signature_at(std::size_t event);
  // As a cycle step: the signature, or the event kind's name when it has none.
  std::uint32_t step_at(std::size_t event);
  const std::string& name(std::uint32_t id) const { return *names_[id]; }

  // The turn's transition graph in lane `l`, cut for drawing (cut_sketch): as
  // graph::build_turn_graph builds it from the lane's events.
  const graph_sketch& sketch(lane l);

  // Tokens of token_count events stamped within [from, to], when there are any.
  std::optional<std::int64_t> tokens_within(timestamp from, timestamp to);

 private:
  std::uint32_t intern(const std::string& text);
  void compute_signatures();

  const session::turn& turn_;
  std::vector<lane> lanes_;
  std::array<std::uint32_t, 4> kinds_in_lane_{};
  std::vector<std::uint32_t> signatures_;  // per event, once any is asked for
  std::vector<std::uint32_t> steps_;       // per event, once any is asked for
  std::unordered_map<std::string, std::uint32_t> ids_;
  std::vector<const std::string*> names_;                // by id, the keys of ids_
  std::array<std::optional<graph_sketch>, 4> sketches_;  // by lane
  bool tokens_ready_ = false;
  std::vector<std::int64_t> token_times_;  // stamps of token counts, sorted
  std::vector<std::int64_t> token_sums_;   // tokens of the first k stamps, k = 0..n
};

// A lane's transition graph as it is drawn: nodes in first-seen order with their visits, edges
// per source node in first-seen order with their counts (the order Boost's adjacency_list with
// vecS lists them in). Built by the whole-turn detection and the part-by-part one alike.
class transition_counter {
 public:
  std::size_t nodes() const { return nodes_.size(); }
  // A new node: its index.
  std::size_t add_node(std::string name);
  // A step onto `node`, with the transition from the previous step when there is one.
  void step(std::size_t node);
  // The next step has no transition from the previous one (it was not drawn).
  void break_walk() { previous_.reset(); }
  graph_sketch sketch() const;

 private:
  std::vector<std::pair<std::string, std::uint64_t>> nodes_;
  std::vector<std::vector<std::pair<std::size_t, std::uint64_t>>> out_;  // in insertion order
  std::optional<std::size_t> previous_;
};

}  // namespace loopscope::detect
