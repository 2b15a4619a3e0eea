#include "turn_digest.hpp"

#include <algorithm>
#include <array>
#include <functional>
#include <unordered_map>

#include "cause_resolver.hpp"
#include "finding_parts.hpp"
#include "loopscope/detect/rule_engine.hpp"
#include "loopscope/graph/signature.hpp"
#include "prose.hpp"
#include "turn_profiler.hpp"
#include "turn_view.hpp"

namespace loopscope::detect {
namespace {

constexpr std::int64_t stamp_tolerance_micros = 1'000'000;  // as cause_resolver.cpp
constexpr std::size_t lane_count = 4;

std::size_t slot_of(lane l) {
  return static_cast<std::size_t>(l);
}

// The loop's own event that says what failed, when no root_cause lane names one.
bool says_what_failed(const event& e) {
  if (e.http.status != 0 && is_success_status(e.http.status)) return false;
  return e.http.status != 0 || !e.error_class.empty();
}

// What complete() and find_cause read of a loop's events, summarised as they pass.
struct loop_facts {
  std::uint64_t events = 0;
  std::vector<evidence_line> evidence;
  std::size_t omitted = 0;
  std::optional<timestamp> start;
  std::optional<timestamp> end;
  bool front_timed = false;
  std::int64_t front_micros = 0;
  event_kind front_kind = event_kind::other;
  std::optional<event> last_failing;

  template <typename Line>
  void add(const std::optional<timestamp>& time, event_kind kind, const event* failing,
           std::size_t max_evidence, Line line) {
    if (events == 0) {
      front_timed = time.has_value();
      front_micros = time ? time->micros : 0;
      front_kind = kind;
    }
    ++events;
    if (time) {
      if (!start || *time < *start) start = time;
      if (!end || *end < *time) end = time;
    }
    if (evidence.size() < max_evidence) {
      evidence.push_back(line());
    } else {
      ++omitted;
    }
    if (failing != nullptr) last_failing = *failing;
  }
  void add(const event& e, std::size_t max_evidence) {
    add(e.time, e.kind, says_what_failed(e) ? &e : nullptr, max_evidence,
        [&] { return evidence_of(e); });
  }
};

// One selected event of a cycle rule, kept while a walk through it may still be confirmed.
struct step {
  std::size_t id = 0;  // the signature's hash: steps compare by it
  std::string signature;
  evidence_line line;
  event_kind kind = event_kind::other;
  std::optional<event> failing;
};

// graph::find_repeated_walks over a stream of steps: for each period, the run of positions equal
// to the one a period later is followed as steps arrive, with a look-back of max_period steps; a
// closed run becomes a walk once no shorter period can still cover it (the batch version marks
// positions covered by shorter periods first).
class cycle_finder {
 public:
  struct walk {
    std::size_t segment = 0;
    std::size_t period = 0;
    std::size_t first_step = 0;
    int iterations = 0;
    std::vector<std::string> cycle;
    loop_facts loop;
  };

  cycle_finder(std::size_t max_period, std::size_t max_evidence)
      : max_period_(max_period),
        max_evidence_(max_evidence),
        runs_(max_period),
        pending_(max_period),
        accepted_(max_period) {}

  bool segment_empty() const { return count_ == 0; }

  void push(step s) {
    ring_.push_back(std::move(s));
    if (ring_.size() > max_period_ + 1) ring_.pop_front();
    const std::size_t n = count_++;
    for (std::size_t p = 1; p <= max_period_; ++p) {
      if (n < p) continue;
      run& r = runs_[p - 1];
      if (at(n - p).id == at(n).id) {
        if (!r.open) {
          r = run{};
          r.open = true;
          r.start = n - p;
          for (std::size_t k = 0; k < p; ++k) {
            r.block.push_back(at(r.start + k).id);
            r.names.push_back(at(r.start + k).signature);
          }
        }
        ++r.matched;
        const std::size_t last = r.start + ((r.matched + p) / p) * p - 1;
        while (r.start + r.fed <= last) {
          const step& fed = at(r.start + r.fed);
          r.loop.add(fed.line.time, fed.kind, fed.failing ? &*fed.failing : nullptr, max_evidence_,
                     [&] { return fed.line; });
          ++r.fed;
        }
      } else if (r.open) {
        close(p);
      }
    }
    decide(false);
  }

