#include <doctest/doctest.h>
#include <zlib.h>
#include <zstd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "loopscope/ingest/line_reader.hpp"

namespace {

using loopscope::ingest::line_sink;
using loopscope::ingest::read_limits;
using loopscope::ingest::read_lines_from;
using loopscope::ingest::read_outcome;

struct recorded_lines final : line_sink {
  std::vector<std::string> lines;
  std::vector<std::uint64_t> numbers;
  std::vector<std::uint64_t> truncated;
  void on_line(std::string_view line, std::uint64_t number) override {
    lines.emplace_back(line);
    numbers.push_back(number);
  }
  void on_truncated_line(std::uint64_t number, std::uint64_t) override {
    truncated.push_back(number);
  }
};

// A stream that hands out at most `piece` bytes per read, like a slow pipe.
class trickle_buf final : public std::streambuf {
 public:
  trickle_buf(std::string data, std::size_t piece) : data_(std::move(data)), piece_(piece) {}

 protected:
  std::streamsize xsgetn(char* s, std::streamsize n) override {
    const auto take = static_cast<std::size_t>(std::min<std::streamsize>(
        n, static_cast<std::streamsize>(std::min(piece_, data_.size() - pos_))));
    data_.copy(s, take, pos_);
    pos_ += take;
    return static_cast<std::streamsize>(take);
  }
  int_type underflow() override {
    return pos_ < data_.size() ? traits_type::to_int_type(data_[pos_]) : traits_type::eof();
  }

 private:
  std::string data_;
  std::size_t piece_;
  std::size_t pos_ = 0;
};

recorded_lines read_all(const std::string& data, std::size_t piece = 1 << 20,
                        read_limits limits = {}, read_outcome* outcome_out = nullptr) {
  trickle_buf buffer(data, piece);
  std::istream stream(&buffer);
  recorded_lines sink;
  read_outcome outcome = read_lines_from(stream, sink, limits);
  if (outcome_out) *outcome_out = std::move(outcome);
  return sink;
}

std::string gzip(const std::string& text) {
  z_stream stream{};
  deflateInit2(&stream, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY);
  std::string out(deflateBound(&stream, text.size()) + 64, '\0');
  stream.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(text.data()));
  stream.avail_in = static_cast<uInt>(text.size());
  stream.next_out = reinterpret_cast<Bytef*>(out.data());
  stream.avail_out = static_cast<uInt>(out.size());
  deflate(&stream, Z_FINISH);
  out.resize(stream.total_out);
  deflateEnd(&stream);
  return out;
}

std::string zstd(const std::string& text) {
  std::string out(ZSTD_compressBound(text.size()), '\0');
  out.resize(ZSTD_compress(out.data(), out.size(), text.data(), text.size(), 3));
  return out;
}

const std::string sample_text =
    "{\"type\":\"thread.started\",\"thread_id\":\"t1\"}\r\n"
    "{\"type\":\"turn.started\"}\n"
    "\n"
    "bytes \xff\xfe kept as they are\n"
    "{\"type\":\"turn.completed\"}";  // no final newline

}  // namespace

TEST_CASE("lines, CRLF, blank lines, invalid UTF-8 and a missing final newline") {
  const recorded_lines got = read_all(sample_text);
  REQUIRE(got.lines.size() == 5);
  CHECK(got.lines[0] == "{\"type\":\"thread.started\",\"thread_id\":\"t1\"}");
  CHECK(got.lines[2].empty());
  CHECK(got.lines[3] == "bytes \xff\xfe kept as they are");
  CHECK(got.lines[4] == "{\"type\":\"turn.completed\"}");
  CHECK(got.numbers == std::vector<std::uint64_t>{1, 2, 3, 4, 5});
}

TEST_CASE("1-byte and 7-byte reads give the same lines as one read") {
  const recorded_lines whole = read_all(sample_text);
  CHECK(read_all(sample_text, 1).lines == whole.lines);
  CHECK(read_all(sample_text, 7).lines == whole.lines);
  read_limits small;
  small.chunk_bytes = 16;  // buffer smaller than the longest line: it must grow
  CHECK(read_all(sample_text, 7, small).lines == whole.lines);
}

