#include "line_splitter.hpp"

#include <algorithm>
#include <cstring>

namespace loopscope::ingest::detail {

line_splitter::line_splitter(line_sink& sink, std::size_t initial_capacity,
                             std::size_t max_line_bytes)
    : sink_(sink),
      max_line_bytes_(max_line_bytes),
      storage_(initial_capacity + line_padding, '\0'),
      capacity_(initial_capacity) {}

std::span<char> line_splitter::writable() {
  if (end_ == capacity_) {
    if (start_ > 0) {
      std::memmove(storage_.data(), storage_.data() + start_, end_ - start_);
      end_ -= start_;
      scan_ -= start_;
      start_ = 0;
    } else {
      // One line fills the buffer but is still under the cap: grow (bounded by the cap).
      capacity_ = std::min(capacity_ * 2, max_line_bytes_ + 1);
      if (capacity_ <= end_) capacity_ = end_ + 4096;
      storage_.resize(capacity_ + line_padding, '\0');
    }
  }
  return {storage_.data() + end_, capacity_ - end_};
}

void line_splitter::emit(std::size_t begin, std::size_t end) {
  ++line_number_;
  std::size_t length = end - begin;
  if (length > 0 && storage_[begin + length - 1] == '\r') --length;
  if (length > max_line_bytes_) {
    sink_.on_truncated_line(line_number_, length);
    return;
  }
  sink_.on_line({storage_.data() + begin, length}, line_number_);
}

void line_splitter::commit(std::size_t count) {
  end_ += count;
  while (scan_ < end_) {
    const void* found = std::memchr(storage_.data() + scan_, '\n', end_ - scan_);
    if (found == nullptr) {
      scan_ = end_;
      break;
    }
    const auto newline = static_cast<std::size_t>(static_cast<const char*>(found) - storage_.data());
    if (discarding_) {
      discarded_length_ += newline - start_;
      ++line_number_;
      sink_.on_truncated_line(line_number_, discarded_length_);
      discarding_ = false;
      discarded_length_ = 0;
    } else {
      emit(start_, newline);
    }
    start_ = scan_ = newline + 1;
  }
  if (start_ == end_) {
    start_ = scan_ = end_ = 0;
  } else if (end_ - start_ > max_line_bytes_) {
    // Past the cap: stop keeping the line, only count its length until its newline.
    discarded_length_ += end_ - start_;
    discarding_ = true;
    start_ = scan_ = end_ = 0;
  }
}

void line_splitter::finish() {
  if (discarding_) {
    discarded_length_ += end_ - start_;
    ++line_number_;
    sink_.on_truncated_line(line_number_, discarded_length_);
    discarding_ = false;
  } else if (end_ > start_) {
    emit(start_, end_);
  }
  start_ = scan_ = end_ = 0;
}

}  // namespace loopscope::ingest::detail
