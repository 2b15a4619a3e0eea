#include "rules_commands.hpp"

#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>

#include <fmt/format.h>

#include "analysis.hpp"
#include "builtin_pack.hpp"
#include "loopscope/detect/rule_loader.hpp"
#include "output_file.hpp"

namespace loopscope::app {
namespace {

namespace fs = std::filesystem;

bool print_errors(const std::vector<detect::rule_error>& errors) {
  for (const detect::rule_error& e : errors) {
    std::cerr << "loopscope: " << detect::format_rule_error(e) << '\n';
  }
  return !errors.empty();
}

std::optional<detect::rule_set> load_all(const std::vector<std::string>& paths, bool with_builtin) {
  detect::loaded_rules base;
  if (with_builtin) base = builtin_pack();
  bool failed = print_errors(base.errors);
  for (const std::string& path : paths) {
    std::error_code ec;
    if (!fs::exists(path, ec)) {
      std::cerr << "loopscope: --rules " << path << ": No such file or directory\n";
      failed = true;
      continue;
    }
    detect::loaded_rules extra = detect::load_rules(path);
    failed = print_errors(extra.errors) || failed;
    detect::overlay(base.rules, std::move(extra.rules));
  }
  if (failed) return std::nullopt;
  return std::move(base.rules);
}

// Example paths are relative to their rule file.
fs::path example_path(const detect::rule& r, const std::string& sample) {
  const fs::path given(sample);
  if (given.is_absolute()) return given;
  return fs::path(r.file).parent_path() / given;
}

struct example_outcome {
  bool passed = false;
  std::string detail;
};

example_outcome run_example(const detect::rule& r, const detect::rule_example& example,
                            const std::string& version) {
  analysis_request request;
  request.tool_version = version;
  request.rules = std::make_shared<const detect::rule_set>(detect::rule_set{r});
  std::string temp;
  if (!example.lines.empty()) {
    temp = (fs::temp_directory_path() /
            fmt::format("loopscope-example-{}-{}.log", ::getpid(), example.line))
               .string();
    std::ofstream out(temp, std::ios::binary);
    for (const std::string& line : example.lines) out << line << '\n';
    request.inputs.push_back(temp);
  } else {
    const fs::path path = example_path(r, example.sample);
    std::error_code ec;
    if (!fs::exists(path, ec)) return {false, fmt::format("sample {} not found", path.string())};
    request.inputs.push_back(path.string());
  }
  const analysis_result result = analyze(request);
  if (!temp.empty()) fs::remove(temp);
  std::vector<const detect::finding*> mine;
  for (const report::numbered_finding& n : result.model.findings) {
    if (n.finding.rule == r.id) mine.push_back(&n.finding);
  }
  if (!example.should_match) {
    if (mine.empty()) return {true, ""};
    return {false, fmt::format("matched turn {} ({} iterations), expected no match",
                               mine.front()->turn, mine.front()->iterations)};
  }
  for (const detect::finding* f : mine) {
    if (example.turn != 0 && f->turn != example.turn) continue;
    if (example.iterations != 0 && f->iterations != example.iterations) continue;
    return {true, ""};
  }
  std::string got;
  for (const detect::finding* f : mine) got += fmt::format(" turn {}×{}", f->turn, f->iterations);
  return {
      false,
      fmt::format("expected a finding{}{}, got{}",
                  example.turn ? fmt::format(" in turn {}", example.turn) : "",
                  example.iterations ? fmt::format(" with {} iterations", example.iterations) : "",
                  got.empty() ? " none" : got)};
}

}  // namespace

std::optional<std::shared_ptr<const detect::rule_set>> resolve_rules(
    const std::vector<std::string>& paths) {
  auto rules = load_all(paths, true);
  if (!rules) return std::nullopt;
  return std::make_shared<const detect::rule_set>(std::move(*rules));
}

int run_rules_list(const options& opts) {
  auto rules = load_all(opts.rule_paths, true);
  if (!rules) return exit_trouble;
  output_target target(opts.output);
  std::ostream& out = target.stream();
  out << fmt::format("{:<28} {:<20} {:<8} {}\n", "id", "kind", "severity", "title");
  for (const detect::rule& r : *rules) {
    out << fmt::format("{:<28} {:<20} {:<8} {}\n", r.id, detect::finding_kind_name(r.kind),
                       detect::severity_name(r.level), r.title);
  }
  if (const std::string error = target.commit(); !error.empty()) {
    std::cerr << "loopscope: " << error << '\n';
    return exit_trouble;
  }
  return exit_clean;
}

int run_rules_validate(const options& opts) {
  // Without paths: the built-in pack; with paths: those files alone.
  auto rules = load_all(opts.rule_paths, opts.rule_paths.empty());
  if (!rules) return exit_trouble;
  std::cout << fmt::format("{} rule{} valid\n", rules->size(), rules->size() == 1 ? "" : "s");
  return exit_clean;
}

int run_rules_test(const options& opts, const std::string& version) {
  auto rules = load_all(opts.rule_paths, opts.rule_paths.empty());
  if (!rules) return exit_trouble;
  std::size_t failed_rules = 0;
  for (const detect::rule& r : *rules) {
    std::vector<std::string> failures;
    std::size_t matches = 0, no_matches = 0;
    for (const detect::rule_example& example : r.examples) {
      (example.should_match ? matches : no_matches) += 1;
      const example_outcome outcome = run_example(r, example, version);
      if (!outcome.passed) {
        failures.push_back(fmt::format(
            "{}:{}: {} {}: {}", r.file, example.line, example.should_match ? "match" : "no_match",
            example.lines.empty() ? example.sample : "(inline lines)", outcome.detail));
      }
    }
    if (matches == 0 || no_matches == 0) {
      failures.push_back(
          fmt::format("{}:{}: needs at least one match and one no_match example", r.file, r.line));
    }
    std::cout << fmt::format("{:<4} {:<28} {} example{}\n", failures.empty() ? "PASS" : "FAIL",
                             r.id, r.examples.size(), r.examples.size() == 1 ? "" : "s");
    for (const std::string& f : failures) std::cout << "     " << f << '\n';
    if (!failures.empty()) ++failed_rules;
  }
  std::cout << fmt::format("{} of {} rules pass\n", rules->size() - failed_rules, rules->size());
  return failed_rules == 0 ? exit_clean : exit_findings;
}

}  // namespace loopscope::app
