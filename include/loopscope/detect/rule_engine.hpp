// Applies a rule set to turns as they complete, and to sessions at the end (rules that compare
// consecutive turns). One engine per worker; the rules are shared and read-only.
#pragma once

#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "loopscope/detect/finding.hpp"
#include "loopscope/detect/rule.hpp"
#include "loopscope/graph/turn_graph.hpp"
#include "loopscope/session/turn.hpp"

namespace loopscope::detect {

struct engine_settings {
  std::size_t max_evidence_lines = 20;
};

class rule_engine {
 public:
  explicit rule_engine(std::shared_ptr<const rule_set> rules, engine_settings settings = {});

  std::vector<finding> on_turn(const session::turn& t);
  // Findings that need a whole session (consecutive turns), for every session seen.
  std::vector<finding> finish();

  // Across turns: each turn's signature is the set of rules that fired in it; where that
  // signature repeats turn after turn (a walk on the session's graph of turn signatures), the
  // findings of those turns are marked as one recurring loop. Call after finish().
  void mark_recurrences(std::vector<finding*>& findings) const;

 private:
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

  std::shared_ptr<const rule_set> rules_;
  engine_settings settings_;
  // session → rule index → records of its turns, in order
  std::map<std::string, std::map<std::size_t, std::vector<turn_record>>> session_records_;
  std::vector<std::string> session_order_;
  // session → the signature of each turn, in order ("" for a turn without findings)
  std::map<std::string, std::vector<std::pair<int, std::string>>> turn_signatures_;
};

// Words of a message for near-duplicate comparison: lower case, contractions expanded, stop words
// dropped, each word cut to 4 letters ("repository" and "repo" meet).
std::set<std::string> message_words(std::string_view text);
// |a ∩ b| / |a ∪ b|
double word_similarity(const std::set<std::string>& a, const std::set<std::string>& b);

}  // namespace loopscope::detect
