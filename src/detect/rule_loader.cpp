#include "loopscope/detect/rule_loader.hpp"

#include <re2/re2.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <fstream>
#include <functional>
#include <set>
#include <sstream>

#include <fmt/format.h>

#include "builtin_rules.hpp"

namespace loopscope::detect {
namespace {

namespace fs = std::filesystem;

const std::set<std::string> rule_keys{
    "id",     "title",       "kind",     "severity", "description", "references",     "tags",
    "detect", "match",       "lanes",    "reset_on", "root_cause",  "severity_rules", "summary",
    "advice", "advice_when", "headline", "examples"};
const std::set<std::string> detect_keys{"mode",    "min_iterations", "max_period",
                                        "measure", "maxspan",        "maxpause",
                                        "key",     "similarity",     "suppressed_by"};

class parser {
 public:
  parser(std::string file, loaded_rules& out) : file_(std::move(file)), out_(out) {}

  void error(const YAML::Node& node, std::string message) {
    const int line = node.IsDefined() && node.Mark().line >= 0 ? node.Mark().line + 1 : 0;
    out_.errors.push_back({file_, line, rule_id_, std::move(message)});
  }

  void parse_document(const YAML::Node& root) {
    if (root.IsMap()) {
      for (const auto& entry : root) {
        const std::string key = entry.first.as<std::string>();
        if (key != "rules" && key != "schema")
          error(entry.first, fmt::format("unknown top-level field '{}'", key));
      }
    }
    // Constructed, not assigned: assigning one YAML::Node to another overwrites the first one's
    // node (here the document itself) instead of rebinding the variable.
    const YAML::Node list = root.IsMap() ? root["rules"] : root;
    if (!list || !list.IsSequence()) {
      error(root, "expected a list of rules (or a map with 'rules:')");
      return;
    }
    for (const YAML::Node& node : list) parse_rule(node);
  }

 private:
  std::string scalar(const YAML::Node& node, const char* what) {
    if (!node.IsScalar()) {
      error(node, fmt::format("'{}' must be a string", what));
      return {};
    }
    return node.as<std::string>();
  }

  std::vector<std::string> strings(const YAML::Node& node, const char* what) {
    std::vector<std::string> out;
    if (node.IsScalar()) {
      out.push_back(node.as<std::string>());
    } else if (node.IsSequence()) {
      for (const YAML::Node& item : node) out.push_back(scalar(item, what));
    } else {
      error(node, fmt::format("'{}' must be a string or a list of strings", what));
    }
    return out;
  }

  std::optional<std::int64_t> duration_ms(const YAML::Node& node, const char* what) {
    const std::string text = scalar(node, what);
    std::int64_t value = 0;
    std::size_t i = 0;
    while (i < text.size() && std::isdigit(static_cast<unsigned char>(text[i]))) {
      value = value * 10 + (text[i] - '0');
      ++i;
    }
    const std::string unit = text.substr(i);
    if (i == 0) {
      error(node, fmt::format("'{}' must be a duration such as 500ms, 10s, 5m, 1h", what));
      return std::nullopt;
    }
    if (unit == "ms") return value;
    if (unit == "s" || unit.empty()) return value * 1000;
    if (unit == "m") return value * 60'000;
    if (unit == "h") return value * 3'600'000;
    error(node, fmt::format("'{}': unknown unit '{}'", what, unit));
    return std::nullopt;
  }

