// The per-turn transition graph (Boost.Graph) and the repeated walks through it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <boost/graph/adjacency_list.hpp>

#include "loopscope/session/turn.hpp"

namespace loopscope::graph {

struct node_data {
  std::string signature;
  std::uint64_t visits = 0;
};

struct edge_data {
  std::uint64_t count = 0;
  std::optional<timestamp> first;
  std::optional<timestamp> last;
};

using transition_graph =
    boost::adjacency_list<boost::vecS, boost::vecS, boost::directedS, node_data, edge_data>;

struct turn_graph {
  transition_graph graph;
  // The turn's steps in order: vertex per step, and the index of the step's event in turn.events.
  std::vector<std::size_t> step_vertex;
  std::vector<std::size_t> step_event;
  std::vector<int> component;  // strongly connected component of each vertex
};

turn_graph build_turn_graph(const session::turn& t);

// Elementary circuits of the graph (Hawick–James), at most `max_length` vertices long, stopping
// after `max_count`: a dense turn has more circuits than can be listed, and only short ones are
// loops a user can read. Returned as vertex lists.
std::vector<std::vector<std::size_t>> elementary_circuits(const transition_graph& graph,
                                                          std::size_t max_length,
                                                          std::size_t max_count);

// A cycle walked consecutively: the block of `period` vertices starting at step `first_step`
// repeats `iterations` times, ending at step `last_step` (inclusive).
struct repeated_walk {
  std::vector<std::size_t> cycle;  // vertices, in walk order
  std::size_t first_step = 0;
  std::size_t last_step = 0;
  int iterations = 0;
  std::size_t period() const { return cycle.size(); }
};

// Periods 1 (the same step), 2 (ping-pong) and longer, up to max_period, from one mechanism:
// a run where step[i] == step[i + p]. Only primitive blocks are reported ("A A" is not a
// period-2 cycle), and a run is reported once, at its smallest period.
std::vector<repeated_walk> find_repeated_walks(const std::vector<std::size_t>& steps,
                                               std::size_t max_period);

}  // namespace loopscope::graph
