// loopscope's entry point: parse the command line, run the command, map failures to exit 2.
#include <csignal>
#include <exception>
#include <iostream>
#include <new>

#include "app/options.hpp"
#include "command_line.hpp"

int main(int argc, char** argv) {
  // A closed pipe (`loopscope … | head`) ends the run quietly instead of killing it mid-write.
  std::signal(SIGPIPE, SIG_IGN);
  std::ios::sync_with_stdio(false);
  try {
    const loopscope::cli::parse_outcome parsed =
        loopscope::cli::parse_command_line(argc, argv, LOOPSCOPE_VERSION);
    if (!parsed.parsed) return parsed.exit_status;
    return loopscope::app::run(*parsed.parsed, LOOPSCOPE_VERSION);
  } catch (const std::bad_alloc&) {
    std::cerr << "loopscope: out of memory\n";
  } catch (const std::exception& e) {
    // A bug or an environment failure; one line, no trace.
    std::cerr << "loopscope: internal error: " << e.what() << '\n';
  }
  return loopscope::app::exit_trouble;
}
