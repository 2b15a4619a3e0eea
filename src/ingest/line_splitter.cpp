#include "line_splitter.hpp"

#include <algorithm>
#include <cstring>

namespace loopscope::ingest::detail {

line_splitter::line_splitter(std::size_t initial_capacity, std::size_t max_line_bytes)
    : max_line_bytes_(max_line_bytes),
      storage_(new char[initial_capacity + line_padding]),
      capacity_(initial_capacity) {
  std::memset(storage_.get(), 0, line_padding);
}

void line_splitter::commit(std::size_t count) {
  end_ += count;
  std::memset(storage_.get() + end_, 0, line_padding);
}

std::span<char> line_splitter::writable() {
  if (start_ == end_) start_ = scan_ = end_ = 0;
  if (end_ == capacity_) {
    if (start_ > 0) {
      std::memmove(storage_.get(), storage_.get() + start_, end_ - start_);
      end_ -= start_;
      scan_ -= start_;
      start_ = 0;
    } else {
      // One line fills the buffer but is still under the cap: grow (bounded by the cap).
      capacity_ = std::min(capacity_ * 2, max_line_bytes_ + 1);
      if (capacity_ <= end_) capacity_ = end_ + 4096;
      std::unique_ptr<char[]> grown(new char[capacity_ + line_padding]);
      std::memcpy(grown.get(), storage_.get(), end_);
      std::memset(grown.get() + end_, 0, line_padding);
      storage_ = std::move(grown);
    }
  }
  return {storage_.get() + end_, capacity_ - end_};
}

line_stream::line line_splitter::make_line(std::size_t begin, std::size_t end) {
  ++line_number_;
  std::size_t length = end - begin;
  if (length > 0 && storage_[begin + length - 1] == '\r') --length;
  if (length > max_line_bytes_) return {{}, line_number_, true, length};
  return {{storage_.get() + begin, length}, line_number_, false, length};
}

std::optional<line_stream::line> line_splitter::take(input_state state) {
  if (scan_ < end_) {
    const void* found = std::memchr(storage_.get() + scan_, '\n', end_ - scan_);
    if (found != nullptr) {
      const auto newline =
          static_cast<std::size_t>(static_cast<const char*>(found) - storage_.get());
      const std::size_t begin = start_;
      start_ = scan_ = newline + 1;
      if (discarding_) {
        discarding_ = false;
        const std::uint64_t length = discarded_length_ + (newline - begin);
        discarded_length_ = 0;
        return line_stream::line{{}, ++line_number_, true, length};
      }
      return make_line(begin, newline);
    }
    scan_ = end_;
  }
  if (discarding_) {
    discarded_length_ += end_ - start_;
    start_ = scan_ = end_ = 0;
  } else if (end_ - start_ > max_line_bytes_) {
    // Past the cap: stop keeping the line, only count its length until its newline.
    discarding_ = true;
    discarded_length_ = end_ - start_;
    start_ = scan_ = end_ = 0;
  }
  if (state == input_state::ended) {
    if (discarding_) {
      discarding_ = false;
      return line_stream::line{{}, ++line_number_, true, discarded_length_};
    }
    if (end_ > start_) {
      const std::size_t begin = start_;
      const std::size_t end = end_;
      start_ = scan_ = end_;
      return make_line(begin, end);
    }
  }
  return std::nullopt;
}

}  // namespace loopscope::ingest::detail
