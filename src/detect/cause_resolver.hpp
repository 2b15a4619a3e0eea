// Which event of a turn names the cause of a loop. The most specific evidence wins: an error
// body or exception over an access-log line, a status over none; a 1xx/2xx answer is never a
// cause (a WebSocket accepted with 101 and cut later failed after the upgrade, not with it).
// Facts the winner lacks (method, path, transport) are taken from candidates with its status, so
// adding a log can only make a cause more specific.
#pragma once

#include <functional>
#include <optional>
#include <string_view>
#include <vector>

#include "loopscope/detect/finding.hpp"
#include "loopscope/detect/rule.hpp"
#include "loopscope/session/turn.hpp"

namespace loopscope::detect {

root_cause cause_of(const event& e);
// An event can name a cause when it tells of a failure: a status that is not an answer, or an
// error class or message without a status.
bool names_failure(const event& e);

// `loop` is the loop's own events (in turn order); the rule's root_cause lanes are searched.
std::optional<root_cause> find_cause(const rule& r, const session::turn& t,
                                     const std::vector<const event*>& loop);

// The pieces of find_cause, for a turn seen part by part (turn_digest.hpp): the lanes' picks
// combined (the most specific wins, the others complete it), and Codex's turn layer judged by the
// release and by whether the turn retried the status.
root_cause combine_lane_causes(const std::vector<root_cause>& found);
void judge_turn_layer(root_cause& cause, std::string_view cli_version,
                      const std::function<bool(int status)>& retried_in_turn);

// 1xx and 2xx: answers, not failures.
inline bool is_success_status(int status) {
  return status >= 100 && status < 300;
}

}  // namespace loopscope::detect