  void parse_test(const std::string& key, const YAML::Node& value, selection& into) {
    field_test test;
    std::string field = key;
    std::string modifier;
    if (const std::size_t bar = key.find('|'); bar != std::string::npos) {
      field = key.substr(0, bar);
      modifier = key.substr(bar + 1);
    }
    if (!is_known_field(field)) {
      error(value, fmt::format("unknown event field '{}'", field));
      return;
    }
    test.field = field;
    if (modifier == "re") {
      test.op = test_op::regex;
      const std::string pattern = scalar(value, "regex");
      RE2::Options options;
      options.set_log_errors(false);
      auto compiled = std::make_shared<RE2>(pattern, options);
      if (!compiled->ok()) {
        error(value, fmt::format("bad regex for '{}': {}", field, compiled->error()));
        return;
      }
      test.pattern = std::move(compiled);
    } else if (modifier == "exists") {
      test.op = test_op::exists;
      test.expected = value.IsScalar() && value.as<std::string>() != "false";
    } else if (modifier.empty() || modifier == "not") {
      test.expected = modifier.empty();
      std::vector<std::string> values = strings(value, field.c_str());
      // ">=500", "<3": numeric comparisons written as strings.
      if (values.size() == 1 && !values[0].empty() &&
          (values[0][0] == '>' || values[0][0] == '<')) {
        const std::string& v = values[0];
        const bool or_equal = v.size() > 1 && v[1] == '=';
        test.op = v[0] == '>' ? (or_equal ? test_op::greater_equal : test_op::greater)
                              : (or_equal ? test_op::less_equal : test_op::less);
        try {
          test.number = std::stod(v.substr(or_equal ? 2 : 1));
        } catch (const std::exception&) {
          error(value, fmt::format("bad number in '{}'", v));
          return;
        }
      } else {
        test.op = test_op::equals;
        test.values = std::move(values);
      }
    } else {
      error(value, fmt::format("unknown modifier '|{}' (re, exists, not)", modifier));
      return;
    }
    compile_test(test);
    into.tests.push_back(std::move(test));
  }

  selection parse_selection(const YAML::Node& node) {
    selection s;
    if (!node.IsMap()) {
      error(node, "a selection must be a map of field: value");
      return s;
    }
    for (const auto& entry : node) parse_test(entry.first.as<std::string>(), entry.second, s);
    return s;
  }

  // "a and not (b or c)"
  std::optional<condition_node> parse_condition(const YAML::Node& node,
                                                const event_filter& filter) {
    const std::string text = scalar(node, "condition");
    std::vector<std::string> tokens;
    std::string current;
    for (const char c : text) {
      if (c == '(' || c == ')') {
        if (!current.empty()) tokens.push_back(current);
        current.clear();
        tokens.emplace_back(1, c);
      } else if (std::isspace(static_cast<unsigned char>(c))) {
        if (!current.empty()) tokens.push_back(current);
        current.clear();
      } else {
        current += c;
      }
    }
    if (!current.empty()) tokens.push_back(current);
    std::size_t pos = 0;
    bool ok = true;
    std::function<condition_node()> parse_or, parse_and, parse_unary;
    parse_unary = [&]() -> condition_node {
      if (pos >= tokens.size()) {
        ok = false;
        return {};
      }
      const std::string token = tokens[pos++];
      if (token == "not") {
        condition_node n{condition_node::type::negate, {}, {parse_unary()}};
        return n;
      }
      if (token == "(") {
        condition_node inner = parse_or();
        if (pos >= tokens.size() || tokens[pos] != ")") ok = false;
        ++pos;
        return inner;
      }
      if (filter.selections.count(token) == 0) {
        error(node, fmt::format("condition names an unknown selection '{}'", token));
        ok = false;
      }
      return condition_node{condition_node::type::reference, token, {}};
    };
    parse_and = [&]() -> condition_node {
      condition_node n{condition_node::type::all, {}, {parse_unary()}};
      while (pos < tokens.size() && tokens[pos] == "and") {
        ++pos;
        n.children.push_back(parse_unary());
      }
      return n.children.size() == 1 ? n.children.front() : n;
    };
    parse_or = [&]() -> condition_node {
      condition_node n{condition_node::type::any, {}, {parse_and()}};
      while (pos < tokens.size() && tokens[pos] == "or") {
        ++pos;
        n.children.push_back(parse_and());
      }
      return n.children.size() == 1 ? n.children.front() : n;
    };
    condition_node root = parse_or();
    if (!ok || pos != tokens.size()) {
      error(node, fmt::format("cannot read condition '{}'", text));
      return std::nullopt;
    }
    return root;
  }

  event_filter parse_filter(const YAML::Node& node) {
    event_filter filter;
    if (!node.IsMap()) {
      error(node, "expected a map of field tests, or named selections with a 'condition'");
      return filter;
    }
    if (node["condition"]) {
      for (const auto& entry : node) {
        const std::string name = entry.first.as<std::string>();
        if (name == "condition") continue;
        filter.selections[name] = parse_selection(entry.second);
      }
      filter.condition = parse_condition(node["condition"], filter);
    } else {
      filter.selections["selection"] = parse_selection(node);
    }
    compile_filter(filter);
    return filter;
  }

