// The validated command line: plain data, built by cli/command_line.cpp, read by the commands.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "analysis.hpp"
#include "config_file.hpp"
#include "loopscope/core/format_id.hpp"
#include "loopscope/detect/finding.hpp"
#include "loopscope/report/aggregate.hpp"

namespace loopscope::app {

enum class report_format : unsigned char { text, markdown, json, dot, junit, openmetrics };
enum class color_choice : unsigned char { automatic, always, never };
enum class command : unsigned char {
  analyze,
  events,
  sessions,
  formats,
  formats_validate,
  formats_test,
  rules_list,
  rules_validate,
  rules_test,
  merge,
  config,
  watch
};

enum class alert_format : unsigned char { text, jsonl };

// `loopscope watch` (and `loopscope --tee`).
struct watch_options {
  bool tee = false;             // stdin passes through to stdout; alerts (and report) to stderr
  bool from_start = false;      // read what the files held at start (default: only what is added)
  bool since_now_flag = false;  // --since-now said explicitly (the default anyway)
  bool poll = false;            // a timer instead of inotify
  alert_format alerts = alert_format::text;
  std::optional<std::string> on_alert;  // a command run with each alert's JSON on stdin
  detect::severity alert_on = detect::severity::warning;
  report_format report = report_format::text;  // the report at the end
  bool no_report = false;
};

struct options {
  command chosen = command::analyze;
  std::vector<std::string> inputs;
  std::vector<std::string> proxy_logs;  // --proxy-log: read beside the inputs (or the default ones)
  report_format format = report_format::text;
  std::optional<std::string> output;
  std::vector<std::string> rule_paths;
  std::vector<std::string> format_paths;  // --formats, or formats validate|test PATH
  detect::severity fail_on = detect::severity::error;
  color_choice color = color_choice::automatic;
  std::size_t jobs = 0;  // 0: the number of cores
  std::optional<format_id> input_format;
  normalize::proxy_clock proxy_clock;  // --proxy-date, --proxy-tz
  bool show_messages = false;
  bool no_redact = false;
  bool partial_ok = false;  // --partial-ok: inputs read in part do not change the exit status
  grouping group_by = grouping::directory;  // --group-by
  report::time_window window;               // --since/--until
  report::selection selection;              // --session/--turn/--last
  report::detail_limits detail;             // --max-sessions/--max-findings
  std::optional<std::string> state;         // --state FILE
  effective_config config;                  // the config file's part, for `loopscope config`
  watch_options watch;
};

// Exit statuses, as README documents them.
inline constexpr int exit_clean = 0;
inline constexpr int exit_findings = 1;
inline constexpr int exit_trouble = 2;
inline constexpr int exit_findings_and_partial = 3;

// Runs the chosen command; returns the exit status. Messages for the user go to stderr.
int run(const options& opts, const std::string& version);

}  // namespace loopscope::app
