// Lays the config file (app/config_file.hpp) under the parsed command line: each key fills its
// option on the command being run unless that option was given, through the option itself, so a
// config value is checked exactly like the same word typed as a flag.
#pragma once

#include "app/options.hpp"

namespace CLI {
class App;
}

namespace loopscope::cli {

// After a successful parse of `app`. `settings_for` is the command whose options the config fills:
// null for the one being run, or analyze for `loopscope config` and `rules list`. Records the
// settings and their origins in opts.config. Returns exit_clean, or exit_trouble after one line
// on stderr naming the file and line.
int apply_config_file(CLI::App& app, CLI::App* settings_for, app::options& opts);

}  // namespace loopscope::cli
