#include "loopscope/ingest/line_reader.hpp"

#include <fcntl.h>
#include <unistd.h>
#include <zlib.h>
#include <zstd.h>

#include <cerrno>
#include <cstring>
#include <functional>
#include <vector>

#include <fmt/format.h>

#include "line_splitter.hpp"

namespace loopscope::ingest {
namespace {

// Returns bytes read, 0 at end of input, -1 on error (errno set).
using raw_read_fn = std::function<std::ptrdiff_t(char*, std::size_t)>;

enum class compression { none, gzip, zstd };

compression sniff_compression(const char* data, std::size_t size) {
  const auto* bytes = reinterpret_cast<const unsigned char*>(data);
  if (size >= 2 && bytes[0] == 0x1f && bytes[1] == 0x8b) return compression::gzip;
  if (size >= 4 && bytes[0] == 0x28 && bytes[1] == 0xb5 && bytes[2] == 0x2f && bytes[3] == 0xfd) {
    return compression::zstd;
  }
  return compression::none;
}

class reader {
 public:
  reader(raw_read_fn raw, line_sink& sink, const read_limits& limits)
      : raw_(std::move(raw)),
        limits_(limits),
        splitter_(sink, limits.chunk_bytes, limits.max_line_bytes),
        input_(limits.chunk_bytes) {}

  read_outcome run() {
    // Fill the first chunk completely (pipes deliver in small pieces) to see the magic bytes.
    std::size_t head = 0;
    while (head < 4) {
      const std::ptrdiff_t got = raw_read(input_.data() + head, input_.size() - head);
      if (got <= 0) break;
      head += static_cast<std::size_t>(got);
    }
    if (!outcome_.complete) return finish();
    switch (sniff_compression(input_.data(), head)) {
      case compression::none: read_plain(head); break;
      case compression::gzip: outcome_.compression = "gzip"; read_gzip(head); break;
      case compression::zstd: outcome_.compression = "zstd"; read_zstd(head); break;
    }
    return finish();
  }

 private:
  std::ptrdiff_t raw_read(char* into, std::size_t size) {
    for (;;) {
      const std::ptrdiff_t got = raw_(into, size);
      if (got >= 0) return got;
      if (errno == EINTR) continue;
      fail(fmt::format("read error: {}", std::strerror(errno)));
      return -1;
    }
  }

  void fail(std::string message) {
    outcome_.complete = false;
    outcome_.problems.push_back({diagnostic_level::error, {}, std::move(message)});
  }

  // False once the decompressed-size bound is hit.
  bool deliver(std::size_t count) {
    outcome_.bytes += count;
    splitter_.commit(count);
    if (limits_.max_decompressed_bytes != 0 && outcome_.bytes > limits_.max_decompressed_bytes) {
      fail(fmt::format("decompressed size exceeds the bound of {} bytes; the rest is not read",
                       limits_.max_decompressed_bytes));
      return false;
    }
    return true;
  }

  void read_plain(std::size_t head) {
    std::size_t offset = 0;
    while (offset < head) {
      std::span<char> space = splitter_.writable();
      const std::size_t n = std::min(space.size(), head - offset);
      std::memcpy(space.data(), input_.data() + offset, n);
      offset += n;
      if (!deliver(n)) return;
    }
    for (;;) {
      std::span<char> space = splitter_.writable();
      const std::ptrdiff_t got = raw_read(space.data(), space.size());
      if (got <= 0) return;
      if (!deliver(static_cast<std::size_t>(got))) return;
    }
  }

