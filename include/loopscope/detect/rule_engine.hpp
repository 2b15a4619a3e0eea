// Applies a rule set to turns as they complete, and to sessions at the end (rules that compare
// consecutive turns). One engine per worker; the rules are shared and read-only.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "loopscope/detect/finding.hpp"
#include "loopscope/detect/rule.hpp"
#include "loopscope/graph/turn_graph.hpp"
#include "loopscope/session/turn.hpp"

namespace loopscope::detect {

struct engine_settings {
  std::size_t max_evidence_lines = 20;
  // Recurrences (recurs_in_turns) are only marked among a session's first N turns: the signatures
  // of later turns are not kept, so a session of any length costs bounded memory.
  std::size_t max_recurrence_turns = 10'000;
};

// Memory: per open session, one run per consecutive_turns rule (bounded by max_evidence_lines),
// the findings of runs already closed, and at most max_recurrence_turns turn signatures. A caller
// that knows when a session ends retires it with finish_session; finish() retires them all.
class turn_digest;

class rule_engine {
 public:
  explicit rule_engine(std::shared_ptr<const rule_set> rules, engine_settings settings = {});
  ~rule_engine();
  rule_engine(rule_engine&&) noexcept;
  rule_engine& operator=(rule_engine&&) noexcept;

  std::vector<finding> on_turn(const session::turn& t);
  // A turn longer than the session stage's window comes in parts: every part but the last is
  // given here (its events in order), the last to on_turn as usual. Only running summaries of
  // the parts are kept (turn_digest), and on_turn's findings are those of the whole turn.
  void on_turn_part(const session::turn& part);

  // The session has ended: findings that need the whole session (runs of consecutive turns still
  // open, and those closed since), then recurrence marks (recurs_in_turns) over `earlier` (this
  // session's findings from on_turn, as the caller kept them) and the new ones; then forgets the
  // session. If the key is seen again later, it starts afresh.
  std::vector<finding> finish_session(const std::string& session_key,
                                      std::span<finding* const> earlier);

  // Findings that need a whole session (consecutive turns), for every session not yet finished, in
  // the order the sessions were first seen. Keeps the turn signatures for mark_recurrences.
  std::vector<finding> finish();

  // Across turns: each turn's signature is the set of rules that fired in it; where that
  // signature repeats turn after turn (a walk on the session's graph of turn signatures), the
  // findings of those turns are marked as one recurring loop. Call after finish().
  void mark_recurrences(std::vector<finding*>& findings) const;

 private:
  // What a consecutive_turns rule retains of one turn.
  struct turn_record {
    int index = 0;
    std::string turn_id;
    std::string key;              // failure_message: the masked failure text
    std::set<std::string> words;  // agent_message: the message's normalized words
    std::optional<root_cause> cause;
    std::vector<evidence_line> evidence;
    std::optional<timestamp> start;
    std::optional<timestamp> end;
    std::string shown;  // the message as written, for the summary
  };

  // Consecutive turns sharing the key of the run's first turn: only the first turn is kept (later
  // turns are compared with it), with the run's length, evidence and end.
  struct open_run {
    turn_record first;  // its evidence moved to `evidence`
    int turns = 1;
    std::vector<evidence_line> evidence;  // of the run's turns in order, max_evidence_lines at most
    std::optional<timestamp> end;         // the last turn's
  };

  // One consecutive_turns rule in one session.
  struct run_tracker {
    std::optional<open_run> open;
    std::vector<finding> closed;  // runs ended by a later turn, in order, until the session ends
  };

  struct session_state {
    std::uint64_t first_seen = 0;             // finish() reports sessions in this order
    std::map<std::size_t, run_tracker> runs;  // by rule index
  };

  void extend_run(const rule& r, const std::string& session, run_tracker& tracker,
                  turn_record record) const;
  // Appends the finding of a run long enough to be one.
  void close_run(const rule& r, const std::string& session, open_run run,
                 std::vector<finding>& out) const;
  // The queued findings and the open runs of a session, rules in index order.
  std::vector<finding> close_session(const std::string& session, session_state& state) const;
  // The findings of each rule in the turn, before suppression: from its events, or from the
  // summaries of its parts.
  void detect_whole(const session::turn& t, session_state& state, std::vector<finding>& found);
  void detect_digest(const turn_digest& digest, const session::turn& t, session_state& state,
                     std::vector<finding>& found);

  std::shared_ptr<const rule_set> rules_;
  engine_settings settings_;
  std::map<std::string, session_state> sessions_;  // sessions seen and not yet finished
  std::uint64_t sessions_seen_ = 0;
  // session → the signature of each of its first max_recurrence_turns turns, in order ("" for a
  // turn without findings)
  std::map<std::string, std::vector<std::pair<int, std::string>>> turn_signatures_;
  // Turns given in parts and not yet ended, by session and turn index.
  std::map<std::pair<std::string, int>, std::unique_ptr<turn_digest>> digests_;
};

// Words of a message for near-duplicate comparison: lower case, contractions expanded, stop words
// dropped, each word cut to 4 letters ("repository" and "repo" meet).
std::set<std::string> message_words(std::string_view text);
// |a ∩ b| / |a ∪ b|
double word_similarity(const std::set<std::string>& a, const std::set<std::string>& b);

}  // namespace loopscope::detect
