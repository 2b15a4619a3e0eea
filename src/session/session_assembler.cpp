#include "loopscope/session/session_assembler.hpp"

namespace loopscope::session {

session_assembler::session_state& session_assembler::state_for(const std::string& key,
                                                                input_index input) {
  auto [it, inserted] = states_.try_emplace(key);
  if (inserted) {
    it->second.summary_slot = summaries_.size();
    summaries_.push_back(session_summary{key, {}, {}, 0});
  }
  summaries_[it->second.summary_slot].sources.insert(input);
  return it->second;
}

void session_assembler::close_turn(session_state& state) {
  if (!state.open_turn) return;
  turn& t = *state.open_turn;
  session_summary& summary = summaries_[state.summary_slot];
  sink_.on_turn(t);
  summary.turns.push_back(
      turn_summary{t.index, t.id, t.start, t.end, t.outcome, t.requests, t.events.size()});
  state.open_turn.reset();
}

void session_assembler::on_event(event&& e) {
  session_state& state = state_for(e.session_key, e.where.input);
  session_summary& summary = summaries_[state.summary_slot];

  if (e.kind == event_kind::turn_start) {
    close_turn(state);  // a turn that never said it ended stops where the next one starts
    turn t;
    t.session_key = e.session_key;
    t.index = static_cast<int>(summary.turns.size()) + 1;
    t.id = e.turn_key;
    t.start = e.time;
    state.open_turn = std::move(t);
    state.open_turn_input = e.where.input;
  }
  if (!state.open_turn) {
    ++summary.events_outside_turns;
    return;
  }
  turn& t = *state.open_turn;
  if (t.id.empty() && !e.turn_key.empty()) t.id = e.turn_key;
  if (e.time) {
    if (!t.start) t.start = e.time;
    t.end = e.time;
  }
  if (e.kind == event_kind::request || e.kind == event_kind::request_attempt ||
      e.kind == event_kind::ws_connect) {
    ++t.requests;
  }
  const bool ends = e.kind == event_kind::turn_end;
  if (ends) t.outcome = e.outcome;
  t.events.push_back(std::move(e));
  if (ends) close_turn(state);
}

void session_assembler::end_of_input(input_index input) {
  for (auto& [key, state] : states_) {
    if (state.open_turn && state.open_turn_input == input) close_turn(state);
  }
}

void session_assembler::finish() {
  for (auto& [key, state] : states_) close_turn(state);
}

}  // namespace loopscope::session
