// Cuts a byte stream into lines inside one growing buffer, handing out views with readable
// padding after them. Internal to ingest.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <span>

#include "loopscope/ingest/line_reader.hpp"

namespace loopscope::ingest::detail {

enum class input_state : unsigned char { more_may_come, ended };

class line_splitter {
 public:
  line_splitter(std::size_t initial_capacity, std::size_t max_line_bytes);

  // Space to write the next bytes into; never empty. Invalidates views handed out before.
  std::span<char> writable();
  // The first `count` bytes of the last writable() span now hold data.
  void commit(std::size_t count);
  // The next complete line; at the end of input, also a last line without a newline.
  std::optional<line_stream::line> take(input_state state);
  // The next line from `bytes`, which the caller keeps readable, with line_padding bytes past
  // their end, until its next call: a line that lies whole in them is handed out where it is,
  // without a copy; the bytes of a line that goes on past them are kept here until its end comes.
  // `bytes` is advanced past what was taken. Nothing when `bytes` ran out inside a line (at the
  // end of input, that line).
  std::optional<line_stream::line> take_from(std::span<const char>& bytes, input_state state);

  std::uint64_t lines() const { return line_number_; }

 private:
  line_stream::line make_line(const char* begin, std::size_t length);

  std::size_t max_line_bytes_;
  // capacity_ usable bytes + line_padding. Not zeroed when made: the splitter is made for every
  // input, and zeroing its buffer was a tenth of reading a directory of small files (profiled);
  // only the padding after the bytes written is zeroed, as they are written.
  std::unique_ptr<char[]> storage_;
  std::size_t capacity_;
  std::size_t start_ = 0;  // first byte of the current (incomplete) line
  std::size_t scan_ = 0;   // bytes before this are known to hold no newline
  std::size_t end_ = 0;    // one past the last byte written
  bool discarding_ = false;
  std::uint64_t discarded_length_ = 0;
  std::uint64_t line_number_ = 0;
};

}  // namespace loopscope::ingest::detail
