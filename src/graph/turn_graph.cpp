#include "loopscope/graph/turn_graph.hpp"

#include <unordered_map>

#include <boost/graph/hawick_circuits.hpp>
#include <boost/graph/strong_components.hpp>

#include "loopscope/graph/signature.hpp"

namespace loopscope::graph {
namespace {

bool is_primitive(const std::vector<std::size_t>& steps, std::size_t begin, std::size_t period) {
  for (std::size_t smaller = 1; smaller < period; ++smaller) {
    if (period % smaller != 0) continue;
    bool repeats = true;
    for (std::size_t i = 0; i + smaller < period && repeats; ++i) {
      repeats = steps[begin + i] == steps[begin + i + smaller];
    }
    if (repeats) return false;
  }
  return true;
}

}  // namespace

turn_graph build_turn_graph(const session::turn& t) {
  turn_graph result;
  std::unordered_map<std::string, std::size_t> vertex_of;
  std::optional<std::size_t> previous;
  for (std::size_t i = 0; i < t.events.size(); ++i) {
    const event& e = t.events[i];
    std::string signature = signature_of(e);
    if (signature.empty()) continue;
    auto [it, inserted] = vertex_of.try_emplace(signature, 0);
    if (inserted) it->second = boost::add_vertex(node_data{std::move(signature), 0}, result.graph);
    const std::size_t vertex = it->second;
    ++result.graph[vertex].visits;
    if (previous) {
      auto [edge, exists] = boost::edge(*previous, vertex, result.graph);
      if (!exists) edge = boost::add_edge(*previous, vertex, edge_data{}, result.graph).first;
      edge_data& data = result.graph[edge];
      ++data.count;
      if (e.time) {
        if (!data.first) data.first = e.time;
        data.last = e.time;
      }
    }
    previous = vertex;
    result.step_vertex.push_back(vertex);
    result.step_event.push_back(i);
  }
  result.component.resize(boost::num_vertices(result.graph));
  if (!result.component.empty()) {
    boost::strong_components(
        result.graph, boost::make_iterator_property_map(
                          result.component.begin(), boost::get(boost::vertex_index, result.graph)));
  }
  return result;
}

namespace {

// Boost 1.74's hawick_circuits has no length or count bound: the visitor keeps the short ones
// and stops the search, by exception, once enough were seen.
struct enough_circuits {};

struct circuit_collector {
  std::vector<std::vector<std::size_t>>* out;
  std::size_t max_length;
  std::size_t max_count;
  std::size_t* seen;

  template <typename Path, typename Graph>
  void cycle(const Path& path, const Graph&) {
    if (++*seen > max_count * 8) throw enough_circuits{};
    if (path.size() > max_length) return;
    out->emplace_back(path.begin(), path.end());
    if (out->size() >= max_count) throw enough_circuits{};
  }
};

}  // namespace

std::vector<std::vector<std::size_t>> elementary_circuits(const transition_graph& graph,
                                                          std::size_t max_length,
                                                          std::size_t max_count) {
  std::vector<std::vector<std::size_t>> circuits;
  if (boost::num_vertices(graph) == 0 || max_count == 0) return circuits;
  std::size_t seen = 0;
  try {
    boost::hawick_circuits(graph, circuit_collector{&circuits, max_length, max_count, &seen});
  } catch (const enough_circuits&) {
    // bounded on purpose
  }
  return circuits;
}

std::vector<repeated_walk> find_repeated_walks(const std::vector<std::size_t>& steps,
                                               std::size_t max_period) {
  std::vector<repeated_walk> walks;
  const std::size_t n = steps.size();
  std::vector<bool> covered(n, false);  // steps already explained by a shorter period
  for (std::size_t period = 1; period <= max_period && period < n; ++period) {
    std::size_t i = 0;
    while (i + period < n) {
      if (steps[i] != steps[i + period]) {
        ++i;
        continue;
      }
      std::size_t j = i;
      while (j + period < n && steps[j] == steps[j + period]) ++j;
      const std::size_t matched = j - i;  // positions that equal the one a period later
      const int iterations = static_cast<int>((matched + period) / period);
      const std::size_t last = i + static_cast<std::size_t>(iterations) * period - 1;
      bool already = true;
      for (std::size_t k = i; k <= last && already; ++k) already = covered[k];
      if (iterations >= 2 && is_primitive(steps, i, period) && !already) {
        repeated_walk walk;
        walk.cycle.assign(steps.begin() + static_cast<std::ptrdiff_t>(i),
                          steps.begin() + static_cast<std::ptrdiff_t>(i + period));
        walk.first_step = i;
        walk.last_step = last;
        walk.iterations = iterations;
        walks.push_back(std::move(walk));
        for (std::size_t k = i; k <= last; ++k) covered[k] = true;
      }
      i = j + 1;
    }
  }
  return walks;
}

}  // namespace loopscope::graph
