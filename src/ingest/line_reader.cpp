#include "loopscope/ingest/line_reader.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>
#include <zstd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <functional>
#include <mutex>
#include <span>
#include <thread>
#include <vector>

#include <fmt/format.h>

#include "line_splitter.hpp"
#include "loopscope/core/handover.hpp"

namespace loopscope::ingest {
namespace {

// Returns bytes read, 0 at end of input, -1 on error (errno set).
using raw_read_fn = std::function<std::ptrdiff_t(char*, std::size_t)>;

enum class decoder : unsigned char { sniffing, plain, gzip, zstd, finished };

decoder sniff_compression(const char* data, std::size_t size) {
  const auto* bytes = reinterpret_cast<const unsigned char*>(data);
  if (size >= 2 && bytes[0] == 0x1f && bytes[1] == 0x8b) return decoder::gzip;
  if (size >= 4 && bytes[0] == 0x28 && bytes[1] == 0xb5 && bytes[2] == 0x2f && bytes[3] == 0xfd) {
    return decoder::zstd;
  }
  return decoder::plain;
}

// Reads raw bytes and decodes them (plain, gzip or zstd), one chunk per call, into the space it is
// given, with the bounds of read_limits and the accounting of what was read.
class byte_decoder {
 public:
  byte_decoder(raw_read_fn raw, std::function<void()> on_close, const read_limits& limits)
      : raw_(std::move(raw)),
        on_close_(std::move(on_close)),
        limits_(limits),
        input_(new char[limits.chunk_bytes]),
        input_size_(limits.chunk_bytes) {}
  ~byte_decoder() { release(); }
  byte_decoder(const byte_decoder&) = delete;
  byte_decoder& operator=(const byte_decoder&) = delete;

  // Writes the next decoded bytes into `space` (not empty) and returns how many: 0 is no failure
  // (a step may read without producing). finished() at the end of the input or after a failure.
  std::size_t produce(std::span<char> space) {
    space_ = space;
    produced_ = 0;
    switch (mode_) {
      case decoder::sniffing:
        start();
        break;
      case decoder::plain:
        step_plain();
        break;
      case decoder::gzip:
        step_gzip();
        break;
      case decoder::zstd:
        step_zstd();
        break;
      case decoder::finished:
        break;
    }
    if (mode_ == decoder::finished) release();
    return produced_;
  }
  bool finished() const { return mode_ == decoder::finished; }

  const read_outcome& outcome() const { return outcome_; }
  // Its lines are counted by whoever splits them.
  void count_lines(std::uint64_t lines) { outcome_.lines = lines; }

  void mark_unopened(std::string message) {
    outcome_.opened = false;
    fail(std::move(message));
    mode_ = decoder::finished;
  }

 private:
  std::ptrdiff_t raw_read(char* into, std::size_t size) {
    for (;;) {
      const std::ptrdiff_t got = raw_(into, size);
      if (got >= 0) {
        raw_bytes_ += static_cast<std::uint64_t>(got);
        if (limits_.bytes_read != nullptr) {
          limits_.bytes_read->fetch_add(static_cast<std::uint64_t>(got), std::memory_order_relaxed);
        }
        return got;
      }
      if (errno == EINTR) continue;
      fail(fmt::format("read error: {}", std::strerror(errno)));
      return -1;
    }
  }

  void fail(std::string message) {
    outcome_.complete = false;
    outcome_.problems.push_back({diagnostic_level::error, {}, std::move(message)});
  }

  void finish_input() { mode_ = decoder::finished; }

  // `count` bytes were written at the front of space_. False once a decompressed-size bound is
  // hit.
  bool deliver(std::size_t count) {
    outcome_.bytes += count;
    produced_ += count;
    space_ = space_.subspan(count);
    if (mode_ != decoder::gzip && mode_ != decoder::zstd) return true;
    if (limits_.max_decompressed_bytes != 0 && outcome_.bytes > limits_.max_decompressed_bytes) {
      fail(fmt::format("decompressed size exceeds the bound of {} bytes; the rest is not read",
                       limits_.max_decompressed_bytes));
      finish_input();
      return false;
    }
    if (limits_.max_expansion_ratio != 0 && outcome_.bytes > limits_.expansion_floor_bytes &&
        outcome_.bytes / limits_.max_expansion_ratio > raw_bytes_) {
      fail(
          fmt::format("decompressed size exceeds {} times the {} compressed bytes read "
                      "(a decompression bomb?); the rest is not read",
                      limits_.max_expansion_ratio, raw_bytes_));
      finish_input();
      return false;
    }
    return true;
  }

