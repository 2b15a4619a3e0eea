// The rule set an analysis uses, and the `rules list|validate|test` commands.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "loopscope/detect/rule.hpp"
#include "options.hpp"

namespace loopscope::app {

// The built-in pack with the given rule files laid over it (same id replaces, new id adds).
// Errors go to stderr, one line each; nullopt when there were any.
std::optional<std::shared_ptr<const detect::rule_set>> resolve_rules(
    const std::vector<std::string>& paths);

int run_rules_list(const options& opts);
int run_rules_validate(const options& opts);
int run_rules_test(const options& opts, const std::string& version);

}  // namespace loopscope::app
