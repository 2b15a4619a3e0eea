// Streams an input as lines: plain, gzip or zstd (told apart by magic bytes, not by name), in
// fixed-size chunks, so memory never depends on the input's size.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <istream>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "loopscope/core/diagnostic.hpp"
#include "loopscope/ingest/input_list.hpp"

namespace loopscope::ingest {

// Receives lines without their terminator ("\n" or "\r\n"). Bytes are passed as they are:
// invalid UTF-8 is kept. The view is valid only during the call; at least `line_padding` bytes
// after its end are readable (simdjson needs that to parse in place).
class line_sink {
 public:
  virtual ~line_sink() = default;
  virtual void on_line(std::string_view line, std::uint64_t line_number) = 0;
  // A line longer than the cap: it is skipped, and counted here.
  virtual void on_truncated_line(std::uint64_t line_number, std::uint64_t length) = 0;
};

inline constexpr std::size_t line_padding = 64;

// Where a gzip or zstd file is decompressed: on the reading thread, or on a thread of its own
// that runs ahead of the line splitting (for a reader that runs in the background already, so
// that three stages share two cores).
enum class decompress_on : unsigned char { reading_thread, own_thread };

struct read_limits {
  std::size_t max_line_bytes = std::size_t{64} << 20;  // 64 MiB
  // Read granularity of the raw input. 128 KiB reads at full speed and keeps thousands of small
  // inputs cheap (each open input holds two such buffers).
  std::size_t chunk_bytes = std::size_t{128} << 10;
  // Bounds on the output of a gzip/zstd input, so a decompression bomb cannot run for hours: the
  // rest of the input is not read and the input is reported partial. Plain inputs are not bound
  // (their size is real). 0 = no bound.
  std::uint64_t max_decompressed_bytes = std::uint64_t{64} << 30;  // 64 GiB
  // Past `expansion_floor_bytes` of output, also stop when the output exceeds this many times the
  // compressed bytes read so far. Real logs expand 3-50x; constant data under zstd about 30000x
  // (gzip cannot pass 1032x, so only the absolute bound applies to it).
  std::uint64_t max_expansion_ratio = 4096;
  std::uint64_t expansion_floor_bytes = std::uint64_t{1} << 30;  // 1 GiB
  // Raw (on-disk) bytes read, added as they are read, for a progress line; may be null.
  std::atomic<std::uint64_t>* bytes_read = nullptr;
  decompress_on decompression = decompress_on::reading_thread;
};

struct read_outcome {
  std::uint64_t lines = 0;
  std::uint64_t bytes = 0;  // decompressed
  std::string compression;  // "", "gzip", "zstd"
  bool opened = true;
  bool complete = true;  // false: truncated/corrupt archive or read error (see problems)
  diagnostics problems;
};

read_outcome read_lines(const input_spec& input, line_sink& sink, const read_limits& limits = {});

// Whether the file starts as gzip or zstd data (what line_stream decompresses).
bool is_compressed_file(const std::filesystem::path& path);

// The same reading, pulled one line at a time: several inputs can then be merged in time order
// with one buffer each and no threads.
class line_stream {
 public:
  struct line {
    std::string_view text;  // valid until the next call; line_padding readable bytes follow it
    std::uint64_t number = 0;
    bool truncated = false;  // over the cap: `text` is empty, `length` is the line's length
    std::uint64_t length = 0;
  };

  static std::unique_ptr<line_stream> open(const input_spec& input, const read_limits& limits = {});
  static std::unique_ptr<line_stream> from_stream(std::istream& stream,
                                                  const read_limits& limits = {});
  virtual ~line_stream() = default;

  // The next line, or nothing at the end of the input (or after a read error: see outcome()).
  virtual std::optional<line> next() = 0;
  // Counts and problems so far; final once next() has returned nothing.
  virtual const read_outcome& outcome() const = 0;
};

// For tests and for stdin: read from an already open stream.
read_outcome read_lines_from(std::istream& stream, line_sink& sink, const read_limits& limits = {});

}  // namespace loopscope::ingest
