// Cuts the event stream into sessions and turns, and hands each turn on as soon as it ends.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "loopscope/normalize/normalizer.hpp"
#include "loopscope/session/turn.hpp"

namespace loopscope::session {

class turn_sink {
 public:
  virtual ~turn_sink() = default;
  virtual void on_turn(const turn& completed) = 0;
};

class session_assembler final : public normalize::event_sink {
 public:
  explicit session_assembler(turn_sink& sink) : sink_(sink) {}

  void on_event(event&& e) override;
  // An input ended: a turn it left open (the process was killed) ends here with outcome "open".
  void end_of_input(input_index input);
  // Closes whatever is still open; call once after the last input.
  void finish();

  // In order of first appearance.
  const std::vector<session_summary>& sessions() const { return summaries_; }

 private:
  struct session_state {
    std::size_t summary_slot = 0;
    std::optional<turn> open_turn;
    input_index open_turn_input = 0;
  };

  session_state& state_for(const std::string& key, input_index input);
  void close_turn(session_state& state);

  turn_sink& sink_;
  std::map<std::string, session_state> states_;
  std::vector<session_summary> summaries_;
};

}  // namespace loopscope::session
