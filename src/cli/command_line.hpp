// Parses argv with CLI11 into app::options. Only src/cli/ knows CLI11.
#pragma once

#include <optional>
#include <string>

#include "app/options.hpp"

namespace loopscope::cli {

struct parse_outcome {
  std::optional<app::options> parsed;  // empty: exit with `exit_status` (help, version, error)
  int exit_status = 0;
};

parse_outcome parse_command_line(int argc, char** argv, const std::string& version);

}  // namespace loopscope::cli
