// Following growing files (watch mode): lines handed on once each across growth, partial lines,
// truncation, rotation and files that appear later; the --on-alert command's words.
#include <doctest/doctest.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "app/alert_command.hpp"
#include "loopscope/ingest/file_follower.hpp"

namespace {

namespace fs = std::filesystem;
using loopscope::ingest::file_follower;
using loopscope::ingest::follow_limits;
using loopscope::ingest::follow_sink;
using loopscope::ingest::line_assembler;
using loopscope::ingest::start_at;

struct recorded final : follow_sink {
  std::vector<std::string> lines;
  std::string bytes;
  std::vector<std::uint64_t> long_lines;
  void on_bytes(std::string_view b) override { bytes += b; }
  void on_line(std::string_view line) override { lines.emplace_back(line); }
  void on_long_line(std::uint64_t length) override { long_lines.push_back(length); }
};

struct temp_dir {
  fs::path path;
  temp_dir() {
    std::string pattern = (fs::temp_directory_path() / "loopscope-follow.XXXXXX").string();
    REQUIRE(::mkdtemp(pattern.data()) != nullptr);
    path = pattern;
  }
  ~temp_dir() {
    std::error_code ec;
    fs::remove_all(path, ec);
  }
};

void append(const fs::path& p, const std::string& text) {
  std::ofstream out(p, std::ios::binary | std::ios::app);
  out << text;
}

void poll_all(file_follower& f, follow_sink& sink) {
  while (f.poll(sink)) {
  }
}

}  // namespace

TEST_CASE("line_assembler: lines split across feeds, a long line dropped and counted") {
  recorded sink;
  line_assembler lines(8);
  lines.feed("ab", sink);
  CHECK(sink.lines.empty());
  lines.feed("c\nde\n0123456789abc", sink);
  CHECK(sink.lines == std::vector<std::string>{"abc", "de"});
  lines.feed("def\nok\n", sink);
  CHECK(sink.lines == std::vector<std::string>{"abc", "de", "ok"});
  REQUIRE(sink.long_lines.size() == 1);
  CHECK(sink.long_lines[0] == 16);
  lines.feed("tail", sink);
  lines.flush(sink);
  CHECK(sink.lines.back() == "tail");
}

TEST_CASE("file_follower: growth, a partial line, since-now and a file that appears later") {
  temp_dir dir;
  const fs::path log = dir.path / "a.log";
  append(log, "before 1\nbefore, unfinished");
  file_follower from_now(log, start_at::end);
  file_follower from_start(log, start_at::beginning);
  const fs::path later = dir.path / "later.log";
  file_follower appears(later, start_at::end);  // not there yet: all of it will be new
  recorded now_sink, start_sink, later_sink;
  poll_all(from_now, now_sink);
  poll_all(from_start, start_sink);
  CHECK(now_sink.lines.empty());
  CHECK(start_sink.lines == std::vector<std::string>{"before 1"});
  append(log, " line\nnew 1\nnew 2 half");
  append(later, "first\n");
  poll_all(from_now, now_sink);
  poll_all(from_start, start_sink);
  poll_all(appears, later_sink);
  // The rest of a line begun before following started is not a line of ours.
  CHECK(now_sink.lines == std::vector<std::string>{"new 1"});
  CHECK(start_sink.lines ==
        std::vector<std::string>{"before 1", "before, unfinished line", "new 1"});
  CHECK(later_sink.lines == std::vector<std::string>{"first"});
  append(log, "\n");
  poll_all(from_now, now_sink);
  CHECK(now_sink.lines.back() == "new 2 half");
  // Raw bytes are everything read (what --tee passes on), the rest of that line included.
  CHECK(now_sink.bytes == " line\nnew 1\nnew 2 half\n");
}

