// The merge of many inputs: a directory of rollouts (each file one session) is read one file after
// the other, each session handed on when its file ends, with the same turns as each file alone.
#include <doctest/doctest.h>

#include <map>
#include <memory>
#include <tuple>

#include "loopscope/session/input_merger.hpp"
#include "test_support.hpp"

using namespace loopscope;

namespace {

// What a turn is, for comparison: session, index, outcome, event count, span.
using turn_shape = std::tuple<std::string, int, turn_outcome, std::size_t, std::int64_t>;

struct recording_sink final : session::turn_sink {
  const std::vector<std::unique_ptr<normalize::event_source>>* sources = nullptr;
  std::vector<turn_shape> turns;
  std::vector<std::string> sessions;
  // For each session handed on: how many inputs had been read to their end, and how many had
  // not been started, at that moment.
  std::vector<std::pair<std::size_t, std::size_t>> finished_and_untouched;

  void on_turn(const session::turn& t) override {
    const std::int64_t span = t.start && t.end ? t.end->micros - t.start->micros : -1;
    turns.emplace_back(t.session_key, t.index, t.outcome, t.events.size(), span);
  }
  void on_session(session::session_summary&& s) override {
    sessions.push_back(s.id);
    std::size_t finished = 0;
    std::size_t untouched = 0;
    for (const auto& source : *sources) {
      if (source->finished()) ++finished;
      if (source->stats().lines == 0) ++untouched;
    }
    finished_and_untouched.emplace_back(finished, untouched);
  }
};

recording_sink merge(const std::vector<std::string>& paths) {
  std::vector<std::unique_ptr<normalize::event_source>> sources;
  for (const std::string& path : paths) {
    ingest::input_spec spec{path, path, false};
    sources.push_back(std::make_unique<normalize::event_source>(
        static_cast<input_index>(sources.size()), spec, std::nullopt, ingest::read_limits{}));
  }
  recording_sink sink;
  session::input_merger merger(std::move(sources));
  sink.sources = &merger.sources();
  session::session_assembler assembler(sink);
  merger.run(assembler);
  return sink;
}

std::vector<std::string> sample_rollouts() {
  std::vector<std::string> paths;
  for (const std::string& dir : test::sample_dirs()) {
    const std::string path = dir + "/rollout.jsonl";
    if (test::file_exists(path)) paths.push_back(path);
  }
  return paths;
}

}  // namespace

TEST_CASE("rollouts alone are read one after the other, each session handed on with its file") {
  const std::vector<std::string> paths = sample_rollouts();
  REQUIRE(paths.size() >= 3);
  const recording_sink all = merge(paths);
  REQUIRE(all.sessions.size() == paths.size());
  for (std::size_t i = 0; i < all.finished_and_untouched.size(); ++i) {
    const auto [finished, untouched] = all.finished_and_untouched[i];
    // The i-th session ends with the i-th file: the files after it are not read yet (the sample
    // sessions overlap in time, so a merge in time order would have all of them open at once).
    CHECK(finished == i + 1);
    CHECK(untouched == paths.size() - i - 1);
  }
  // The same turns as each file analysed alone.
  std::vector<turn_shape> alone;
  for (const std::string& path : paths) {
    const recording_sink one = merge({path});
    alone.insert(alone.end(), one.turns.begin(), one.turns.end());
  }
  std::vector<turn_shape> together = all.turns;
  std::sort(alone.begin(), alone.end());
  std::sort(together.begin(), together.end());
  CHECK(together == alone);
}

TEST_CASE("with a proxy log among the inputs, the inputs are merged in time order") {
  std::vector<std::string> paths = sample_rollouts();
  REQUIRE(paths.size() >= 2);
  paths.resize(2);
  const std::string proxy =
      test::source_dir() + "/samples/codex-0.121.0/http-500-exhausted/proxy.log";
  REQUIRE(test::file_exists(proxy));
  paths.push_back(proxy);
  const recording_sink all = merge(paths);
  REQUIRE(!all.finished_and_untouched.empty());
  // Every input was read to its end before the first session was handed on: the proxy's
  // requests may join any of the sessions until then.
  CHECK(all.finished_and_untouched.front().first == paths.size());
}
