// Helpers for unit tests: run a normalizer over lines, read corpus excerpts.
#pragma once

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "loopscope/formats/sniff.hpp"
#include "loopscope/ingest/line_reader.hpp"
#include "loopscope/normalize/normalizer.hpp"

namespace loopscope::test {

// The corpus of real excerpts (tests/data/corpus, see its PROVENANCE.md): real excerpts
// and real Codex output, kept with the tests so a clean clone can run them.
inline std::string shared_corpus_dir() {
  return std::string(LOOPSCOPE_SOURCE_DIR) + "/tests/data/corpus";
}
inline std::string source_dir() {
  return LOOPSCOPE_SOURCE_DIR;
}

// Every recorded sample folder, samples/codex-<version>/<scenario>, in name order.
inline std::vector<std::string> sample_dirs() {
  std::vector<std::string> dirs;
  const std::filesystem::path root = std::filesystem::path(source_dir()) / "samples";
  if (!std::filesystem::is_directory(root)) return dirs;
  for (const auto& version : std::filesystem::directory_iterator(root)) {
    if (!version.is_directory() || !version.path().filename().string().starts_with("codex-")) {
      continue;
    }
    for (const auto& scenario : std::filesystem::directory_iterator(version.path())) {
      if (scenario.is_directory()) dirs.push_back(scenario.path().string());
    }
  }
  std::sort(dirs.begin(), dirs.end());
  return dirs;
}

inline bool file_exists(const std::string& path) {
  return std::ifstream(path).good();
}

inline std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

// A corpus/real-logs excerpt: everything after the first line that is exactly "---".
inline std::vector<std::string> excerpt_lines(const std::string& path) {
  std::istringstream in(read_file(path));
  std::vector<std::string> lines;
  std::string line;
  bool started = false;
  while (std::getline(in, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (started) {
      lines.push_back(line);
    } else if (line == "---") {
      started = true;
    }
  }
  return lines;
}

inline std::vector<std::string> file_lines(const std::string& path) {
  std::istringstream in(read_file(path));
  std::vector<std::string> lines;
  std::string line;
  while (std::getline(in, line)) lines.push_back(line);
  return lines;
}

struct collected {
  std::vector<event> events;
  std::vector<normalize::line_result> results;  // one per line given
  std::size_t count(event_kind kind) const {
    std::size_t n = 0;
    for (const event& e : events) n += e.kind == kind ? 1 : 0;
    return n;
  }
  std::vector<event> of_kind(event_kind kind) const {
    std::vector<event> out;
    for (const event& e : events) {
      if (e.kind == kind) out.push_back(e);
    }
    return out;
  }
  std::size_t outcomes(normalize::line_outcome outcome) const {
    std::size_t n = 0;
    for (const auto& r : results) n += r.outcome == outcome ? 1 : 0;
    return n;
  }
};

class collecting_sink final : public normalize::event_sink {
 public:
  explicit collecting_sink(std::vector<event>& into) : into_(into) {}
  void on_event(event&& e) override { into_.push_back(std::move(e)); }

 private:
  std::vector<event>& into_;
};

// Feeds every line to one normalizer of `format` (no sniffing; continuation lines offered to
// continue_record first when `offer_continuations` is set and no format claims them, as the
// pipeline does), with the padding the reader guarantees.
inline collected normalize_lines(format_id format, const std::vector<std::string>& lines,
                                 normalize::input_context context = {"input:test", {}},
                                 bool offer_continuations = false) {
  collected out;
  collecting_sink sink(out.events);
  auto normalizer = normalize::make_normalizer(format, context);
  std::uint64_t number = 0;
  for (const std::string& line : lines) {
    ++number;
    std::string padded = line;
    padded.append(ingest::line_padding, '\0');
    const std::string_view view(padded.data(), line.size());
    const origin where{0, number};
    normalize::line_result result;
    if (offer_continuations && formats::sniff_line(view) == format_id::unknown &&
        normalizer->continue_record(view, where, result)) {
      out.results.push_back(result);
      continue;
    }
    out.results.push_back(normalizer->normalize(view, where, sink));
  }
  normalizer->finish(sink);
  return out;
}

}  // namespace loopscope::test