TEST_CASE("file_follower: rotation reads the old file to its end, then the new one") {
  temp_dir dir;
  const fs::path log = dir.path / "r.log";
  file_follower f(log, start_at::end);
  recorded sink;
  append(log, "1\n2\n");
  poll_all(f, sink);
  append(log, "3\n4 unfinished");
  fs::rename(log, dir.path / "r.log.1");
  append(log, "5\n");
  poll_all(f, sink);
  CHECK(sink.lines == std::vector<std::string>{"1", "2", "3", "4 unfinished", "5"});
  CHECK(f.counts().rotations == 1);
  // Renamed away and not yet recreated: nothing lost when it comes back.
  fs::rename(log, dir.path / "r.log.2");
  poll_all(f, sink);
  append(log, "6\n");
  poll_all(f, sink);
  CHECK(sink.lines.back() == "6");
  CHECK(sink.lines.size() == 6);
}

TEST_CASE("file_follower: truncation, and a rewrite longer than what was read") {
  temp_dir dir;
  const fs::path log = dir.path / "t.log";
  file_follower f(log, start_at::end);
  recorded sink;
  append(log, "one\ntwo\n");
  poll_all(f, sink);
  fs::resize_file(log, 0);
  append(log, "three\n");
  poll_all(f, sink);
  CHECK(sink.lines == std::vector<std::string>{"one", "two", "three"});
  CHECK(f.counts().truncations == 1);
  // Emptied and written past the old position before the next look: the first bytes tell.
  { std::ofstream out(log, std::ios::binary | std::ios::trunc); }
  append(log, "four is longer\nfive\n");
  poll_all(f, sink);
  CHECK(sink.lines == std::vector<std::string>{"one", "two", "three", "four is longer", "five"});
  CHECK(f.counts().truncations == 2);
}

TEST_CASE("tree_follower: files there at the start begin at their end, later ones at 0") {
  temp_dir dir;
  fs::create_directories(dir.path / "2026" / "11");
  append(dir.path / "2026" / "11" / "rollout-old.jsonl", "x\n");
  append(dir.path / "notes.txt", "x\n");
  loopscope::ingest::tree_follower tree(dir.path, start_at::end, [](const fs::path& p) {
    return p.filename().string().starts_with("rollout-");
  });
  auto first = tree.scan();
  REQUIRE(first.size() == 1);
  CHECK(first[0].second == start_at::end);
  CHECK(tree.directories().size() == 3);
  append(dir.path / "2026" / "11" / "rollout-new.jsonl", "y\n");
  auto second = tree.scan();
  REQUIRE(second.size() == 1);
  CHECK(second[0].first.filename() == "rollout-new.jsonl");
  CHECK(second[0].second == start_at::beginning);
  CHECK(tree.scan().empty());
}

TEST_CASE("split_command: words, quotes and escapes, no shell syntax is special") {
  using loopscope::app::split_command;
  CHECK(split_command("notify-send loopscope").words ==
        std::vector<std::string>{"notify-send", "loopscope"});
  CHECK(split_command(R"(a 'b c' "d \"e\"" f\ g $(rm -rf x) ;|)").words ==
        std::vector<std::string>{"a", "b c", "d \"e\"", "f g", "$(rm", "-rf", "x)", ";|"});
  CHECK(split_command("''").words == std::vector<std::string>{""});
  CHECK(!split_command("a 'b").error.empty());
  CHECK(!split_command("   ").error.empty());
}

TEST_CASE("file_follower: a released file goes on where it was, or is read anew when replaced") {
  temp_dir dir;
  const fs::path log = dir.path / "idle.log";
  file_follower f(log, start_at::end);
  recorded sink;
  append(log, "1\n");
  poll_all(f, sink);
  f.release();
  CHECK(!f.is_open());
  CHECK(!f.changed_since_release());
  poll_all(f, sink);  // nothing changed: not even opened
  CHECK(!f.is_open());
  append(log, "2\n");
  CHECK(f.changed_since_release());
  poll_all(f, sink);
  CHECK(sink.lines == std::vector<std::string>{"1", "2"});
  f.release();
  fs::rename(log, dir.path / "idle.log.1");
  append(log, "3\n");
  poll_all(f, sink);
  CHECK(sink.lines == std::vector<std::string>{"1", "2", "3"});
  CHECK(f.counts().rotations == 1);
}
