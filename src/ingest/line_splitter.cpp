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

line_stream::line line_splitter::make_line(const char* begin, std::size_t length) {
  ++line_number_;
  if (length > 0 && begin[length - 1] == '\r') --length;
  if (length > max_line_bytes_) return {{}, line_number_, true, length};
  return {{begin, length}, line_number_, false, length};
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
      return make_line(storage_.get() + begin, newline - begin);
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
      return make_line(storage_.get() + begin, end - begin);
    }
  }
  return std::nullopt;
}

std::optional<line_stream::line> line_splitter::take_from(std::span<const char>& bytes,
                                                          input_state state) {
  const auto newline_in = [](std::span<const char> from) {
    const void* found = from.empty() ? nullptr : std::memchr(from.data(), '\n', from.size());
    return found == nullptr
               ? from.size()
               : static_cast<std::size_t>(static_cast<const char*>(found) - from.data());
  };
  if (start_ == end_ && !discarding_) {
    const std::size_t newline = newline_in(bytes);
    if (newline < bytes.size()) {
      const char* begin = bytes.data();
      bytes = bytes.subspan(newline + 1);
      return make_line(begin, newline);
    }
  }
  // A line begun before these bytes, or one that goes on past them: its bytes are kept, up to
  // and with its newline, so that what is held never holds a second line.
  while (!bytes.empty()) {
    const std::size_t newline = newline_in(bytes);
    std::size_t left = newline < bytes.size() ? newline + 1 : bytes.size();
    while (left != 0) {
      const std::span<char> space = writable();
      const std::size_t n = std::min(space.size(), left);
      std::memcpy(space.data(), bytes.data(), n);
      commit(n);
      bytes = bytes.subspan(n);
      left -= n;
      if (auto taken = take(input_state::more_may_come)) return taken;
    }
  }
  return take(state);
}

}  // namespace loopscope::ingest::detail
