// mask_text's rules (text_template.hpp) in one pass that writes what they give to `Out`: to a
// buffer for mask_text, to a stable_hasher for a tool output's hash (codex_rollout.cpp), which
// is then stable_hash(mask_text(text)) without the masked text ever being built. Tool outputs
// are the bulk of a rollout, and masking them into a string dominated the whole analysis; a
// proxy's messages are masked for their templates (profiled, both).
//
// Only digits make the rules change a text beyond its whitespace (an id has one, a number is
// one), so the text up to the hex-and-dash run around the next digit goes out as it is, eight
// bytes at a time, with its whitespace collapsed; the rules are applied byte by byte only from
// there, until they are back on a byte no rule can start at.
//
// Out: put(char); put_word(word, count), the low `count` bytes of `word` (0 to 8; the bytes
// above them are zero), first byte lowest; put_text(text); put_padded_text(text), a text followed
// by at least seven more readable bytes.
#pragma once

#include <array>
#include <bit>
#include <cstdint>
#include <cstring>
#include <string_view>

#include "loopscope/normalize/stable_hash.hpp"

// SSE2 is the x86-64 baseline: its sixteen-byte searches need no check. SSSE3's shuffle is
// not, and is chosen at run time (shuffle_available).
#if defined(__SSE2__)
#  include <emmintrin.h>
#endif
#if defined(__x86_64__) && defined(__GNUC__)
#  define LOOPSCOPE_MASKER_SHUFFLE 1
#  include <immintrin.h>
#endif

namespace loopscope::normalize::detail {

#if LOOPSCOPE_MASKER_SHUFFLE
// Whether this CPU has the byte shuffle (SSSE3) and popcnt the sixteen-byte path needs: nearly
// every x86-64 CPU since 2008, but not the x86-64 baseline the build targets.
inline const bool shuffle_available = [] {
  __builtin_cpu_init();
  return __builtin_cpu_supports("ssse3") && __builtin_cpu_supports("popcnt");
}();
// Whether it has AVX-512's byte compress (VBMI2, Ice Lake and later, Zen 4): the sixty-four-byte
// path. libgcc's check includes the operating system's support for the AVX-512 registers.
inline const bool compress_available = [] {
  __builtin_cpu_init();
  return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
         __builtin_cpu_supports("avx512vbmi2") && __builtin_cpu_supports("popcnt");
}();

// For each set of bytes to keep out of eight (bit i: byte i), the shuffle control that gathers
// them to the front in order; 0x80 (a zero byte) after them.
inline constexpr std::array<std::uint64_t, 256> gather_controls = [] {
  std::array<std::uint64_t, 256> table{};
  for (unsigned keep = 0; keep < 256; ++keep) {
    std::uint64_t control = 0;
    unsigned out = 0;
    for (unsigned i = 0; i < 8; ++i) {
      if ((keep >> i) & 1U) control |= std::uint64_t{i} << (8 * out++);
    }
    for (; out < 8; ++out) control |= std::uint64_t{0x80} << (8 * out);
    table[keep] = control;
  }
  return table;
}();
#endif

// Words are read as the hasher reads them (first byte lowest), whatever the output.
using word_reader = stable_hasher;

// Eight bytes at a time: a byte of value b in every byte of a word is ones * b.
inline constexpr std::uint64_t ones = 0x0101010101010101ULL;
// 0x80 in each byte of `word` that is zero, nothing elsewhere (exact: no false positives).
inline std::uint64_t zero_bytes(std::uint64_t word) {
  constexpr std::uint64_t low7 = ones * 0x7F;
  return ~(((word & low7) + low7) | word | low7);
}

// Which loop takes the text between tokens: the fastest this CPU has, the sixteen-byte one (SSSE3,
// when the CPU has it), or the portable one, so that tests can hold them to the same output on a
// machine that has them all.
enum class verbatim_path { fastest, sixteen_bytes, portable };

template <typename Out>
class text_masker {
 public:
  explicit text_masker(Out& out, verbatim_path path = verbatim_path::fastest)
      : out_(out), path_(path) {}

