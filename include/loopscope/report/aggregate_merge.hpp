// Reports made elsewhere, read back and combined: `loopscope merge` and the --state cache.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "loopscope/report/report.hpp"

namespace loopscope::report {

// Reads a JSON report v1 (as write_json writes it) back into the model; finding ids and the
// summary are left for finalize(). Returns an empty string, or one line saying what is wrong.
// Times come back at the report's millisecond precision; a finding's start is nudged within its
// millisecond so that its duration stays the duration_ms the report gave.
std::string read_json_report(std::string_view text, report& out);

// The schema a JSON document names ("" when it names none or is not JSON), for a refusal message.
std::string json_report_schema(std::string_view text);

inline constexpr std::string_view report_schema_v1 = "loopscope/report/v1";

// One report out of many, in an order that depends on nothing but their content: inputs by path,
// sessions by id (then sources), findings by session, turn, kind and id. An input named by two
// reports is kept once, as are identical sessions and findings with the same id, so merging is
// associative and order-independent. Summary and aggregates are recomputed from the merged lists.
report merge_reports(std::vector<report> parts, const time_window& window);

}  // namespace loopscope::report
