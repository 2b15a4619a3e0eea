// Codex's tracing database, $CODEX_HOME/logs_2.sqlite (codex-formats.md §4.4): every tracing
// record at TRACE level, the most complete local record of retries and WebSocket handshakes.
// Its rows are handed on as codex-trace text lines, so the trace decoder reads them like
// codex-tui.log.
#pragma once

#include <filesystem>
#include <memory>

#include "loopscope/ingest/file_follower.hpp"
#include "loopscope/ingest/input_list.hpp"
#include "loopscope/ingest/line_reader.hpp"

namespace loopscope::ingest {

// True when the file starts with SQLite's magic "SQLite format 3\0".
bool is_sqlite_file(const std::filesystem::path& path);

// Reads table `logs` in time order and gives each row to `sink` as the line
//   <RFC3339 UTC, µs>Z <LEVEL> session_loop{thread_id=<thread_id>}: <target>: <body>
// (the span only when the row has a thread id; newlines in the body become spaces), numbered
// from 1 in that order. The file is opened read-only and immutable: Codex may be writing to it.
// A file that is not a database, or has no `logs` table, gives complete = false and a
// diagnostic; stdin is not supported (opened = false).
read_outcome read_sqlite_logs(const input_spec& input, line_sink& sink);

// The same rows, pulled one at a time (one row in memory), for the merge of inputs.
std::unique_ptr<line_stream> open_sqlite_logs(const input_spec& input);

// Watch mode: the rows Codex adds (id above the last seen), in the order written, as the same
// lines. The database is opened read-only when it exists and has its table (Codex creates both).
class sqlite_follower {
 public:
  sqlite_follower(std::filesystem::path path, start_at start);
  ~sqlite_follower();
  sqlite_follower(const sqlite_follower&) = delete;
  sqlite_follower& operator=(const sqlite_follower&) = delete;
  // Hands on new rows (at most 2000); true when there may be more.
  bool poll(follow_sink& sink);
  bool started_empty() const { return start_ == start_at::beginning; }
  std::uint64_t rows() const { return rows_; }

 private:
  bool open();
  std::filesystem::path path_;
  start_at start_;
  void* db_ = nullptr;  // sqlite3, kept out of this header
  void* statement_ = nullptr;
  std::int64_t last_id_ = 0;
  std::uint64_t rows_ = 0;
};

}  // namespace loopscope::ingest