  // A segment followed by whitespace (a line, or the whole text): no token runs across its ends.
  // Whitespace at the start and at the end of what was fed goes nowhere. Deciding the rules at
  // every byte mispredicted a branch per byte (profiled).
  void feed_line(std::string_view text) {
    const std::size_t n = text.size();
    std::size_t at = 0;
    while (at < n) {
      const std::size_t next_digit = find_digit(text, at);
      if (next_digit == n) {
        feed_verbatim(text.substr(at));
        break;
      }
      std::size_t start = next_digit;  // where mask_text's own decision about this digit begins
      while (start > at && (is_hex(text[start - 1]) || text[start - 1] == '-')) --start;
      feed_verbatim(text.substr(at, start - at));
      at = feed_masked(text, start);
    }
    space_pending_ = emitted_;  // the whitespace that ends the segment
  }

 private:
  // mask_text's rules from `i`, back to the caller at the first byte after `i` that is
  // whitespace or plain: from there on the text is copied until the next hex run (it starts none
  // of the rules, and no rule in progress runs across it).
  std::size_t feed_masked(std::string_view text, std::size_t i) {
    const std::size_t n = text.size();
    const std::size_t first = i;
    while (i < n) {
      const char c = text[i];
      if (i > first && (is_space(c) || is_plain(c))) return i;
      if (is_space(c)) {
        while (i < n && is_space(text[i])) ++i;
        space_pending_ = emitted_;
        continue;
      }
      if (is_hex(c) && (i == 0 || !is_hex(text[i - 1]))) {
        // A token of hex digits and dashes (uuid, request id, hash) with at least one digit.
        std::size_t end = i;
        bool has_digit = false;
        std::size_t hex_chars = 0;
        while (end < n && (is_hex(text[end]) || text[end] == '-')) {
          has_digit = has_digit || is_digit(text[end]);
          hex_chars += text[end] == '-' ? 0 : 1;
          ++end;
        }
        const bool word_boundary =
            end == n || !((text[end] >= 'g' && text[end] <= 'z') ||
                          (text[end] >= 'G' && text[end] <= 'Z') || text[end] == '_');
        if (has_digit && hex_chars >= 8 && word_boundary) {
          emit("<id>");
          i = end;
          continue;
        }
      }
      if (is_digit(c)) {
        while (i < n &&
               (is_digit(text[i]) || (text[i] == '.' && i + 1 < n && is_digit(text[i + 1])))) {
          ++i;
        }
        emit("<n>");
        continue;
      }
      // Plain characters up to the next one that needs a decision, hashed in one go.
      std::size_t end = i + 1;
      while (end < n && is_plain(text[end])) ++end;
      emit(text.substr(i, end - i));
      i = end;
    }
    return n;
  }

  // Text in which no rule applies: whitespace runs become one space (none at the start), the rest
  // goes out as it is. Eight bytes at a time: a word whose whitespace bytes stand alone is what
  // mask_text would write with each of them a space (but for one at its end, which waits to see
  // what follows) and goes out whole; so does a word with one run of whitespace (a line's end
  // and the next one's indentation). Only the other words are taken a byte at a time.
  void feed_verbatim(std::string_view text) {
#if LOOPSCOPE_MASKER_SHUFFLE
    if (compress_available && path_ == verbatim_path::fastest) {
      feed_verbatim_compressed(text);
      return;
    }
    if (shuffle_available && path_ != verbatim_path::portable) {
      feed_verbatim_shuffled(text);
      return;
    }
#endif
    feed_verbatim_by_words(text);
  }

#if LOOPSCOPE_MASKER_SHUFFLE
  // feed_verbatim sixteen bytes per step without a branch on what the bytes are: which bytes are
  // written is a mask (each byte that is not a blank, and the last blank of each run that
  // something was written before), the blanks are made spaces, and a shuffle gathers the kept
  // bytes into a buffer that goes out whole. The word-at-a-time loop below mispredicted a branch
  // every few words on indented text such as source code, the bulk of tool outputs, and handing
  // each word on by itself kept the hasher's state in memory (profiled).
  __attribute__((target("ssse3,popcnt"))) void feed_verbatim_shuffled(std::string_view text) {
    gathered_bytes gathered(emitted_, space_pending_);
    const char* at = text.data();
    std::size_t left = text.size();
    for (; left >= 16; left -= 16, at += 16) {
      gathered.add(_mm_loadu_si128(reinterpret_cast<const __m128i*>(at)), 16);
      if (gathered.size > gathered_bytes::flush_at) gathered.flush_to(out_);
    }
    if (left != 0) {
      alignas(16) char tail[16] = {};
      std::memcpy(tail, at, left);
      gathered.add(_mm_load_si128(reinterpret_cast<const __m128i*>(tail)),
                   static_cast<unsigned>(left));
    }
    gathered.flush_to(out_);
    emitted_ = gathered.emitted;
    space_pending_ = gathered.space_pending;
  }

