// The YAML rule loader on arbitrary text: errors are values (rule_error), never a crash.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "loopscope/detect/rule_loader.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const loopscope::detect::loaded_rules loaded = loopscope::detect::parse_rules(text, "fuzz.yaml");
  for (const auto& error : loaded.errors) (void)loopscope::detect::format_rule_error(error);
  return 0;
}
