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
#include "loopscope/ingest/input_list.hpp"
#include "loopscope/ingest/line_reader.hpp"
#include "loopscope/normalize/event_source.hpp"
#include "loopscope/report/report.hpp"
#include "progress.hpp"

namespace loopscope::app {

// How inputs are split into join groups, each merged and joined on its own (in parallel).
enum class grouping : unsigned char {
  directory,  // files named on the command line: one group; files found under a directory: one
              // group per directory that holds them directly (samples/<scenario>/, YYYY/MM/DD/)
  single,     // every input in one group (one merge, one thread)
};

struct analysis_request {
  std::vector<std::string> inputs;         // files, directories, "-"
  std::optional<format_id> forced_format;  // --input-format
  normalize::proxy_clock proxy_clock;      // --proxy-date, --proxy-tz
  ingest::read_limits limits;
  std::string tool_version;
  std::shared_ptr<const detect::rule_set> rules;  // the rules to apply; none: the built-in pack
  // Sees every normalized event in input order (the `events` command); may be empty.
  // Then the groups are read one after the other on the calling thread, in group order.
  std::function<void(const event&, std::string_view input_path)> event_observer;
  std::size_t jobs = 1;  // worker threads, one group each at a time
  grouping groups = grouping::directory;
  report::time_window window;             // --since/--until
  report::selection selection;            // --session/--turn/--last
  report::detail_limits detail;           // --max-sessions/--max-findings
  std::optional<std::string> state_path;  // --state
  progress_display progress = progress_display::off;
  // Inputs already expanded (watch mode: its copies of followed files, shown by their own
  // names); `inputs` then only says which names were given, for grouping.
  std::optional<ingest::input_list> expanded;
};

struct analysis_result {
  report::report model;
  bool input_problem = false;  // an input was missing, unreadable, or only partly readable
  std::string state_warning;   // --state could not be read or written (the report is still good)
};

analysis_result analyze(const analysis_request& request);

}  // namespace loopscope::app
