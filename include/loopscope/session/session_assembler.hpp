// Rebuilds sessions and turns from the merged event stream of every source, and joins each proxy
// request to the turn that sent it. A turn is handed on once it has ended and a grace period has
// passed (late lines of other sources still arrive), so memory holds the open turns only.
#pragma once

#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <queue>
#include <set>
#include <string>
#include <vector>

#include "loopscope/core/text_hash.hpp"
#include "loopscope/normalize/event_source.hpp"
#include "loopscope/normalize/normalizer.hpp"
#include "loopscope/session/turn.hpp"

namespace loopscope::session {

class turn_sink {
 public:
  virtual ~turn_sink() = default;
  virtual void on_turn(const turn& completed) = 0;
  // A sink that analyses a turn part by part (detect::rule_engine::on_turn_part) says so: turns
  // longer than the window are then handed on in parts, each part's events in time order, the
  // last part to on_turn. Other sinks get every turn whole.
  virtual bool takes_turn_parts() const { return false; }
  virtual void on_turn_part(const turn& /*part*/) {}
  // A session has ended, after all its turns: nothing happened in it for `retire_after`, or the
  // inputs ended. The assembler keeps nothing of it (memory holds the active sessions only).
  virtual void on_session(session_summary&& ended) = 0;
};

struct join_settings {
  std::int64_t grace_micros = 10'000'000;    // late lines of an ended turn still join it
  std::int64_t lead_in_micros = 15'000'000;  // prewarm/handshakes before a turn belong to it
  std::int64_t proxy_burst_gap_micros = 30'000'000;  // proxy-only turns: a pause this long splits
  std::int64_t decision_delay_micros =
      5'000'000;  // wait this long to see the turns around a request
  std::int64_t idle_close_micros = 1'800'000'000;  // a turn without an end line: 30 min idle
  // A session with nothing open is handed on after this long without a line (stream time): long
  // enough that a user's pause does not split a session, short enough that a stream of thousands
  // of sessions keeps only the last few hours in memory.
  std::int64_t retire_after_micros = 4LL * 3'600'000'000LL;
  // Turn summaries kept per session; later turns are counted (session_summary::turns_omitted).
  std::size_t max_turn_summaries = 10'000;
  // Events an open turn holds before its oldest are handed on as a part (to a sink that takes
  // parts): memory per turn stays bounded however long a runaway turn grows. Far above a normal
  // turn (a long healthy Codex turn has a few thousand); 0: no window.
  std::size_t turn_window_events = 8'192;
};

class session_assembler final : public normalize::event_sink {
 public:
  explicit session_assembler(turn_sink& sink, join_settings settings = {})
      : sink_(sink), settings_(settings) {}
  // last_found_ points into states_: an assembler is neither copied nor moved.
  session_assembler(const session_assembler&) = delete;
  session_assembler& operator=(const session_assembler&) = delete;

  // Sessions that timed Codex sources (rollout, trace) describe: exec JSON turns of these are
  // matched to their timed turns by position instead of standing alone.
  void expect_timed_sessions(std::set<std::string> keys) { timed_sessions_ = std::move(keys); }

  // Events in merged time order (untimed ones first); `when` places events without a stamp.
  void on_merged(event&& e, std::optional<timestamp> when, normalize::source_role role);
  void on_event(event&& e) override {
    const std::optional<timestamp> when = e.time;
    on_merged(std::move(e), when, normalize::role_of(e.source));
  }
  // The merge has reached `now`: turns ended more than the grace period ago are handed on.
  void advance(timestamp now);
  // An input ended: turns it alone kept open (no end line) stay open until finish().
  void end_of_input(input_index) {}
  // The input has ended and nothing else can add to these sessions (each input of the merge holds
  // its own sessions and no proxy log is merged with them): they are handed on now, in order of
  // first appearance, instead of after retire_after of stream time.
  void end_sessions_of_input(input_index input, const std::set<std::string>& keys);
  // Hands on every remaining session, in order of first appearance.
  void finish();
  // The turns not yet handed on, as they stand, in no set order: watch mode evaluates the rules
  // on them while they grow. `ended`: the turn's end line has been seen.
  void visit_open_turns(const std::function<void(const turn&, bool ended)>& visit) const;