  std::vector<std::pair<lane, event_filter>> parse_lanes(const YAML::Node& node) {
    std::vector<std::pair<lane, event_filter>> lanes;
    if (!node.IsSequence()) {
      error(node, "'lanes' must be a list of {lane: NAME, match: {…}}");
      return lanes;
    }
    for (const YAML::Node& item : node) {
      if (!item.IsMap() || !item["lane"]) {
        error(item, "each lane needs 'lane:' (proxy, trace, exec, rollout)");
        continue;
      }
      for (const auto& entry : item) {
        const std::string key = entry.first.as<std::string>();
        if (key != "lane" && key != "match")
          error(entry.first, fmt::format("unknown lane field '{}'", key));
      }
      const std::optional<lane> which = lane_from_name(scalar(item["lane"], "lane"));
      if (!which) {
        error(item["lane"], "unknown lane (proxy, trace, exec, rollout)");
        continue;
      }
      lanes.emplace_back(*which, item["match"] ? parse_filter(item["match"]) : event_filter{});
    }
    return lanes;
  }

  std::optional<finding_kind> kind_from(const YAML::Node& node) {
    const std::string name = scalar(node, "kind");
    for (int k = 0; k <= static_cast<int>(finding_kind::turn_failure); ++k) {
      if (finding_kind_name(static_cast<finding_kind>(k)) == name)
        return static_cast<finding_kind>(k);
    }
    error(node, fmt::format("unknown kind '{}'", name));
    return std::nullopt;
  }

  void parse_rule(const YAML::Node& node) {
    rule_id_.clear();
    if (!node.IsMap()) {
      error(node, "a rule must be a map");
      return;
    }
    rule r;
    r.file = file_;
    r.line = node.Mark().line + 1;
    if (node["id"]) rule_id_ = r.id = scalar(node["id"], "id");
    if (r.id.empty()) error(node, "a rule needs an 'id'");
    const std::size_t errors_before = out_.errors.size();
    for (const auto& entry : node) {
      const std::string key = entry.first.as<std::string>();
      if (rule_keys.count(key) == 0) error(entry.first, fmt::format("unknown field '{}'", key));
    }
    if (node["title"]) r.title = scalar(node["title"], "title");
    if (!node["kind"]) {
      error(node, "a rule needs a 'kind'");
    } else if (auto k = kind_from(node["kind"])) {
      r.kind = *k;
    }
    if (node["severity"]) {
      if (auto s = severity_from_name(scalar(node["severity"], "severity"))) {
        r.level = *s;
      } else {
        error(node["severity"], "severity must be info, warning or error");
      }
    }
    if (node["description"]) r.description = scalar(node["description"], "description");
    if (node["references"]) r.references = strings(node["references"], "references");
    if (node["tags"]) r.tags = strings(node["tags"], "tags");
    if (node["summary"]) r.summary = scalar(node["summary"], "summary");
    if (node["advice"]) r.advice = scalar(node["advice"], "advice");
    if (node["headline"]) r.headline = scalar(node["headline"], "headline");
    if (node["advice_when"]) parse_advice_rules(node["advice_when"], r);
    if (node["match"]) r.match = parse_filter(node["match"]);
    if (node["lanes"]) r.lanes = parse_lanes(node["lanes"]);
    if (node["reset_on"]) r.reset_on = parse_filter(node["reset_on"]);
    parse_detect(node["detect"], r);
    if (node["root_cause"]) parse_root_cause(node["root_cause"], r);
    if (node["severity_rules"]) parse_severity_rules(node["severity_rules"], r);
    if (node["examples"]) parse_examples(node["examples"], r);
    if (r.lanes.empty() && (r.mode == detection_mode::count || r.mode == detection_mode::cycle)) {
      error(node, "count and cycle rules need 'lanes'");
    }
    if (out_.errors.size() == errors_before) out_.rules.push_back(std::move(r));
  }

