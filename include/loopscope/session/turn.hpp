// Sessions and turns: what the session stage builds out of the event stream.
#pragma once

#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "loopscope/core/event.hpp"

namespace loopscope::session {

// A turn with all its events: alive only while it is analyzed (memory is bounded by one turn).
struct turn {
  std::string session_key;
  int index = 0;   // 1-based position in its session, in time order
  std::string id;  // Codex's turn id when a source names it
  std::optional<timestamp> start;
  std::optional<timestamp> end;
  turn_outcome outcome = turn_outcome::none;
  std::vector<event> events;
  std::uint64_t requests = 0;  // requests seen in this turn (proxy lines, Codex attempts)
};

// What stays of a turn after analysis.
struct turn_summary {
  int index = 0;
  std::string id;
  std::optional<timestamp> start;
  std::optional<timestamp> end;
  turn_outcome outcome = turn_outcome::none;
  std::uint64_t requests = 0;
  std::uint64_t events = 0;
};

struct session_summary {
  std::string id;
  std::set<input_index> sources;
  std::vector<turn_summary> turns;
  std::uint64_t events_outside_turns = 0;
};

}  // namespace loopscope::session
