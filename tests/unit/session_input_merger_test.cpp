// The merge of many inputs: a directory of rollouts (each file one session) is read one file after
// the other, each session handed on when its file ends, with the same turns as each file alone.
#include <doctest/doctest.h>

#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <thread>
#include <tuple>

#include "loopscope/session/input_merger.hpp"
#include "test_support.hpp"

using namespace loopscope;

namespace {

// What a turn is, for comparison: session, index, outcome, event count, span.
using turn_shape = std::tuple<std::string, int, turn_outcome, std::size_t, std::int64_t>;

struct recording_sink final : session::turn_sink {
  std::vector<turn_shape> turns;
  std::vector<std::string> sessions;
  std::size_t inputs_finished = 0;
  // For each session handed on: how many inputs had been read to their end at that moment.
  std::vector<std::size_t> finished_when_handed_on;

  void on_turn(const session::turn& t) override {
    const std::int64_t span = t.start && t.end ? t.end->micros - t.start->micros : -1;
    turns.emplace_back(t.session_key, t.index, t.outcome, t.events.size(), span);
  }
  void on_session(session::session_summary&& s) override {
    sessions.push_back(s.id);
    finished_when_handed_on.push_back(inputs_finished);
  }
};

struct merged {
  recording_sink sink;
  std::vector<std::size_t> made;  // positions, in the order their sources were made
  std::set<std::thread::id> making_threads;
  std::shared_ptr<std::mutex> making = std::make_shared<std::mutex>();
  std::vector<std::uint64_t> lines_read;  // per position, as each input finished
};

// keep_open 0: every surveyed source is let go and made again, as in a large directory. `core`:
// the spare core that may read inputs ahead.
merged merge(const std::vector<std::string>& paths, std::size_t keep_open = 0,
             std::shared_ptr<normalize::decoding_threads> core = nullptr) {
  session::merge_settings settings;
  settings.keep_open_inputs = keep_open;
  settings.read_ahead_core = core;
  merged out;
  out.lines_read.assign(paths.size(), 0);
  session::input_merger merger(
      paths.size(),
      [&](std::size_t position) {
        const std::lock_guard lock(*out.making);  // a survey with a core to spare makes two at once
        out.made.push_back(position);
        out.making_threads.insert(std::this_thread::get_id());
        ingest::input_spec spec{paths[position], paths[position], false};
        return std::make_unique<normalize::event_source>(static_cast<input_index>(position), spec,
                                                         std::nullopt, ingest::read_limits{});
      },
      settings);
  session::session_assembler assembler(out.sink);
  merger.run(assembler, [&](std::size_t position, const normalize::event_source& source,
                            const session::clock_alignment*) {
    ++out.sink.inputs_finished;
    out.lines_read[position] = source.stats().lines;
  });
  return out;
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
  // On the merging thread, or read ahead on a spare core (taken while it reads, given back).
  for (const bool read_ahead : {false, true}) {
    CAPTURE(read_ahead);
    auto core = read_ahead ? std::make_shared<normalize::decoding_threads>(1) : nullptr;
    const merged all = merge(paths, 0, core);
    // Sources were made on other threads only when a core was there to survey and read ahead
    // (the survey's helper and the reading thread; an ended thread's id may be given again).
    if (read_ahead) {
      CHECK(all.making_threads.size() >= 2);
    } else {
      CHECK(all.making_threads.size() == 1);
    }
    if (core) CHECK(core->try_take());
    REQUIRE(all.sink.sessions.size() == paths.size());
    for (std::size_t i = 0; i < all.sink.finished_when_handed_on.size(); ++i) {
      // The i-th session ends with the i-th file, before the files after it are read (the sample
      // sessions overlap in time: a merge in time order would hold all of them open at once).
      CHECK(all.sink.finished_when_handed_on[i] == i + 1);
    }
    for (const std::uint64_t lines : all.lines_read) CHECK(lines > 0);
    // Each source made for the survey of its first line, let go, and made again for its turn.
    CHECK(all.made.size() == 2 * paths.size());
    // The same turns as each file analysed alone.
    std::vector<turn_shape> alone;
    for (const std::string& path : paths) {
      const merged one = merge({path}, 16);
      alone.insert(alone.end(), one.sink.turns.begin(), one.sink.turns.end());
    }
    std::vector<turn_shape> together = all.sink.turns;
    std::sort(alone.begin(), alone.end());
    std::sort(together.begin(), together.end());
    CHECK(together == alone);
  }
}

TEST_CASE("with a proxy log among the inputs, the inputs are merged in time order") {
  std::vector<std::string> paths = sample_rollouts();
  REQUIRE(paths.size() >= 2);
  paths.resize(2);
  const std::string proxy =
      test::source_dir() + "/samples/codex-0.121.0/http-500-exhausted/proxy.log";
  REQUIRE(test::file_exists(proxy));
  paths.push_back(proxy);
  const merged all = merge(paths);
  REQUIRE(!all.sink.finished_when_handed_on.empty());
  // Every input was read to its end before the first session was handed on: the proxy's
  // requests may join any of the sessions until then.
  CHECK(all.sink.finished_when_handed_on.front() == paths.size());
}
