#include "loopscope/detect/rule_engine.hpp"

#include <algorithm>
#include <cctype>
#include <set>
#include <unordered_set>

#include "cause_resolver.hpp"
#include "finding_parts.hpp"
#include "loopscope/graph/turn_graph.hpp"
#include "prose.hpp"
#include "turn_digest.hpp"
#include "turn_profiler.hpp"
#include "turn_view.hpp"

#include <cstdint>

namespace loopscope::detect {
namespace {

struct lane_pick {
  std::optional<lane> which;
  std::vector<const event*> events;
};

// The events of the first lane (in the rule's order) that has any matching events.
lane_pick select(const turn_view& view, const event_filter& common,
                 const std::vector<std::pair<lane, event_filter>>& lanes) {
  const std::vector<event>& events = view.turn().events;
  for (const auto& [l, filter] : lanes) {
    // Most rules ask for kinds a turn has none of in the lane: no event to test.
    if ((view.kinds_in(l) & filter.possible_kinds & common.possible_kinds) == 0) continue;
    lane_pick pick;
    for (std::size_t i = 0; i < events.size(); ++i) {
      const event& e = events[i];
      // The lane's filter first: it names the kinds wanted, the common one is often a regex.
      if (view.lane_at(i) == l && matches(filter, e) && matches(common, e)) {
        pick.events.push_back(&e);
      }
    }
    if (!pick.events.empty()) {
      pick.which = l;
      return pick;
    }
  }
  return {};
}

void widen(finding& f, const event& e) {
  if (!e.time) return;
  if (!f.start || *e.time < *f.start) f.start = e.time;
  if (!f.end || *f.end < *e.time) f.end = e.time;
}

void complete(const rule& r, finding& f, turn_view& view, std::optional<lane> seen_in,
              const std::vector<const event*>& loop, std::size_t max_evidence) {
  const session::turn& t = view.turn();
  if (seen_in && (r.mode == detection_mode::cycle || r.mode == detection_mode::count)) {
    // The turn's graph in the lane, cut to its most visited nodes: the same for every finding
    // of the turn in that lane, so it is built once.
    f.turn_graph = view.sketch(*seen_in);
  }
  for (const event* e : loop) {
    widen(f, *e);
    if (f.evidence.size() < max_evidence) {
      f.evidence.push_back(evidence_of(*e));
    } else {
      ++f.evidence_omitted;
    }
  }
  f.cause = find_cause(r, t, loop);
  if (f.cause && f.evidence.size() < max_evidence) {
    // The cause's own line, when it is not already part of the loop's evidence.
    for (std::size_t i = 0; i < t.events.size(); ++i) {
      const event& e = t.events[i];
      if (e.http.status == f.cause->http.status && e.message == f.cause->message &&
          (f.cause->source != cause_source::proxy || view.lane_at(i) == lane::proxy) &&
          (e.http.status != 0 || !e.error_class.empty())) {
        const bool listed = std::any_of(f.evidence.begin(), f.evidence.end(),
                                        [&](const evidence_line& l) { return l.where == e.where; });
        if (!listed) f.evidence.insert(f.evidence.begin(), {e.where, readable_excerpt(e), e.time});
        break;
      }
    }
  }
  // Tokens spent while the loop went round.
  if (f.start && f.end) {
    if (const auto spent = view.tokens_within(*f.start, *f.end)) f.tokens = *spent;
  }
  apply_severity(r, f, outcome_of(t));
  write_prose(r, f, seen_in ? lane_name(*seen_in) : "codex");
}

// Cycle mode: the selected events' signatures, cut at progress events and long pauses.
void detect_cycles(const rule& r, turn_view& view, const lane_pick& pick, std::size_t max_evidence,
                   std::vector<finding>& out) {
  const session::turn& t = view.turn();
  std::vector<std::vector<const event*>> segments(1);
  const event* previous = nullptr;
  std::size_t next_selected = 0;
  for (const event& e : t.events) {
    if (!r.reset_on.empty() && matches(r.reset_on, e) && !segments.back().empty()) {
      segments.emplace_back();
    }
    if (next_selected < pick.events.size() && pick.events[next_selected] == &e) {
      if (r.maxpause_ms && previous && previous->time && e.time &&
          (e.time->micros - previous->time->micros) / 1000 > *r.maxpause_ms &&
          !segments.back().empty()) {
        segments.emplace_back();
      }
      segments.back().push_back(&e);
      previous = &e;
      ++next_selected;
    }
  }
  std::vector<std::size_t> steps;
  for (const auto& segment : segments) {
    // Steps compare by interned id: equal ids are equal signatures, turn-wide.
    steps.clear();
    for (const event* e : segment) steps.push_back(view.step_at(view.index_of(*e)));
    for (const graph::repeated_walk& walk : graph::find_repeated_walks(steps, r.max_period)) {
      if (walk.iterations < r.min_iterations) continue;
      finding f = start_finding(r, t);
      f.iterations = walk.iterations;
      for (const std::size_t id : walk.cycle) {
        f.cycle.push_back(view.name(static_cast<std::uint32_t>(id)));
      }
      std::vector<const event*> loop(
          segment.begin() + static_cast<std::ptrdiff_t>(walk.first_step),
          segment.begin() + static_cast<std::ptrdiff_t>(walk.last_step) + 1);
      complete(r, f, view, pick.which, loop, max_evidence);
      if (r.maxspan_ms && f.duration_ms() && *f.duration_ms() > *r.maxspan_ms) continue;
      out.push_back(std::move(f));
    }
  }
}

const std::set<std::string>& stop_words() {
  static const std::set<std::string> words{
      "a", "an", "the", "and", "then", "to", "of", "it", "is", "be", "now", "so",   "just", "will",
      "i", "me", "my",  "we",  "let",  "us", "ll", "s",  "in", "on", "for", "with", "this", "that"};
  return words;
}

// One session's recurrences: where the turns' signatures repeat, the findings of those turns (of
// this session, among `findings`) are given the turns' numbers.
void mark_session_recurrences(const std::string& session,
                              const std::vector<std::pair<int, std::string>>& turns,
                              std::span<finding* const> findings) {
  std::map<std::string, std::size_t> ids;
  std::vector<std::size_t> steps;
  std::vector<std::string> names;
  for (const auto& [index, signature] : turns) {
    auto [it, inserted] = ids.try_emplace(signature, names.size());
    if (inserted) names.push_back(signature);
    steps.push_back(it->second);
  }
  // Period 1: the same rules every turn; 2–3: a pattern of turns (fails, recovers, fails…).
  for (const graph::repeated_walk& walk : graph::find_repeated_walks(steps, 3)) {
    if (walk.iterations < 2) continue;
    bool any = false;
    for (const std::size_t id : walk.cycle) any = any || !names[id].empty();
    if (!any) continue;  // clean turns repeating is not a loop
    std::vector<int> turn_numbers;
    for (std::size_t step = walk.first_step; step <= walk.last_step; ++step) {
      turn_numbers.push_back(turns[step].first);
    }
    // A walk may span thousands of turns, each with findings: a set, not a scan per finding.
    const std::unordered_set<int> in_walk(turn_numbers.begin(), turn_numbers.end());
    for (finding* f : findings) {
      if (f->session != session || f->turn == 0) continue;
      if (in_walk.count(f->turn) == 0) continue;
      f->recurs_in_turns = turn_numbers;
    }
  }
}

}  // namespace

std::set<std::string> message_words(std::string_view text) {
  std::set<std::string> words;
  std::string word;
  auto flush = [&] {
    if (!word.empty() && stop_words().count(word) == 0) words.insert(word.substr(0, 4));
    word.clear();
  };
  for (const char c : text) {
    const auto u = static_cast<unsigned char>(c);
    if (std::isalnum(u) || u >= 0x80) {
      word += static_cast<char>(std::tolower(u));
    } else {
      flush();  // apostrophes split "I'll" into "i" + "ll": both stop words
    }
  }
  flush();
  return words;
}

double word_similarity(const std::set<std::string>& a, const std::set<std::string>& b) {
  if (a.empty() && b.empty()) return 1.0;
  std::size_t common = 0;
  for (const std::string& w : a) common += b.count(w);
  const std::size_t total = a.size() + b.size() - common;
  return total == 0 ? 0.0 : static_cast<double>(common) / static_cast<double>(total);
}

rule_engine::rule_engine(std::shared_ptr<const rule_set> rules, engine_settings settings)
    : rules_(std::move(rules)), settings_(settings) {}

rule_engine::~rule_engine() = default;
rule_engine::rule_engine(rule_engine&&) noexcept = default;
rule_engine& rule_engine::operator=(rule_engine&&) noexcept = default;

void rule_engine::on_turn_part(const session::turn& part) {
  auto& digest = digests_[{part.session_key, part.index}];
  if (!digest) digest = std::make_unique<turn_digest>(rules_, settings_.max_evidence_lines);
  digest->add(part);
}

void rule_engine::detect_whole(const session::turn& t, session_state& state,
                               std::vector<finding>& found) {
  turn_view view(t);
  for (std::size_t index = 0; index < rules_->size(); ++index) {
    const rule& r = (*rules_)[index];
    switch (r.mode) {
      case detection_mode::count: {
        const lane_pick pick = select(view, r.match, r.lanes);
        if (static_cast<int>(pick.events.size()) < r.min_iterations || pick.events.empty()) break;
        finding f = start_finding(r, t);
        f.iterations = static_cast<int>(pick.events.size());
        if (r.measured == rule::measure::attempts) {
          // "Reconnecting... 2/5" alone proves two retries; attempts restart per sampling request.
          int proven = 0, run_max = 0, previous = 0;
          for (const event* e : pick.events) {
            if (e->attempt <= previous) {
              proven += run_max;
              run_max = 0;
            }
            run_max = std::max(run_max, e->attempt);
            previous = e->attempt;
          }
          proven += run_max;
          f.iterations = std::max(f.iterations, proven);
        }
        f.cycle.push_back(view.name(view.step_at(view.index_of(*pick.events.front()))));
        complete(r, f, view, pick.which, pick.events, settings_.max_evidence_lines);
        found.push_back(std::move(f));
        break;
      }
      case detection_mode::cycle: {
        const lane_pick pick = select(view, r.match, r.lanes);
        if (!pick.events.empty()) detect_cycles(r, view, pick, settings_.max_evidence_lines, found);
        break;
      }
      case detection_mode::failed_turn: {
        if (outcome_of(t) != turn_outcome::failed) break;
        finding f = start_finding(r, t);
        f.iterations = 1;
        const lane_pick pick = select(view, r.match, r.lanes);
        complete(r, f, view, pick.which, pick.events, settings_.max_evidence_lines);
        found.push_back(std::move(f));
        break;
      }
      case detection_mode::consecutive_turns: {
        turn_record record;
        record.index = t.index;
        record.turn_id = t.id;
        record.start = t.start;
        record.end = t.end;
        const lane_pick pick = select(view, r.match, r.lanes);
        if (r.key == turn_key::failure_message) {
          if (outcome_of(t) == turn_outcome::failed && !pick.events.empty()) {
            const event& last = *pick.events.back();
            record.key = last.text_template.empty() ? last.message : last.text_template;
            record.shown = last.message;
            if (record.key.empty()) record.key = "(no message)";
            record.cause = find_cause(r, t, pick.events);
          }
        } else if (!pick.events.empty()) {
          const event& last = *pick.events.back();
          record.words = message_words(last.message);
          record.shown = last.message;
          record.key = record.words.empty() ? "" : "message";
        }
        for (const event* e : pick.events) {
          if (record.evidence.size() < 3) record.evidence.push_back(evidence_of(*e));
        }
        extend_run(r, t.session_key, state.runs[index], std::move(record));
        break;
      }
    }
  }
}

void rule_engine::detect_digest(const turn_digest& digest, const session::turn& t,
                                session_state& state, std::vector<finding>& found) {
  for (std::size_t index = 0; index < rules_->size(); ++index) {
    const rule& r = (*rules_)[index];
    if (r.mode != detection_mode::consecutive_turns) {
      for (finding& f : digest.findings(index, t)) found.push_back(std::move(f));
      continue;
    }
    turn_key_facts facts = digest.key_facts(index, t);
    turn_record record;
    record.index = t.index;
    record.turn_id = t.id;
    record.start = t.start;
    record.end = t.end;
    record.key = std::move(facts.key);
    record.words = std::move(facts.words);
    record.shown = std::move(facts.shown);
    record.cause = std::move(facts.cause);
    record.evidence = std::move(facts.evidence);
    extend_run(r, t.session_key, state.runs[index], std::move(record));
  }
}

std::vector<finding> rule_engine::on_turn(const session::turn& t) {
  std::vector<finding> found;
  const auto [seen, is_new] = sessions_.try_emplace(t.session_key);
  if (is_new) seen->second.first_seen = sessions_seen_++;
  session_state& state = seen->second;
  std::unique_ptr<turn_digest> digest;
  if (auto it = digests_.find({t.session_key, t.index}); it != digests_.end()) {
    digest = std::move(it->second);
    digests_.erase(it);
    digest->add(t);
    digest->end();
    detect_digest(*digest, t, state, found);
  } else {
    detect_whole(t, state, found);
  }
  // One finding per loop: a rule may defer to another kind found in the same turn. Findings of
  // rules that defer to nothing stand first; the others are weighed in rule order against what
  // already stands, so two rules can never silence each other.
  auto owner_of = [&](const finding& f) -> const rule* {
    for (const rule& r : *rules_) {
      if (r.id == f.rule) return &r;
    }
    return nullptr;
  };
  std::vector<bool> keep(found.size(), false);
  std::vector<finding_kind> standing;
  for (std::size_t i = 0; i < found.size(); ++i) {
    const rule* owner = owner_of(found[i]);
    if (owner == nullptr || owner->suppressed_by.empty()) {
      keep[i] = true;
      standing.push_back(found[i].kind);
    }
  }
  for (std::size_t i = 0; i < found.size(); ++i) {
    if (keep[i]) continue;
    const rule* owner = owner_of(found[i]);
    if (owner == nullptr) continue;
    bool covered = false;
    for (const finding_kind other : owner->suppressed_by) {
      covered = covered || std::find(standing.begin(), standing.end(), other) != standing.end();
    }
    if (!covered) {
      keep[i] = true;
      standing.push_back(found[i].kind);
    }
  }
  std::vector<finding> kept;
  std::set<std::string> fired;
  for (std::size_t i = 0; i < found.size(); ++i) {
    if (!keep[i]) continue;
    fired.insert(found[i].rule);
    kept.push_back(std::move(found[i]));
  }
  if (!kept.empty()) {
    const turn_profile profile = digest ? digest->profile(t, kept) : profile_turn(t, kept);
    for (finding& f : kept) f.profile = profile;
  }
  std::string signature;
  for (const std::string& id : fired) signature += id + ";";
  // Turns past the cap are not recorded: recurrences are only marked among a session's first
  // max_recurrence_turns turns, so a session never ending costs bounded memory.
  auto& signatures = turn_signatures_[t.session_key];
  if (signatures.size() < settings_.max_recurrence_turns) {
    signatures.emplace_back(t.index, std::move(signature));
  }
  return kept;
}

void rule_engine::mark_recurrences(std::vector<finding*>& findings) const {
  for (const auto& [session, turns] : turn_signatures_) {
    mark_session_recurrences(session, turns, findings);
  }
}

void rule_engine::extend_run(const rule& r, const std::string& session, run_tracker& tracker,
                             turn_record record) const {
  // A turn's evidence joins the run's, up to the cap for the whole run.
  auto take_evidence = [&](open_run& run) {
    for (evidence_line& e : record.evidence) {
      if (run.evidence.size() < settings_.max_evidence_lines) run.evidence.push_back(std::move(e));
    }
    record.evidence.clear();
  };
  if (tracker.open && !record.key.empty()) {
    const turn_record& first = tracker.open->first;
    // Compared with the run's first turn, not the previous one: near-duplicates must not drift.
    const bool same = r.key == turn_key::failure_message
                          ? record.key == first.key
                          : word_similarity(record.words, first.words) >= r.similarity;
    if (same) {
      open_run& run = *tracker.open;
      ++run.turns;
      run.end = record.end;
      take_evidence(run);
      return;
    }
  }
  if (tracker.open) {
    close_run(r, session, std::move(*tracker.open), tracker.closed);
    tracker.open.reset();
  }
  if (record.key.empty()) return;  // a turn without the key starts nothing
  open_run run;
  run.end = record.end;
  take_evidence(run);
  run.first = std::move(record);
  tracker.open = std::move(run);
}

void rule_engine::close_run(const rule& r, const std::string& session, open_run run,
                            std::vector<finding>& out) const {
  if (run.turns < r.min_iterations || run.turns < 2) return;
  finding f;
  f.rule = r.id;
  f.kind = r.kind;
  f.session = session;
  f.turn = run.first.index;
  f.turn_id = std::move(run.first.turn_id);
  f.iterations = run.turns;
  f.start = run.first.start;
  f.end = run.end;
  f.cause = std::move(run.first.cause);
  f.cycle.push_back(r.key == turn_key::failure_message ? "turn failed: " + run.first.key
                                                       : "agent_message " + run.first.shown);
  f.evidence = std::move(run.evidence);
  apply_severity(r, f, turn_outcome::none);
  write_prose(r, f, "codex");
  out.push_back(std::move(f));
}

std::vector<finding> rule_engine::close_session(const std::string& session,
                                                session_state& state) const {
  std::vector<finding> found;
  for (auto& [index, tracker] : state.runs) {
    for (finding& f : tracker.closed) found.push_back(std::move(f));
    tracker.closed.clear();
    if (tracker.open) {
      close_run((*rules_)[index], session, std::move(*tracker.open), found);
      tracker.open.reset();
    }
  }
  return found;
}

std::vector<finding> rule_engine::finish_session(const std::string& session_key,
                                                 std::span<finding* const> earlier) {
  std::vector<finding> found;
  if (const auto it = sessions_.find(session_key); it != sessions_.end()) {
    found = close_session(session_key, it->second);
    sessions_.erase(it);
  }
  if (const auto it = turn_signatures_.find(session_key); it != turn_signatures_.end()) {
    std::vector<finding*> marked(earlier.begin(), earlier.end());
    for (finding& f : found) marked.push_back(&f);
    mark_session_recurrences(session_key, it->second, marked);
    turn_signatures_.erase(it);
  }
  return found;
}

std::vector<finding> rule_engine::finish() {
  std::vector<std::pair<std::uint64_t, const std::string*>> order;
  order.reserve(sessions_.size());
  for (const auto& [session, state] : sessions_) order.emplace_back(state.first_seen, &session);
  std::sort(order.begin(), order.end());
  std::vector<finding> found;
  for (const auto& [first_seen, session] : order) {
    for (finding& f : close_session(*session, sessions_.at(*session)))
      found.push_back(std::move(f));
  }
  // The signatures stay: mark_recurrences runs after finish().
  sessions_.clear();
  return found;
}

}  // namespace loopscope::detect
