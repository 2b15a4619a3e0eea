#include "loopscope/graph/signature.hpp"

#include <fmt/format.h>

namespace loopscope::graph {

std::string signature_of(const event& e) {
  switch (e.kind) {
    case event_kind::turn_start:
    case event_kind::turn_end:
    case event_kind::session_start:
    case event_kind::token_count:
    case event_kind::reasoning:
    case event_kind::other:
      return {};
    case event_kind::tool_call:
    case event_kind::tool_output:
      // Outcome-aware: the same call with a different result is a different node.
      return fmt::format("{} {} args#{:016x} out#{:016x}", event_kind_name(e.kind), e.tool_name,
                         e.arguments_hash, e.output_hash);
    case event_kind::web_search:
      return fmt::format("web_search {}", e.text_template);
    // The user's words are theirs: never part of a signature (signatures are printed).
    case event_kind::user_message:
      return "user_message";
    default:
      break;
  }
  std::string signature(event_kind_name(e.kind));
  if (!e.http.method.empty()) signature += " " + e.http.method;
  if (!e.http.path.empty()) signature += " " + e.http.path;
  if (e.http.status != 0) signature += fmt::format(" {}", e.http.status);
  if (!e.text_template.empty()) signature += " " + e.text_template;
  return signature;
}

}  // namespace loopscope::graph