  // feed_verbatim_shuffled's steps sixty-four bytes at a time, the kept bytes gathered by AVX-512's
  // byte compress instead of a shuffle per eight: the same masks, as 64-bit integers. Most of a
  // rollout's reading thread was the sixteen-byte loop (profiled: a third of its instructions were
  // tool outputs' masks and hashes).
  __attribute__((target("avx512f,avx512bw,avx512vbmi2,popcnt"))) void feed_verbatim_compressed(
      std::string_view text) {
    gathered_bytes gathered(emitted_, space_pending_);
    const char* at = text.data();
    std::size_t left = text.size();
    for (; left >= 64; left -= 64, at += 64) {
      gathered.add_wide(at, 64);
      if (gathered.size > gathered_bytes::flush_at) gathered.flush_to(out_);
    }
    if (left != 0) gathered.add_wide(at, static_cast<unsigned>(left));
    gathered.flush_to(out_);
    emitted_ = gathered.emitted;
    space_pending_ = gathered.space_pending;
  }

  // What feed_verbatim_shuffled and feed_verbatim_compressed write, in their order, and the
  // masker's state as it goes.
  struct gathered_bytes {
    static constexpr std::size_t flush_at = 256;
    gathered_bytes(bool emitted_before, bool space_pending_before)
        : emitted(emitted_before), space_pending(space_pending_before) {}
    bool emitted;
    bool space_pending;
    std::size_t size = 0;
    // Room for a space and a block's sixty-four bytes past flush_at, for the stores, which write
    // past what counts, and for put_padded_text's reads past the end.
    char bytes[flush_at + 80];

    // Which of a block's first `count` bytes are written, from which of them are blanks (bit i:
    // byte i), and the state after them; 0 when they are all blanks. A run's last blank stands for
    // the run when a byte follows it in the block; the block's last blank waits (space_pending)
    // to see what follows; a pending space before the block goes into `bytes` here.
    std::uint64_t keep_of(std::uint64_t blank, std::uint64_t valid, unsigned count) {
      const std::uint64_t plain = ~blank & valid;
      if (plain == 0) {
        space_pending = emitted;
        return 0;
      }
      const unsigned first = static_cast<unsigned>(std::countr_zero(plain));
      std::uint64_t keep = plain | (blank & (plain >> 1));
      if (!emitted) keep &= ~((std::uint64_t{1} << first) - 1);  // blanks before anything written
      bytes[size] = ' ';
      size += (first == 0 && space_pending) ? 1 : 0;
      space_pending = ((blank >> (count - 1)) & 1U) != 0;
      emitted = true;
      return keep;
    }

    // The first `count` bytes at `from` (1 to 64), as feed_bytes would take them; the bytes past
    // them are not read (a masked load does not fault on them).
    __attribute__((target("avx512f,avx512bw,avx512vbmi2,popcnt"))) void add_wide(const char* from,
                                                                                 unsigned count) {
      const std::uint64_t valid = count == 64 ? ~std::uint64_t{0} : (std::uint64_t{1} << count) - 1;
      const __m512i block = _mm512_maskz_loadu_epi8(valid, from);
      const std::uint64_t blank = (_mm512_cmpeq_epi8_mask(block, _mm512_set1_epi8(' ')) |
                                   _mm512_cmpeq_epi8_mask(block, _mm512_set1_epi8('\n')) |
                                   _mm512_cmpeq_epi8_mask(block, _mm512_set1_epi8('\t')) |
                                   _mm512_cmpeq_epi8_mask(block, _mm512_set1_epi8('\r'))) &
                                  valid;
      const std::uint64_t keep = keep_of(blank, valid, count);
      if (keep == 0) return;
      const __m512i spaced = _mm512_mask_mov_epi8(block, blank, _mm512_set1_epi8(' '));
      _mm512_storeu_si512(bytes + size, _mm512_maskz_compress_epi8(keep, spaced));
      size += static_cast<std::size_t>(std::popcount(keep));
    }