TEST_CASE("gzip and zstd are recognized by their magic bytes and give the same lines") {
  const recorded_lines whole = read_all(sample_text);
  read_outcome outcome;
  CHECK(read_all(gzip(sample_text), 7, {}, &outcome).lines == whole.lines);
  CHECK(outcome.compression == "gzip");
  CHECK(outcome.complete);
  CHECK(read_all(zstd(sample_text), 1, {}, &outcome).lines == whole.lines);
  CHECK(outcome.compression == "zstd");
  CHECK(outcome.complete);
  // `cat a.gz b.gz` is one valid gzip stream of two members.
  CHECK(read_all(gzip("a\n") + gzip("b\n")).lines == std::vector<std::string>{"a", "b"});
}

TEST_CASE("a truncated archive yields what was read and says it is incomplete") {
  std::string big;
  for (int i = 0; i < 20000; ++i) big += "line " + std::to_string(i) + " of a long log\n";
  for (const std::string& archive : {gzip(big), zstd(big)}) {
    read_outcome outcome;
    const recorded_lines got = read_all(archive.substr(0, archive.size() / 2), 4096, {}, &outcome);
    CHECK_FALSE(outcome.complete);
    REQUIRE_FALSE(outcome.problems.empty());
    CHECK(got.lines.size() > 100);
    CHECK(got.lines.size() < 20000);
    CHECK(got.lines[0] == "line 0 of a long log");
  }
}

TEST_CASE("corrupt compressed data stops with a diagnostic, not a crash") {
  std::string archive = zstd(std::string(100000, 'x') + "\n");
  for (std::size_t i = 20; i < archive.size(); i += 7)
    archive[i] = static_cast<char>(archive[i] ^ 0x5a);
  read_outcome outcome;
  read_all(archive, 1 << 20, {}, &outcome);
  CHECK_FALSE(outcome.complete);
  std::string gz = gzip("hello\nworld\n");
  gz[12] = static_cast<char>(gz[12] ^ 0xff);
  read_all(gz, 1 << 20, {}, &outcome);
  CHECK_FALSE(outcome.complete);
}

TEST_CASE("a line over the cap is counted as truncated and skipped, the next line survives") {
  read_limits limits;
  limits.max_line_bytes = 1000;
  limits.chunk_bytes = 64;
  const std::string text =
      "short\n" + std::string(5000, 'y') + "\nafter\n" + std::string(1001, 'z');
  const recorded_lines got = read_all(text, 13, limits);
  CHECK(got.lines == std::vector<std::string>{"short", "after"});
  CHECK(got.truncated == std::vector<std::uint64_t>{2, 4});
  CHECK(got.numbers == std::vector<std::uint64_t>{1, 3});
}

TEST_CASE("a decompression bound stops a bomb") {
  read_limits limits;
  limits.max_decompressed_bytes = 1 << 20;
  read_outcome outcome;
  read_all(zstd(std::string(20 << 20, '\n')), 1 << 16, limits, &outcome);
  CHECK_FALSE(outcome.complete);
  CHECK(outcome.bytes <= (std::uint64_t{1} << 20) + (std::uint64_t{1} << 20));
}

TEST_CASE("lines are handed out with readable padding after them") {
  struct padding_check final : line_sink {
    bool ok = true;
    void on_line(std::string_view line, std::uint64_t) override {
      // Reading past the end must be within the buffer: touch every padding byte.
      volatile char sum = 0;
      for (std::size_t i = 0; i < loopscope::ingest::line_padding; ++i)
        sum = static_cast<char>(sum + line.data()[line.size() + i]);
      (void)sum;
    }
    void on_truncated_line(std::uint64_t, std::uint64_t) override {}
  } sink;
  read_limits limits;
  limits.chunk_bytes = 8;
  std::istringstream in("abcdefgh\nabcdefgh");
  read_lines_from(in, sink, limits);
  CHECK(sink.ok);
}

namespace {

struct streamed {
  recorded_lines got;
  read_outcome outcome;
};

streamed read_file_lines(const std::string& path, read_limits limits,
                         loopscope::ingest::decompress_on where) {
  limits.decompression = where;
  streamed out;
  auto stream = loopscope::ingest::line_stream::open({path, path, false}, limits);
  while (auto line = stream->next()) {
    if (line->truncated) {
      out.got.on_truncated_line(line->number, line->length);
    } else {
      out.got.on_line(line->text, line->number);
    }
  }
  out.outcome = stream->outcome();
  return out;
}

std::string problems_of(const read_outcome& o) {
  std::string text;
  for (const auto& d : o.problems) text += d.message + "\n";
  return text;
}

}  // namespace

