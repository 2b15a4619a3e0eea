// Cuts a byte stream into lines inside one growing buffer, handing out views with readable
// padding after them. Internal to ingest.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "loopscope/ingest/line_reader.hpp"

namespace loopscope::ingest::detail {

class line_splitter {
 public:
  line_splitter(line_sink& sink, std::size_t initial_capacity, std::size_t max_line_bytes);

  // Space to write the next bytes into; never empty.
  std::span<char> writable();
  // The first `count` bytes of the last writable() span now hold data: split what completes.
  void commit(std::size_t count);
  // End of input: the last line may lack a newline.
  void finish();

  std::uint64_t lines() const { return line_number_; }

 private:
  void emit(std::size_t begin, std::size_t end);

  line_sink& sink_;
  std::size_t max_line_bytes_;
  std::vector<char> storage_;  // capacity_ usable bytes + line_padding
  std::size_t capacity_;
  std::size_t start_ = 0;  // first byte of the current (incomplete) line
  std::size_t scan_ = 0;   // bytes before this are known to hold no newline
  std::size_t end_ = 0;    // one past the last byte written
  bool discarding_ = false;
  std::uint64_t discarded_length_ = 0;
  std::uint64_t line_number_ = 0;
};

}  // namespace loopscope::ingest::detail
