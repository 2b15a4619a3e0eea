#include "command_line.hpp"

#include <cctype>
#include <iostream>
#include <map>
#include <vector>

#include <CLI/CLI.hpp>

namespace loopscope::cli {
namespace {

const std::map<std::string, app::report_format> report_formats{
    {"text", app::report_format::text},
    {"markdown", app::report_format::markdown},
    {"json", app::report_format::json},
    {"dot", app::report_format::dot}};
const std::map<std::string, detect::severity> severities{{"info", detect::severity::info},
                                                         {"warning", detect::severity::warning},
                                                         {"error", detect::severity::error}};
const std::map<std::string, app::color_choice> color_choices{{"auto", app::color_choice::automatic},
                                                             {"always", app::color_choice::always},
                                                             {"never", app::color_choice::never}};

// Options shared by the commands that read logs.
void add_input_options(CLI::App& command, app::options& opts, std::string& input_format) {
  command.add_option("INPUT", opts.inputs,
                     "Log files, directories (read recursively) or - for stdin. Default: piped "
                     "stdin, else the newest session under $CODEX_HOME/sessions");
  command.add_option("--input-format", input_format,
                     "Read every input as this format instead of detecting it (see `loopscope "
                     "formats`)");
  command.add_option("-o,--output", opts.output, "Write to FILE (atomically) instead of stdout");
  command.add_option("-j,--jobs", opts.jobs, "Worker threads (default: number of cores)")
      ->check(CLI::Range(1, 1024));
  command.add_flag("--show-messages", opts.show_messages,
                   "Include user prompts in `events` output (hidden by default)");
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
                     "Only sessions that end at or after this time (RFC 3339 or YYYY-MM-DD)");
  command.add_option("--until", words.until,
                     "Only sessions that start before this time (RFC 3339, or YYYY-MM-DD: to the "
                     "end of that day)");
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
             "Report format: text (default), markdown, json or dot");
  // One path per --rules, so `--rules my.yaml session.jsonl` keeps the log as an input.
  command.add_option("--rules", opts.rule_paths, "Rule file or directory (repeatable)")
      ->expected(1)
      ->allow_extra_args(false)
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
  add_choice(command, "--fail-on", words.fail_on, severities,
             "Exit 1 when a finding has at least this severity: info, warning, error (default)");
  add_choice(command, "--color", words.color, color_choices,
             "Colors: auto (default: on a terminal only), always, never");
}

bool is_subcommand_name(std::string_view word) {
  static const std::vector<std::string_view> names{"analyze", "events",  "sessions", "rules",
                                                   "merge",   "formats", "help"};
  return std::find(names.begin(), names.end(), word) != names.end();
}

}  // namespace

parse_outcome parse_command_line(int argc, char** argv, const std::string& version) {
  app::options opts;
  std::string input_format;
  CLI::App app{
      "loopscope: finds retry/fallback loops in Codex CLI and LiteLLM proxy logs, says what they "
      "cost and which transport error started them.\n\nUsage: loopscope [analyze] [OPTIONS] "
      "[INPUT...]",
      "loopscope"};
  app.set_version_flag("--version", "loopscope " + version);
  app.require_subcommand(0, 1);

  CLI::App* analyze = app.add_subcommand("analyze", "Find loops and failed turns (the default)");
  add_input_options(*analyze, opts, input_format);
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
  add_input_options(*events, opts, input_format);

  CLI::App* sessions = app.add_subcommand("sessions", "List sessions and their turns");
  add_input_options(*sessions, opts, input_format);
  add_detail_options(*sessions, opts);

  CLI::App* formats = app.add_subcommand("formats", "List the input formats, with a sample line");
  formats->add_option("-o,--output", opts.output, "Write to FILE instead of stdout");

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
             "Report format: json (default for merge), text, markdown or dot");
  add_choice(*merge, "--fail-on", words.fail_on, severities,
             "Exit 1 when a finding has at least this severity: info, warning, error (default)");
  add_window_options(*merge, words);

  // `loopscope [OPTIONS] INPUT…` means `loopscope analyze …`.
  std::vector<std::string> args;
  for (int i = argc - 1; i >= 1; --i) args.emplace_back(argv[i]);
  const bool top_level_flag =
      argc > 1 && (std::string_view(argv[1]) == "--help" || std::string_view(argv[1]) == "-h" ||
                   std::string_view(argv[1]) == "--version");
  if (argc == 1 || (!top_level_flag && !is_subcommand_name(argv[1]))) args.emplace_back("analyze");

  try {
    app.parse(args);
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
    std::cerr << "loopscope: " << message << " (see 'loopscope --help')\n";
    return {std::nullopt, app::exit_trouble};
  }

  if (!input_format.empty()) {
    opts.input_format = format_from_name(input_format);
    if (!opts.input_format || *opts.input_format == format_id::unknown) {
      std::cerr << "loopscope: --input-format: unknown format '" << input_format
                << "' (see 'loopscope formats')\n";
      return {std::nullopt, app::exit_trouble};
    }
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
    const auto when = report::parse_time_bound(*word, side);
    if (!when) {
      std::cerr << "loopscope: " << (side == report::bound_side::lower ? "--since" : "--until")
                << ": '" << *word << "' is neither RFC 3339 nor YYYY-MM-DD\n";
      return {std::nullopt, app::exit_trouble};
    }
    (side == report::bound_side::lower ? opts.window.since : opts.window.until) = when;
  }
  if (events->parsed()) opts.chosen = app::command::events;
  if (sessions->parsed()) opts.chosen = app::command::sessions;
  if (formats->parsed()) opts.chosen = app::command::formats;
  if (rules_list->parsed()) opts.chosen = app::command::rules_list;
  if (rules_validate->parsed()) opts.chosen = app::command::rules_validate;
  if (rules_test->parsed()) opts.chosen = app::command::rules_test;
  if (merge->parsed()) {
    opts.chosen = app::command::merge;
    if (words.format.empty()) opts.format = app::report_format::json;
  }
  return {std::move(opts), app::exit_clean};
}

}  // namespace loopscope::cli
