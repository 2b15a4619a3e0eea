// The commands behind the command line. Each one runs the pipeline (or part of it) and writes
// through a reporter; none of them knows a log format.
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
#include "loopscope/formats/sniff.hpp"
#include "loopscope/report/aggregate_merge.hpp"
#include "loopscope/report/event_writer.hpp"
#include "loopscope/report/writers.hpp"
#include "options.hpp"
#include "output_file.hpp"
#include "rules_commands.hpp"

namespace loopscope::app {
namespace {
namespace fs = std::filesystem;

void complain(std::string_view message) {
  std::cerr << "loopscope: " << message << '\n';
}

// The newest rollout under $CODEX_HOME/sessions (default ~/.codex), or nothing.
std::optional<fs::path> newest_session_file() {
  fs::path home;
  if (const char* codex_home = std::getenv("CODEX_HOME"); codex_home && *codex_home) {
    home = codex_home;
  } else if (const char* user_home = std::getenv("HOME"); user_home && *user_home) {
    home = fs::path(user_home) / ".codex";
  } else {
    return std::nullopt;
  }
  std::error_code ec;
  const fs::path sessions = home / "sessions";
  if (!fs::is_directory(sessions, ec)) return std::nullopt;
  std::optional<fs::path> best;
  fs::file_time_type best_time{};
  for (fs::recursive_directory_iterator
           it(sessions, fs::directory_options::skip_permission_denied, ec),
       end;
       it != end; it.increment(ec)) {
    if (ec) break;
    const std::string name = it->path().filename().string();
    if (!it->is_regular_file(ec) || !name.starts_with("rollout-")) continue;
    const fs::file_time_type time = it->last_write_time(ec);
    if (ec) continue;
    if (!best || time > best_time || (time == best_time && it->path() > *best)) {
      best = it->path();
      best_time = time;
    }
  }
  return best;
}

// No INPUT: piped stdin is the input; at a terminal, the newest Codex session.
std::optional<std::vector<std::string>> resolve_inputs(const options& opts) {
  if (!opts.inputs.empty()) return opts.inputs;
  if (!::isatty(STDIN_FILENO)) return std::vector<std::string>{"-"};
  if (auto newest = newest_session_file()) {
    std::cerr << "loopscope: no input given; analyzing the newest Codex session: "
              << newest->string() << '\n';
    return std::vector<std::string>{newest->string()};
  }
  complain(
      "no input given, stdin is a terminal, and no session files were found under "
      "$CODEX_HOME/sessions (default ~/.codex/sessions); name a log file or pipe one in");
  return std::nullopt;
}

std::size_t terminal_width() {
  winsize size{};
  if (::ioctl(STDOUT_FILENO, TIOCGWINSZ, &size) == 0 && size.ws_col >= 40) return size.ws_col;
  if (const char* columns = std::getenv("COLUMNS")) {
    const long value = std::strtol(columns, nullptr, 10);
    if (value >= 40 && value <= 1000) return static_cast<std::size_t>(value);
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
  request.inputs = std::move(*inputs);
  request.forced_format = opts.input_format;
  request.tool_version = version;
  request.jobs = opts.jobs != 0 ? opts.jobs : std::max(1U, std::thread::hardware_concurrency());
  request.groups = opts.group_by;
  request.window = opts.window;
  request.selection = opts.selection;
  request.detail = opts.detail;
  request.state_path = opts.state;
  request.progress = ::isatty(STDERR_FILENO) ? progress_display::terminal : progress_display::off;
  return request;
}

int finish(output_target& target) {
  if (const std::string error = target.commit(); !error.empty()) {
    complain(error);
    return exit_trouble;
  }
  return exit_clean;
}

void report_input_problems(const report::report& model) {
  for (const report::input_report& input : model.inputs) {
    if (input.stats.status == read_status::complete) continue;
    for (const diagnostic& d : input.problems) {
      std::string message = d.message;
      if (!message.starts_with(input.stats.path + ":")) message = input.stats.path + ": " + message;
      complain(report::redact(message));
    }
  }
}

// Writes the report in the chosen format; exit_clean, or exit_trouble when it could not be written.
int write_report(const options& opts, const report::report& model) {
  output_target target(opts.output);
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
  const analysis_result result = analyze(*request);
  report_input_problems(result.model);
  // A state that could not be kept costs the next run time, not this report its truth.
  if (!result.state_warning.empty()) complain(result.state_warning);

  if (write_report(opts, result.model) != exit_clean) return exit_trouble;
  if (result.input_problem) return exit_trouble;
  return findings_status(opts, result.model);
}

// Reports made elsewhere (shards of an archive) into one; see report::merge_reports.
int run_merge(const options& opts, const std::string& version) {
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
  if (write_report(opts, merged) != exit_clean) return exit_trouble;
  return findings_status(opts, merged);
}

int run_events(const options& opts, const std::string& version) {
  output_target target(opts.output);
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
  report_input_problems(result.model);
  if (finish(target) != exit_clean) return exit_trouble;
  return result.input_problem ? exit_trouble : exit_clean;
}

int run_sessions(const options& opts, const std::string& version) {
  auto request = request_for(opts, version);
  if (!request) return exit_trouble;
  const analysis_result result = analyze(*request);
  report_input_problems(result.model);
  output_target target(opts.output);
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
  return result.input_problem ? exit_trouble : exit_clean;
}

int run_formats(const options& opts) {
  output_target target(opts.output);
  std::ostream& out = target.stream();
  for (const format_id id : all_formats()) {
    out << fmt::format("{:<18} {}\n{:<18} e.g. {}\n", format_name(id),
                       formats::format_description(id), "", formats::sample_line(id));
  }
  return finish(target);
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
      return run_formats(opts);
    case command::rules_list:
      return run_rules_list(opts);
    case command::rules_validate:
      return run_rules_validate(opts);
    case command::rules_test:
      return run_rules_test(opts, version);
    case command::merge:
      return run_merge(opts, version);
  }
  return exit_trouble;
}

}  // namespace loopscope::app
