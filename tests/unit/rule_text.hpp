// Rules written inline in a test, as YAML: a rule error fails the test where it is loaded.
#pragma once

#include <doctest/doctest.h>

#include <memory>
#include <string>

#include "loopscope/detect/rule_loader.hpp"

namespace loopscope::testing {

inline std::shared_ptr<const detect::rule_set> rules_from(const std::string& yaml) {
  detect::loaded_rules loaded = detect::parse_rules(yaml, "test.yaml");
  for (const auto& e : loaded.errors) FAIL(detect::format_rule_error(e));
  return std::make_shared<const detect::rule_set>(std::move(loaded.rules));
}

}  // namespace loopscope::testing
