// Reads rule files (YAML) into rules, with every error located: file, line and rule id.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "loopscope/detect/rule.hpp"

namespace loopscope::detect {

struct rule_error {
  std::string file;
  int line = 0;  // 1-based; 0 when unknown
  std::string rule_id;
  std::string message;
};

struct loaded_rules {
  rule_set rules;
  std::vector<rule_error> errors;
};

// `text` is the YAML; `file` names it in errors and anchors example paths.
loaded_rules parse_rules(std::string_view text, const std::string& file);
// A file, or every *.yaml/*.yml in a directory (sorted).
loaded_rules load_rules(const std::string& path);
// The pack compiled into loopscope (rules/*.yaml at build time).
loaded_rules builtin_rules();
// Later rules replace earlier ones with the same id; new ids are added.
void overlay(rule_set& base, rule_set&& extra);

std::string format_rule_error(const rule_error& error);

}  // namespace loopscope::detect