    // The first `count` bytes of `block` (1 to 16), as feed_bytes would take them.
    __attribute__((target("ssse3,popcnt"))) void add(__m128i block, unsigned count) {
      const __m128i blank_lanes =
          _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(block, _mm_set1_epi8(' ')),
                                    _mm_cmpeq_epi8(block, _mm_set1_epi8('\n'))),
                       _mm_or_si128(_mm_cmpeq_epi8(block, _mm_set1_epi8('\t')),
                                    _mm_cmpeq_epi8(block, _mm_set1_epi8('\r'))));
      const unsigned valid = count == 16 ? 0xFFFFU : (1U << count) - 1;
      const unsigned blank = static_cast<unsigned>(_mm_movemask_epi8(blank_lanes)) & valid;
      const auto keep = static_cast<unsigned>(keep_of(blank, valid, count));
      if (keep == 0) return;
      const __m128i spaced = _mm_or_si128(_mm_andnot_si128(blank_lanes, block),
                                          _mm_and_si128(blank_lanes, _mm_set1_epi8(' ')));
      const auto low_control = static_cast<long long>(gather_controls[keep & 0xFFU]);
      const auto high_control =
          static_cast<long long>(gather_controls[keep >> 8] + ones * 8);  // 0x80 stays above
      const __m128i kept = _mm_shuffle_epi8(spaced, _mm_set_epi64x(high_control, low_control));
      _mm_storel_epi64(reinterpret_cast<__m128i*>(bytes + size), kept);
      size += static_cast<unsigned>(std::popcount(keep & 0xFFU));
      _mm_storel_epi64(reinterpret_cast<__m128i*>(bytes + size), _mm_unpackhi_epi64(kept, kept));
      size += static_cast<unsigned>(std::popcount(keep >> 8));
    }

    void flush_to(Out& out) {
      if (size != 0) out.put_padded_text(std::string_view(bytes, size));
      size = 0;
    }
  };
