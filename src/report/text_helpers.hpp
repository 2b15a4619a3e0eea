// Formatting helpers shared by the human-readable reporters.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "loopscope/detect/finding.hpp"
#include "loopscope/report/report.hpp"

namespace loopscope::report::detail {

inline std::string_view plural(std::uint64_t count) { return count == 1 ? "" : "s"; }
std::string upper(std::string_view text);
std::string human_duration(std::int64_t milliseconds);
std::string severity_counts(const summary_counts& summary);
// One sentence: "HTTP 405 on GET /v1/responses over websocket (UnexpectedStatus), not retriable".
std::string cause_sentence(const detect::root_cause& cause);
// Greedy word wrap; every line indented.
std::string wrap(std::string_view text, std::size_t indent, std::size_t width);
// Cuts at a UTF-8 boundary, counting code points, and marks the cut with "…".
std::string trim_to_width(std::string_view text, std::size_t columns);

}  // namespace loopscope::report::detail