  void parse_detect(const YAML::Node& node, rule& r) {
    if (!node) {
      error(YAML::Node(), "a rule needs 'detect:' with a mode");
      return;
    }
    if (!node.IsMap()) {
      error(node, "'detect' must be a map");
      return;
    }
    for (const auto& entry : node) {
      const std::string key = entry.first.as<std::string>();
      if (detect_keys.count(key) == 0)
        error(entry.first, fmt::format("unknown detect field '{}'", key));
    }
    const std::string mode = node["mode"] ? scalar(node["mode"], "mode") : "";
    if (mode == "count") {
      r.mode = detection_mode::count;
    } else if (mode == "cycle") {
      r.mode = detection_mode::cycle;
    } else if (mode == "consecutive_turns") {
      r.mode = detection_mode::consecutive_turns;
    } else if (mode == "failed_turn") {
      r.mode = detection_mode::failed_turn;
    } else {
      error(node,
            fmt::format("unknown mode '{}' (count, cycle, consecutive_turns, failed_turn)", mode));
    }
    try {
      if (node["min_iterations"]) r.min_iterations = node["min_iterations"].as<int>();
      if (node["max_period"]) r.max_period = node["max_period"].as<std::size_t>();
      if (node["similarity"]) r.similarity = node["similarity"].as<double>();
    } catch (const YAML::Exception&) {
      error(node, "min_iterations, max_period and similarity must be numbers");
    }
    if (r.max_period < 1 || r.max_period > 32) error(node, "max_period must be 1..32");
    if (node["measure"]) {
      const std::string measure = scalar(node["measure"], "measure");
      if (measure == "events") {
        r.measured = rule::measure::events;
      } else if (measure == "attempts") {
        r.measured = rule::measure::attempts;
      } else {
        error(node["measure"], "measure must be events or attempts");
      }
    }
    if (node["maxspan"]) r.maxspan_ms = duration_ms(node["maxspan"], "maxspan");
    if (node["maxpause"]) r.maxpause_ms = duration_ms(node["maxpause"], "maxpause");
    if (node["key"]) {
      const std::string key = scalar(node["key"], "key");
      if (key == "failure_message") {
        r.key = turn_key::failure_message;
      } else if (key == "agent_message") {
        r.key = turn_key::agent_message;
      } else {
        error(node["key"], "key must be failure_message or agent_message");
      }
    }
    if (node["suppressed_by"]) {
      for (const std::string& name : strings(node["suppressed_by"], "suppressed_by")) {
        YAML::Node name_node;
        name_node = name;
        bool found = false;
        for (int k = 0; k <= static_cast<int>(finding_kind::turn_failure); ++k) {
          if (finding_kind_name(static_cast<finding_kind>(k)) == name) {
            r.suppressed_by.push_back(static_cast<finding_kind>(k));
            found = true;
          }
        }
        if (!found) error(node["suppressed_by"], fmt::format("unknown kind '{}'", name));
      }
    }
  }

  void parse_root_cause(const YAML::Node& node, rule& r) {
    if (!node.IsMap()) {
      error(node, "'root_cause' must be a map");
      return;
    }
    for (const auto& entry : node) {
      const std::string key = entry.first.as<std::string>();
      if (key != "pick" && key != "lanes")
        error(entry.first, fmt::format("unknown root_cause field '{}'", key));
    }
    if (node["lanes"]) r.cause.lanes = parse_lanes(node["lanes"]);
    if (node["pick"]) {
      const std::string pick = scalar(node["pick"], "pick");
      if (pick == "last_before_loop") {
        r.cause.pick = cause_pick::last_before_loop;
      } else if (pick == "first") {
        r.cause.pick = cause_pick::first;
      } else if (pick == "last") {
        r.cause.pick = cause_pick::last;
      } else if (pick == "most_common") {
        r.cause.pick = cause_pick::most_common;
      } else {
        error(node["pick"], "pick must be last_before_loop, first, last or most_common");
      }
    }
  }

