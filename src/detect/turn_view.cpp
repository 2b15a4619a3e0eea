#include "turn_view.hpp"

#include <algorithm>

#include "finding_parts.hpp"
#include "loopscope/graph/signature.hpp"

namespace loopscope::detect {

turn_view::turn_view(const session::turn& t) : turn_(t) {
  lanes_.reserve(t.events.size());
  // Consecutive events mostly share a source: one registry look-up per run of them.
  std::optional<std::pair<format_id, lane>> last;
  for (const event& e : t.events) {
    if (!last || last->first != e.source) last.emplace(e.source, lane_of(e.source));
    lanes_.push_back(last->second);
    kinds_in_lane_[static_cast<std::size_t>(last->second)] |= kind_bit(e.kind);
  }
}

std::uint32_t turn_view::intern(const std::string& text) {
  auto [it, inserted] = ids_.try_emplace(text, static_cast<std::uint32_t>(names_.size()));
  if (inserted) names_.push_back(&it->first);
  return it->second;
}

void turn_view::compute_signatures() {
  const std::vector<event>& events = turn_.events;
  signatures_.resize(events.size(), no_signature);
  steps_.resize(events.size(), no_signature);
  std::string buffer;
  for (std::size_t i = 0; i < events.size(); ++i) {
    graph::write_signature(events[i], buffer);
    if (!buffer.empty()) {
      signatures_[i] = intern(buffer);
      steps_[i] = signatures_[i];
    } else {
      buffer.assign(event_kind_name(events[i].kind));
      steps_[i] = intern(buffer);
    }
  }
}

std::uint32_t turn_view::signature_at(std::size_t event) {
  if (signatures_.empty()) compute_signatures();
  return signatures_[event];
}

std::uint32_t turn_view::step_at(std::size_t event) {
  if (steps_.empty()) compute_signatures();
  return steps_[event];
}

const graph_sketch& turn_view::sketch(lane l) {
  std::optional<graph_sketch>& cached = sketches_[static_cast<std::size_t>(l)];
  if (cached) return *cached;
  transition_counter graph;
  std::vector<std::size_t> node_of;  // by signature id; SIZE_MAX while unseen
  for (std::size_t i = 0; i < lanes_.size(); ++i) {
    if (lanes_[i] != l) continue;
    const std::uint32_t id = signature_at(i);
    if (id == no_signature) continue;
    if (node_of.size() <= id) node_of.resize(names_.size(), SIZE_MAX);
    if (node_of[id] == SIZE_MAX) node_of[id] = graph.add_node(name(id));
    graph.step(node_of[id]);
  }
  cached = graph.sketch();
  return *cached;
}

std::optional<std::int64_t> turn_view::tokens_within(timestamp from, timestamp to) {
  if (!tokens_ready_) {
    tokens_ready_ = true;
    std::vector<std::pair<std::int64_t, std::int64_t>> stamps;
    for (const event& e : turn_.events) {
      if (e.kind == event_kind::token_count && e.tokens >= 0 && e.time) {
        stamps.emplace_back(e.time->micros, e.tokens);
      }
    }
    std::sort(stamps.begin(), stamps.end());
    token_sums_.push_back(0);
    for (const auto& [micros, tokens] : stamps) {
      token_times_.push_back(micros);
      token_sums_.push_back(token_sums_.back() + tokens);
    }
  }
  const auto first = std::lower_bound(token_times_.begin(), token_times_.end(), from.micros);
  const auto last = std::upper_bound(token_times_.begin(), token_times_.end(), to.micros);
  if (first >= last) return std::nullopt;
  return token_sums_[static_cast<std::size_t>(last - token_times_.begin())] -
         token_sums_[static_cast<std::size_t>(first - token_times_.begin())];
}

std::size_t transition_counter::add_node(std::string name) {
  nodes_.emplace_back(std::move(name), 0);
  out_.emplace_back();
  return nodes_.size() - 1;
}

void transition_counter::step(std::size_t node) {
  ++nodes_[node].second;
  if (previous_) {
    auto& edges = out_[*previous_];
    auto edge =
        std::find_if(edges.begin(), edges.end(), [&](const auto& e) { return e.first == node; });
    if (edge == edges.end()) {
      edges.emplace_back(node, 1);
    } else {
      ++edge->second;
    }
  }
  previous_ = node;
}

graph_sketch transition_counter::sketch() const {
  std::vector<graph_sketch::edge> edges;
  for (std::size_t from = 0; from < out_.size(); ++from) {
    for (const auto& [to, count] : out_[from]) edges.push_back({from, to, count});
  }
  return cut_sketch(nodes_, edges);
}

}  // namespace loopscope::detect