#endif

  void feed_verbatim_by_words(std::string_view text) {
    const char* at = text.data();
    std::size_t left = text.size();
    for (; left >= 8; left -= 8, at += 8) {
      const std::uint64_t word = word_reader::load(at);
      const std::uint64_t blanks =
          zero_bytes(word ^ (ones * ' ')) | zero_bytes(word ^ (ones * '\n')) |
          zero_bytes(word ^ (ones * '\t')) | zero_bytes(word ^ (ones * '\r'));
      const bool starts_blank = (blanks & 0x80) != 0;
      // A blank in front is written (as a space) only right after a written byte.
      const bool plain_word =
          (blanks & (blanks << 8)) == 0 && !(starts_blank && (space_pending_ || !emitted_));
      if (!plain_word) {
        if (feed_one_blank_run(word, blanks)) continue;
        feed_bytes(at, 8);
        continue;
      }
      if (space_pending_) out_.put(' ');
      const std::uint64_t blank_bytes = (blanks >> 7) * 0xFF;  // 0xFF where a blank is
      const std::uint64_t written = (word & ~blank_bytes) | (blank_bytes & (ones * ' '));
      const bool ends_blank = (blanks >> 63) != 0;
      if (ends_blank) {
        out_.put_word(written & word_reader::low_mask(7), 7);
      } else {
        out_.put_word(written, 8);
      }
      space_pending_ = ends_blank;
      emitted_ = true;
    }
    feed_bytes(at, left);
  }

  // A word with one run of blanks in it (at its start, its end, or between other bytes), as
  // indentation and line ends are: false when it is not such a word.
  bool feed_one_blank_run(std::uint64_t word, std::uint64_t blanks) {
    if (blanks == 0) return false;
    const unsigned first = static_cast<unsigned>(std::countr_zero(blanks)) / 8;
    const std::uint64_t from_first = blanks >> (8 * first);
    const unsigned run = static_cast<unsigned>(std::countr_zero(~from_first & (ones * 0x80))) / 8;
    const unsigned end = first + run;
    if (end < 8 && (blanks >> (8 * end)) != 0) return false;  // a second run
    if (first > 0) put_plain(word & word_reader::low_mask(first), first);
    space_pending_ = emitted_;
    if (end < 8) put_plain(word >> (8 * end), 8 - end);
    return true;
  }
  // Bytes that are not blanks, after the space a blank before them left.
  void put_plain(std::uint64_t bytes, unsigned count) {
    if (space_pending_) out_.put(' ');
    out_.put_word(bytes, count);
    space_pending_ = false;
    emitted_ = true;
  }

  // Up to eight bytes one at a time, their output gathered in a word and hashed at once.
  void feed_bytes(const char* at, std::size_t count) {
    std::uint64_t out = 0;
    unsigned written = 0;
    const auto write = [&](char c) {
      if (written == 8) {  // a pending space in front of eight written bytes
        out_.put_word(out, 8);
        out = 0;
        written = 0;
      }
      out |= std::uint64_t{static_cast<unsigned char>(c)} << (8 * written);
      ++written;
    };
    for (std::size_t j = 0; j < count; ++j) {
      const char c = at[j];
      if (is_space(c)) {
        space_pending_ = emitted_;
        continue;
      }
      if (space_pending_) write(' ');
      write(c);
      space_pending_ = false;
      emitted_ = true;
    }
    if (written != 0) out_.put_word(out, written);
  }

  // The first ASCII digit at or after `from`, or the text's size: sixteen bytes per step with SSE2,
  // else eight.
  static std::size_t find_digit(std::string_view text, std::size_t from) {
    std::size_t at = from;
#if defined(__SSE2__)
    // Sixteen at a time with SSE2 (the x86-64 baseline); a signed compare leaves bytes of 0x80
    // and more out, as they are negative.
    for (; at + 16 <= text.size(); at += 16) {
      const __m128i block = _mm_loadu_si128(reinterpret_cast<const __m128i*>(text.data() + at));
      const __m128i digit_lanes = _mm_and_si128(_mm_cmpgt_epi8(block, _mm_set1_epi8('0' - 1)),
                                                _mm_cmplt_epi8(block, _mm_set1_epi8('9' + 1)));
      const int digits = _mm_movemask_epi8(digit_lanes);
      if (digits != 0)
        return at + static_cast<std::size_t>(std::countr_zero(static_cast<unsigned>(digits)));
    }
#endif
    for (; at + 8 <= text.size(); at += 8) {
      const std::uint64_t word = word_reader::load(text.data() + at);
      const std::uint64_t low = word & (ones * 0x7F);  // no carry out of a byte below
      const std::uint64_t from_0 = (low + ones * (0x80 - '0')) & (ones * 0x80);
      const std::uint64_t past_9 = (low + ones * (0x80 - '9' - 1)) & (ones * 0x80);
      const std::uint64_t digits = from_0 & ~past_9 & ~word;  // and not a byte of 0x80 or more
      if (digits != 0) return at + static_cast<std::size_t>(std::countr_zero(digits)) / 8;
    }
    while (at < text.size() && !is_digit(text[at])) ++at;
    return at;
  }

  // Character classes by table: the per-byte tests are the inner loop.
  enum : unsigned char { digit = 1, hex = 2, space = 4 };
  static constexpr std::array<unsigned char, 256> classes = [] {
    std::array<unsigned char, 256> table{};
    for (int c = '0'; c <= '9'; ++c) table[c] = digit | hex;
    for (int c = 'a'; c <= 'f'; ++c) table[c] = hex;
    for (int c = 'A'; c <= 'F'; ++c) table[c] = hex;
    for (const char c : {' ', '\t', '\n', '\r'}) table[static_cast<unsigned char>(c)] = space;
    return table;
  }();
  static unsigned char class_of(char c) {
    return classes[static_cast<unsigned char>(c)];
  }
  static bool is_digit(char c) {
    return (class_of(c) & digit) != 0;
  }
  static bool is_hex(char c) {
    return (class_of(c) & hex) != 0;
  }
  static bool is_space(char c) {
    return (class_of(c) & space) != 0;
  }
  // Neither whitespace nor hex: taken as it is, and it cannot start a token.
  static bool is_plain(char c) {
    return class_of(c) == 0;
  }

  void emit(std::string_view piece) {
    if (space_pending_) out_.put(' ');
    space_pending_ = false;
    emitted_ = true;
    out_.put_text(piece);
  }

  Out& out_;
  verbatim_path path_;
  bool emitted_ = false;
  bool space_pending_ = false;
};

}  // namespace loopscope::normalize::detail
