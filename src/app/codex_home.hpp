// What Codex keeps under $CODEX_HOME (default ~/.codex), for the commands run without inputs:
// session files (sessions/YYYY/MM/DD/rollout-*.jsonl), the TUI's tracing log
// (log/codex-tui.log) and its tracing database (logs_2.sqlite). See codex-rs/rollout/src/
// recorder.rs and codex-rs/state for where Codex writes them.
#pragma once

#include <cstddef>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "loopscope/core/timestamp.hpp"

namespace loopscope::app {

struct codex_home {
  std::filesystem::path root;

  // $CODEX_HOME, else ~/.codex; nothing without either variable.
  static std::optional<codex_home> locate();

  // Rollout files, newest (by modification time) first, at most `count`.
  std::vector<std::filesystem::path> newest_rollouts(std::size_t count) const;
  // The TUI's log and the tracing database, where they exist.
  std::optional<std::filesystem::path> tui_log() const;
  std::optional<std::filesystem::path> tracing_database() const;
};

// The span of a rollout: the stamps of its first and last lines (the last read from the file's
// tail, not the whole file).
struct rollout_span {
  std::optional<timestamp> first;
  std::optional<timestamp> last;
};
rollout_span span_of_rollout(const std::filesystem::path& rollout);

}  // namespace loopscope::app
