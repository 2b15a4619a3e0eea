// Mermaid flowcharts of a finding's cycle, for the Markdown report. Only a small subset of the
// language is emitted (see tests/report/check_mermaid.mjs, which parses it with Mermaid itself).
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "loopscope/detect/finding.hpp"
#include "loopscope/report/redact.hpp"

namespace loopscope::report::detail {

inline constexpr std::size_t mermaid_label_columns = 60;

// A node label for n0["…"]: cut to mermaid_label_columns, then every character that could end the
// string, start an entity, a Markdown string or a fence, and every non-ASCII code point, written
// as a Mermaid entity code (#quot;, #35;, #8230; …). Control characters become spaces.
std::string mermaid_label(std::string_view text);

// "flowchart LR" with one node per cycle signature and the cycle's edges labelled with how often
// the loop went round; empty when the finding has no cycle.
std::string mermaid_cycle(const detect::finding& f, redaction redact);

}  // namespace loopscope::report::detail