  void end_segment() {
    for (std::size_t p = 1; p <= max_period_; ++p) {
      if (runs_[p - 1].open) close(p);
    }
    decide(true);
    ring_.clear();
    count_ = 0;
    for (auto& a : accepted_) a.clear();
    ++segment_;
  }

  // In the batch order: segments, then periods, then positions.
  std::vector<const walk*> walks() const {
    std::vector<const walk*> out;
    for (const walk& w : walks_) out.push_back(&w);
    std::sort(out.begin(), out.end(), [](const walk* a, const walk* b) {
      return std::tie(a->segment, a->period, a->first_step) <
             std::tie(b->segment, b->period, b->first_step);
    });
    return out;
  }

 private:
  struct run {
    bool open = false;
    std::size_t start = 0;
    std::size_t matched = 0;  // positions equal to the one a period later
    std::size_t fed = 0;      // steps from start already in loop
    std::vector<std::size_t> block;
    std::vector<std::string> names;
    loop_facts loop;
  };
  struct candidate {
    std::size_t start = 0;
    std::size_t last = 0;
    int iterations = 0;
    std::vector<std::string> names;
    loop_facts loop;
  };

  const step& at(std::size_t position) const { return ring_[position - (count_ - ring_.size())]; }

  static bool is_primitive(const std::vector<std::size_t>& block) {
    const std::size_t period = block.size();
    for (std::size_t smaller = 1; smaller < period; ++smaller) {
      if (period % smaller != 0) continue;
      bool repeats = true;
      for (std::size_t i = 0; i + smaller < period && repeats; ++i) {
        repeats = block[i] == block[i + smaller];
      }
      if (repeats) return false;
    }
    return true;
  }

  void close(std::size_t p) {
    run& r = runs_[p - 1];
    r.open = false;
    const int iterations = static_cast<int>((r.matched + p) / p);
    if (iterations < 2 || !is_primitive(r.block)) return;
    pending_[p - 1].push_back(candidate{r.start, r.start + iterations * p - 1, iterations,
                                        std::move(r.names), std::move(r.loop)});
  }

  bool decidable(std::size_t p, const candidate& c) const {
    for (std::size_t q = 1; q < p; ++q) {
      if (runs_[q - 1].open && runs_[q - 1].start <= c.last) return false;
      if (!pending_[q - 1].empty() && pending_[q - 1].front().start <= c.last) return false;
      if (count_ <= c.last + q) return false;  // a run of q may still open at or before c.last
    }
    return true;
  }

  bool covered(std::size_t p, const candidate& c) const {
    std::vector<std::pair<std::size_t, std::size_t>> parts;
    for (std::size_t q = 1; q < p; ++q) {
      for (const auto& part : accepted_[q - 1]) {
        if (part.second >= c.start && part.first <= c.last) parts.push_back(part);
      }
    }
    std::sort(parts.begin(), parts.end());
    std::size_t next = c.start;
    for (const auto& [first, last] : parts) {
      if (first > next) break;
      next = std::max(next, last + 1);
    }
    return next > c.last;
  }

  void decide(bool final) {
    for (std::size_t p = 1; p <= max_period_; ++p) {
      auto& queue = pending_[p - 1];
      while (!queue.empty() && (final || decidable(p, queue.front()))) {
        candidate c = std::move(queue.front());
        queue.pop_front();
        if (covered(p, c)) continue;
        accepted_[p - 1].emplace_back(c.start, c.last);
        walks_.push_back(
            walk{segment_, p, c.start, c.iterations, std::move(c.names), std::move(c.loop)});
      }
    }
    prune();
  }