  void parse_severity_rules(const YAML::Node& node, rule& r) {
    if (!node.IsSequence()) {
      error(node, "'severity_rules' must be a list of {when: {…}, severity: …}");
      return;
    }
    for (const YAML::Node& item : node) {
      severity_rule s;
      if (!item.IsMap() || !item["severity"] || !item["when"] || !item["when"].IsMap()) {
        error(item, "each severity rule needs 'when:' (a map) and 'severity:'");
        continue;
      }
      if (auto level = severity_from_name(scalar(item["severity"], "severity"))) {
        s.level = *level;
      } else {
        error(item["severity"], "severity must be info, warning or error");
      }
      for (const auto& entry : item["when"]) {
        const std::string key = entry.first.as<std::string>();
        try {
          if (key == "outcome") {
            const std::string outcome = entry.second.as<std::string>();
            s.outcome = outcome == "failed"      ? turn_outcome::failed
                        : outcome == "completed" ? turn_outcome::completed
                        : outcome == "aborted"   ? turn_outcome::aborted
                                                 : turn_outcome::none;
          } else if (key == "iterations_at_least") {
            s.iterations_at_least = entry.second.as<int>();
          } else if (key == "iterations_below") {
            s.iterations_below = entry.second.as<int>();
          } else if (key == "status") {
            if (entry.second.IsSequence()) {
              for (const YAML::Node& v : entry.second) s.statuses.push_back(v.as<int>());
            } else {
              s.statuses.push_back(entry.second.as<int>());
            }
          } else if (key == "retriable") {
            s.retriable = entry.second.as<bool>();
          } else {
            error(entry.first, fmt::format("unknown condition '{}'", key));
          }
        } catch (const YAML::Exception&) {
          error(entry.second, fmt::format("bad value for '{}'", key));
        }
      }
      r.severity_rules.push_back(std::move(s));
    }
  }

  void parse_advice_rules(const YAML::Node& node, rule& r) {
    if (!node.IsSequence()) {
      error(node, "'advice_when' must be a list of {when: {…}, advice: …}");
      return;
    }
    for (const YAML::Node& item : node) {
      if (!item.IsMap() || !item["advice"] || !item["when"] || !item["when"].IsMap()) {
        error(item, "each advice_when entry needs 'when:' (a map) and 'advice:'");
        continue;
      }
      advice_rule a;
      a.line = item.Mark().line + 1;
      a.advice = scalar(item["advice"], "advice");
      for (const auto& entry : item["when"]) {
        const std::string key = entry.first.as<std::string>();
        try {
          if (key == "status") {
            if (entry.second.IsSequence()) {
              for (const YAML::Node& v : entry.second) a.statuses.push_back(v.as<int>());
            } else {
              a.statuses.push_back(entry.second.as<int>());
            }
          } else if (key == "transport") {
            const std::string t = entry.second.as<std::string>();
            if (t == "http") {
              a.transport = transport_kind::http;
            } else if (t == "websocket") {
              a.transport = transport_kind::websocket;
            } else {
              error(entry.second, "transport must be http or websocket");
            }
          } else if (key == "retriable") {
            a.retriable = entry.second.as<bool>();
          } else if (key == "has_status") {
            a.has_status = entry.second.as<bool>();
          } else if (key == "error_class") {
            if (entry.second.IsSequence()) {
              for (const YAML::Node& v : entry.second)
                a.error_classes.push_back(v.as<std::string>());
            } else {
              a.error_classes.push_back(entry.second.as<std::string>());
            }
          } else {
            error(entry.first, fmt::format("unknown condition '{}'", key));
          }
        } catch (const YAML::Exception&) {
          error(entry.second, fmt::format("bad value for '{}'", key));
        }
      }
      r.advice_rules.push_back(std::move(a));
    }
  }

  void parse_examples(const YAML::Node& node, rule& r) {
    if (!node.IsSequence()) {
      error(node, "'examples' must be a list");
      return;
    }
    for (const YAML::Node& item : node) {
      rule_example example;
      example.line = item.Mark().line + 1;
      if (!item.IsMap()) {
        error(item, "an example is a map with match: or no_match:");
        continue;
      }
      for (const auto& entry : item) {
        const std::string key = entry.first.as<std::string>();
        if (key == "match" || key == "no_match") {
          example.should_match = key == "match";
          if (entry.second.IsSequence()) {
            example.lines = strings(entry.second, "lines");
          } else {
            example.sample = scalar(entry.second, "sample");
          }
        } else if (key == "turn") {
          example.turn = entry.second.as<int>();
        } else if (key == "iterations") {
          example.iterations = entry.second.as<int>();
        } else {
          error(entry.first, fmt::format("unknown example field '{}'", key));
        }
      }
      if (example.sample.empty() && example.lines.empty()) {
        error(item, "an example needs match: or no_match: (a sample path or a list of lines)");
        continue;
      }
      r.examples.push_back(std::move(example));
    }
  }