  void read_gzip(std::size_t head) {
    z_stream stream{};
    // 15 + 32: accept gzip and zlib headers.
    if (inflateInit2(&stream, 15 + 32) != Z_OK) {
      fail("cannot initialise gzip decoder");
      return;
    }
    stream.next_in = reinterpret_cast<Bytef*>(input_.data());
    stream.avail_in = static_cast<uInt>(head);
    bool member_open = true;
    bool input_done = false;
    for (;;) {
      if (stream.avail_in == 0 && !input_done) {
        const std::ptrdiff_t got = raw_read(input_.data(), input_.size());
        if (got < 0) break;
        if (got == 0) {
          input_done = true;
        } else {
          stream.next_in = reinterpret_cast<Bytef*>(input_.data());
          stream.avail_in = static_cast<uInt>(got);
        }
      }
      if (stream.avail_in == 0 && input_done) {
        if (member_open) fail("gzip stream is truncated: the input ends inside a compressed block");
        break;
      }
      if (!member_open) {
        // Concatenated gzip members (as `cat a.gz b.gz` makes) continue the same text.
        inflateReset(&stream);
        member_open = true;
      }
      std::span<char> space = splitter_.writable();
      stream.next_out = reinterpret_cast<Bytef*>(space.data());
      stream.avail_out = static_cast<uInt>(space.size());
      const int rc = inflate(&stream, Z_NO_FLUSH);
      const std::size_t produced = space.size() - stream.avail_out;
      if (produced > 0 && !deliver(produced)) break;
      if (rc == Z_STREAM_END) {
        member_open = false;
      } else if (rc == Z_BUF_ERROR && produced == 0 && stream.avail_in == 0) {
        continue;  // needs more input
      } else if (rc != Z_OK && rc != Z_BUF_ERROR) {
        fail(fmt::format("gzip data is corrupt ({}); read what came before",
                         stream.msg != nullptr ? stream.msg : "inflate error"));
        break;
      }
    }
    inflateEnd(&stream);
  }

  void read_zstd(std::size_t head) {
    ZSTD_DCtx* context = ZSTD_createDCtx();
    if (context == nullptr) {
      fail("cannot initialise zstd decoder");
      return;
    }
    ZSTD_inBuffer in{input_.data(), head, 0};
    std::size_t last_hint = 1;  // 0 once a frame is complete and flushed
    bool input_done = false;
    for (;;) {
      if (in.pos == in.size && !input_done) {
        const std::ptrdiff_t got = raw_read(input_.data(), input_.size());
        if (got < 0) break;
        if (got == 0) {
          input_done = true;
        } else {
          in = {input_.data(), static_cast<std::size_t>(got), 0};
        }
      }
      std::span<char> space = splitter_.writable();
      ZSTD_outBuffer out{space.data(), space.size(), 0};
      const std::size_t consumed_before = in.pos;
      const std::size_t hint = ZSTD_decompressStream(context, &out, &in);
      if (ZSTD_isError(hint)) {
        if (out.pos > 0) deliver(out.pos);
        fail(fmt::format("zstd data is corrupt ({}); read what came before",
                         ZSTD_getErrorName(hint)));
        break;
      }
      // A call without progress (no input left) reports the next frame's needs, not this one's.
      if (in.pos > consumed_before || out.pos > 0) last_hint = hint;
      if (out.pos > 0 && !deliver(out.pos)) break;
      if (input_done && in.pos == in.size && out.pos < out.size) {
        if (last_hint != 0) fail("zstd stream is truncated: the input ends inside a frame");
        break;
      }
    }
    ZSTD_freeDCtx(context);
  }

  read_outcome finish() {
    splitter_.finish();
    outcome_.lines = splitter_.lines();
    return std::move(outcome_);
  }

  raw_read_fn raw_;
  read_limits limits_;
  detail::line_splitter splitter_;
  std::vector<char> input_;
  read_outcome outcome_;
};

}  // namespace

read_outcome read_lines(const input_spec& input, line_sink& sink, const read_limits& limits) {
  int fd = STDIN_FILENO;
  if (!input.is_stdin) {
    fd = ::open(input.file_path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
      read_outcome failed;
      failed.opened = false;
      failed.complete = false;
      failed.problems.push_back(
          {diagnostic_level::error, {}, fmt::format("cannot open: {}", std::strerror(errno))});
      return failed;
    }
  }
  reader r([fd](char* into, std::size_t size) { return ::read(fd, into, size); }, sink, limits);
  read_outcome outcome = r.run();
  if (!input.is_stdin) ::close(fd);
  return outcome;
}

read_outcome read_lines_from(std::istream& stream, line_sink& sink, const read_limits& limits) {
  reader r(
      // sgetn, not istream::read: a short read is not the end of a pipe-like buffer.
      [&stream](char* into, std::size_t size) -> std::ptrdiff_t {
        std::streambuf* buffer = stream.rdbuf();
        if (buffer == nullptr) return 0;
        return static_cast<std::ptrdiff_t>(buffer->sgetn(into, static_cast<std::streamsize>(size)));
      },
      sink, limits);
  return r.run();
}

}  // namespace loopscope::ingest
