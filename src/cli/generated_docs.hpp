// The man page loopscope(1) and the bash and zsh completion scripts, written from the command
// tree (cli_model.hpp), the input formats and the config keys: the same sources as --help,
// `loopscope formats` and `loopscope config`. The build runs the hidden generators:
//   loopscope --help-man          roff, to stdout
//   loopscope --completion bash   a bash completion script (also: zsh)
#pragma once

#include <optional>
#include <ostream>
#include <string_view>

#include "cli_model.hpp"

namespace loopscope::cli {

void write_man_page(const command_doc& root, std::string_view version, std::ostream& out);
void write_bash_completion(const command_doc& root, std::ostream& out);
void write_zsh_completion(const command_doc& root, std::ostream& out);

// When argv asks for a generator, runs it and returns the exit status; otherwise nothing.
std::optional<int> run_generator_if_asked(const CLI::App& app, int argc, char** argv,
                                          std::string_view version);

}  // namespace loopscope::cli
