#include <doctest/doctest.h>

#include "loopscope/graph/turn_graph.hpp"

using loopscope::graph::find_repeated_walks;
using steps = std::vector<std::size_t>;

namespace {
// push_back, not insert(initializer_list): GCC 12 warns falsely on the latter (stringop-overflow).
void append(steps& s, std::initializer_list<std::size_t> block, int times) {
  for (int i = 0; i < times; ++i) {
    for (const std::size_t v : block) s.push_back(v);
  }
}
}  // namespace

TEST_CASE("A×8 is one period-1 walk of 8 iterations") {
  const auto walks = find_repeated_walks(steps(8, 0), 8);
  REQUIRE(walks.size() == 1);
  CHECK(walks[0].period() == 1);
  CHECK(walks[0].iterations == 8);
  CHECK(walks[0].first_step == 0);
  CHECK(walks[0].last_step == 7);
}

TEST_CASE("(A B)×5 is a ping-pong, not two period-1 walks") {
  steps s;
  append(s, {0, 1}, 5);
  const auto walks = find_repeated_walks(s, 8);
  REQUIRE(walks.size() == 1);
  CHECK(walks[0].cycle == steps{0, 1});
  CHECK(walks[0].iterations == 5);
}

TEST_CASE("(A B C)×4 after a lead-in") {
  steps s{7, 8};
  append(s, {0, 1, 2}, 4);
  const auto walks = find_repeated_walks(s, 8);
  REQUIRE(walks.size() == 1);
  CHECK(walks[0].cycle == steps{0, 1, 2});
  CHECK(walks[0].iterations == 4);
  CHECK(walks[0].first_step == 2);
  CHECK(walks[0].last_step == 13);
}

TEST_CASE("two different cycles in one sequence are both found") {
  steps s(4, 5);
  append(s, {1, 2}, 3);
  const auto walks = find_repeated_walks(s, 8);
  REQUIRE(walks.size() == 2);
  CHECK(walks[0].iterations == 4);
  CHECK(walks[1].cycle == steps{1, 2});
  CHECK(walks[1].iterations == 3);
}

TEST_CASE("no repetition, no walk, periods beyond the bound are not looked for") {
  CHECK(find_repeated_walks(steps{0, 1, 2, 3, 4}, 8).empty());
  CHECK(find_repeated_walks(steps{}, 8).empty());
  steps long_cycle;
  for (int i = 0; i < 3; ++i) {
    for (std::size_t v = 0; v < 10; ++v) long_cycle.push_back(v);
  }
  CHECK(find_repeated_walks(long_cycle, 8).empty());
  CHECK(find_repeated_walks(long_cycle, 10).size() == 1);
}

TEST_CASE("elementary circuits are listed, bounded in length and count") {
  loopscope::graph::transition_graph g;
  for (int i = 0; i < 4; ++i) boost::add_vertex(loopscope::graph::node_data{}, g);
  boost::add_edge(0, 1, g);
  boost::add_edge(1, 0, g);  // 0 → 1 → 0
  boost::add_edge(1, 2, g);
  boost::add_edge(2, 3, g);
  boost::add_edge(3, 1, g);  // 1 → 2 → 3 → 1
  boost::add_edge(2, 2, g);  // a self-loop
  auto all = loopscope::graph::elementary_circuits(g, 8, 100);
  CHECK(all.size() == 3);
  CHECK(loopscope::graph::elementary_circuits(g, 2, 100).size() == 2);
  CHECK(loopscope::graph::elementary_circuits(g, 8, 1).size() == 1);

  // A complete graph of 60 vertices has astronomically many circuits: the bound keeps it short.
  loopscope::graph::transition_graph dense;
  for (int i = 0; i < 60; ++i) boost::add_vertex(loopscope::graph::node_data{}, dense);
  for (std::size_t a = 0; a < 60; ++a) {
    for (std::size_t b = 0; b < 60; ++b) {
      if (a != b) boost::add_edge(a, b, dense);
    }
  }
  const auto bounded = loopscope::graph::elementary_circuits(dense, 4, 1000);
  CHECK(bounded.size() <= 1000);
  CHECK_FALSE(bounded.empty());
  for (const auto& circuit : bounded) CHECK(circuit.size() <= 4);
}
