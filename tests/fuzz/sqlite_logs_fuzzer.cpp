// Codex's logs_2.sqlite reader on arbitrary bytes: a database page corrupted anywhere, a table of
// another shape, columns of unexpected types. Rows are pulled as trace lines; whatever the file,
// the reader ends with lines or a diagnostic, never a crash.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "input_file.hpp"
#include "loopscope/ingest/sqlite_logs.hpp"

namespace {

class counting_sink final : public loopscope::ingest::line_sink {
 public:
  void on_line(std::string_view line, std::uint64_t number) override {
    if (number != ++lines) std::abort();  // numbered 1, 2, 3… without gaps
    if (line.find('\n') != std::string_view::npos) std::abort();  // one row, one line
  }
  void on_truncated_line(std::uint64_t number, std::uint64_t) override {
    if (number != ++lines) std::abort();
  }
  std::uint64_t lines = 0;
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace loopscope;
  const std::string path = fuzzing::as_input_file("sqlite", data, size);
  if (path.empty()) return 0;
  const ingest::input_spec spec{path, path, false};
  counting_sink sink;
  const ingest::read_outcome outcome = ingest::read_sqlite_logs(spec, sink);
  if (outcome.lines != sink.lines) std::abort();
  // The pulled form gives the same rows.
  if (auto stream = ingest::open_sqlite_logs(spec)) {
    std::uint64_t pulled = 0;
    while (stream->next()) ++pulled;
    if (pulled != sink.lines) std::abort();
  }
  return 0;
}
