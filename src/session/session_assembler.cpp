#include "loopscope/session/session_assembler.hpp"

#include <algorithm>
#include <limits>

namespace loopscope::session {
namespace {

// What a session says about its client: the latest non-empty value.
void keep_latest(std::string& kept, const shared_text& said) {
  if (!said.empty() && kept != said.view()) kept.assign(said.view());
}

bool is_proxy_request(const event& e) {
  return e.kind == event_kind::request || e.kind == event_kind::ws_error ||
         e.kind == event_kind::ws_connect;
}

bool is_synthetic_key(std::string_view key) {
  return key.empty() || key.starts_with("input:");
}

// finish() drains everything: what still waits then, stamped or not, is stale.
constexpr std::int64_t end_of_time_micros = std::numeric_limits<std::int64_t>::max() / 2;

// A retry line that names no cause ("Reconnecting... 3/5" pasted without details) retried the
// error that ended the series: Codex's final error is its last attempt's error.
void fill_unnamed_retries(std::vector<event>& events) {
  const event* ending_error = nullptr;
  for (auto it = events.rbegin(); it != events.rend(); ++it) {
    event& e = *it;
    if (e.kind == event_kind::turn_error || e.kind == event_kind::transport_fallback) {
      ending_error = &e;
    } else if (e.kind == event_kind::stream_retry && ending_error != nullptr &&
               ending_error->source == e.source && e.http.status == 0 &&
               e.http.transport == transport_kind::unknown && e.error_class.empty()) {
      e.http = ending_error->http;
      e.error_class = ending_error->error_class;
    }
  }
}

// Events in time order; untimed ones (exec JSON) keep their own order after the timed ones.
void sort_by_time(std::vector<event>& events) {
  const auto earlier = [](const event& a, const event& b) {
    if (a.time && b.time) return *a.time < *b.time;
    return a.time.has_value() && !b.time.has_value();
  };
  // Most turns arrive in order already (one file, one writer): checking is a read, while
  // stable_sort allocates a buffer and moves every event through it whatever the order.
  if (std::is_sorted(events.begin(), events.end(), earlier)) return;
  std::stable_sort(events.begin(), events.end(), earlier);
}

}  // namespace

session_assembler::session_state& session_assembler::state_for(std::string_view key,
                                                               input_index input) {
  // Events come in runs of one session: the last one found is asked first (a map walk per event
  // compared the key with several others; profiled at a fortieth of the consuming thread).
  auto it =
      last_found_ != states_.end() && last_found_->first == key ? last_found_ : states_.find(key);
  const bool inserted = it == states_.end();
  if (inserted) it = states_.try_emplace(std::string(key)).first;
  last_found_ = it;
  session_state& s = it->second;
  if (inserted) {
    s.summary.id = key;
    s.order = sessions_seen_++;
    if (is_synthetic_key(key)) synthetic_keys_.insert(it->first);
    if (auto retired = retired_turn_counts_.find(it->first);
        retired != retired_turn_counts_.end()) {
      s.created = retired->second;
      retired_turn_counts_.erase(retired);
    }
  }
  s.summary.sources.insert(input);
  // The line's own place in time, not the furthest time seen: after a clock jump backwards a
  // session must not look stale while its lines are still coming.
  if (placed_at_) s.last_activity = placed_at_;
  if (!s.touched) {  // a touched session is active until advance() looks at it
    s.touched = true;
    touched_.push_back(it->first);
    active_.insert(it->first);
  }
  return s;
}

session_assembler::open_turn* session_assembler::find_turn(session_state& s, std::string_view id) {
  if (id.empty()) return nullptr;
  for (auto& t : s.open) {
    if (t->t.id == id) return t.get();
  }
  return nullptr;
}

session_assembler::open_turn* session_assembler::current_turn(session_state& s) {
  for (auto it = s.open.rbegin(); it != s.open.rend(); ++it) {
    if (!(*it)->ended) return it->get();
  }
  return nullptr;
}

session_assembler::open_turn& session_assembler::start_turn(session_state& s, const std::string& id,
                                                            std::optional<timestamp> when) {
  // Turns of one session follow each other: a turn that never said it ended stops here.
  for (auto& earlier : s.open) {
    if (!earlier->ended) {
      earlier->ended = true;
      earlier->ended_at = when ? when : earlier->last_seen;
      reindex(s, *earlier);
    }
  }
  auto fresh = std::make_unique<open_turn>();
  fresh->t.session_key = s.summary.id;
  fresh->t.index = ++s.created;
  fresh->t.id = id;
  fresh->t.start = when;
  fresh->last_seen = when;
  open_turn& t = *fresh;
  s.open.push_back(std::move(fresh));
  reindex(s, t);
  // Prewarm handshakes and proxy lines just before the turn belong to it: the session's own, and
  // proxy requests without join keys that no turn has claimed yet.
  std::vector<std::pair<event, std::optional<timestamp>>> waiting = std::move(s.waiting);
  s.waiting.clear();
  if (!is_synthetic_key(s.summary.id) && when) {
    for (const std::string& key : synthetic_keys_) {
      session_state& other = states_.at(key);
      std::size_t kept = 0;
      for (std::size_t i = 0; i < other.waiting.size(); ++i) {
        const auto& at = other.waiting[i].second;
        if (at && *at <= *when && when->micros - at->micros <= settings_.lead_in_micros) {
          waiting.push_back(std::move(other.waiting[i]));
        } else {
          if (kept != i) other.waiting[kept] = std::move(other.waiting[i]);
          ++kept;
        }
      }
      other.waiting.resize(kept);
    }
  }
  for (auto& [e, at] : waiting) {
    // Only what came after the previous turn ended, and shortly before this one. Proxy stamps
    // have whole seconds: a prewarm logged in the second the previous turn ended is after it
    // (Codex 0.171 starts a resumed process within that second).
    constexpr std::int64_t whole_second = 1'000'000;
    const bool after_previous =
        !at || !s.last_end || s.last_end->micros <= at->micros + whole_second;
    const bool recent = !when || !at || when->micros - at->micros <= settings_.lead_in_micros;
    if (recent && after_previous) {
      add_to_turn(s, t, std::move(e), at);
    } else {
      ++s.summary.events_outside_turns;
      if (normalize::role_of(e.source) == normalize::source_role::proxy && is_proxy_request(e)) {
        ++s.summary.proxy_requests_outside_turns;
      }
    }
  }
  return t;
}

void session_assembler::add_to_turn(session_state& s, open_turn& t, event&& e,
                                    std::optional<timestamp> when) {
  s.summary.sources.insert(e.where.input);
  if (when) s.last_activity = when;
  if (normalize::role_of(e.source) == normalize::source_role::proxy && is_proxy_request(e)) {
    ++t.t.requests;
    if (!is_synthetic_key(e.session_key) && e.session_key == t.t.session_key) {
      ++t.t.joined.by_header;
    } else if (!e.request_id.empty() && session_of_request_id_.count(e.request_id.view()) != 0) {
      ++t.t.joined.by_id;
    } else {
      ++t.t.joined.by_time;
    }
  }
  // A turn's span comes from stamps the lines carry; an inherited position (a line without a
  // stamp) only places the event.
  if (e.time) {
    if (!t.t.start || *e.time < *t.t.start) t.t.start = e.time;
    if (!t.t.end || *t.t.end < *e.time) t.t.end = e.time;
  }
  if (when && (!t.last_seen || *t.last_seen < *when)) t.last_seen = when;
  if (t.t.id.empty() && !e.turn_key.empty() &&
      normalize::role_of(e.source) == normalize::source_role::client) {
    t.t.id = e.turn_key;
  }
  if (e.kind == event_kind::turn_end) {
    t.t.outcome = e.outcome;
    t.ended = true;
    t.ended_at = when ? when : t.last_seen;
    if (t.ended_at && (!s.last_end || *s.last_end < *t.ended_at)) s.last_end = t.ended_at;
  }
  e.session_key = t.t.session_key;
  t.t.events.push_back(std::move(e));
  reindex(s, t);
  if (settings_.turn_window_events != 0 && t.t.events.size() >= settings_.turn_window_events &&
      sink_.takes_turn_parts()) {
    hand_on_part(t);
  }
}

void session_assembler::hand_on_part(open_turn& t) {
  // The window is full: its oldest events go on as a part, as hand_on would hand them (retry
  // lines completed, time order); the turn keeps its facts and counts. Lines still arrive late
  // (proxy requests decided by time, prewarms): events within lead_in of the latest stay for the
  // next part, so that the parts follow each other in time — unless that would keep more than
  // half the window (a turn writing that fast in so short a time is cut by position).
  std::vector<event>& events = t.t.events;
  fill_unnamed_retries(events);
  for (const event& e : events) {
    if (e.kind == event_kind::turn_error) t.saw_turn_error = true;
  }
  sort_by_time(events);
  std::size_t cut = 0;
  if (t.last_seen) {
    const std::int64_t horizon = t.last_seen->micros - settings_.lead_in_micros;
    while (cut < events.size() && events[cut].time && events[cut].time->micros <= horizon) ++cut;
  }
  cut = std::max(cut, events.size() / 2);
  turn part;
  part.session_key = t.t.session_key;
  part.index = t.t.index;
  part.id = t.t.id;
  part.start = t.t.start;
  part.end = t.t.end;
  part.outcome = t.t.outcome;
  part.events_before = t.t.events_before;
  part.requests = t.t.requests;
  part.joined = t.t.joined;
  part.events.assign(std::make_move_iterator(events.begin()),
                     std::make_move_iterator(events.begin() + static_cast<std::ptrdiff_t>(cut)));
  events.erase(events.begin(), events.begin() + static_cast<std::ptrdiff_t>(cut));
  sink_.on_turn_part(part);
  t.t.events_before += cut;
}

void session_assembler::route_untimed_client(session_state& s, event&& e) {
  // exec JSON carries no times: its n-th turn is the session's n-th turn.
  if (e.kind == event_kind::turn_start) {
    ++s.exec_position;
    s.exec_in_turn = true;
  }
  if (!s.exec_in_turn && e.kind != event_kind::turn_start) {
    ++s.summary.events_outside_turns;
    return;
  }
  const bool ends = e.kind == event_kind::turn_end;
  // The timed sources own turn boundaries; exec's own start/end lines are kept as evidence only
  // when the outcome is missing elsewhere (rollouts of exec sessions do not record failures).
  s.exec_turns[s.exec_position].push_back(std::move(e));
  if (ends) s.exec_in_turn = false;
}

void session_assembler::route_client(session_state& s, event&& e, std::optional<timestamp> when) {
  session_summary& summary = s.summary;
  // Every event of a rollout carries its model and CLI version: compared, not copied each time.
  keep_latest(summary.cli_version, e.cli_version);
  keep_latest(summary.originator, e.originator);
  keep_latest(summary.provider, e.provider);
  keep_latest(summary.model, e.model);

  if (!when && timed_sessions_.count(summary.id) != 0) {
    route_untimed_client(s, std::move(e));
    return;
  }
  if (e.kind == event_kind::turn_start) {
    open_turn* existing = find_turn(s, e.turn_key);
    if (existing == nullptr && !e.turn_key.empty() && s.closed_ids.count(e.turn_key.view()) != 0) {
      ++summary.events_outside_turns;  // a late duplicate of a turn already reported
      return;
    }
    open_turn& t = existing != nullptr ? *existing : start_turn(s, e.turn_key, when);
    add_to_turn(s, t, std::move(e), when);
    return;
  }
  open_turn* t = find_turn(s, e.turn_key);
  if (t == nullptr && !e.turn_key.empty() && s.closed_ids.count(e.turn_key.view()) == 0 &&
      e.kind != event_kind::session_start) {
    // A source that names turns but has no start line for this one (a resumed trace).
    t = &start_turn(s, e.turn_key, when);
  }
  if (t == nullptr && e.turn_key.empty()) t = current_turn(s);
  if (t == nullptr) {
    if (e.kind == event_kind::session_start || !e.turn_key.empty()) {
      ++summary.events_outside_turns;
    } else {
      s.waiting.emplace_back(std::move(e), when);  // start-up lines: the next turn's
    }
    return;
  }
  add_to_turn(s, *t, std::move(e), when);
}

// Where a proxy request without join keys belongs, decided once the turns around it are known:
// the turn whose span holds it (stamps have whole seconds: one second of tolerance), else the
// turn that starts shortly after it (the start-up prewarm), else one that has just ended.
bool session_assembler::join_by_time(event& e, std::optional<timestamp> when) {
  if (!when) return false;
  const std::int64_t t = when->micros;
  constexpr std::int64_t tolerance = 1'000'000;
  const turn_slot* chosen = nullptr;
  // Containing: the latest start at most a second after it, among the turns not over by then.
  // Within one start, the first in key order (walking down, the last one met).
  for (auto it = by_start_.upper_bound(t + tolerance); it != by_start_.begin();) {
    --it;
    if (chosen != nullptr && it->micros != chosen->micros) break;
    const open_turn& candidate = *it->turn;
    const bool over = candidate.ended && candidate.ended_at;
    const std::int64_t end = over ? candidate.ended_at->micros : end_of_time_micros;
    if (t <= end + tolerance) chosen = &*it;
  }
  // Upcoming: the earliest start after it, within the lead-in.
  if (chosen == nullptr) {
    const auto it = by_start_.upper_bound(t);
    if (it != by_start_.end() && it->micros - t <= settings_.lead_in_micros) chosen = &*it;
  }
  // Recent: the latest end before it, within the grace.
  if (chosen == nullptr) {
    for (auto it = by_end_.lower_bound(t); it != by_end_.begin();) {
      --it;
      if (t - it->micros > settings_.grace_micros) break;
      if (chosen != nullptr && it->micros != chosen->micros) break;
      chosen = &*it;
    }
  }
  if (chosen == nullptr) return false;
  session_state& s = *chosen->state;
  open_turn& turn = *chosen->turn;  // copied out: add_to_turn moves the slot
  if (!s.touched) {
    s.touched = true;
    touched_.push_back(s.summary.id);
  }
  add_to_turn(s, turn, std::move(e), when);
  return true;
}

void session_assembler::decide_unjoined(std::optional<timestamp> now) {
  while (!unjoined_.empty()) {
    auto& [e, at] = unjoined_.front();
    if (now && at && now->micros - at->micros < settings_.decision_delay_micros) break;
    event pending = std::move(e);
    const std::optional<timestamp> when = at;
    unjoined_.pop_front();
    if (join_by_time(pending, when)) continue;
    // No turn fits: the request stays with the proxy's own session (proxy-only turns).
    session_state& own = state_for(pending.session_key, pending.where.input);
    own.summary.proxy_only = true;
    own.waiting.emplace_back(std::move(pending), when);
  }
}

void session_assembler::route_proxy(event&& e, std::optional<timestamp> when) {
  // Strongest evidence first: the session and turn named in Codex's request headers.
  if (!is_synthetic_key(e.session_key)) {
    session_state& s = state_for(e.session_key, e.where.input);
    if (!e.request_id.empty()) {
      // Listed with the session that now owns the id, so that its retirement forgets it (an id
      // taken over from another session would otherwise stay in the map for good).
      const auto [known, inserted] =
          session_of_request_id_.try_emplace(e.request_id, e.session_key);
      if (inserted || known->second != e.session_key) {
        known->second = e.session_key;
        s.request_ids.push_back(e.request_id);
      }
    }
    open_turn* t = find_turn(s, e.turn_key);
    if (t == nullptr && !e.turn_key.empty() && s.closed_ids.count(e.turn_key.view()) == 0) {
      t = &start_turn(s, e.turn_key, when);  // the proxy saw the turn before Codex's logs did
    }
    if (t == nullptr && e.turn_key.empty()) {
      // Prewarm (turn id ""): the next turn, or the open one if it started within the proxy
      // stamp's second (Codex 0.145+ may start the turn before the prewarm reaches the proxy).
      constexpr std::int64_t whole_second = 1'000'000;
      open_turn* open = current_turn(s);
      if (open != nullptr && open->t.start && when &&
          open->t.start->micros + whole_second >= when->micros) {
        add_to_turn(s, *open, std::move(e), when);
        return;
      }
      s.waiting.emplace_back(std::move(e), when);
      return;
    }
    if (t == nullptr) {
      ++s.summary.events_outside_turns;
      if (is_proxy_request(e)) ++s.summary.proxy_requests_outside_turns;
      return;
    }
    add_to_turn(s, *t, std::move(e), when);
    return;
  }
  if (!e.request_id.empty()) {
    if (auto it = session_of_request_id_.find(e.request_id.view());
        it != session_of_request_id_.end()) {
      session_state& s = state_for(it->second, e.where.input);
      if (open_turn* t = current_turn(s)) {
        add_to_turn(s, *t, std::move(e), when);
        return;
      }
    }
  }
  if (!when) {
    session_state& own = state_for(e.session_key, e.where.input);
    own.summary.proxy_only = true;
    own.waiting.emplace_back(std::move(e), when);
    return;
  }
  // No keys: decide by time once the turns around it are known (a few seconds later).
  unjoined_.emplace_back(std::move(e), when);
}

void session_assembler::on_merged(event&& e, std::optional<timestamp> when,
                                  normalize::source_role role) {
  if (when && (!now_ || *now_ < *when)) now_ = when;
  placed_at_ = when;
  if (role == normalize::source_role::proxy) {
    route_proxy(std::move(e), when);
    return;
  }
  auto& held = unnamed_client_events_[e.where.input];
  if (is_synthetic_key(e.session_key)) {
    // A Codex line that names no session (the start-up prewarm before the session span opens):
    // it belongs to the session the same input names next, if that comes soon.
    if (!held.empty() && held.front().second && when &&
        when->micros - held.front().second->micros > settings_.lead_in_micros) {
      release_unnamed(e.where.input);  // erases the input's entry: `held` is gone with it
    }
    unnamed_client_events_[e.where.input].emplace_back(std::move(e), when);
    return;
  }
  if (!held.empty()) {
    if (is_synthetic_key(e.session_key)) {
      release_unnamed(e.where.input);
    } else {
      session_state& named = state_for(e.session_key, e.where.input);
      for (auto& [waiting, at] : held) {
        waiting.session_key = e.session_key;
        open_turn* current = current_turn(named);
        if (current != nullptr && current->t.start && at &&
            current->t.start->micros <= at->micros + settings_.lead_in_micros) {
          add_to_turn(named, *current, std::move(waiting), at);
        } else {
          named.waiting.emplace_back(std::move(waiting), at);
        }
      }
      held.clear();
    }
  }
  if (!is_synthetic_key(e.session_key)) {
    std::string& named = last_named_session_[e.where.input];
    if (named != e.session_key.view()) named.assign(e.session_key.view());
  }
  session_state& s = state_for(e.session_key, e.where.input);
  route_client(s, std::move(e), when);
}

void session_assembler::release_unnamed(input_index input) {
  auto held = std::move(unnamed_client_events_[input]);
  unnamed_client_events_.erase(input);
  const auto named = last_named_session_.find(input);
  for (auto& [e, at] : held) {
    // Lines after the input's last session line (shutdown) still belong to that session.
    if (named != last_named_session_.end()) e.session_key = named->second;
    session_state& s = state_for(e.session_key, e.where.input);
    route_client(s, std::move(e), at);
  }
}

void session_assembler::hand_on(session_state& s, std::size_t position) {
  open_turn& t = *s.open[position];
  unindex(t);
  // Exec JSON of this turn (matched by position) joins it now.
  if (auto it = s.exec_turns.find(t.t.index); it != s.exec_turns.end()) {
    for (event& e : it->second) {
      if (e.kind == event_kind::turn_end && t.t.outcome == turn_outcome::none)
        t.t.outcome = e.outcome;
      if (e.kind == event_kind::turn_end && e.outcome == turn_outcome::failed) {
        t.t.outcome = turn_outcome::failed;  // exec says it failed; a rollout may not
      }
      e.session_key = t.t.session_key;
      t.t.events.push_back(std::move(e));
    }
    s.exec_turns.erase(it);
  }
  fill_unnamed_retries(t.t.events);
  // Codex's "Turn error" is the end of a turn whose own end line is missing (a trace alone).
  if (t.t.outcome == turn_outcome::none &&
      (t.saw_turn_error || std::any_of(t.t.events.begin(), t.t.events.end(), [](const event& e) {
         return e.kind == event_kind::turn_error;
       }))) {
    t.t.outcome = turn_outcome::failed;
  }
  sort_by_time(t.t.events);
  if (!t.t.id.empty()) s.closed_ids.insert(t.t.id);
  sink_.on_turn(t.t);
  session_summary& summary = s.summary;
  if (summary.turns.size() < settings_.max_turn_summaries) {
    summary.turns.push_back(turn_summary{t.t.index, t.t.id, t.t.start, t.t.end, t.t.outcome,
                                         t.t.requests, t.t.joined,
                                         t.t.events_before + t.t.events.size()});
  } else {
    ++summary.turns_omitted;
  }
  if (t.t.start && (!summary.start || *t.t.start < *summary.start)) summary.start = t.t.start;
  if (t.t.end && (!summary.end || *summary.end < *t.t.end)) summary.end = t.t.end;
  s.open.erase(s.open.begin() + static_cast<std::ptrdiff_t>(position));
}

void session_assembler::drop_stale_waiting(session_state& s, timestamp now) {
  // Take the stale ones out first: starting a turn below consumes s.waiting.
  std::vector<std::pair<event, std::optional<timestamp>>> stale;
  std::size_t kept = 0;
  for (std::size_t i = 0; i < s.waiting.size(); ++i) {
    const auto& at = s.waiting[i].second;
    const bool untimed_at_end = !at && now.micros == end_of_time_micros;
    if (untimed_at_end || (at && now.micros - at->micros > settings_.lead_in_micros)) {
      stale.push_back(std::move(s.waiting[i]));
    } else {
      if (kept != i) s.waiting[kept] = std::move(s.waiting[i]);
      ++kept;
    }
  }
  s.waiting.resize(kept);
  if (stale.empty()) return;

  session_summary& summary = s.summary;
  // A proxy log's own session, or a session whose logs never name a turn (logs_2.sqlite keeps
  // no spans): bursts of its events become its turns.
  const bool proxy_own = is_synthetic_key(summary.id) || s.created == 0;
  for (auto& [e, at] : stale) {
    if (proxy_own) {
      // No Codex turn claimed it: bursts of such requests form the proxy's own turns.
      open_turn* t = current_turn(s);
      const bool new_burst =
          t == nullptr || (at && t->last_seen &&
                           at->micros - t->last_seen->micros > settings_.proxy_burst_gap_micros);
      if (new_burst) {
        auto still_waiting = std::move(s.waiting);
        s.waiting.clear();
        t = &start_turn(s, "", at);
        s.waiting = std::move(still_waiting);
      }
      add_to_turn(s, *t, std::move(e), at);
      continue;
    }
    ++summary.events_outside_turns;
    if (normalize::role_of(e.source) == normalize::source_role::proxy && is_proxy_request(e)) {
      ++summary.proxy_requests_outside_turns;
    }
  }
}

void session_assembler::close_expired(session_state& s, std::optional<timestamp> now) {
  // A turn no source ever ends (a trace or a proxy log alone) ends once nothing has happened in
  // it for a long while: otherwise every finished session would stay in memory to the end.
  if (now) {
    for (auto& open : s.open) {
      if (!open->ended && open->last_seen &&
          now->micros - open->last_seen->micros > settings_.idle_close_micros) {
        open->ended = true;
        open->ended_at = open->last_seen;
        reindex(s, *open);
      }
    }
  }
  for (std::size_t i = 0; i < s.open.size();) {
    open_turn& t = *s.open[i];
    // A clock that jumped back past an ended turn by more than the grace expires it too:
    // waiting for the log to pass its end again would keep every later turn in memory.
    const bool expired =
        !now ||
        (t.ended && (!t.ended_at || now->micros - t.ended_at->micros > settings_.grace_micros ||
                     t.ended_at->micros - now->micros > settings_.grace_micros));
    // Hand on in index order only, so a session's turns are reported in sequence.
    if (expired && i == 0) {
      hand_on(s, i);
    } else {
      break;
    }
  }
}

void session_assembler::visit(session_state& s, timestamp now) {
  drop_stale_waiting(s, now);
  close_expired(s, now);
  if (is_idle(s)) {
    idle_.push_back(s.summary.id);
    active_.erase(s.summary.id);
    return;
  }
  const std::optional<std::int64_t> next = next_deadline(s);
  if (next && next != s.queued_deadline) {
    s.queued_deadline = next;
    deadlines_.emplace(*next, s.summary.id);
  }
}

// The earliest time at which drop_stale_waiting or close_expired could do anything in `s`, going
// forward (a clock gone back is advance's business).
std::optional<std::int64_t> session_assembler::next_deadline(const session_state& s) const {
  std::optional<std::int64_t> next;
  const auto consider = [&next](std::int64_t at) {
    if (!next || at < *next) next = at;
  };
  for (const auto& [e, at] : s.waiting) {
    if (at) consider(at->micros + settings_.lead_in_micros);
  }
  for (const auto& open : s.open) {
    if (!open->ended && open->last_seen) {
      consider(open->last_seen->micros + settings_.idle_close_micros);
    }
  }
  if (!s.open.empty() && s.open.front()->ended) {
    const open_turn& front = *s.open.front();
    consider(front.ended_at ? front.ended_at->micros + settings_.grace_micros
                            : std::numeric_limits<std::int64_t>::min());
  }
  return next;
}

bool session_assembler::slot_order::operator()(const turn_slot& a, const turn_slot& b) const {
  if (a.micros != b.micros) return a.micros < b.micros;
  const int by_key = a.turn->t.session_key.compare(b.turn->t.session_key);
  if (by_key != 0) return by_key < 0;
  return a.turn->t.index < b.turn->t.index;
}

// Lists a named session's open turn in by_start_ / by_end_ at its current times (join_by_time
// considers only turns with a start, and "recent" only those that ended).
void session_assembler::reindex(session_state& s, open_turn& t) {
  if (is_synthetic_key(t.t.session_key)) return;
  indexed_times now;
  if (t.t.start) {
    now.start = t.t.start->micros;
    if (t.ended && t.ended_at) now.end = t.ended_at->micros;
  }
  const bool fresh = !t.listed;
  indexed_times& was = t.listed ? *t.listed : t.listed.emplace();
  if (fresh || was.start != now.start) {
    if (!fresh && was.start) by_start_.erase(turn_slot{*was.start, &t, &s});
    if (now.start) by_start_.insert(turn_slot{*now.start, &t, &s});
  }
  if (fresh || was.end != now.end) {
    if (!fresh && was.end) by_end_.erase(turn_slot{*was.end, &t, &s});
    if (now.end) by_end_.insert(turn_slot{*now.end, &t, &s});
  }
  was = now;
}

void session_assembler::unindex(open_turn& t) {
  if (!t.listed) return;
  if (t.listed->start) by_start_.erase(turn_slot{*t.listed->start, &t, nullptr});
  if (t.listed->end) by_end_.erase(turn_slot{*t.listed->end, &t, nullptr});
  t.listed.reset();
}

bool session_assembler::is_idle(const session_state& s) const {
  return s.open.empty() && s.waiting.empty() && s.exec_turns.empty();
}

void session_assembler::retire(std::map<std::string, session_state>::iterator it) {
  session_state& s = it->second;
  for (const std::string& id : s.request_ids) {
    // Unless a later session took the id over.
    if (auto known = session_of_request_id_.find(id);
        known != session_of_request_id_.end() && known->second == it->first) {
      session_of_request_id_.erase(known);
    }
  }
  if (s.created > 0 && retired_turn_counts_.insert_or_assign(it->first, s.created).second) {
    retired_order_.push_back(it->first);
    if (retired_order_.size() > retired_memory) {
      retired_turn_counts_.erase(retired_order_.front());
      retired_order_.pop_front();
    }
  }
  active_.erase(it->first);
  synthetic_keys_.erase(it->first);
  session_summary summary = std::move(s.summary);
  if (last_found_ == it) last_found_ = states_.end();
  states_.erase(it);
  // A proxy log whose every request joined a Codex session leaves an empty shell: not a session.
  if (is_synthetic_key(summary.id) && summary.turns.empty() && summary.turns_omitted == 0) return;
  std::sort(summary.turns.begin(), summary.turns.end(),
            [](const turn_summary& a, const turn_summary& b) { return a.index < b.index; });
  sink_.on_session(std::move(summary));
}

void session_assembler::advance(timestamp now) {
  // Only ended turns expire on a clock gone back (close_expired), and none ended after the
  // furthest time seen: a step back of more than the grace looks at every session, as before.
  const bool everything = (now_ && now_->micros - now.micros > settings_.grace_micros) ||
                          now.micros == end_of_time_micros;
  if (!now_ || *now_ < now) now_ = now;
  decide_unjoined(now);
  // The sessions where something can change: those routed to since the last look, those whose
  // deadline has come, and the proxy's own (start_turn takes their waiting lines). The others
  // would be looked at for nothing. In key order, as a walk over all of them would go.
  std::vector<std::string> due;
  if (everything) {
    due.assign(active_.begin(), active_.end());
  } else {
    due = std::move(touched_);
    while (!deadlines_.empty() && deadlines_.top().first <= now.micros) {
      deadline next = deadlines_.top();
      deadlines_.pop();
      if (const auto it = states_.find(next.second);
          it != states_.end() && it->second.queued_deadline == next.first) {
        it->second.queued_deadline.reset();
      }
      due.push_back(std::move(next.second));
    }
    due.insert(due.end(), synthetic_keys_.begin(), synthetic_keys_.end());
    std::sort(due.begin(), due.end());
    due.erase(std::unique(due.begin(), due.end()), due.end());
  }
  touched_.clear();
  for (const std::string& key : due) {
    const auto it = states_.find(key);
    if (it == states_.end()) continue;
    it->second.touched = false;
    if (active_.count(key) != 0) visit(it->second, now);
  }
  // Sessions quiet for long are handed on; idle_ is in the order they fell quiet, roughly by
  // last activity, so the front tells when to stop looking.
  while (!idle_.empty()) {
    const auto it = states_.find(idle_.front());
    if (it == states_.end() || !is_idle(it->second) || active_.count(it->first) != 0) {
      idle_.pop_front();  // already retired, or active again (it will fall quiet again)
      continue;
    }
    const std::optional<timestamp>& last = it->second.last_activity;
    if (!last) {
      idle_.pop_front();  // never placed in time (exec JSON alone): kept to the end
      continue;
    }
    if (now.micros - last->micros < settings_.retire_after_micros &&
        last->micros - now.micros < settings_.retire_after_micros) {
      break;
    }
    idle_.pop_front();
    retire(it);
  }
}

void session_assembler::drain(session_state& s) {
  const timestamp end_of_time{end_of_time_micros};
  drop_stale_waiting(s, end_of_time);
  for (auto& [e, at] : s.waiting) {  // untimed leftovers
    ++s.summary.events_outside_turns;
    if (normalize::role_of(e.source) == normalize::source_role::proxy && is_proxy_request(e)) {
      ++s.summary.proxy_requests_outside_turns;
    }
  }
  s.waiting.clear();
  while (!s.open.empty()) hand_on(s, 0);
  // exec JSON turns that no timed turn matched stand alone, after the timed ones.
  auto leftovers = std::move(s.exec_turns);
  s.exec_turns.clear();
  for (auto& [position, events] : leftovers) {
    open_turn& t = start_turn(s, "", std::nullopt);
    for (event& e : events) add_to_turn(s, t, std::move(e), std::nullopt);
    hand_on(s, s.open.size() - 1);
  }
}

void session_assembler::end_sessions_of_input(input_index input,
                                              const std::set<std::string>& keys) {
  if (unnamed_client_events_.count(input) != 0) release_unnamed(input);
  last_named_session_.erase(input);
  std::vector<std::map<std::string, session_state>::iterator> ending;
  for (const std::string& key : keys) {
    if (auto it = states_.find(key); it != states_.end()) ending.push_back(it);
  }
  std::sort(ending.begin(), ending.end(),
            [](const auto& a, const auto& b) { return a->second.order < b->second.order; });
  for (const auto& it : ending) {
    drain(it->second);
    retire(it);
  }
}

void session_assembler::finish() {
  while (!unnamed_client_events_.empty()) release_unnamed(unnamed_client_events_.begin()->first);
  decide_unjoined(std::nullopt);
  for (auto& [key, s] : states_) drain(s);
  std::vector<std::map<std::string, session_state>::iterator> remaining;
  for (auto it = states_.begin(); it != states_.end(); ++it) remaining.push_back(it);
  std::sort(remaining.begin(), remaining.end(),
            [](const auto& a, const auto& b) { return a->second.order < b->second.order; });
  for (const auto& it : remaining) retire(it);
  idle_.clear();
}

}  // namespace loopscope::session

namespace loopscope::session {

void session_assembler::visit_open_turns(
    const std::function<void(const turn&, bool ended)>& visit) const {
  for (const std::string& key : active_) {
    const auto it = states_.find(key);
    if (it == states_.end()) continue;
    for (const std::unique_ptr<open_turn>& o : it->second.open) visit(o->t, o->ended);
  }
}

}  // namespace loopscope::session
