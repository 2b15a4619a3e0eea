#include "generated_docs.hpp"

#include <iostream>
#include <string>

namespace loopscope::cli {

std::optional<int> run_generator_if_asked(const CLI::App& app, int argc, char** argv,
                                          std::string_view version) {
  if (argc < 2) return std::nullopt;
  const std::string_view first = argv[1];
  if (first == "--help-man" && argc == 2) {
    write_man_page(describe(app), version, std::cout);
    return std::cout.flush() ? 0 : 2;
  }
  if (first != "--completion") return std::nullopt;
  const std::string_view shell = argc == 3 ? std::string_view(argv[2]) : std::string_view();
  if (shell == "bash") {
    write_bash_completion(describe(app), std::cout);
  } else if (shell == "zsh") {
    write_zsh_completion(describe(app), std::cout);
  } else {
    std::cerr << "loopscope: --completion: expected one shell, bash or zsh\n";
    return 2;
  }
  return std::cout.flush() ? 0 : 2;
}

}  // namespace loopscope::cli