  void start() {
    // Fill the first bytes completely (pipes deliver in small pieces) to see the magic bytes.
    std::size_t head = 0;
    while (head < 4) {
      const std::ptrdiff_t got = raw_read(input_.get() + head, input_size_ - head);
      if (got <= 0) {
        if (got < 0) {
          finish_input();
          return;
        }
        break;
      }
      head += static_cast<std::size_t>(got);
    }
    mode_ = sniff_compression(input_.get(), head);
    switch (mode_) {
      case decoder::plain:
        // The bytes read to sniff are handed out first.
        plain_head_ = {input_.get(), head};
        if (head == 0) finish_input();
        break;
      case decoder::gzip:
        outcome_.compression = "gzip";
        // 15 + 32: accept gzip and zlib headers.
        if (inflateInit2(&gzip_, 15 + 32) != Z_OK) {
          fail("cannot initialise gzip decoder");
          finish_input();
          return;
        }
        gzip_ready_ = true;
        gzip_.next_in = reinterpret_cast<Bytef*>(input_.get());
        gzip_.avail_in = static_cast<uInt>(head);
        break;
      case decoder::zstd:
        outcome_.compression = "zstd";
        zstd_ = ZSTD_createDCtx();
        if (zstd_ == nullptr) {
          fail("cannot initialise zstd decoder");
          finish_input();
          return;
        }
        zstd_in_ = {input_.get(), head, 0};
        break;
      case decoder::sniffing:
      case decoder::finished:
        break;
    }
  }

  void step_plain() {
    if (!plain_head_.empty()) {
      const std::size_t n = std::min(space_.size(), plain_head_.size());
      std::memcpy(space_.data(), plain_head_.data(), n);
      plain_head_ = plain_head_.subspan(n);
      deliver(n);
      return;
    }
    const std::ptrdiff_t got = raw_read(space_.data(), space_.size());
    if (got <= 0) {
      finish_input();
      return;
    }
    deliver(static_cast<std::size_t>(got));
  }
  void step_gzip() {
    if (gzip_.avail_in == 0 && !raw_done_) {
      const std::ptrdiff_t got = raw_read(input_.get(), input_size_);
      if (got < 0) {
        finish_input();
        return;
      }
      if (got == 0) {
        raw_done_ = true;
      } else {
        gzip_.next_in = reinterpret_cast<Bytef*>(input_.get());
        gzip_.avail_in = static_cast<uInt>(got);
      }
    }
    if (gzip_.avail_in == 0 && raw_done_) {
      if (gzip_member_open_)
        fail("gzip stream is truncated: the input ends inside a compressed block");
      finish_input();
      return;
    }
    if (!gzip_member_open_) {
      // Concatenated gzip members (as `cat a.gz b.gz` makes) continue the same text.
      inflateReset(&gzip_);
      gzip_member_open_ = true;
    }
    std::span<char> space = space_;
    gzip_.next_out = reinterpret_cast<Bytef*>(space.data());
    gzip_.avail_out = static_cast<uInt>(space.size());
    const int rc = inflate(&gzip_, Z_NO_FLUSH);
    const std::size_t produced = space.size() - gzip_.avail_out;
    if (produced > 0 && !deliver(produced)) return;
    if (rc == Z_STREAM_END) {
      gzip_member_open_ = false;
    } else if (rc != Z_OK && rc != Z_BUF_ERROR) {
      fail(fmt::format("gzip data is corrupt ({}); read what came before",
                       gzip_.msg != nullptr ? gzip_.msg : "inflate error"));
      finish_input();
    }
  }

  void step_zstd() {
    if (zstd_in_.pos == zstd_in_.size && !raw_done_) {
      const std::ptrdiff_t got = raw_read(input_.get(), input_size_);
      if (got < 0) {
        finish_input();
        return;
      }
      if (got == 0) {
        raw_done_ = true;
      } else {
        zstd_in_ = {input_.get(), static_cast<std::size_t>(got), 0};
      }
    }
    std::span<char> space = space_;
    ZSTD_outBuffer out{space.data(), space.size(), 0};
    const std::size_t consumed_before = zstd_in_.pos;
    const std::size_t hint = ZSTD_decompressStream(zstd_, &out, &zstd_in_);
    if (ZSTD_isError(hint)) {
      if (out.pos > 0) deliver(out.pos);
      fail(
          fmt::format("zstd data is corrupt ({}); read what came before", ZSTD_getErrorName(hint)));
      finish_input();
      return;
    }
    // A call without progress (no input left) reports the next frame's needs, not this one's.
    if (zstd_in_.pos > consumed_before || out.pos > 0) zstd_frame_open_ = hint != 0;
    if (out.pos > 0 && !deliver(out.pos)) return;
    if (raw_done_ && zstd_in_.pos == zstd_in_.size && out.pos < out.size) {
      if (zstd_frame_open_) fail("zstd stream is truncated: the input ends inside a frame");
      finish_input();
    }
  }

