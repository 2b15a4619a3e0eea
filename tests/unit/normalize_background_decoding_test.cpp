// Decoding on a thread of its own changes nothing a reader of the source sees: the same events in
// the same order, the same stamps under a clock offset set part-way, the same accounting, also
// when the source is closed before its end; and the core it borrowed is given back.
#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include "loopscope/normalize/background_decoding.hpp"
#include "loopscope/normalize/event_source.hpp"
#include "loopscope/report/event_writer.hpp"
#include "test_support.hpp"

using namespace loopscope;

namespace {

enum class decoding : unsigned char { inline_, background };

// What a reader of the source sees, as text: every event (with its place in time), then the
// accounting. `offset_after`: events popped before the clock offset is set.
struct read_back {
  std::string events;
  std::string accounting;
};

std::string describe(const input_stats& s, const diagnostics& problems, bool time_only) {
  std::ostringstream out;
  out << s.path << " format=" << static_cast<int>(s.format) << " mixed=" << s.mixed_formats
      << " bytes=" << s.bytes << " lines=" << s.lines << " used=" << s.used
      << " skipped=" << s.skipped << " malformed=" << s.malformed << " truncated=" << s.truncated
      << " events=" << s.events << " unknown=" << s.unknown_types
      << " status=" << static_cast<int>(s.status) << " compression=" << s.compression
      << " time_only=" << time_only << "\n";
  for (const diagnostic& d : problems) out << d.where.line << ": " << d.message << "\n";
  return out.str();
}

read_back read(const std::string& path, decoding how, std::size_t offset_after,
               std::size_t stop_after = SIZE_MAX,
               std::shared_ptr<normalize::decoding_threads> threads = nullptr) {
  normalize::event_source source(0, ingest::input_spec{path, path, false}, std::nullopt,
                                 ingest::read_limits{});
  if (how == decoding::background) {
    if (!threads) threads = std::make_shared<normalize::decoding_threads>(1);
    source.read_in_background({threads, /*min_file_bytes=*/0});
  }
  read_back out;
  std::ostringstream events;
  std::size_t popped = 0;
  while (source.peek() != nullptr && popped < stop_after) {
    if (popped == offset_after) {
      // A look ahead first, as the survey does, so the offset also moves queued events.
      source.read_ahead(3000);
      source.set_clock_offset(86'400'000'000LL + 1'234'567);
    }
    normalize::sourced_event next = source.pop();
    ++popped;
    report::write_event_json(next.e, path, events, report::redaction::off,
                             report::message_visibility::shown);
    events << "when=" << (next.when ? std::to_string(next.when->micros) : "-")
           << " excerpt=" << next.e.excerpt.view() << "\n";
  }
  source.close();
  out.events = events.str();
  out.accounting = describe(source.stats(), source.problems(), source.has_time_only_stamps());
  return out;
}

// Every recorded sample and real excerpt the tests carry.
std::vector<std::string> every_input() {
  std::vector<std::string> files;
  std::vector<std::string> roots = test::sample_dirs();
  roots.push_back(test::shared_corpus_dir());
  for (const std::string& root : roots) {
    for (const auto& entry : std::filesystem::recursive_directory_iterator(root)) {
      if (entry.is_regular_file()) files.push_back(entry.path().string());
    }
  }
  std::sort(files.begin(), files.end());
  return files;
}

}  // namespace

TEST_CASE("a source decoded in the background reads like one decoded inline") {
  const std::vector<std::string> files = every_input();
  REQUIRE(files.size() > 50);
  std::size_t with_events = 0;
  for (const std::string& file : files) {
    CAPTURE(file);
    for (const std::size_t offset_after : {std::size_t{0}, std::size_t{7}, std::size_t{1500}}) {
      const read_back inline_read = read(file, decoding::inline_, offset_after);
      const read_back background_read = read(file, decoding::background, offset_after);
      CHECK(inline_read.events == background_read.events);
      CHECK(inline_read.accounting == background_read.accounting);
      if (offset_after == 0 && !inline_read.events.empty()) ++with_events;
    }
  }
  CHECK(with_events > 50);
}

TEST_CASE("a source closed before its end accounts for what was read, and gives its core back") {
  // A file of many batches, so the thread is still decoding when the source is closed.
  const std::filesystem::path path =
      std::filesystem::temp_directory_path() / "loopscope-background-decoding-test.jsonl";
  {
    std::ofstream out(path);
    out << R"({"timestamp":"2026-03-01T10:00:00.000Z","type":"session_meta","payload":{"id":"s-1","cli_version":"0.171.0"}})"
        << "\n";
    for (int i = 0; i < 20'000; ++i) {
      out << R"({"timestamp":"2026-03-01T10:00:01.000Z","type":"event_msg","payload":{"type":"agent_message","message":"step )"
          << i << R"("}})"
          << "\n";
    }
  }
  auto threads = std::make_shared<normalize::decoding_threads>(1);
  const read_back closed_early = read(path.string(), decoding::background, SIZE_MAX, 10, threads);
  CHECK(closed_early.accounting.find("status=") != std::string::npos);
  // Its lines are all counted although only ten events were taken.
  CHECK(closed_early.accounting.find("lines=0 ") == std::string::npos);
  CHECK(threads->try_take());  // given back when the source closed
  threads->give_back();

  // With no core to give, the source decodes inline, with the same result.
  auto none = std::make_shared<normalize::decoding_threads>(0);
  const read_back inline_read = read(path.string(), decoding::inline_, 5);
  const read_back no_core = read(path.string(), decoding::background, 5, SIZE_MAX, none);
  const read_back background_read = read(path.string(), decoding::background, 5);
  CHECK(inline_read.events == no_core.events);
  CHECK(inline_read.events == background_read.events);
  CHECK(inline_read.accounting == background_read.accounting);
  CHECK(inline_read.accounting.find("lines=20001 ") != std::string::npos);
  std::filesystem::remove(path);
}

