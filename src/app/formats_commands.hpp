// The formats an analysis reads (built-ins plus --formats overlays), and the
// `formats [list|validate|test]` commands.
#pragma once

#include <string>
#include <vector>

#include "options.hpp"

namespace loopscope::app {

// Loads the built-in formats with `paths` laid over them and installs the result for this
// process. Errors go to stderr, one line each; returns exit_trouble when there were any.
int install_formats(const std::vector<std::string>& paths);

int run_formats_list(const options& opts);
int run_formats_validate(const options& opts);
int run_formats_test(const options& opts);

}  // namespace loopscope::app
