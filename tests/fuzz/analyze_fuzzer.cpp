// The whole pipeline on one input file: reading, detection, every normalizer, sessions, graph,
// detectors and the JSON and text reporters. Checks the accounting invariant of every input.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <sstream>
#include <string>

#include "app/analysis.hpp"
#include "input_file.hpp"
#include "loopscope/detect/rule_loader.hpp"
#include "loopscope/report/writers.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace loopscope;
  const std::string path = fuzzing::as_input_file("analyze", data, size);
  if (path.empty()) return 0;

  // The built-in pack, loaded once (a request without rules would load it for every input).
  static const auto rules = std::make_shared<const detect::rule_set>(detect::builtin_rules().rules);
  app::analysis_request request;
  request.rules = rules;
  request.inputs = {path};
  request.tool_version = "fuzz";
  const app::analysis_result result = app::analyze(request);
  for (const auto& input : result.model.inputs) {
    if (!input.stats.accounting_holds()) std::abort();
  }
  std::ostringstream out;
  report::write_json(result.model, out, {});
  report::write_text(result.model, out, {});
  return 0;
}
