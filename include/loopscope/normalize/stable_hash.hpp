// The hash of texts that repeats compare: tool arguments and outputs, message templates.
#pragma once

#include <algorithm>
#include <bit>
#include <cstdint>
#include <cstring>
#include <string_view>

namespace loopscope::normalize {

// A 64-bit hash of a byte stream that does not depend on how the stream is cut into pieces: the
// same bytes fed at once, a word at a time or a byte at a time give the same value, so a text can
// be hashed while it is being masked without building the masked copy. Eight bytes per step
// (xxHash64's single-lane round and its avalanche, https://github.com/Cyan4973/xxHash/blob/dev/
// doc/xxhash_spec.md); FNV-1a a byte at a time, which this replaces, was the analysis's hottest
// loop on tool outputs. Words are read little-endian, so values are the same on every platform
// (they appear in reports, in cycle signatures and `events` output).
class stable_hasher {
 public:
  void update(std::string_view bytes) {
    const char* at = bytes.data();
    std::size_t left = bytes.size();
    if (carried_ != 0) {
      while (left != 0 && carried_ != 0) {
        put(*at++);
        --left;
      }
      if (left == 0) return;
    }
    length_ += left & ~std::size_t{7};
    for (; left >= 8; left -= 8, at += 8) mix(load(at));
    while (left != 0) {
      put(*at++);
      --left;
    }
  }

  // update(bytes) for bytes that are followed by at least seven more readable bytes (a buffer
  // with room past its end): the carried word is completed, and the last few bytes taken, a word
  // at a time instead of a byte at a time.
  void update_padded(std::string_view bytes) {
    const char* at = bytes.data();
    std::size_t left = bytes.size();
    if (carried_ != 0 && left != 0) {
      const unsigned completing = static_cast<unsigned>(std::min<std::size_t>(8 - carried_, left));
      put_low_bytes(load(at) & low_mask(completing), completing);
      at += completing;
      left -= completing;
    }
    length_ += left & ~std::size_t{7};
    for (; left >= 8; left -= 8, at += 8) mix(load(at));
    if (left != 0) {
      put_low_bytes(load(at) & low_mask(static_cast<unsigned>(left)), static_cast<unsigned>(left));
    }
  }

  void put(char c) { put_low_bytes(static_cast<unsigned char>(c), 1); }

  // The low `count` bytes of `bytes` (0 to 8; the bytes above them are zero), first byte lowest:
  // how the masking loop hands on what it wrote.
  void put_low_bytes(std::uint64_t bytes, unsigned count) {
    length_ += count;
    const unsigned total = carried_ + count;
    if (total < 8) {
      carry_ |= bytes << (8 * carried_);
      carried_ = total;
      return;
    }
    mix(carry_ | (bytes << (8 * carried_)));
    carried_ = total - 8;
    // The bytes that did not fit; none when the carry was empty (a shift by 64 is undefined).
    carry_ = carried_ == 0 ? 0 : (bytes >> (8 * (count - carried_))) & low_mask(carried_);
  }

  std::uint64_t value() const {
    std::uint64_t h = acc_ + length_;
    if (carried_ != 0) {
      h ^= round(0, carry_);
      h = std::rotl(h, 27) * prime1 + prime4;
    }
    h ^= h >> 33;
    h *= prime2;
    h ^= h >> 29;
    h *= prime3;
    h ^= h >> 32;
    return h;
  }

  static std::uint64_t load(const char* at) {
    std::uint64_t word = 0;
    std::memcpy(&word, at, 8);
    if constexpr (std::endian::native == std::endian::big) word = __builtin_bswap64(word);
    return word;
  }
  static std::uint64_t low_mask(unsigned bytes) {
    return bytes >= 8 ? ~std::uint64_t{0} : (std::uint64_t{1} << (8 * bytes)) - 1;
  }

 private:
  static constexpr std::uint64_t prime1 = 0x9E3779B185EBCA87ULL;
  static constexpr std::uint64_t prime2 = 0xC2B2AE3D27D4EB4FULL;
  static constexpr std::uint64_t prime3 = 0x165667B19E3779F9ULL;
  static constexpr std::uint64_t prime4 = 0x85EBCA77C2B2AE63ULL;
  static constexpr std::uint64_t prime5 = 0x27D4EB2F165667C5ULL;

  static std::uint64_t round(std::uint64_t acc, std::uint64_t word) {
    acc += word * prime2;
    acc = std::rotl(acc, 31);
    return acc * prime1;
  }
  void mix(std::uint64_t word) {
    acc_ ^= round(0, word);
    acc_ = std::rotl(acc_, 27) * prime1 + prime4;
  }

  std::uint64_t acc_ = prime5;
  std::uint64_t carry_ = 0;  // bytes not yet hashed, the first lowest
  unsigned carried_ = 0;     // how many (0 to 7)
  std::uint64_t length_ = 0;
};

// The hash of one text: the same as a stable_hasher fed the same bytes.
inline std::uint64_t stable_hash(std::string_view text) {
  stable_hasher hasher;
  hasher.update(text);
  return hasher.value();
}

}  // namespace loopscope::normalize