  std::string file_;
  loaded_rules& out_;
  std::string rule_id_;
};

// The file's YAML documents, each padded with the blank lines before it so that marks keep the
// file's line numbers. Split here, not by YAML::LoadAll: yaml-cpp 0.7's LoadAll never returns on
// some malformed files ("{},": its parser stops advancing after the first document, allocating
// without end), while Load stops after one document. A line starting with "---" (then nothing,
// a space or a tab) starts a document: inside a document such a line would be indented.
std::vector<std::string> yaml_documents(std::string_view text) {
  std::vector<std::string> documents(1);
  std::size_t line = 0;
  std::size_t start = 0;
  while (start < text.size()) {
    std::size_t end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    const std::string_view content = text.substr(start, end - start);
    if (content.starts_with("---") &&
        (content.size() == 3 || content[3] == ' ' || content[3] == '\t' || content[3] == '\r')) {
      documents.emplace_back(line, '\n');
    }
    documents.back().append(content);
    documents.back().push_back('\n');
    ++line;
    start = end + 1;
  }
  return documents;
}

}  // namespace

loaded_rules parse_rules(std::string_view text, const std::string& file) {
  loaded_rules out;
  parser p(file, out);
  try {
    for (const std::string& text_of_document : yaml_documents(text)) {
      const YAML::Node document = YAML::Load(text_of_document);
      if (document.IsNull()) continue;
      p.parse_document(document);
    }
  } catch (const YAML::Exception& e) {
    out.errors.push_back({file, e.mark.line >= 0 ? e.mark.line + 1 : 0, "", e.msg});
  }
  // Duplicate ids within one set are ambiguous.
  std::set<std::string> seen;
  for (const rule& r : out.rules) {
    if (!seen.insert(r.id).second) {
      out.errors.push_back({r.file, r.line, r.id, "duplicate rule id"});
    }
  }
  return out;
}

loaded_rules load_rules(const std::string& path) {
  loaded_rules all;
  std::vector<fs::path> files;
  std::error_code ec;
  if (fs::is_directory(path, ec)) {
    for (const auto& entry : fs::directory_iterator(path, ec)) {
      const std::string ext = entry.path().extension().string();
      if (entry.is_regular_file() && (ext == ".yaml" || ext == ".yml"))
        files.push_back(entry.path());
    }
    std::sort(files.begin(), files.end());
    if (files.empty()) all.errors.push_back({path, 0, "", "no .yaml rule files in this directory"});
  } else {
    files.emplace_back(path);
  }
  for (const fs::path& file : files) {
    std::ifstream in(file, std::ios::binary);
    if (!in) {
      all.errors.push_back({file.string(), 0, "", "cannot read the rule file"});
      continue;
    }
    std::ostringstream text;
    text << in.rdbuf();
    loaded_rules one = parse_rules(text.str(), file.string());
    for (rule& r : one.rules) all.rules.push_back(std::move(r));
    for (rule_error& e : one.errors) all.errors.push_back(std::move(e));
  }
  return all;
}

loaded_rules builtin_rules() {
  loaded_rules all;
  for (const auto& [name, text] : detail::builtin_rule_files()) {
    // Named by where the pack came from, so `rules test` finds the examples' samples from a
    // checkout wherever it runs.
    loaded_rules one =
        parse_rules(text, std::string(LOOPSCOPE_RULES_DIR) + "/" + std::string(name));
    for (rule& r : one.rules) all.rules.push_back(std::move(r));
    for (rule_error& e : one.errors) all.errors.push_back(std::move(e));
  }
  return all;
}

void overlay(rule_set& base, rule_set&& extra) {
  for (rule& r : extra) {
    auto it = std::find_if(base.begin(), base.end(), [&](const rule& b) { return b.id == r.id; });
    if (it != base.end()) {
      *it = std::move(r);
    } else {
      base.push_back(std::move(r));
    }
  }
}

std::string format_rule_error(const rule_error& error) {
  std::string where = error.file;
  if (error.line > 0) where += fmt::format(":{}", error.line);
  if (!error.rule_id.empty()) where += fmt::format(" (rule {})", error.rule_id);
  return fmt::format("{}: {}", where, error.message);
}

}  // namespace loopscope::detect