  void release() {
    if (gzip_ready_) {
      inflateEnd(&gzip_);
      gzip_ready_ = false;
    }
    if (zstd_ != nullptr) {
      ZSTD_freeDCtx(zstd_);
      zstd_ = nullptr;
    }
    if (on_close_) {
      on_close_();
      on_close_ = nullptr;
    }
  }

  raw_read_fn raw_;
  std::function<void()> on_close_;
  read_limits limits_;
  // Not zeroed when made (a byte_decoder is made for every input: zeroing was most of opening a
  // small file, profiled); only what a read wrote is looked at.
  std::unique_ptr<char[]> input_;
  std::size_t input_size_;
  read_outcome outcome_;
  decoder mode_ = decoder::sniffing;
  std::span<char> space_;             // where the current call writes
  std::size_t produced_ = 0;          // written by the current call
  std::span<const char> plain_head_;  // sniffed bytes of a plain input not yet handed out
  std::uint64_t raw_bytes_ = 0;       // compressed bytes read so far, for the expansion bound
  bool raw_done_ = false;
  z_stream gzip_{};
  bool gzip_ready_ = false;
  bool gzip_member_open_ = true;
  ZSTD_DCtx* zstd_ = nullptr;
  ZSTD_inBuffer zstd_in_{nullptr, 0, 0};
  bool zstd_frame_open_ = true;
};

// Lines of a byte_decoder, split as they are decoded: no thread, one buffer.
class decoding_line_stream final : public line_stream {
 public:
  decoding_line_stream(raw_read_fn raw, std::function<void()> on_close, const read_limits& limits)
      : bytes_(std::move(raw), std::move(on_close), limits),
        splitter_(limits.chunk_bytes, limits.max_line_bytes) {}

  std::optional<line> next() override {
    for (;;) {
      const detail::input_state state =
          bytes_.finished() ? detail::input_state::ended : detail::input_state::more_may_come;
      if (auto taken = splitter_.take(state)) {
        bytes_.count_lines(splitter_.lines());
        return taken;
      }
      if (bytes_.finished()) {
        bytes_.count_lines(splitter_.lines());
        return std::nullopt;
      }
      splitter_.commit(bytes_.produce(splitter_.writable()));
    }
  }

  const read_outcome& outcome() const override { return bytes_.outcome(); }
  void mark_unopened(std::string message) { bytes_.mark_unopened(std::move(message)); }

 private:
  byte_decoder bytes_;
  detail::line_splitter splitter_;
};

// Lines of a byte_decoder that runs on a thread of its own, chunks ahead of the splitting: a
// compressed input read in the background then costs its reader no decompression. At most
// `chunks_in_flight` decoded chunks wait.
class inflating_line_stream final : public line_stream {
 public:
  static constexpr std::size_t chunk_bytes = std::size_t{1} << 20;
  static constexpr std::size_t chunks_in_flight = 4;

  inflating_line_stream(raw_read_fn raw, std::function<void()> on_close, const read_limits& limits)
      : bytes_(std::move(raw), std::move(on_close), limits),
        splitter_(limits.chunk_bytes, limits.max_line_bytes),
        thread_([this] { run(); }) {}

  ~inflating_line_stream() override {
    chunks_.give_up();
    thread_.join();
  }

  std::optional<line> next() override {
    for (;;) {
      const bool ended = ended_ && current_.empty();
      // Lines are cut where the thread decoded them; only one that spans two chunks is copied.
      if (auto taken = splitter_.take_from(
              current_, ended ? detail::input_state::ended : detail::input_state::more_may_come)) {
        outcome_.lines = splitter_.lines();
        return taken;
      }
      if (ended) {
        outcome_.lines = splitter_.lines();
        return std::nullopt;
      }
      if (current_.empty()) (void)take_chunk();
    }
  }

  const read_outcome& outcome() const override { return outcome_; }

 private:
  struct chunk {
    // chunk_bytes and line_padding more, not initialised but for the padding after `size`: the
    // lines are handed out where they lie (line_splitter::take_from).
    std::unique_ptr<char[]> data;
    std::size_t size = 0;
  };

  void run() {
    for (;;) {
      chunk next;
      next.data = spare_.take();
      if (!next.data) next.data.reset(new char[chunk_bytes + line_padding]);
      bool last = false;
      try {
        while (next.size < chunk_bytes && !bytes_.finished()) {
          next.size +=
              bytes_.produce(std::span<char>(next.data.get() + next.size, chunk_bytes - next.size));
        }
        last = bytes_.finished();
      } catch (...) {  // out of memory inside the decompressor: the input ends here
        failed_ = true;
        last = true;
      }
      std::memset(next.data.get() + next.size, 0, line_padding);
      if (!chunks_.put(std::move(next)) || last) break;
    }
    chunks_.close();
  }

