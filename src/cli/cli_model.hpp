// The command line as data, read from the CLI11 definition in command_line.cpp, so the man page and
// the shell completions are written from the same source as --help and cannot drift from it.
#pragma once

#include <string>
#include <vector>

namespace CLI {
class App;
}

namespace loopscope::cli {

// What an option's value is, for completion: a file name, one of fixed words, a format name, or
// anything else (a number, a time) that a shell cannot guess.
enum class value_kind : unsigned char { none, file, choice, input_format, other };

struct option_doc {
  std::vector<std::string> names;  // "-o", "--output"; a positional's one name, "INPUT"
  std::string metavar;             // "FILE", "N", "text|markdown|json|dot"; empty for a flag
  std::vector<std::string> choices;
  std::string description;
  value_kind kind = value_kind::none;
  bool positional = false;
  bool repeatable = false;
  bool required = false;
};

struct command_doc {
  std::string name;  // "list"
  std::string path;  // "rules list"
  std::string description;
  std::vector<option_doc> options;  // help and version flags left out
  std::vector<command_doc> subcommands;
};

// The whole command tree: the root (empty name) with its subcommands.
command_doc describe(const CLI::App& app);

}  // namespace loopscope::cli
