// Runs the pipeline: inputs → format detection → normalize → sessions and turns → graph →
// detection → report model. Commands call this; it knows nothing about flags or output.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "loopscope/core/event.hpp"
#include "loopscope/detect/rule.hpp"
#include "loopscope/ingest/line_reader.hpp"
#include "loopscope/report/report.hpp"

namespace loopscope::app {

struct analysis_request {
  std::vector<std::string> inputs;          // files, directories, "-"
  std::optional<format_id> forced_format;   // --input-format
  ingest::read_limits limits;
  std::string tool_version;
  std::shared_ptr<const detect::rule_set> rules;  // the rules to apply
  // Sees every normalized event in input order (the `events` command); may be empty.
  std::function<void(const event&, std::string_view input_path)> event_observer;
};

struct analysis_result {
  report::report model;
  bool input_problem = false;  // an input was missing, unreadable, or only partly readable
};

analysis_result analyze(const analysis_request& request);

}  // namespace loopscope::app
