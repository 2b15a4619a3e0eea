#include "command_line.hpp"

#include <algorithm>
#include <cctype>
#include <ctime>
#include <filesystem>
#include <iostream>
#include <map>
#include <memory>
#include <variant>
#include <vector>

#include <fmt/format.h>
#include <CLI/CLI.hpp>

#include "app/formats_commands.hpp"
#include "config_hook.hpp"
#include "generated_docs.hpp"
#include "loopscope/core/time_zone.hpp"
#include "loopscope/formats/registry.hpp"

namespace loopscope::cli {
namespace {

const std::map<std::string, app::report_format> report_formats{
    {"text", app::report_format::text},   {"markdown", app::report_format::markdown},
    {"json", app::report_format::json},   {"dot", app::report_format::dot},
    {"junit", app::report_format::junit}, {"openmetrics", app::report_format::openmetrics}};
const std::map<std::string, detect::severity> severities{{"info", detect::severity::info},
                                                         {"warning", detect::severity::warning},
                                                         {"error", detect::severity::error}};
const std::map<std::string, app::alert_format> alert_formats{{"text", app::alert_format::text},
                                                             {"jsonl", app::alert_format::jsonl}};
const std::map<std::string, app::color_choice> color_choices{{"auto", app::color_choice::automatic},
                                                             {"always", app::color_choice::always},
                                                             {"never", app::color_choice::never}};

// One value per use of a repeatable path option: `--rules my.yaml session.jsonl` keeps the log as
// an input instead of taking it as a second rules file.
void add_repeated_path(CLI::App& command, const std::string& name, std::vector<std::string>& into,
                       const std::string& description) {
  command.add_option(name, into, description)
      ->expected(1)
      ->allow_extra_args(false)
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
}

struct proxy_clock_words {
  std::string date, zone;
};

// Options shared by the commands that read logs.
void add_input_options(CLI::App& command, app::options& opts, std::string& input_format,
                       proxy_clock_words& clock) {
  command.add_option("INPUT", opts.inputs,
                     "Log files, directories (read recursively) or - for stdin. Default: piped "
                     "stdin, else the newest session under $CODEX_HOME/sessions");
  command.add_option("--input-format", input_format,
                     "Read every input as this format instead of detecting it (see `loopscope "
                     "formats`)");
  add_repeated_path(command, "--formats", opts.format_paths,
                    "Formats file or directory laid over the built-in formats and message "
                    "catalogues (repeatable)");
  add_repeated_path(command, "--proxy-log", opts.proxy_logs,
                    "A proxy's log (LiteLLM, uvicorn) to read beside the inputs, or beside the "
                    "newest session when no INPUT is given (repeatable)");
  command.add_option("--proxy-date", clock.date,
                     "Date (YYYY-MM-DD) of a proxy log's time-only stamps (LiteLLM's HH:MM:SS) "
                     "when no Codex log beside it dates them. Default: the file's modification "
                     "day, today for stdin");
  command.add_option("--proxy-tz", clock.zone,
                     "Time zone of proxy stamps that name none: UTC (default), +HH:MM, or a tz "
                     "database name such as Europe/Berlin");
  command.add_option("-o,--output", opts.output, "Write to FILE (atomically) instead of stdout");
  command
      .add_option(
          "-j,--jobs", opts.jobs,
          "Threads: one per join group, the rest decode large inputs (default: number of cores)")
      ->check(CLI::Range(1, 1024));
  command.add_flag("--show-messages", opts.show_messages,
                   "Include user prompts in `events` output (hidden by default)");
  command.add_flag("--partial-ok", opts.partial_ok,
                   "Inputs read only in part (truncated archives, read errors) do not change the "
                   "exit status; they are still counted in the report's summary");
  command.add_flag("--no-redact", opts.no_redact,
                   "Print secrets as found (API keys, tokens, cookies). Never the default");
}

// Enumerated flags are read as words and checked against their map, so a wrong value gets
// "--format: yaml not in {dot,json,markdown,text}".
template <typename Value>
CLI::Option* add_choice(CLI::App& command, const std::string& name, std::string& word,
                        const std::map<std::string, Value>& choices, const std::string& help) {
  std::vector<std::string> names;
  for (const auto& [key, value] : choices) names.push_back(key);
  return command.add_option(name, word, help)->check(CLI::IsMember(names, CLI::ignore_case));
}

struct choice_words {
  std::string format, fail_on, color, group_by, since, until;
};

const std::map<std::string, app::grouping> groupings{{"directory", app::grouping::directory},
                                                     {"none", app::grouping::single}};

// Options of the commands that report over many sessions (analyze, merge).
void add_window_options(CLI::App& command, choice_words& words) {
  command.add_option("--since", words.since,
                     "Only sessions that end at or after this time: RFC 3339, YYYY-MM-DD, today, "
                     "yesterday, or an age such as 24h, 7d");
  command.add_option("--until", words.until,
                     "Only sessions that start before this time: RFC 3339, YYYY-MM-DD (to the end "
                     "of that day), today, yesterday, or an age such as 1h");
}

// How much a report lists in full; the rest is counted (memory stays bounded).
void add_detail_options(CLI::App& command, app::options& opts) {
  command
      .add_option("--max-sessions", opts.detail.sessions,
                  "List at most N sessions; later ones are counted in the summary and aggregates "
                  "only (default 2000)")
      ->check(CLI::Range(std::size_t{0}, std::size_t{10'000'000}));
  command
      .add_option("--max-findings", opts.detail.findings,
                  "List at most N findings with their evidence; sessions beyond are counted only "
                  "(default 1000)")
      ->check(CLI::Range(std::size_t{0}, std::size_t{10'000'000}));
}

void add_report_options(CLI::App& command, app::options& opts, choice_words& words) {
  add_choice(command, "--format", words.format, report_formats,
             "Report format: text (default), markdown, json, dot, junit (JUnit XML for CI) or "
             "openmetrics (Prometheus text for node_exporter)");
  add_repeated_path(command, "--rules", opts.rule_paths, "Rule file or directory (repeatable)");
  add_choice(command, "--fail-on", words.fail_on, severities,
             "Exit 1 when a finding has at least this severity: info, warning, error (default)");
  add_choice(command, "--color", words.color, color_choices,
             "Colors: auto (default: on a terminal only), always, never");
}

// --since/--until for cron jobs: "24h", "90m", "7d", "2w" before now; "today", "yesterday" as
// that UTC day (YYYY-MM-DD). Anything else is left to report::parse_time_bound.
std::optional<timestamp> parse_relative_bound(const std::string& word, report::bound_side side) {
  const auto now_seconds = static_cast<std::int64_t>(std::time(nullptr));
  if (word == "today" || word == "yesterday") {
    const std::int64_t day = now_seconds / 86'400 - (word == "yesterday" ? 1 : 0);
    return report::parse_time_bound(format_civil_day(day), side);
  }
  static const std::map<char, std::int64_t> unit_seconds{
      {'s', 1}, {'m', 60}, {'h', 3'600}, {'d', 86'400}, {'w', 7 * 86'400}};
  if (word.size() < 2 || word.size() > 12) return std::nullopt;
  const auto unit = unit_seconds.find(word.back());
  if (unit == unit_seconds.end()) return std::nullopt;
  std::int64_t count = 0;
  for (std::size_t i = 0; i + 1 < word.size(); ++i) {
    if (word[i] < '0' || word[i] > '9') return std::nullopt;
    count = count * 10 + (word[i] - '0');
  }
  return timestamp{(now_seconds - count * unit->second) * 1'000'000};
}

bool is_subcommand_name(std::string_view word) {
  static const std::vector<std::string_view> names{
      "analyze", "events", "sessions", "rules", "merge", "formats", "help", "config", "watch"};
  return std::find(names.begin(), names.end(), word) != names.end();
}

// Levenshtein distance, for "did you mean".
std::size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<std::size_t> row(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    std::size_t diagonal = row[0];
    row[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      const std::size_t above = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diagonal = above;
    }
  }
  return row[b.size()];
}

// The options of a command as written on a command line: "--format", "-o".
std::vector<std::string> option_words(const CLI::App& command) {
  std::vector<std::string> words;
  for (const CLI::Option* option : command.get_options()) {
    for (const std::string& name : option->get_lnames()) words.push_back("--" + name);
    for (const std::string& name : option->get_snames()) words.push_back("-" + name);
  }
  return words;
}

// "unknown option --formt; did you mean --format?" for the first word that looks like an option
// and is none of the command's; empty when every option word is known.
std::string unknown_option_hint(const std::vector<std::string>& words, const CLI::App& command) {
  const std::vector<std::string> known = option_words(command);
  for (const std::string& word : words) {
    if (word == "-" || word == "--" || !word.starts_with('-')) continue;
    const std::string name = word.substr(0, word.find('='));
    if (std::find(known.begin(), known.end(), name) != known.end()) continue;
    std::string best;
    std::size_t best_distance = 3;  // at most two edits away
    for (const std::string& candidate : known) {
      const std::size_t d = edit_distance(name, candidate);
      if (d < best_distance) {
        best_distance = d;
        best = candidate;
      }
    }
    return best.empty() ? fmt::format("unknown option {}", name)
                        : fmt::format("unknown option {}; did you mean {}?", name, best);
  }
  return {};
}

// Where the command word stands when options precede it (`--no-redact events f`): the first
// word that is neither an option nor an option's value, when it names a command and no file of
// that name exists. Nothing when the first such word is not a command.
std::optional<std::size_t> command_position(const std::vector<std::string>& words,
                                            const CLI::App& analyze) {
  for (std::size_t i = 0; i < words.size(); ++i) {
    const std::string& word = words[i];
    if (word == "-" || !word.starts_with('-')) {
      std::error_code ec;
      if (is_subcommand_name(word) && !std::filesystem::exists(word, ec)) return i;
      return std::nullopt;
    }
    if (word == "--") return std::nullopt;
    if (word.find('=') != std::string::npos) continue;
    const CLI::Option* option = analyze.get_option_no_throw(word);
    if (option != nullptr && option->get_items_expected_max() > 0) ++i;  // its value
  }
  return std::nullopt;
}

// `loopscope --help`: the commands, then the options of the default command, under one Usage.
std::string top_level_help(const CLI::App& app, const CLI::App& analyze) {
  std::string text = app.help();
  std::string options = analyze.help();
  // analyze's own usage and description are said by the top level already.
  std::size_t heading = options.find("OPTIONS:");
  if (heading == std::string::npos) heading = options.find("Options:");
  if (heading != std::string::npos) options = options.substr(heading + 8);
  text += "\nOPTIONS of analyze, the default command (`loopscope [OPTIONS] [INPUT...]`):" + options;
  text +=
      "\nExit status: 0 no finding at --fail-on; 1 findings; 2 usage error or nothing "
      "readable; 3 findings and some input not read whole. See README.md.\n";
  return text;
}

}  // namespace

parse_outcome parse_command_line(int argc, char** argv, const std::string& version) {
  app::options opts;
  std::string input_format;
  proxy_clock_words clock;
  CLI::App app{
      "loopscope: finds retry/fallback loops in Codex CLI and LiteLLM proxy logs, says what they "
      "cost and which transport error started them.",
      "loopscope"};
  app.set_version_flag("--version", "loopscope " + version);
  app.require_subcommand(0, 1);

  CLI::App* analyze = app.add_subcommand("analyze", "Find loops and failed turns (the default)");
  add_input_options(*analyze, opts, input_format, clock);
  choice_words words;
  add_report_options(*analyze, opts, words);
  add_window_options(*analyze, words);
  add_detail_options(*analyze, opts);
  analyze->add_option("--session", opts.selection.session,
                      "Report only the session with this id (or the start of it)");
  analyze
      ->add_option("--turn", opts.selection.turn,
                   "Report only the findings and incidents that touch turn N")
      ->check(CLI::Range(1, 100'000'000));
  analyze->add_flag("--last", opts.selection.last, "Report only the session that ended last");
  add_choice(*analyze, "--group-by", words.group_by, groupings,
             "Join groups read in parallel: directory (default: files named here form one, each "
             "directory found under a named one another) or none (all inputs joined together)");
  analyze->add_option("--state", opts.state,
                      "Remember what was analyzed in FILE; the next run reads only new or changed "
                      "files' groups");

  CLI::App* events = app.add_subcommand("events", "Print the normalized events as JSON lines");
  add_input_options(*events, opts, input_format, clock);

  CLI::App* sessions = app.add_subcommand("sessions", "List sessions and their turns");
  add_input_options(*sessions, opts, input_format, clock);
  add_detail_options(*sessions, opts);

  CLI::App* formats = app.add_subcommand(
      "formats", "List the input formats, with a sample line; validate or test formats files");
  formats->require_subcommand(0, 1);
  formats->add_option("-o,--output", opts.output, "Write to FILE instead of stdout");
  add_repeated_path(*formats, "--formats", opts.format_paths,
                    "Formats file or directory laid over the built-in ones before listing "
                    "(repeatable)");
  CLI::App* formats_validate = formats->add_subcommand(
      "validate", "Check formats files: schema, patterns, and every sample against its entry");
  formats_validate->add_option("PATH", opts.format_paths, "Formats files or directories");
  CLI::App* formats_test = formats->add_subcommand(
      "test", "Run every catalogue entry's samples (built-ins, plus PATH laid over them)");
  formats_test->add_option("PATH", opts.format_paths, "Formats files or directories");

  CLI::App* rules = app.add_subcommand("rules", "List, validate or test detection rules");
  rules->require_subcommand(1);
  CLI::App* rules_list = rules->add_subcommand("list", "List the rules: id, kind, severity, title");
  CLI::App* rules_validate = rules->add_subcommand("validate", "Check rule files");
  rules_validate->add_option("PATH", opts.rule_paths, "Rule files or directories");
  CLI::App* rules_test = rules->add_subcommand("test", "Run each rule's examples");
  rules_test->add_option("PATH", opts.rule_paths, "Rule files or directories");

  CLI::App* merge = app.add_subcommand("merge", "Combine JSON reports into one");
  merge->add_option("REPORT", opts.inputs, "JSON reports written by --format json")->required();
  merge->add_option("-o,--output", opts.output, "Write to FILE (atomically) instead of stdout");
  add_choice(*merge, "--format", words.format, report_formats,
             "Report format: json (default for merge), text, markdown, dot, junit or openmetrics");
  add_choice(*merge, "--fail-on", words.fail_on, severities,
             "Exit 1 when a finding has at least this severity: info, warning, error (default)");
  merge->add_flag("--partial-ok", opts.partial_ok,
                  "Inputs the reports read only in part do not change the exit status");
  add_window_options(*merge, words);

  CLI::App* config = app.add_subcommand(
      "config", "Print the settings in effect (config file or default) and where each came from");
  config->add_option("-o,--output", opts.output, "Write to FILE instead of stdout");

  CLI::App* watch = app.add_subcommand(
      "watch", "Follow logs as they are written; alert while a loop happens, report at the end");
  std::string alert_format_word, alert_on_word, report_format_word;
  watch->add_option("PATH", opts.inputs,
                    "Files or directories to follow, or - for stdin. Default: piped stdin, else "
                    "$CODEX_HOME/log/codex-tui.log and new rollouts under $CODEX_HOME/sessions");
  add_repeated_path(*watch, "--proxy-log", opts.proxy_logs,
                    "A proxy's log (LiteLLM, uvicorn) to follow beside the inputs (repeatable)");
  watch->add_option("--input-format", input_format,
                    "Read every input as this format instead of detecting it (see `loopscope "
                    "formats`)");
  add_repeated_path(*watch, "--formats", opts.format_paths,
                    "Formats file or directory laid over the built-in formats and message "
                    "catalogues (repeatable)");
  watch->add_option("--proxy-date", clock.date,
                    "Date (YYYY-MM-DD) of a proxy log's time-only stamps (LiteLLM's HH:MM:SS)");
  watch->add_option("--proxy-tz", clock.zone,
                    "Time zone of proxy stamps that name none: UTC (default), +HH:MM, or a tz "
                    "database name");
  watch->add_flag("--tee", opts.watch.tee,
                  "Pass standard input through to stdout unchanged; alerts and the report go to "
                  "stderr");
  watch->add_flag("--from-start", opts.watch.from_start,
                  "Read what the files already hold (default: only what is written from now on)");
  watch->add_flag("--since-now", opts.watch.since_now_flag,
                  "Ignore what the files hold at start (the default)");
  watch->add_flag("--poll", opts.watch.poll,
                  "Look for changes on a timer (every 100 ms) instead of with inotify");
  add_choice(*watch, "--format", alert_format_word, alert_formats,
             "Alert lines: text (default) or jsonl (one JSON object per alert, see "
             "docs/watch-v1.md)");
  watch->add_option("--on-alert", opts.watch.on_alert,
                    "Run this command for each alert with its JSON on stdin (split into words, "
                    "run without a shell)");
  add_choice(*watch, "--alert-on", alert_on_word, severities,
             "Alert on incidents of at least this severity: info, warning (default), error");
  add_choice(*watch, "--report-format", report_format_word, report_formats,
             "Format of the report at the end: text (default), markdown, json, dot, junit or "
             "openmetrics");
  watch->add_flag("--no-report", opts.watch.no_report, "Write no report at the end");
  watch->add_option("-o,--output", opts.output,
                    "Write the report at the end to FILE (atomically) instead of stdout");
  add_repeated_path(*watch, "--rules", opts.rule_paths, "Rule file or directory (repeatable)");
  add_choice(*watch, "--fail-on", words.fail_on, severities,
             "Exit 1 when a finding has at least this severity: info, warning, error (default)");
  add_choice(*watch, "--color", words.color, color_choices,
             "Colors of the report: auto (default: on a terminal only), always, never");
  watch->add_flag("--partial-ok", opts.partial_ok,
                  "Inputs read only in part do not change the exit status");
  watch->add_flag("--no-redact", opts.no_redact,
                  "Print secrets as found (API keys, tokens, cookies). Never the default");
  add_detail_options(*watch, opts);

  // Hidden generators of the man page and the completions (cli/generated_docs.hpp).
  if (auto status = run_generator_if_asked(app, argc, argv, version))
    return {std::nullopt, *status};

  // `loopscope [OPTIONS] INPUT…` means `loopscope analyze …`; options written before the
  // command (`loopscope --no-redact events f`) belong to it.
  std::vector<std::string> words_in(argv + 1, argv + argc);
  const bool top_level_flag =
      argc > 1 && (std::string_view(argv[1]) == "--help" || std::string_view(argv[1]) == "-h" ||
                   std::string_view(argv[1]) == "--version");
  if (argc > 1 && top_level_flag && std::string_view(argv[1]) != "--version") {
    std::cout << top_level_help(app, *analyze);
    return {std::nullopt, app::exit_clean};
  }
  if (!top_level_flag) {
    if (const auto at = command_position(words_in, *analyze); at && *at > 0) {
      std::rotate(words_in.begin(), words_in.begin() + static_cast<std::ptrdiff_t>(*at),
                  words_in.begin() + static_cast<std::ptrdiff_t>(*at) + 1);
    }
  }
  if (words_in.empty() || (!top_level_flag && !is_subcommand_name(words_in.front()))) {
    // `codex exec --json … | loopscope --tee`: --tee is watch's; without a command it means it.
    const bool tee = std::find(words_in.begin(), words_in.end(), "--tee") != words_in.end();
    words_in.insert(words_in.begin(), tee ? "watch" : "analyze");
  }
  const std::vector<std::string> args(words_in.rbegin(), words_in.rend());

  try {
    app.parse(std::vector<std::string>(args));
  } catch (const CLI::CallForHelp& e) {
    return {std::nullopt, app.exit(e)};
  } catch (const CLI::CallForAllHelp& e) {
    return {std::nullopt, app.exit(e)};
  } catch (const CLI::CallForVersion& e) {
    return {std::nullopt, app.exit(e)};
  } catch (const CLI::ParseError& e) {
    std::string message = e.what();
    for (char& c : message) {
      if (c == '\n') c = ' ';
    }
    const CLI::App* command = &app;
    for (const CLI::App* sub : app.get_subcommands()) command = sub;
    for (const CLI::App* sub : command->get_subcommands()) command = sub;
    if (std::string hint = unknown_option_hint(words_in, *command); !hint.empty()) message = hint;
    std::cerr << "loopscope: " << message << " (see 'loopscope "
              << (command == &app || command == analyze ? "" : command->get_name() + " ")
              << "--help')\n";
    return {std::nullopt, app::exit_trouble};
  }
  // The config file fills in what the command line left out (cli/config_hook.cpp).
  if (const int status = apply_config_file(
          app, config->parsed() || rules_list->parsed() ? analyze : nullptr, opts);
      status != app::exit_clean) {
    return {std::nullopt, status};
  }

  // The formats must be in place before a format name can be resolved.
  if (!formats_validate->parsed() && !formats_test->parsed()) {
    if (const int status = app::install_formats(opts.format_paths); status != app::exit_clean) {
      return {std::nullopt, status};
    }
  }
  if (!input_format.empty()) {
    opts.input_format = format_from_name(input_format);
    if (!opts.input_format || *opts.input_format == format_id::unknown) {
      std::cerr << "loopscope: --input-format: unknown format '" << input_format
                << "' (see 'loopscope formats')\n";
      return {std::nullopt, app::exit_trouble};
    }
  }
  if (!clock.date.empty()) {
    auto day = parse_civil_day(clock.date);
    if (const std::string* why = std::get_if<std::string>(&day)) {
      std::cerr << "loopscope: --proxy-date: " << *why << "\n";
      return {std::nullopt, app::exit_trouble};
    }
    opts.proxy_clock.day = std::get<std::int64_t>(day);
  }
  if (!clock.zone.empty()) {
    auto zone = time_zone::named(clock.zone);
    if (const std::string* why = std::get_if<std::string>(&zone)) {
      std::cerr << "loopscope: --proxy-tz: " << *why << "\n";
      return {std::nullopt, app::exit_trouble};
    }
    opts.proxy_clock.zone = std::make_shared<const time_zone>(std::move(std::get<time_zone>(zone)));
  }
  // IsMember has already vetted the words; ignore_case lets "JSON" through, so lower-case first.
  auto lower = [](std::string word) {
    for (char& c : word) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return word;
  };
  if (!words.format.empty()) opts.format = report_formats.at(lower(words.format));
  if (!words.fail_on.empty()) opts.fail_on = severities.at(lower(words.fail_on));
  if (!words.color.empty()) opts.color = color_choices.at(lower(words.color));
  if (!words.group_by.empty()) opts.group_by = groupings.at(lower(words.group_by));
  const std::pair<const std::string*, report::bound_side> bounds[] = {
      {&words.since, report::bound_side::lower}, {&words.until, report::bound_side::upper}};
  for (const auto& [word, side] : bounds) {
    if (word->empty()) continue;
    auto when = report::parse_time_bound(*word, side);
    if (!when) when = parse_relative_bound(*word, side);
    if (!when) {
      std::cerr << "loopscope: " << (side == report::bound_side::lower ? "--since" : "--until")
                << ": '" << *word
                << "' is not a time: RFC 3339, YYYY-MM-DD, today, yesterday, or an age such as "
                   "24h, 90m, 7d, 2w\n";
      return {std::nullopt, app::exit_trouble};
    }
    (side == report::bound_side::lower ? opts.window.since : opts.window.until) = when;
  }
  if (events->parsed()) opts.chosen = app::command::events;
  if (sessions->parsed()) opts.chosen = app::command::sessions;
  if (formats->parsed()) opts.chosen = app::command::formats;
  if (formats_validate->parsed()) opts.chosen = app::command::formats_validate;
  if (formats_test->parsed()) opts.chosen = app::command::formats_test;
  if (rules_list->parsed()) opts.chosen = app::command::rules_list;
  if (rules_validate->parsed()) opts.chosen = app::command::rules_validate;
  if (rules_test->parsed()) opts.chosen = app::command::rules_test;
  if (config->parsed()) opts.chosen = app::command::config;
  if (watch->parsed()) {
    opts.chosen = app::command::watch;
    if (!alert_format_word.empty()) opts.watch.alerts = alert_formats.at(lower(alert_format_word));
    if (!alert_on_word.empty()) opts.watch.alert_on = severities.at(lower(alert_on_word));
    if (!report_format_word.empty()) {
      opts.watch.report = report_formats.at(lower(report_format_word));
    }
    if (opts.watch.from_start && opts.watch.since_now_flag) {
      std::cerr << "loopscope: --from-start and --since-now exclude each other\n";
      return {std::nullopt, app::exit_trouble};
    }
  }
  if (merge->parsed()) {
    opts.chosen = app::command::merge;
    if (words.format.empty()) opts.format = app::report_format::json;
  }
  return {std::move(opts), app::exit_clean};
}

}  // namespace loopscope::cli
