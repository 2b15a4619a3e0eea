// Rebuilds sessions and turns from the merged event stream of every source, and joins each proxy
// request to the turn that sent it. A turn is handed on once it has ended and a grace period has
// passed (late lines of other sources still arrive), so memory holds the open turns only.
#pragma once

#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "loopscope/normalize/event_source.hpp"
#include "loopscope/normalize/normalizer.hpp"
#include "loopscope/session/turn.hpp"

namespace loopscope::session {

class turn_sink {
 public:
  virtual ~turn_sink() = default;
  virtual void on_turn(const turn& completed) = 0;
};

struct join_settings {
  std::int64_t grace_micros = 10'000'000;    // late lines of an ended turn still join it
  std::int64_t lead_in_micros = 15'000'000;  // prewarm/handshakes before a turn belong to it
  std::int64_t proxy_burst_gap_micros = 30'000'000;  // proxy-only turns: a pause this long splits
  std::int64_t decision_delay_micros =
      5'000'000;  // wait this long to see the turns around a request
  std::int64_t idle_close_micros = 1'800'000'000;  // a turn without an end line: 30 min idle
};

class session_assembler final : public normalize::event_sink {
 public:
  explicit session_assembler(turn_sink& sink, join_settings settings = {})
      : sink_(sink), settings_(settings) {}

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
  void finish();

  // In order of first appearance; turns in index order.
  std::vector<session_summary> sessions() const;

 private:
  struct open_turn {
    turn t;
    bool ended = false;
    std::optional<timestamp> ended_at;
    std::optional<timestamp> last_seen;
  };
  struct session_state {
    std::size_t slot = 0;
    std::vector<std::unique_ptr<open_turn>> open;  // not yet handed on, in index order
    int created = 0;
    std::set<std::string> closed_ids;
    std::optional<timestamp> last_end;  // when the latest ended turn ended
    std::vector<std::pair<event, std::optional<timestamp>>> waiting;  // for the next turn
    // exec JSON of a session that timed sources also describe: turns by position.
    int exec_position = 0;
    bool exec_in_turn = false;
    std::map<int, std::vector<event>> exec_turns;
  };

  session_state& state_for(const std::string& key, input_index input);
  open_turn& start_turn(session_state& s, const std::string& id, std::optional<timestamp> when);
  open_turn* find_turn(session_state& s, const std::string& id);
  open_turn* current_turn(session_state& s);
  void add_to_turn(session_state& s, open_turn& t, event&& e, std::optional<timestamp> when);
  void route_client(session_state& s, event&& e, std::optional<timestamp> when);
  void route_untimed_client(session_state& s, event&& e);
  void route_proxy(event&& e, std::optional<timestamp> when);
  bool join_by_time(event& e, std::optional<timestamp> when);
  void hand_on(session_state& s, std::size_t position);
  void close_expired(session_state& s, std::optional<timestamp> now);
  void drop_stale_waiting(session_state& s, timestamp now);
  void release_unnamed(input_index input);
  void decide_unjoined(std::optional<timestamp> now);

  turn_sink& sink_;
  join_settings settings_;
  std::set<std::string> timed_sessions_;
  std::map<std::string, session_state> states_;
  std::set<std::string> active_;  // sessions with open turns or waiting events
  std::vector<session_summary> summaries_;
  std::map<std::string, std::string> session_of_request_id_;
  std::map<input_index, std::vector<std::pair<event, std::optional<timestamp>>>>
      unnamed_client_events_;
  std::map<input_index, std::string> last_named_session_;
  std::deque<std::pair<event, std::optional<timestamp>>> unjoined_;  // proxy requests without keys
  std::optional<timestamp> now_;
};

}  // namespace loopscope::session
