// Codex's tracing database, $CODEX_HOME/logs_2.sqlite (codex-formats.md §4.4): every tracing
// record at TRACE level, the most complete local record of retries and WebSocket handshakes.
// Its rows are handed on as codex-trace text lines, so the trace decoder reads them like
// codex-tui.log.
#pragma once

#include <filesystem>
#include <memory>

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

}  // namespace loopscope::ingest
