// Which event of a turn names the cause of a loop. The most specific evidence wins: an error
// body or exception over an access-log line, a status over none; a 1xx/2xx answer is never a
// cause (a WebSocket accepted with 101 and cut later failed after the upgrade, not with it).
// Facts the winner lacks (method, path, transport) are taken from candidates with its status, so
// adding a log can only make a cause more specific.
#pragma once

#include <optional>
#include <vector>

#include "loopscope/detect/finding.hpp"
#include "loopscope/detect/rule.hpp"
#include "loopscope/session/turn.hpp"

namespace loopscope::detect {

root_cause cause_of(const event& e);

// `loop` is the loop's own events (in turn order); the rule's root_cause lanes are searched.
std::optional<root_cause> find_cause(const rule& r, const session::turn& t,
                                     const std::vector<const event*>& loop);

// 1xx and 2xx: answers, not failures.
inline bool is_success_status(int status) {
  return status >= 100 && status < 300;
}

}  // namespace loopscope::detect