  // Covering stretches no walk still to be decided can reach.
  void prune() {
    std::size_t floor = count_ > max_period_ ? count_ - max_period_ : 0;
    for (std::size_t p = 1; p <= max_period_; ++p) {
      if (runs_[p - 1].open) floor = std::min(floor, runs_[p - 1].start);
      if (!pending_[p - 1].empty()) floor = std::min(floor, pending_[p - 1].front().start);
    }
    for (auto& parts : accepted_) {
      std::erase_if(parts, [&](const auto& part) { return part.second < floor; });
    }
  }

  std::size_t max_period_;
  std::size_t max_evidence_;
  std::deque<step> ring_;
  std::size_t count_ = 0;  // steps in the segment
  std::size_t segment_ = 0;
  std::vector<run> runs_;                       // by period
  std::vector<std::deque<candidate>> pending_;  // closed runs not yet decided, by period
  std::vector<std::vector<std::pair<std::size_t, std::size_t>>> accepted_;
  std::vector<walk> walks_;
};

// The lane's transition graph as graph::build_turn_graph makes it, its nodes distinct signatures.
class lane_graph {
 public:
  void add(const std::string& signature) {
    if (signature.empty()) return;
    auto it = ids_.find(signature);
    if (it == ids_.end()) {
      if (graph_.nodes() >= turn_digest::max_graph_nodes) {
        graph_.break_walk();  // past the bound: the step is not drawn
        return;
      }
      it = ids_.emplace(signature, graph_.add_node(signature)).first;
    }
    graph_.step(it->second);
  }

  graph_sketch sketch() const { return graph_.sketch(); }

 private:
  std::unordered_map<std::string, std::size_t> ids_;
  transition_counter graph_;
};

// Tokens by stamp, for the tokens spent inside a loop's span. Exact up to max_token_stamps
// distinct stamps; past them, stamps are grouped in buckets of a width that doubles (merging
// neighbours), so the resolution is a fraction of the turn's span, never a share of its tokens.
class token_ledger {
 public:
  void add(std::int64_t micros, std::int64_t tokens) {
    by_bucket_[bucket_of(micros)] += tokens;
    while (by_bucket_.size() > turn_digest::max_token_stamps) {
      width_ *= 2;
      std::map<std::int64_t, std::int64_t> wider;
      for (const auto& [bucket, sum] : by_bucket_) wider[floor_div(bucket, 2)] += sum;
      by_bucket_ = std::move(wider);
    }
  }
  std::optional<std::int64_t> within(timestamp from, timestamp to) const {
    std::int64_t sum = 0;
    bool any = false;
    const std::int64_t last = bucket_of(to.micros);
    for (auto it = by_bucket_.lower_bound(bucket_of(from.micros));
         it != by_bucket_.end() && it->first <= last; ++it) {
      sum += it->second;
      any = true;
    }
    if (!any) return std::nullopt;
    return sum;
  }

 private:
  static std::int64_t floor_div(std::int64_t a, std::int64_t b) {
    return a / b - ((a % b != 0) && ((a < 0) != (b < 0)) ? 1 : 0);
  }
  std::int64_t bucket_of(std::int64_t micros) const { return floor_div(micros, width_); }

