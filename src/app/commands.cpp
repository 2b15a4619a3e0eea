// The commands behind the command line. Each one runs the pipeline (or part of it) and writes
// through a reporter; none of them knows a log format.
#include <fcntl.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>
#include <thread>

#include <fmt/format.h>

#include "analysis.hpp"
#include "codex_home.hpp"
#include "formats_commands.hpp"
#include "loopscope/formats/registry.hpp"
#include "loopscope/formats/sniff.hpp"
#include "loopscope/report/aggregate_merge.hpp"
#include "loopscope/report/event_writer.hpp"
#include "loopscope/report/writers.hpp"
#include "options.hpp"
#include "output_file.hpp"
#include "rules_commands.hpp"
#include "watch.hpp"

namespace loopscope::app {
namespace {
namespace fs = std::filesystem;

void complain(std::string_view message) {
  std::cerr << "loopscope: " << message << '\n';
}

// What a command reads when it is given no INPUT.
struct default_inputs {
  std::vector<std::string> names;
  std::optional<report::time_window> window;  // the chosen session's span, when one was chosen
};

std::string listed(const std::vector<std::string>& names) {
  return fmt::format("{}", fmt::join(names, ", "));
}

// No INPUT: piped stdin is the input. At a terminal, `sessions` lists the recent Codex
// sessions; the other commands read the newest session with what Codex wrote beside it for it —
// the TUI's log and the tracing database (the lines of that session's time span: the report is
// limited to it) — and the proxy logs named by --proxy-log. Says which files it used.
std::optional<default_inputs> resolve_inputs(const options& opts) {
  if (!opts.inputs.empty()) {
    default_inputs named{opts.inputs, std::nullopt};
    named.names.insert(named.names.end(), opts.proxy_logs.begin(), opts.proxy_logs.end());
    return named;
  }
  if (!::isatty(STDIN_FILENO)) {
    default_inputs piped{{"-"}, std::nullopt};
    piped.names.insert(piped.names.end(), opts.proxy_logs.begin(), opts.proxy_logs.end());
    return piped;
  }
  const std::optional<codex_home> home = codex_home::locate();
  constexpr std::size_t recent_sessions = 20;
  const std::vector<fs::path> rollouts =
      home ? home->newest_rollouts(opts.chosen == command::sessions ? recent_sessions : 1)
           : std::vector<fs::path>{};
  if (rollouts.empty()) {
    complain(
        "no input given, stdin is a terminal, and no session files were found under "
        "$CODEX_HOME/sessions (default ~/.codex/sessions); name a log file or pipe one in");
    return std::nullopt;
  }
  default_inputs chosen;
  if (opts.chosen == command::sessions) {
    for (const fs::path& p : rollouts) chosen.names.push_back(p.string());
    std::cerr << fmt::format(
        "loopscope: no input given; the {} most recent Codex sessions under {}\n", rollouts.size(),
        (home->root / "sessions").string());
    return chosen;
  }
  chosen.names.push_back(rollouts.front().string());
  if (auto log = home->tui_log()) chosen.names.push_back(log->string());
  if (auto database = home->tracing_database()) chosen.names.push_back(database->string());
  chosen.names.insert(chosen.names.end(), opts.proxy_logs.begin(), opts.proxy_logs.end());
  // The TUI's log and the database hold every session Codex ran: the report keeps the ones
  // that overlap the chosen session (a minute of slack each side for the proxy's clock).
  const rollout_span span = span_of_rollout(rollouts.front());
  if (span.first && chosen.names.size() > 1) {
    constexpr std::int64_t slack = 60'000'000;
    report::time_window window;
    window.since = timestamp{span.first->micros - slack};
    window.until = timestamp{span.last->micros + slack};
    chosen.window = window;
  }
  std::cerr << fmt::format(
      "loopscope: no input given; reading the newest Codex session with what "
      "Codex and the proxy logs wrote beside it: {}\n",
      listed(chosen.names));
  return chosen;
}

// The width to lay text out in: the terminal's own when stdout is one; else COLUMNS when set (a
// shell exports it only when asked); else the width of the terminal the user sits at (output
// piped into less); else 100 columns (cron, CI logs).
std::size_t terminal_width() {
  auto usable = [](long columns) { return columns >= 40 && columns <= 1000; };
  winsize size{};
  if (::ioctl(STDOUT_FILENO, TIOCGWINSZ, &size) == 0 && usable(size.ws_col)) return size.ws_col;
  if (const char* columns = std::getenv("COLUMNS")) {
    const long value = std::strtol(columns, nullptr, 10);
    if (usable(value)) return static_cast<std::size_t>(value);
  }
  if (const int tty = ::open("/dev/tty", O_RDONLY | O_NOCTTY | O_CLOEXEC); tty >= 0) {
    const bool known = ::ioctl(tty, TIOCGWINSZ, &size) == 0 && usable(size.ws_col);
    ::close(tty);
    if (known) return size.ws_col;
  }
  return 100;
}

report::render_options render_options_for(const options& opts, const output_target& target) {
  report::render_options render;
  render.redact = opts.no_redact ? report::redaction::off : report::redaction::on;
  bool color = false;
  switch (opts.color) {
    case color_choice::always:
      color = true;
      break;
    case color_choice::never:
      color = false;
      break;
    case color_choice::automatic: {
      const char* no_color = std::getenv("NO_COLOR");
      const char* term = std::getenv("TERM");
      color = !target.to_file() && ::isatty(STDOUT_FILENO) && (no_color == nullptr || !*no_color) &&
              !(term != nullptr && std::string_view(term) == "dumb");
      break;
    }
  }
  render.color = color ? report::color_mode::always : report::color_mode::never;
  render.width = terminal_width();
  return render;
}

// The inputs (named, piped or the newest session) and the rules of a command that reads logs;
// nothing when either could not be had (the reason is already on stderr).
std::optional<analysis_request> request_for(const options& opts, const std::string& version) {
  auto inputs = resolve_inputs(opts);
  if (!inputs) return std::nullopt;
  auto rules = resolve_rules(opts.rule_paths);
  if (!rules) return std::nullopt;
  analysis_request request;
  request.rules = std::move(*rules);
  request.inputs = std::move(inputs->names);
  request.forced_format = opts.input_format;
  request.proxy_clock = opts.proxy_clock;
  request.tool_version = version;
  request.jobs = opts.jobs != 0 ? opts.jobs : std::max(1U, std::thread::hardware_concurrency());
  request.groups = opts.group_by;
  request.window = opts.window;
  if (inputs->window && !opts.window.active()) request.window = *inputs->window;
  request.selection = opts.selection;
  request.detail = opts.detail;
  request.state_path = opts.state;
  request.progress = ::isatty(STDERR_FILENO) ? progress_display::terminal : progress_display::off;
  return request;
}

// On stderr: the problems of inputs not read whole, and inputs that held no recognised line —
// one line each when named, one line for all of those found under named directories (an
// archive's READMEs and JSON side files would otherwise drown the rest).
void report_input_problems(const report::report& model, const std::vector<std::string>& named) {
  std::vector<std::string> found_unrecognised;
  for (const report::input_report& input : model.inputs) {
    const bool whole = input.stats.status == read_status::complete;
    if (whole && !report::unrecognised(input)) continue;
    if (whole && std::find(named.begin(), named.end(), input.stats.path) == named.end() &&
        input.stats.path != "-") {
      found_unrecognised.push_back(input.stats.path);
      continue;
    }
    for (const diagnostic& d : input.problems) {
      if (d.level == diagnostic_level::note) continue;
      std::string message = d.message;
      if (!message.starts_with(input.stats.path + ":") && !message.starts_with("no recognised")) {
        message = input.stats.path + ": " + message;
      }
      complain(report::redact(message));
    }
  }
  if (!found_unrecognised.empty()) {
    complain(report::redact(fmt::format(
        "{} file{} found in the directories named held no recognised log lines (e.g. {}); they "
        "are listed in the report",
        found_unrecognised.size(), found_unrecognised.size() == 1 ? "" : "s",
        found_unrecognised.front())));
  }
}

// Inputs read only in part turn 0 into 2 and 1 into 3, so loops are not hidden behind a bad file
// and a bad file is not hidden behind loops (unless --partial-ok).
int with_partial_inputs(const options& opts, const report::summary_counts& summary, int findings) {
  const bool incomplete = summary.inputs_partial + summary.inputs_unreadable > 0;
  if (incomplete && !opts.partial_ok) {
    return findings == exit_findings ? exit_findings_and_partial : exit_trouble;
  }
  return findings;
}

// The exit status of a command that read logs, from its findings' status (README, "Exit
// status"): nothing recognised in any input is a broken job, never a healthy one; inputs read
// only in part turn 0 into 2 and 1 into 3, so loops are not hidden behind a bad file (unless
// --partial-ok).
int reading_status(const options& opts, const report::report& model, int findings) {
  const bool any_recognised =
      std::any_of(model.inputs.begin(), model.inputs.end(), [](const report::input_report& i) {
        return i.stats.status != read_status::unreadable && !report::unrecognised(i);
      });
  if (!any_recognised) {
    // Inputs that could not be opened have said so, one line each; the rest held nothing.
    const bool all_unreadable =
        !model.inputs.empty() &&
        std::all_of(model.inputs.begin(), model.inputs.end(), [](const report::input_report& i) {
          return i.stats.status == read_status::unreadable;
        });
    if (model.inputs.empty()) {
      complain("nothing to analyze: no files were found in the inputs named");
    } else if (!all_unreadable) {
      complain("nothing to analyze: no input had a recognised log line (see 'loopscope formats')");
    }
    return exit_trouble;
  }
  return with_partial_inputs(opts, model.summary, findings);
}

// Writes the report in the chosen format; exit_clean, or exit_trouble when it could not be written.
int write_report(const options& opts, const report::report& model, output_target& target) {
  const report::render_options render = render_options_for(opts, target);
  switch (opts.format) {
    case report_format::text:
      report::write_text(model, target.stream(), render);
      break;
    case report_format::markdown:
      report::write_markdown(model, target.stream(), render);
      break;
    case report_format::json:
      report::write_json(model, target.stream(), render);
      break;
    case report_format::dot:
      report::write_dot(model, target.stream(), render);
      break;
    case report_format::junit:
      report::write_junit(model, target.stream(), render);
      break;
    case report_format::openmetrics:
      report::write_openmetrics(model, target.stream(), render);
      break;
  }
  return finish(target);
}

// From the summary, not the list: findings past --max-findings count as much as listed ones.
int findings_status(const options& opts, const report::report& model) {
  const bool over_threshold = std::any_of(
      model.summary.by_severity.begin(), model.summary.by_severity.end(), [&](const auto& entry) {
        const auto level = detect::severity_from_name(entry.first);
        return entry.second > 0 && level && *level >= opts.fail_on;
      });
  return over_threshold ? exit_findings : exit_clean;
}

int run_analyze(const options& opts, const std::string& version) {
  auto request = request_for(opts, version);
  if (!request) return exit_trouble;
  output_target target(opts.output);
  if (!ready(target)) return exit_trouble;
  const analysis_result result = analyze(*request);
  report_input_problems(result.model, request->inputs);
  // A state that could not be kept costs the next run time, not this report its truth.
  if (!result.state_warning.empty()) complain(result.state_warning);

  if (write_report(opts, result.model, target) != exit_clean) return exit_trouble;
  return reading_status(opts, result.model, findings_status(opts, result.model));
}

// Reports made elsewhere (shards of an archive) into one; see report::merge_reports.
int run_merge(const options& opts, const std::string& version) {
  output_target target(opts.output);
  if (!ready(target)) return exit_trouble;
  std::vector<report::report> parts;
  for (const std::string& path : opts.inputs) {
    std::ifstream in(path, std::ios::binary);
    if (!in) {
      complain(fmt::format("{}: cannot read: {}", path, std::strerror(errno)));
      return exit_trouble;
    }
    std::ostringstream text;
    text << in.rdbuf();
    report::report part;
    if (const std::string error = report::read_json_report(text.str(), part); !error.empty()) {
      complain(fmt::format("{}: {}", path, error));
      return exit_trouble;
    }
    parts.push_back(std::move(part));
  }
  report::report merged = report::merge_reports(std::move(parts), opts.window);
  merged.tool_version = version;
  if (write_report(opts, merged, target) != exit_clean) return exit_trouble;
  return with_partial_inputs(opts, merged.summary, findings_status(opts, merged));
}

int run_events(const options& opts, const std::string& version) {
  output_target target(opts.output);
  if (!ready(target)) return exit_trouble;
  std::ostream& out = target.stream();
  const report::redaction redact = opts.no_redact ? report::redaction::off : report::redaction::on;
  const report::message_visibility messages =
      opts.show_messages ? report::message_visibility::shown : report::message_visibility::hidden;
  auto request = request_for(opts, version);
  if (!request) return exit_trouble;
  request->event_observer = [&](const event& e, std::string_view path) {
    write_event_json(e, path, out, redact, messages);
  };
  const analysis_result result = analyze(*request);
  report_input_problems(result.model, request->inputs);
  if (finish(target) != exit_clean) return exit_trouble;
  return reading_status(opts, result.model, exit_clean);
}

int run_sessions(const options& opts, const std::string& version) {
  auto request = request_for(opts, version);
  if (!request) return exit_trouble;
  output_target target(opts.output);
  if (!ready(target)) return exit_trouble;
  const analysis_result result = analyze(*request);
  report_input_problems(result.model, request->inputs);
  std::ostream& out = target.stream();
  const report::report& model = result.model;
  for (const session::session_summary& s : model.sessions) {
    std::vector<std::string> sources;
    for (const input_index i : s.sources) {
      sources.push_back(i < model.inputs.size() ? model.inputs[i].stats.path : "?");
    }
    const std::uint64_t turns = s.turns.size() + s.turns_omitted;
    out << fmt::format("session {}{}  ({} turn{}; sources: {})\n", s.id,
                       s.proxy_only ? " (proxy only)" : "", turns, turns == 1 ? "" : "s",
                       fmt::join(sources, ", "));
    if (!s.cli_version.empty() || !s.provider.empty()) {
      out << fmt::format("  codex {} ({}), provider {}, model {}\n",
                         s.cli_version.empty() ? "?" : s.cli_version,
                         s.originator.empty() ? "?" : s.originator,
                         s.provider.empty() ? "?" : s.provider, s.model.empty() ? "?" : s.model);
    }
    for (const session::turn_summary& t : s.turns) {
      std::vector<std::string> how;
      if (t.joined.by_header) how.push_back(fmt::format("{} by header", t.joined.by_header));
      if (t.joined.by_id) how.push_back(fmt::format("{} by id", t.joined.by_id));
      if (t.joined.by_time) how.push_back(fmt::format("{} by time", t.joined.by_time));
      out << fmt::format(
          "  turn {:>3}  {:<9} {} → {}  {} proxy request{}{}  {} event{}{}\n", t.index,
          turn_outcome_name(t.outcome), t.start ? format_rfc3339(*t.start) : "-",
          t.end ? format_rfc3339(*t.end) : "-", t.requests, t.requests == 1 ? "" : "s",
          how.empty() ? "" : fmt::format(" ({})", fmt::join(how, ", ")), t.events,
          t.events == 1 ? "" : "s", t.id.empty() ? "" : "  id " + t.id);
    }
    if (s.turns_omitted > 0) {
      out << fmt::format("  … {} more turn{}, not listed\n", s.turns_omitted,
                         s.turns_omitted == 1 ? "" : "s");
    }
    if (s.proxy_requests_outside_turns > 0) {
      out << fmt::format("  {} proxy request{} fit no turn\n", s.proxy_requests_outside_turns,
                         s.proxy_requests_outside_turns == 1 ? "" : "s");
    }
  }
  if (model.omitted.aggregate.sessions > 0) {
    out << fmt::format("… and {} more session{}, not listed (--max-sessions)\n",
                       model.omitted.aggregate.sessions,
                       model.omitted.aggregate.sessions == 1 ? "" : "s");
  }
  if (model.sessions.empty() && model.omitted.aggregate.sessions == 0) {
    out << "no sessions found\n";
  }
  if (finish(target) != exit_clean) return exit_trouble;
  return reading_status(opts, result.model, exit_clean);
}

}  // namespace

int run(const options& opts, const std::string& version) {
  switch (opts.chosen) {
    case command::analyze:
      return run_analyze(opts, version);
    case command::events:
      return run_events(opts, version);
    case command::sessions:
      return run_sessions(opts, version);
    case command::formats:
      return run_formats_list(opts);
    case command::formats_validate:
      return run_formats_validate(opts);
    case command::formats_test:
      return run_formats_test(opts);
    case command::rules_list:
      return run_rules_list(opts);
    case command::rules_validate:
      return run_rules_validate(opts);
    case command::rules_test:
      return run_rules_test(opts, version);
    case command::merge:
      return run_merge(opts, version);
    case command::watch:
      return run_watch(opts, version);
    case command::config: {
      output_target target(opts.output);
      write_effective_config(opts.config, target.stream());
      return finish(target);
    }
  }
  return exit_trouble;
}

}  // namespace loopscope::app

namespace loopscope::app {

int report_watched(const options& opts, const analysis_result& result,
                   const std::vector<std::string>& named, output_target& target) {
  report_input_problems(result.model, named);
  if (!opts.watch.no_report) {
    options as_analyze = opts;
    as_analyze.format = opts.watch.report;
    if (write_report(as_analyze, result.model, target) != exit_clean) return exit_trouble;
  }
  return reading_status(opts, result.model, findings_status(opts, result.model));
}

}  // namespace loopscope::app
