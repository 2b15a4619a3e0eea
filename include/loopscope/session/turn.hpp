// Sessions and turns: what the session stage builds out of the event stream.
#pragma once

#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "loopscope/core/event.hpp"

namespace loopscope::session {

// How proxy requests found their turn, strongest evidence first.
struct join_counts {
  std::uint64_t by_header = 0;  // x-codex-turn-metadata / session_id headers logged by the proxy
  std::uint64_t by_id = 0;      // request ids (x-client-request-id, litellm_call_id)
  std::uint64_t by_time = 0;    // the turn's time span, after clock alignment
};

// A turn with its events: alive only while it is analyzed. A turn longer than the window
// (join_settings::turn_window_events) is handed on in parts as it grows: `events` then holds the
// latest part, `events_before` counts the events of the parts handed on before it, and the
// turn-level facts (start, end, outcome, requests, joins) are those of the whole turn so far.
struct turn {
  std::string session_key;
  int index = 0;   // 1-based position in its session, in time order
  std::string id;  // Codex's turn id when a source names it
  std::optional<timestamp> start;
  std::optional<timestamp> end;
  turn_outcome outcome = turn_outcome::none;
  std::vector<event> events;
  std::uint64_t events_before = 0;  // in parts already handed on
  std::uint64_t requests = 0;       // proxy requests joined to this turn
  join_counts joined;
};

// What stays of a turn after analysis.
struct turn_summary {
  int index = 0;
  std::string id;
  std::optional<timestamp> start;
  std::optional<timestamp> end;
  turn_outcome outcome = turn_outcome::none;
  std::uint64_t requests = 0;
  join_counts joined;
  std::uint64_t events = 0;
};

struct session_summary {
  std::string id;
  std::set<input_index> sources;
  std::vector<turn_summary> turns;
  std::uint64_t turns_omitted = 0;  // turns beyond the kept summaries (very long sessions)
  std::uint64_t events_outside_turns = 0;
  std::uint64_t proxy_requests_outside_turns = 0;
  bool proxy_only = false;  // built from a proxy log alone
  // What Codex said about itself (session_meta), for the report's environment table.
  std::string cli_version;
  std::string originator;
  std::string provider;
  std::string model;
  std::optional<timestamp> start;
  std::optional<timestamp> end;
};

}  // namespace loopscope::session