  std::int64_t width_ = 1;  // microseconds per bucket
  std::map<std::int64_t, std::int64_t> by_bucket_;
};

struct candidate_event {
  std::uint64_t seq = 0;
  event e;
};

// A root_cause lane's candidates of one status.
struct status_candidates {
  std::uint64_t count = 0;
  candidate_event first;
  candidate_event last;
  // last_before_loop, per rule lane: the last timed candidate up to a second after the lane's
  // first selected event.
  std::vector<std::optional<candidate_event>> before_loop;
};

struct lane_state {
  loop_facts loop;
  int proven = 0, run_max = 0, previous = 0;  // measure: attempts
  std::string first_signature;
  std::string last_message, last_template;  // consecutive_turns
  std::vector<evidence_line> first_three;   // consecutive_turns
  std::optional<timestamp> previous_time;   // cycle: the previous selected event's
  bool previous_selected = false;
  std::unique_ptr<cycle_finder> cycles;
};

struct rule_state {
  // The lanes (bits by slot_of) whose events the rule reads: its lanes, its root_cause lanes,
  // every lane for a cycle rule that resets on progress. Other events pass it by.
  unsigned listens = 0;
  std::vector<lane_state> lanes;
  std::vector<std::map<int, status_candidates>> causes;  // per root_cause lane, by status
};

// profile_turn's first_lane choices, per lane.
struct retry_run {
  bool any = false;
  int requests = 0, proven = 0, run_max = 0, previous = 0;
};

}  // namespace

struct turn_digest::state {
  std::shared_ptr<const rule_set> rules;
  std::size_t max_evidence = 0;
  std::uint64_t seq = 0;
  std::vector<rule_state> per_rule;
  std::array<lane_graph, lane_count> graphs;
  std::string signature_buffer;  // the current event's
  token_ledger tokens;
  std::string cli_version;
  std::set<int> retried_statuses;          // stream_retry statuses (judge_turn_layer)
  std::map<event_kind, int> named_status;  // the last failing non-proxy status, by kind
  // The first event naming each failure (status, message): the cause's own evidence line.
  std::map<std::pair<int, std::string>, evidence_line> first_line_any, first_line_proxy;
  // outcome_of
  bool outcome_said = false;
  int last_request_status = 0;
  bool has_last_request = false;
  // profile_turn
  std::array<retry_run, lane_count> http_retries;
  std::array<std::pair<bool, std::int64_t>, lane_count> waits{};
  std::array<int, lane_count> websocket{};
  std::array<std::pair<int, int>, lane_count> posts{};
  router_retry_count router;