 private:
  // Where a turn is listed in by_start_ / by_end_ (see reindex).
  struct indexed_times {
    std::optional<std::int64_t> start;
    std::optional<std::int64_t> end;
  };
  struct open_turn {
    turn t;
    bool ended = false;
    std::optional<timestamp> ended_at;
    std::optional<timestamp> last_seen;
    bool saw_turn_error = false;          // in a part already handed on
    std::optional<indexed_times> listed;  // nullopt: not in the indexes
  };
  struct session_state {
    session_summary summary;
    std::uint64_t order = 0;  // first appearance among the sessions
    std::optional<timestamp> last_activity;
    std::vector<std::string> request_ids;  // keys of session_of_request_id_ to forget with it
    std::vector<std::unique_ptr<open_turn>> open;  // not yet handed on, in index order
    int created = 0;
    std::set<std::string, std::less<>> closed_ids;
    std::optional<timestamp> last_end;  // when the latest ended turn ended
    std::vector<std::pair<event, std::optional<timestamp>>> waiting;  // for the next turn
    // exec JSON of a session that timed sources also describe: turns by position.
    int exec_position = 0;
    bool exec_in_turn = false;
    std::map<int, std::vector<event>> exec_turns;
    bool touched = false;  // routed to since the last advance(): listed in touched_
    std::optional<std::int64_t> queued_deadline;  // its entry in deadlines_, if any
  };
  // An open turn of a named session in a time index: the time, then the session key and the
  // turn's number, which is the order join_by_time's scan of all sessions met turns in (ties
  // are decided as that scan decided them).
  struct turn_slot {
    std::int64_t micros;
    open_turn* turn;
    session_state* state;
  };
  struct slot_order {
    using is_transparent = void;  // lower_bound / upper_bound by a time alone
    bool operator()(const turn_slot& a, const turn_slot& b) const;
    bool operator()(const turn_slot& a, std::int64_t b) const { return a.micros < b; }
    bool operator()(std::int64_t a, const turn_slot& b) const { return a < b.micros; }
  };
  session_state& state_for(std::string_view key, input_index input);
  open_turn& start_turn(session_state& s, const std::string& id, std::optional<timestamp> when);
  open_turn* find_turn(session_state& s, std::string_view id);
  open_turn* current_turn(session_state& s);
  void add_to_turn(session_state& s, open_turn& t, event&& e, std::optional<timestamp> when);
  void route_client(session_state& s, event&& e, std::optional<timestamp> when);
  void route_untimed_client(session_state& s, event&& e);
  void route_proxy(event&& e, std::optional<timestamp> when);
  bool join_by_time(event& e, std::optional<timestamp> when);
  void hand_on(session_state& s, std::size_t position);
  void hand_on_part(open_turn& t);
  void close_expired(session_state& s, std::optional<timestamp> now);
  void drop_stale_waiting(session_state& s, timestamp now);
  void release_unnamed(input_index input);
  void decide_unjoined(std::optional<timestamp> now);
  bool is_idle(const session_state& s) const;
  void retire(std::map<std::string, session_state>::iterator it);
  void reindex(session_state& s, open_turn& t);
  void unindex(open_turn& t);
  void visit(session_state& s, timestamp now);
  std::optional<std::int64_t> next_deadline(const session_state& s) const;
  // Everything still open or waiting in the session is handed on (the session can receive no more).
  void drain(session_state& s);

  turn_sink& sink_;
  join_settings settings_;
  std::set<std::string> timed_sessions_;
  // Looked up by the event's own text: no key is built per event.
  std::map<std::string, session_state, std::less<>> states_;
  // The session state_for found last (end() when none): the next event's, more often than not.
  std::map<std::string, session_state, std::less<>>::iterator last_found_ = states_.end();
  std::set<std::string> active_;  // sessions with open turns or waiting events
  std::deque<std::string> idle_;  // sessions that fell quiet, oldest first: retired when stale
  std::uint64_t sessions_seen_ = 0;
  // Turns numbered so far in sessions already handed on: a session seen again later (resumed
  // after a long pause) goes on numbering, so its turns are not numbered twice. Only the latest
  // retired_memory sessions are remembered, so that a stream of millions stays bounded.
  static constexpr std::size_t retired_memory = 16'384;
  std::map<std::string, int> retired_turn_counts_;
  std::deque<std::string> retired_order_;  // oldest first
  // Asked for every proxy request: hashed, and looked up by the event's own text.
  text_map<std::string> session_of_request_id_;
  std::map<input_index, std::vector<std::pair<event, std::optional<timestamp>>>>
      unnamed_client_events_;
  std::map<input_index, std::string> last_named_session_;
  std::deque<std::pair<event, std::optional<timestamp>>> unjoined_;  // proxy requests without keys
  std::optional<timestamp> now_;
  std::optional<timestamp> placed_at_;  // where the line being routed sits in time

  // Indexes that keep the work per line and per second of log time proportional to what can
  // change rather than to the number of sessions kept (issue 19).
  std::set<std::string> synthetic_keys_;      // keys of states_ that are a proxy's own sessions
  std::set<turn_slot, slot_order> by_start_;  // open turns of named sessions with a start
  std::set<turn_slot, slot_order> by_end_;    // those of them that ended, by ended_at
  std::vector<std::string> touched_;          // sessions routed to since the last advance()
  // When each active session may next have something to close or drop (lazy: a stale entry
  // only costs a look).
  using deadline = std::pair<std::int64_t, std::string>;
  std::priority_queue<deadline, std::vector<deadline>, std::greater<>> deadlines_;
};

}  // namespace loopscope::session