  // Waits for the next chunk; false when it holds nothing. At the end the accounting, the
  // thread's until then, becomes final.
  bool take_chunk() {
    std::optional<chunk> next = chunks_.take();
    if (!next) {
      ended_ = true;
      const std::uint64_t lines = outcome_.lines;
      outcome_ = bytes_.outcome();
      outcome_.lines = lines;
      if (failed_) {
        outcome_.complete = false;
        outcome_.problems.push_back({diagnostic_level::error,
                                     {},
                                     "out of memory while decompressing; the rest is not read"});
      }
      return false;
    }
    if (held_.data) spare_.give_back(std::move(held_.data));
    held_ = std::move(*next);
    current_ = {held_.data.get(), held_.size};
    return !current_.empty();
  }

  byte_decoder bytes_;  // the thread's, until the end is taken
  detail::line_splitter splitter_;
  read_outcome outcome_;
  chunk held_;                     // the chunk being split
  std::span<const char> current_;  // what of it is not split yet
  bool ended_ = false;
  bool failed_ = false;  // written by the thread before it closes `chunks_`
  handover<chunk> chunks_{chunks_in_flight};
  spare_items<std::unique_ptr<char[]>> spare_;  // split chunks, for the thread to fill again
  std::thread thread_;  // last: started once everything above is constructed
};
}  // namespace

bool is_compressed_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  char head[4] = {};
  in.read(head, sizeof head);
  const decoder found = sniff_compression(head, static_cast<std::size_t>(in.gcount()));
  return found == decoder::gzip || found == decoder::zstd;
}

std::unique_ptr<line_stream> line_stream::open(const input_spec& input, const read_limits& limits) {
  if (input.is_stdin) {
    return std::make_unique<decoding_line_stream>(
        [](char* into, std::size_t size) { return ::read(STDIN_FILENO, into, size); }, nullptr,
        limits);
  }
  const int fd = ::open(input.file_path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    const int error = errno;
    auto stream = std::make_unique<decoding_line_stream>(
        [](char*, std::size_t) -> std::ptrdiff_t { return 0; }, nullptr, limits);
    stream->mark_unopened(fmt::format("cannot open: {}", std::strerror(error)));
    return stream;
  }
  // A regular file is read up to the size it had when opened: a log that keeps growing (a live
  // session) would otherwise be followed forever. What came later is for the next run.
  struct stat info {};
  std::int64_t remaining = -1;
  if (::fstat(fd, &info) == 0 && S_ISREG(info.st_mode)) remaining = info.st_size;
  raw_read_fn raw = [fd, remaining](char* into, std::size_t size) mutable -> std::ptrdiff_t {
    if (remaining == 0) return 0;
    if (remaining > 0) size = std::min<std::size_t>(size, static_cast<std::size_t>(remaining));
    const std::ptrdiff_t got = ::read(fd, into, size);
    if (got > 0 && remaining > 0) remaining -= got;
    return got;
  };
  auto close = [fd] { ::close(fd); };
  if (limits.decompression == decompress_on::own_thread && is_compressed_file(input.file_path)) {
    return std::make_unique<inflating_line_stream>(std::move(raw), std::move(close), limits);
  }
  return std::make_unique<decoding_line_stream>(std::move(raw), std::move(close), limits);
}

std::unique_ptr<line_stream> line_stream::from_stream(std::istream& stream,
                                                      const read_limits& limits) {
  // sgetn, not istream::read: a short read is not the end of a pipe-like buffer.
  return std::make_unique<decoding_line_stream>(
      [&stream](char* into, std::size_t size) -> std::ptrdiff_t {
        std::streambuf* buffer = stream.rdbuf();
        if (buffer == nullptr) return 0;
        return static_cast<std::ptrdiff_t>(buffer->sgetn(into, static_cast<std::streamsize>(size)));
      },
      nullptr, limits);
}

namespace {

read_outcome drain(line_stream& stream, line_sink& sink) {
  while (auto line = stream.next()) {
    if (line->truncated) {
      sink.on_truncated_line(line->number, line->length);
    } else {
      sink.on_line(line->text, line->number);
    }
  }
  return stream.outcome();
}

}  // namespace

read_outcome read_lines(const input_spec& input, line_sink& sink, const read_limits& limits) {
  return drain(*line_stream::open(input, limits), sink);
}

read_outcome read_lines_from(std::istream& stream, line_sink& sink, const read_limits& limits) {
  return drain(*line_stream::from_stream(stream, limits), sink);
}

}  // namespace loopscope::ingest
