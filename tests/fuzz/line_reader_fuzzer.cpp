// The line reader on raw bytes (plain, gzip or zstd by magic), with small limits chosen by the
// first byte so buffer growth, the line cap and the decompression bound are all reached.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <sstream>
#include <string>

#include "loopscope/ingest/line_reader.hpp"

namespace {

using namespace loopscope;

class checking_sink final : public ingest::line_sink {
 public:
  explicit checking_sink(std::size_t cap) : cap_(cap) {}
  void on_line(std::string_view line, std::uint64_t number) override {
    check_number(number);
    if (line.size() > cap_) std::abort();
    // The promised padding must be readable (ASan checks the access).
    volatile char last = line.data()[line.size() + ingest::line_padding - 1];
    (void)last;
  }
  void on_truncated_line(std::uint64_t number, std::uint64_t length) override {
    check_number(number);
    if (length <= cap_) std::abort();
  }
  std::uint64_t lines = 0;

 private:
  void check_number(std::uint64_t number) {
    if (number != ++lines) std::abort();  // numbered 1, 2, 3… without gaps
  }
  std::size_t cap_;
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  ingest::read_limits limits;
  const std::uint8_t knobs = data[0];
  limits.chunk_bytes = std::size_t{16} << (knobs & 0x7);           // 16 B … 2 KiB
  limits.max_line_bytes = std::size_t{8} << ((knobs >> 3) & 0x7);  // 8 B … 1 KiB
  limits.max_decompressed_bytes = (knobs & 0x40) != 0 ? 4096 : 0;
  std::istringstream stream(std::string(reinterpret_cast<const char*>(data) + 1, size - 1));
  checking_sink sink(limits.max_line_bytes);
  const ingest::read_outcome outcome = ingest::read_lines_from(stream, sink, limits);
  if (outcome.lines != sink.lines) std::abort();
  // Only compressed inputs are bound (a plain file's size is real).
  if (limits.max_decompressed_bytes != 0 && !outcome.compression.empty() &&
      outcome.bytes > limits.max_decompressed_bytes + limits.chunk_bytes + (std::size_t{1} << 17)) {
    std::abort();  // the bound may be passed by one delivery at most
  }
  return 0;
}
