// Work the decoding thread leaves to the thread that reads its batches (tool-output hashes, tool
// calls' arguments, message templates) must give the events it would have given done at once.
#include <doctest/doctest.h>

#include <filesystem>
#include <string>
#include <vector>

#include "loopscope/formats/catalogue.hpp"
#include "loopscope/normalize/input_decoder.hpp"

namespace {

using loopscope::event;
using loopscope::normalize::deferred_work;
using loopscope::normalize::event_queue;
using loopscope::normalize::input_decoder;

struct decoded {
  std::vector<event> events;
  std::size_t left_to_mask = 0;  // templates the reader made
  std::size_t left_to_complete = 0;
};

// Decodes `path`; with `batch_lines` > 0, as background_decoding does: the events of each batch
// of that many lines with their deferred work, completed as the reader takes the batch.
decoded decode(const std::filesystem::path& path, std::size_t batch_lines) {
  const loopscope::ingest::input_spec spec{path.string(), path, false};
  const loopscope::ingest::read_limits limits;
  loopscope::normalize::input_context context;
  context.input_key = "proxy:" + path.string();
  const loopscope::normalize::line_opener opener;
  input_decoder decoder(0, spec, std::nullopt, limits, context, opener);
  decoded out;
  deferred_work deferred;
  event_queue batch;
  const auto take = [&] {
    out.left_to_mask += deferred.masks.size();
    out.left_to_complete += deferred.completions.size();
    deferred.complete(batch);
    for (auto& e : batch) out.events.push_back(std::move(e.e));
    batch.clear();
  };
  bool more = true;
  while (more) {
    decoder.defer_work_to(batch_lines > 0 ? &deferred : nullptr);
    for (std::size_t lines = 0;
         (batch_lines == 0 || lines < batch_lines) && (more = decoder.read_line(batch)); ++lines) {
    }
    if (!more) decoder.finish(batch);
    decoder.defer_work_to(nullptr);
    take();
  }
  return out;
}

// The recorded samples and the real excerpts (LiteLLM tracebacks, retries, fallbacks among them).
std::vector<std::filesystem::path> recorded_logs() {
  std::vector<std::filesystem::path> logs;
  for (const char* folder : {"samples", "tests/data"}) {
    for (const auto& entry : std::filesystem::recursive_directory_iterator(
             std::filesystem::path(LOOPSCOPE_SOURCE_DIR) / folder)) {
      const std::string name = entry.path().filename().string();
      if (entry.is_regular_file() && (name.ends_with(".log") || name.ends_with(".jsonl"))) {
        logs.push_back(entry.path());
      }
    }
  }
  return logs;
}

}  // namespace

TEST_CASE("templates, hashes and arguments left to the reader are the ones made while decoding") {
  std::size_t masked_later = 0;
  std::size_t completed_later = 0;
  for (const std::filesystem::path& log : recorded_logs()) {
    const decoded at_once = decode(log, 0);
    CHECK(at_once.left_to_mask == 0);
    // Batches of one line cut between a request's two lines; larger ones as the thread does.
    for (const std::size_t batch_lines : {1U, 3U, 4096U}) {
      CAPTURE(log.string());
      CAPTURE(batch_lines);
      const decoded later = decode(log, batch_lines);
      masked_later += later.left_to_mask;
      completed_later += later.left_to_complete;
      REQUIRE(later.events.size() == at_once.events.size());
      for (std::size_t i = 0; i < later.events.size(); ++i) {
        CAPTURE(i);
        CHECK(std::string(later.events[i].message) == std::string(at_once.events[i].message));
        CHECK(std::string(later.events[i].text_template) ==
              std::string(at_once.events[i].text_template));
        CHECK(later.events[i].output_hash == at_once.events[i].output_hash);
        CHECK(later.events[i].arguments_hash == at_once.events[i].arguments_hash);
        CHECK(later.events[i].where.line == at_once.events[i].where.line);
      }
    }
  }
  CHECK(masked_later > 100);     // the proxy logs' messages
  CHECK(completed_later > 100);  // the rollouts' tool outputs and calls, the proxies' fields
}

TEST_CASE("a proxy record's catalogued fields filled by the reader are the ones filled at once") {
  // An exception's class and status, retries, model group and ids are left to the reader for the
  // events nothing pairs while decoding: every field data can fill must come out the same.
  std::size_t compared = 0;
  for (const std::filesystem::path& log : recorded_logs()) {
    const decoded at_once = decode(log, 0);
    for (const std::size_t batch_lines : {1U, 4096U}) {
      CAPTURE(log.string());
      CAPTURE(batch_lines);
      const decoded later = decode(log, batch_lines);
      REQUIRE(later.events.size() == at_once.events.size());
      for (std::size_t i = 0; i < later.events.size(); ++i) {
        CAPTURE(i);
        for (int f = 0; f <= static_cast<int>(loopscope::formats::event_field::phase); ++f) {
          const auto field = static_cast<loopscope::formats::event_field>(f);
          CAPTURE(loopscope::formats::event_field_name(field));
          CHECK(loopscope::formats::event_field_value(later.events[i], field) ==
                loopscope::formats::event_field_value(at_once.events[i], field));
        }
        CHECK(later.events[i].kind == at_once.events[i].kind);
        CHECK(std::string(later.events[i].excerpt) == std::string(at_once.events[i].excerpt));
        ++compared;
      }
    }
  }
  CHECK(compared > 1000);
}