TEST_CASE("decompressing on a thread of its own gives the same lines and accounting") {
  using loopscope::ingest::decompress_on;
  std::string big;
  for (int i = 0; i < 200000; ++i) big += "line " + std::to_string(i) + " of a long log\n";
  std::string corrupt = zstd(big);
  for (std::size_t i = corrupt.size() / 2; i < corrupt.size(); i += 7)
    corrupt[i] = static_cast<char>(corrupt[i] ^ 0x5a);
  const std::string long_lines =
      "short\n" + std::string(5000, 'y') + "\nafter\n" + std::string(1001, 'z');
  // Where decoding stops early (corrupt data, a bound), how much comes out before the stop
  // depends on the size of each decompression call; the lines before it are the same.
  enum class stop : unsigned char { at_the_end, early };
  struct archive {
    std::string name;
    std::string bytes;
    read_limits limits;
    stop ends = stop::at_the_end;
  };
  read_limits small_lines;
  small_lines.max_line_bytes = 1000;
  small_lines.chunk_bytes = 64;
  read_limits bomb_bound;
  bomb_bound.max_decompressed_bytes = 3 << 20;
  // Lines that span the thread's chunks (1 MiB): CRLF ends cut between two, a line of 3 MiB, and
  // the same line over a cap of 2 MiB.
  std::string spanning;
  for (int i = 0; i < 120000; ++i) spanning += "row " + std::to_string(i) + "\r\n";
  spanning += std::string(3 << 20, 'w') + "\r\nafter\r\n";
  for (int i = 0; i < 1000; ++i) spanning += "tail " + std::to_string(i) + "\n";
  read_limits two_mib_lines;
  two_mib_lines.max_line_bytes = 2 << 20;
  const std::vector<archive> archives = {
      {"sample.gz", gzip(sample_text), {}},
      {"sample.zst", zstd(sample_text), {}},
      {"members.gz", gzip("a\n") + gzip("b\n"), {}},
      {"big.zst", zstd(big), {}},
      {"big.gz", gzip(big), {}},
      {"truncated.zst", zstd(big).substr(0, zstd(big).size() / 2), {}},
      {"truncated.gz", gzip(big).substr(0, gzip(big).size() / 2), {}},
      {"corrupt.zst", corrupt, {}, stop::early},
      {"long-lines.gz", gzip(long_lines), small_lines},
      {"bomb.zst", zstd(std::string(20 << 20, '\n')), bomb_bound, stop::early},
      {"empty.zst", zstd(""), {}},
      {"spanning.zst", zstd(spanning), {}},
      {"spanning-over-cap.zst", zstd(spanning), two_mib_lines},
      {"plain.log", big, {}},  // not compressed: read on the reading thread either way
  };
  const std::filesystem::path dir =
      std::filesystem::temp_directory_path() / "loopscope-inflating-test";
  std::filesystem::create_directories(dir);
  for (const archive& a : archives) {
    CAPTURE(a.name);
    const std::string path = (dir / a.name).string();
    {
      std::ofstream out(path, std::ios::binary);
      out << a.bytes;
    }
    const streamed here = read_file_lines(path, a.limits, decompress_on::reading_thread);
    const streamed there = read_file_lines(path, a.limits, decompress_on::own_thread);
    CHECK(here.outcome.compression == there.outcome.compression);
    if (a.ends == stop::early) {
      const std::size_t common = std::min(here.got.lines.size(), there.got.lines.size());
      REQUIRE(common > 1000);
      CHECK(std::equal(here.got.lines.begin(), here.got.lines.begin() + common - 1,
                       there.got.lines.begin()));
      CHECK_FALSE(there.outcome.complete);
      CHECK(problems_of(here.outcome) == problems_of(there.outcome));
      continue;
    }
    CHECK(here.got.lines == there.got.lines);
    CHECK(here.got.numbers == there.got.numbers);
    CHECK(here.got.truncated == there.got.truncated);
    CHECK(here.outcome.lines == there.outcome.lines);
    CHECK(here.outcome.bytes == there.outcome.bytes);
    CHECK(here.outcome.complete == there.outcome.complete);
    CHECK(problems_of(here.outcome) == problems_of(there.outcome));
  }
  // Let go after a few lines: the thread stops without waiting for a reader.
  {
    read_limits limits;
    limits.decompression = decompress_on::own_thread;
    const std::string path = (dir / "big.zst").string();
    auto stream = loopscope::ingest::line_stream::open({path, path, false}, limits);
    for (int i = 0; i < 3; ++i) REQUIRE(stream->next().has_value());
  }
  std::filesystem::remove_all(dir);
}