TEST_CASE("tool outputs hashed on the reading thread hash as they do inline, whatever their size") {
  // Outputs below and above the size left to the reader, numbers that the masking rules replace,
  // and enough of them that batches are handed on for their texts' size before their count.
  const std::string sample =
      test::source_dir() + "/samples/codex-0.145.0/tool-repeat/rollout.jsonl";
  std::ifstream in(sample);
  std::string head;
  std::getline(in, head);  // session_meta
  const auto path = std::filesystem::temp_directory_path() / "loopscope-deferred-hashes.jsonl";
  {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out << head << "\n";
    out << R"({"timestamp":"2026-12-01T21:29:21.170Z","type":"event_msg","payload":{"type":"task_started","turn_id":"t-1"}})"
        << "\n";
    const std::size_t sizes[] = {10, 1000, 200'000, 300'000, 70'000};
    for (int call = 0; call < 60; ++call) {
      const std::size_t size = sizes[call % 5];
      std::string output = "Chunk ID: " + std::to_string(call) + "\\nWall time: 0.1 seconds\\n";
      while (output.size() < size) output += "line " + std::to_string(output.size()) + " ok\\n";
      out << R"({"timestamp":"2026-12-01T21:29:22.000Z","type":"response_item","payload":{"type":"function_call","name":"exec_command","arguments":"{\"cmd\":\"ls\"}","call_id":"c)"
          << call << R"("}})"
          << "\n";
      out << R"({"timestamp":"2026-12-01T21:29:22.100Z","type":"response_item","payload":{"type":"function_call_output","call_id":"c)"
          << call << R"(","output":")" << output << R"("}})"
          << "\n";
    }
  }
  const read_back inline_read = read(path.string(), decoding::inline_, 0);
  const read_back background_read = read(path.string(), decoding::background, 0);
  CHECK(inline_read.events == background_read.events);
  CHECK(inline_read.accounting == background_read.accounting);
  // Sixty outputs of five sizes: five different hashes at least (the numbers differ within).
  std::set<std::string> hashes;
  for (std::size_t at = 0;
       (at = inline_read.events.find("\"output_hash\":\"", at)) != std::string::npos;) {
    at += 15;
    hashes.insert(inline_read.events.substr(at, 16));
  }
  CHECK(hashes.size() >= 5);
  std::filesystem::remove(path);
}

// The running ids a rollout copies into every event are put in a new block with each batch (so
// the decoding thread's copies and the consumer's releases do not share a count): the same
// text, in several blocks, one per batch at most.
TEST_CASE("a rollout's session and turn ids: the same text, a new block per batch") {
  const auto path = std::filesystem::temp_directory_path() / "loopscope-renewed-ids.jsonl";
  const int calls = 3000;  // about six batches of events
  {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out << R"({"timestamp":"2026-12-01T21:29:21.000Z","type":"session_meta","payload":{"id":"s-1","cli_version":"0.145.0","originator":"codex_exec","model_provider":"litellm"}})"
        << "\n";
    out << R"({"timestamp":"2026-12-01T21:29:21.170Z","type":"event_msg","payload":{"type":"task_started","turn_id":"t-1"}})"
        << "\n";
    for (int call = 0; call < calls; ++call) {
      out << R"({"timestamp":"2026-12-01T21:29:22.000Z","type":"response_item","payload":{"type":"function_call","name":"exec_command","arguments":"{\"cmd\":\"ls\"}","call_id":"c)"
          << call << R"("}})"
          << "\n";
    }
  }
  normalize::event_source source(0, ingest::input_spec{path.string(), path.string(), false},
                                 std::nullopt, ingest::read_limits{});
  source.read_in_background({std::make_shared<normalize::decoding_threads>(1), 0});
  std::vector<event> kept;  // held, so that no block is freed and its address taken again
  while (source.peek() != nullptr) kept.push_back(source.pop().e);
  source.close();
  REQUIRE(kept.size() == static_cast<std::size_t>(calls) + 2);
  std::set<const char*> session_blocks;
  std::set<const char*> tool_blocks;
  for (const event& e : kept) {
    CHECK(e.session_key == "s-1");
    session_blocks.insert(e.session_key.data());
    if (e.kind == event_kind::tool_call) {
      CHECK(e.turn_key == "t-1");
      CHECK(e.tool_name == "exec_command");
      tool_blocks.insert(e.tool_name.data());
    }
  }
  const std::size_t batches = kept.size() / normalize::background_decoding::batch_events + 1;
  CHECK(session_blocks.size() > 1);
  CHECK(session_blocks.size() <= batches + 1);
  CHECK(tool_blocks.size() > 1);
  CHECK(tool_blocks.size() <= batches + 1);
  std::filesystem::remove(path);
}
