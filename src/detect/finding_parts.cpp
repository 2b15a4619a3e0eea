#include "finding_parts.hpp"

#include <algorithm>
#include <cstdint>

namespace loopscope::detect {

// The line as evidence, readable: a tracing line's span chain ("session_loop{thread_id=…}:
// submission_dispatch{…}:turn{…}: target: ") pushes its message past any width, so the chain is
// cut to "{…}" and the event's message shown after it.
std::string readable_excerpt(const event& e) {
  const std::string& text = e.excerpt;
  constexpr std::size_t short_enough = 120;
  if (text.size() <= short_enough || e.message.size() < 8) return text;
  const std::size_t at = text.find(e.message);
  const std::size_t brace = text.find('{');
  if (brace == std::string::npos || brace > 80) return text;
  // The excerpt is bounded: the message may lie past its end, and the event has it whole.
  if (at == std::string::npos) return text.substr(0, brace) + "{…}: " + e.message;
  if (brace > at || at < 60) return text;
  return text.substr(0, brace) + "{…}: " + text.substr(at);
}

void apply_severity(const rule& r, finding& f, turn_outcome outcome) {
  f.level = r.level;
  for (const severity_rule& s : r.severity_rules) {
    if (s.outcome && *s.outcome != outcome) continue;
    if (s.iterations_at_least && f.iterations < *s.iterations_at_least) continue;
    if (s.iterations_below && f.iterations >= *s.iterations_below) continue;
    if (!s.statuses.empty() && (!f.cause || std::find(s.statuses.begin(), s.statuses.end(),
                                                      f.cause->http.status) == s.statuses.end())) {
      continue;
    }
    if (s.retriable) {
      if (!f.cause || f.cause->is_retriable == retriable::unknown) continue;
      if ((f.cause->is_retriable == retriable::yes) != *s.retriable) continue;
    }
    f.level = s.level;
    return;
  }
}

finding start_finding(const rule& r, const session::turn& t) {
  finding f;
  f.rule = r.id;
  f.kind = r.kind;
  f.session = t.session_key;
  f.turn = t.index;
  f.turn_id = t.id;
  return f;
}

evidence_line evidence_of(const event& e) {
  return {e.where, readable_excerpt(e), e.time};
}

graph_sketch cut_sketch(const std::vector<std::pair<std::string, std::uint64_t>>& nodes,
                        const std::vector<graph_sketch::edge>& edges) {
  constexpr std::size_t max_nodes = 40;
  const std::size_t n = nodes.size();
  std::vector<std::size_t> order(n);
  for (std::size_t i = 0; i < n; ++i) order[i] = i;
  std::stable_sort(order.begin(), order.end(),
                   [&](std::size_t a, std::size_t b) { return nodes[a].second > nodes[b].second; });
  if (order.size() > max_nodes) order.resize(max_nodes);
  std::vector<std::size_t> slot(n, SIZE_MAX);
  graph_sketch sketch;
  std::sort(order.begin(), order.end());  // first-seen order reads like the turn
  for (const std::size_t v : order) {
    slot[v] = sketch.nodes.size();
    sketch.nodes.push_back(nodes[v].first);
  }
  for (const graph_sketch::edge& e : edges) {
    if (slot[e.from] == SIZE_MAX || slot[e.to] == SIZE_MAX) continue;
    sketch.edges.push_back({slot[e.from], slot[e.to], e.count});
  }
  return sketch;
}

void router_retry_count::observe(const event& e) {
  if (e.kind == event_kind::proxy_retry || e.kind == event_kind::request) {
    if (announced_ && !taken_) ++counted_;
    announced_ = e.kind == event_kind::proxy_retry;
    taken_ = false;
  } else if (e.kind == event_kind::proxy_error && e.attempt >= 1 && !taken_) {
    counted_ += e.attempt;
    taken_ = true;
  }
}

}  // namespace loopscope::detect