  void observe_turn(const event& e, lane l);
  void observe_rule(const rule& r, rule_state& rs, const event& e, lane l,
                    const std::string& signature);
  std::optional<root_cause> resolve(const rule& r, const rule_state& rs,
                                    std::optional<std::size_t> k, const loop_facts& loop) const;
  void complete(const rule& r, const rule_state& rs, finding& f, const session::turn& t,
                std::optional<std::size_t> k, const loop_facts& loop) const;
};

turn_digest::turn_digest(std::shared_ptr<const rule_set> rules, std::size_t max_evidence)
    : state_(std::make_unique<state>()) {
  state_->rules = std::move(rules);
  state_->max_evidence = max_evidence;
  for (const rule& r : *state_->rules) {
    rule_state rs;
    rs.lanes.resize(r.lanes.size());
    if (r.mode == detection_mode::cycle) {
      for (lane_state& ls : rs.lanes) {
        ls.cycles = std::make_unique<cycle_finder>(r.max_period, max_evidence);
      }
    }
    rs.causes.resize(r.cause.lanes.size());
    for (const auto& [l, filter] : r.lanes) rs.listens |= 1U << slot_of(l);
    for (const auto& [l, filter] : r.cause.lanes) rs.listens |= 1U << slot_of(l);
    if (r.mode == detection_mode::cycle && !r.reset_on.empty()) rs.listens = ~0U;
    state_->per_rule.push_back(std::move(rs));
  }
}

turn_digest::~turn_digest() = default;

void turn_digest::state::observe_turn(const event& e, lane l) {
  const std::size_t slot = slot_of(l);
  if (cli_version.empty() && !e.cli_version.empty()) cli_version = e.cli_version;
  if (e.kind == event_kind::stream_retry) retried_statuses.insert(e.http.status);
  if (l != lane::proxy && e.http.status != 0 && !is_success_status(e.http.status)) {
    named_status[e.kind] = e.http.status;
  }
  if (e.http.status != 0 || !e.error_class.empty()) {
    if (first_line_any.size() < max_cause_lines) {
      first_line_any.try_emplace({e.http.status, e.message}, evidence_of(e));
    }
    if (l == lane::proxy && first_line_proxy.size() < max_cause_lines) {
      first_line_proxy.try_emplace({e.http.status, e.message}, evidence_of(e));
    }
  }
  if (e.kind == event_kind::token_count && e.tokens >= 0 && e.time)
    tokens.add(e.time->micros, e.tokens);
  // outcome_of: the first Codex line (or a line of no known format) says Codex's log decides.
  if (!outcome_said) {
    if (l != lane::proxy || e.source == format_id::generic) {
      outcome_said = true;
    } else {
      const bool answered =
          e.kind == event_kind::request || (e.kind == event_kind::ws_error && e.http.status != 426);
      if (answered && e.http.status != 0) {
        last_request_status = e.http.status;
        has_last_request = true;
      }
    }
  }
  // profile_turn
  if (l != lane::proxy && e.kind == event_kind::stream_retry &&
      e.http.transport != transport_kind::websocket) {
    retry_run& run = http_retries[slot];
    run.any = true;
    if (e.attempt <= run.previous || run.requests == 0) {
      run.proven += run.run_max;
      run.run_max = 0;
      ++run.requests;
    }
    run.run_max = std::max(run.run_max, std::max(e.attempt, 1));
    run.previous = e.attempt;
  }
  if (e.kind == event_kind::stream_retry && e.delay_ms >= 0) {
    waits[slot].first = true;
    waits[slot].second += e.delay_ms;
  }
  if (e.kind == event_kind::ws_error && e.http.status != 426) ++websocket[slot];
  if ((e.kind == event_kind::request && e.http.method == "POST") ||
      e.kind == event_kind::request_attempt) {
    ++posts[slot].first;
    if (e.http.status >= 400 || (e.http.status == 0 && !e.message.empty())) ++posts[slot].second;
  }
  if (l == lane::proxy) router.observe(e);
}

void turn_digest::state::observe_rule(const rule& r, rule_state& rs, const event& e, lane l,
                                      const std::string& signature) {
  ++seq;
  if (r.mode == detection_mode::cycle && !r.reset_on.empty() && matches(r.reset_on, e)) {
    for (lane_state& ls : rs.lanes) {
      if (!ls.cycles->segment_empty()) ls.cycles->end_segment();
    }
  }
  bool common_checked = false, common = false;
  for (std::size_t k = 0; k < r.lanes.size(); ++k) {
    if (r.lanes[k].first != l) continue;
    if (!common_checked) {
      common = matches(r.match, e);
      common_checked = true;
    }
    if (!common || !matches(r.lanes[k].second, e)) continue;
    lane_state& ls = rs.lanes[k];
    const bool first = ls.loop.events == 0;
    if (r.mode == detection_mode::cycle) {
      ++ls.loop.events;  // only whether the lane has any: the walks carry their own facts
      cycle_finder& cycles = *ls.cycles;
      if (r.maxpause_ms && ls.previous_selected && ls.previous_time && e.time &&
          (e.time->micros - ls.previous_time->micros) / 1000 > *r.maxpause_ms &&
          !cycles.segment_empty()) {
        cycles.end_segment();
      }
      std::string name = signature.empty() ? std::string(event_kind_name(e.kind)) : signature;
      step s;
      s.id = std::hash<std::string>{}(name);
      s.signature = std::move(name);
      s.line = evidence_of(e);
      s.kind = e.kind;
      if (says_what_failed(e)) s.failing = e;
      cycles.push(std::move(s));
      ls.previous_selected = true;
      ls.previous_time = e.time;
      continue;
    }
    ls.loop.add(e, max_evidence);
    if (first) ls.first_signature = signature;
    if (r.measured == rule::measure::attempts) {
      if (e.attempt <= ls.previous) {
        ls.proven += ls.run_max;
        ls.run_max = 0;
      }
      ls.run_max = std::max(ls.run_max, e.attempt);
      ls.previous = e.attempt;
    }
    if (r.mode == detection_mode::consecutive_turns) {
      ls.last_message = e.message;
      ls.last_template = e.text_template;
      if (ls.first_three.size() < 3) ls.first_three.push_back(evidence_of(e));
    }
  }
  for (std::size_t c = 0; c < r.cause.lanes.size(); ++c) {
    if (r.cause.lanes[c].first != l || !matches(r.cause.lanes[c].second, e) || !names_failure(e)) {
      continue;
    }
    status_candidates& sc = rs.causes[c][e.http.status];
    if (sc.count == 0) sc.first = {seq, e};
    sc.last = {seq, e};
    ++sc.count;
    if (r.cause.pick != cause_pick::last_before_loop || !e.time) continue;
    sc.before_loop.resize(r.lanes.size());
    for (std::size_t k = 0; k < r.lanes.size(); ++k) {
      const loop_facts& loop = rs.lanes[k].loop;
      // Before the lane's first selected event, any timed candidate is before the loop.
      if (loop.events == 0 ||
          (loop.front_timed && e.time->micros <= loop.front_micros + stamp_tolerance_micros)) {
        sc.before_loop[k] = candidate_event{seq, e};
      }
    }
  }
}

void turn_digest::add(const session::turn& part) {
  state& s = *state_;
  std::string& signature = s.signature_buffer;     // one buffer for the turn: no string per event
  std::optional<std::pair<format_id, lane>> last;  // consecutive events mostly share a source
  for (const event& e : part.events) {
    if (!last || last->first != e.source) last.emplace(e.source, lane_of(e.source));
    const lane l = last->second;
    graph::write_signature(e, signature);
    s.graphs[slot_of(l)].add(signature);
    s.observe_turn(e, l);
    for (std::size_t index = 0; index < s.rules->size(); ++index) {
      rule_state& rs = s.per_rule[index];
      if ((rs.listens & (1U << slot_of(l))) == 0) {
        ++s.seq;  // as observe_rule counts it: candidates keep the same sequence numbers
        continue;
      }
      s.observe_rule((*s.rules)[index], rs, e, l, signature);
    }
  }
}

void turn_digest::end() {
  for (rule_state& rs : state_->per_rule) {
    for (lane_state& ls : rs.lanes) {
      if (ls.cycles && !ls.cycles->segment_empty()) ls.cycles->end_segment();
    }
  }
}

std::optional<root_cause> turn_digest::state::resolve(const rule& r, const rule_state& rs,
                                                      std::optional<std::size_t> k,
                                                      const loop_facts& loop) const {
  int named = 0;
  if (loop.events > 0) {
    if (auto it = named_status.find(loop.front_kind); it != named_status.end()) named = it->second;
  }
  std::vector<root_cause> found;
  for (const auto& by_status : rs.causes) {
    if (by_status.empty()) continue;
    std::vector<const status_candidates*> pool;
    if (auto agreeing = by_status.find(named); named != 0 && agreeing != by_status.end()) {
      pool.push_back(&agreeing->second);
    } else {
      for (const auto& [status, sc] : by_status) pool.push_back(&sc);
    }
    auto earliest = [&](auto member) {
      const candidate_event* best = nullptr;
      for (const status_candidates* sc : pool) {
        const candidate_event& c = sc->*member;
        if (best == nullptr || c.seq < best->seq) best = &c;
      }
      return best;
    };
    const candidate_event* chosen = earliest(&status_candidates::first);
    switch (r.cause.pick) {
      case cause_pick::first:
        break;
      case cause_pick::last:
        for (const status_candidates* sc : pool) {
          if (sc->last.seq > chosen->seq) chosen = &sc->last;
        }
        break;
      case cause_pick::last_before_loop: {
        if (!loop.front_timed || loop.events == 0 || !k) break;
        const candidate_event* latest = nullptr;
        for (const status_candidates* sc : pool) {
          if (*k < sc->before_loop.size() && sc->before_loop[*k] &&
              (latest == nullptr || sc->before_loop[*k]->seq > latest->seq)) {
            latest = &*sc->before_loop[*k];
          }
        }
        if (latest != nullptr) chosen = latest;
        break;
      }
      case cause_pick::most_common: {
        std::uint64_t best = 0;
        for (const status_candidates* sc : pool) best = std::max(best, sc->count);
        const candidate_event* earliest_best = nullptr;
        for (const status_candidates* sc : pool) {
          if (sc->count == best && (earliest_best == nullptr || sc->first.seq < earliest_best->seq))
            earliest_best = &sc->first;
        }
        chosen = earliest_best;
        break;
      }
    }
    found.push_back(cause_of(chosen->e));
  }
  std::optional<root_cause> cause;
  if (!found.empty()) {
    cause = combine_lane_causes(found);
  } else if (loop.last_failing) {
    cause = cause_of(*loop.last_failing);
  }
  if (cause) {
    judge_turn_layer(*cause, cli_version,
                     [&](int status) { return retried_statuses.count(status) != 0; });
  }
  return cause;
}

void turn_digest::state::complete(const rule& r, const rule_state& rs, finding& f,
                                  const session::turn& t, std::optional<std::size_t> k,
                                  const loop_facts& loop) const {
  const std::optional<lane> seen_in =
      k ? std::optional<lane>(r.lanes[*k].first) : std::optional<lane>();
  if (seen_in && (r.mode == detection_mode::cycle || r.mode == detection_mode::count)) {
    f.turn_graph = graphs[slot_of(*seen_in)].sketch();
  }
  f.evidence = loop.evidence;
  f.evidence_omitted = loop.omitted;
  f.start = loop.start;
  f.end = loop.end;
  f.cause = resolve(r, rs, k, loop);
  if (f.cause && f.evidence.size() < max_evidence) {
    const auto& lines = f.cause->source == cause_source::proxy ? first_line_proxy : first_line_any;
    if (auto it = lines.find({f.cause->http.status, f.cause->message}); it != lines.end()) {
      const bool listed =
          std::any_of(f.evidence.begin(), f.evidence.end(),
                      [&](const evidence_line& l) { return l.where == it->second.where; });
      if (!listed) f.evidence.insert(f.evidence.begin(), it->second);
    }
  }
  if (f.start && f.end) {
    if (const auto spent = tokens.within(*f.start, *f.end)) f.tokens = *spent;
  }
  turn_outcome outcome = t.outcome;
  if (outcome == turn_outcome::none && !outcome_said && has_last_request &&
      last_request_status >= 400) {
    outcome = turn_outcome::failed;
  }
  apply_severity(r, f, outcome);
  write_prose(r, f, seen_in ? lane_name(*seen_in) : "codex");
}

namespace {

// The rule's first lane (in its order) with selected events.
std::optional<std::size_t> first_lane_with_events(const rule_state& rs) {
  for (std::size_t k = 0; k < rs.lanes.size(); ++k) {
    if (rs.lanes[k].loop.events > 0) return k;
  }
  return std::nullopt;
}

}  // namespace

turn_outcome turn_digest::outcome(const session::turn& t) const {
  const state& s = *state_;
  if (t.outcome != turn_outcome::none || s.outcome_said) return t.outcome;
  if (s.has_last_request && s.last_request_status >= 400) return turn_outcome::failed;
  return t.outcome;
}

std::vector<finding> turn_digest::findings(std::size_t index, const session::turn& t) const {
  const state& s = *state_;
  const rule& r = (*s.rules)[index];
  const rule_state& rs = s.per_rule[index];
  std::vector<finding> out;
  const std::optional<std::size_t> k = first_lane_with_events(rs);
  switch (r.mode) {
    case detection_mode::count: {
      if (!k) break;
      const lane_state& ls = rs.lanes[*k];
      if (static_cast<std::int64_t>(ls.loop.events) < r.min_iterations) break;
      finding f = start_finding(r, t);
      f.iterations = static_cast<int>(ls.loop.events);
      if (r.measured == rule::measure::attempts) {
        f.iterations = std::max(f.iterations, ls.proven + ls.run_max);
      }
      f.cycle.push_back(ls.first_signature.empty()
                            ? std::string(event_kind_name(ls.loop.front_kind))
                            : ls.first_signature);
      s.complete(r, rs, f, t, k, ls.loop);
      out.push_back(std::move(f));
      break;
    }
    case detection_mode::cycle: {
      if (!k) break;
      for (const cycle_finder::walk* w : rs.lanes[*k].cycles->walks()) {
        if (w->iterations < r.min_iterations) continue;
        finding f = start_finding(r, t);
        f.iterations = w->iterations;
        f.cycle = w->cycle;
        s.complete(r, rs, f, t, k, w->loop);
        if (r.maxspan_ms && f.duration_ms() && *f.duration_ms() > *r.maxspan_ms) continue;
        out.push_back(std::move(f));
      }
      break;
    }
    case detection_mode::failed_turn: {
      if (outcome(t) != turn_outcome::failed) break;
      finding f = start_finding(r, t);
      f.iterations = 1;
      s.complete(r, rs, f, t, k, k ? rs.lanes[*k].loop : loop_facts{});
      out.push_back(std::move(f));
      break;
    }
    case detection_mode::consecutive_turns:
      break;
  }
  return out;
}

turn_key_facts turn_digest::key_facts(std::size_t index, const session::turn& t) const {
  const state& s = *state_;
  const rule& r = (*s.rules)[index];
  const rule_state& rs = s.per_rule[index];
  turn_key_facts facts;
  const std::optional<std::size_t> k = first_lane_with_events(rs);
  if (!k) return facts;
  const lane_state& ls = rs.lanes[*k];
  if (r.key == turn_key::failure_message) {
    if (outcome(t) == turn_outcome::failed) {
      facts.key = ls.last_template.empty() ? ls.last_message : ls.last_template;
      facts.shown = ls.last_message;
      if (facts.key.empty()) facts.key = "(no message)";
      facts.cause = s.resolve(r, rs, k, ls.loop);
    }
  } else {
    facts.words = message_words(ls.last_message);
    facts.shown = ls.last_message;
    facts.key = facts.words.empty() ? "" : "message";
  }
  facts.evidence = ls.first_three;
  return facts;
}

turn_profile turn_digest::profile(const session::turn& t, std::span<const finding> kept) const {
  const state& s = *state_;
  turn_profile p = profile_frame(t, outcome(t), kept);
  for (const lane l : {lane::trace, lane::exec, lane::rollout}) {
    const retry_run& run = s.http_retries[slot_of(l)];
    if (!run.any) continue;
    p.sampling_attempts = run.proven + run.run_max + run.requests;
    break;
  }
  for (const lane l : {lane::trace, lane::exec}) {
    const auto& [any, ms] = s.waits[slot_of(l)];
    if (!any) continue;
    if (p.loop_ms >= 0) p.backoff_ms = std::min(ms, p.loop_ms);
    break;
  }
  for (const lane l : {lane::proxy, lane::trace}) {
    if (s.websocket[slot_of(l)] == 0) continue;
    p.websocket_attempts = s.websocket[slot_of(l)];
    break;
  }
  for (const lane l : {lane::proxy, lane::trace}) {
    if (s.posts[slot_of(l)].first == 0) continue;
    p.posts = s.posts[slot_of(l)].first;
    p.failed_posts = s.posts[slot_of(l)].second;
    break;
  }
  p.router_retries = s.router.total();
  return p;
}

}  // namespace loopscope::detect
