// Mermaid flowcharts of a finding's cycle, for the Markdown report. Only a small subset of the
// language is emitted (see tests/report/check_mermaid.mjs, which parses it with Mermaid itself).
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "loopscope/detect/finding.hpp"
#include "loopscope/detect/incident.hpp"
#include "loopscope/report/redact.hpp"

namespace loopscope::report::detail {

inline constexpr std::size_t mermaid_label_columns = 60;

// A node label for n0["…"]: cut to mermaid_label_columns, then every character that could end the
// string, start an entity, a Markdown string or a fence, and every non-ASCII code point, written
// as a Mermaid entity code (#quot;, #35;, #8230; …). Control characters become spaces.
std::string mermaid_label(std::string_view text);

// The turn as a state diagram ("stateDiagram-v2"): one state per kind of event the finding's lane
// saw, the observed transitions with their counts (×n), the cycle's states marked. An event that
// followed itself is drawn through a "retry" state, never as a single-node self-loop. Empty when
// the finding has neither a turn graph nor a cycle.
std::string mermaid_cycle(const detect::finding& f, redaction redact);

// One iteration of the incident as a sequence diagram, Codex ↔ proxy ↔ upstream: what was sent,
// what came back, and the retry layers around it as loops with their counts.
std::string mermaid_sequence(const detect::incident& i, redaction redact);

// A short state name for a masked event signature ("request POST /v1/responses 500 …" →
// "request 500"): the event kind and the status it carries.
std::string state_name(std::string_view signature);

}  // namespace loopscope::report::detail
