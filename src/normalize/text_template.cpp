#include "loopscope/normalize/text_template.hpp"

#include <bit>
#include <cstring>
#include <string>

#include "text_masker.hpp"

namespace loopscope::normalize {
namespace {

// Writes through a pointer into space made large enough beforehand: "<n>" for a one-digit number
// is the most a byte can grow to, and a word is stored whole (eight bytes) even when fewer count.
struct writing_out {
  char* at;
  void put(char c) { *at++ = c; }
  void put_word(std::uint64_t word, unsigned count) {
    if constexpr (std::endian::native == std::endian::big) word = __builtin_bswap64(word);
    std::memcpy(at, &word, 8);
    at += count;
  }
  void put_text(std::string_view text) {
    std::memcpy(at, text.data(), text.size());
    at += text.size();
  }
  void put_padded_text(std::string_view text) { put_text(text); }
};

}  // namespace

shared_text mask_text(std::string_view text) {
  // The thread's space only grows, so it is cleared only when it does; a text too large to keep
  // the space for gets space of its own.
  constexpr std::size_t kept_space = std::size_t{1} << 20;
  const std::size_t needed = text.size() * 3 + 8;
  thread_local std::string kept;
  std::string own;
  std::string& space = needed <= kept_space ? kept : own;
  if (space.size() < needed) space.resize(needed);
  writing_out out{space.data()};
  detail::text_masker<writing_out> masker(out);
  masker.feed_line(text);
  return shared_text(
      std::string_view(space.data(), static_cast<std::size_t>(out.at - space.data())));
}

}  // namespace loopscope::normalize
