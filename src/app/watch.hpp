// `loopscope watch [PATH...]`: follows logs while they are written, alerts when a rule's
// threshold is crossed in an open turn, and at the end (Ctrl-C, SIGTERM, or the end of standard
// input when it is the only input) writes the report `analyze` gives on the same lines.
#pragma once

#include <string>
#include <vector>

#include "analysis.hpp"
#include "options.hpp"
#include "output_file.hpp"

namespace loopscope::app {

int run_watch(const options& opts, const std::string& version);

// commands.cpp: the report and the exit status, as `analyze` gives them.
int report_watched(const options& opts, const analysis_result& result,
                   const std::vector<std::string>& named, output_target& target);

}  // namespace loopscope::app
