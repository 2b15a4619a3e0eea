// mask_text decides most bytes by a class table; its rules are the byte-by-byte ones below (the
// templates are in reports and signatures, so they must not change).
#include <doctest/doctest.h>

#include <random>
#include <string>
#include <vector>

#include "loopscope/normalize/stable_hash.hpp"
#include "loopscope/normalize/text_template.hpp"
#include "normalize/text_masker.hpp"

namespace {

bool digit(char c) {
  return c >= '0' && c <= '9';
}
bool hex(char c) {
  return digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}
bool space(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

// The rules one byte at a time.
std::string reference_mask(std::string_view text) {
  std::string out;
  std::size_t i = 0;
  while (i < text.size()) {
    const char c = text[i];
    if (space(c)) {
      while (i < text.size() && space(text[i])) ++i;
      if (!out.empty()) out.push_back(' ');
      continue;
    }
    if (hex(c) && (i == 0 || !hex(text[i - 1]))) {
      std::size_t end = i;
      bool has_digit = false;
      std::size_t hex_chars = 0;
      while (end < text.size() && (hex(text[end]) || text[end] == '-')) {
        has_digit = has_digit || digit(text[end]);
        hex_chars += text[end] == '-' ? 0 : 1;
        ++end;
      }
      const bool boundary =
          end == text.size() || !((text[end] >= 'g' && text[end] <= 'z') ||
                                  (text[end] >= 'G' && text[end] <= 'Z') || text[end] == '_');
      if (has_digit && hex_chars >= 8 && boundary) {
        out += "<id>";
        i = end;
        continue;
      }
    }
    if (digit(c)) {
      while (i < text.size() &&
             (digit(text[i]) || (text[i] == '.' && i + 1 < text.size() && digit(text[i + 1])))) {
        ++i;
      }
      out += "<n>";
      continue;
    }
    out.push_back(c);
    ++i;
  }
  while (!out.empty() && out.back() == ' ') out.pop_back();
  return out;
}

}  // namespace

TEST_CASE("mask_text follows the byte-by-byte rules on texts made of their edge cases") {
  // Digits, hex letters, dashes, letters that end or continue a token, spaces, dots, bytes >= 0x80.
  // A control byte too, and texts long enough for the eight-byte steps between digits.
  const std::string alphabet = "0123456789abcdefABCDEFgzGZ_-. \t\n\r:/x\xC3\xA9\x01";
  std::mt19937 random(7);
  for (int n = 0; n < 20000; ++n) {
    std::string text(random() % 100, ' ');
    for (char& c : text) c = alphabet[random() % alphabet.size()];
    // Runs of letters between the decisions, as in real messages.
    if (n % 2 == 0)
      text.insert(random() % (text.size() + 1), "connection reset by peer, retrying ");
    CAPTURE(text);
    REQUIRE(loopscope::normalize::mask_text(text) == reference_mask(text));
  }
  for (const char* text : {"", " ", "1", "a1b2c3d4", "a1b2c3d4e", "deadbeef1_x", "v1.2.3-rc4",
                           "01a224d7-c175-7291-88ff-e1272f32c037", "999999999999999999999999"}) {
    CAPTURE(text);
    CHECK(loopscope::normalize::mask_text(text) == reference_mask(text));
  }
}

namespace {

// What a text_masker writes, as a string.
struct string_out {
  std::string text;
  void put(char c) { text.push_back(c); }
  void put_word(std::uint64_t word, unsigned count) {
    for (unsigned i = 0; i < count; ++i) text.push_back(static_cast<char>(word >> (8 * i)));
  }
  void put_text(std::string_view piece) { text.append(piece); }
  void put_padded_text(std::string_view piece) { text.append(piece); }
};

// What a text_masker writes, hashed as it comes.
struct hash_out {
  loopscope::normalize::stable_hasher hasher;
  void put(char c) { hasher.put(c); }
  void put_word(std::uint64_t word, unsigned count) { hasher.put_low_bytes(word, count); }
  void put_text(std::string_view piece) { hasher.update(piece); }
  void put_padded_text(std::string_view piece) { hasher.update_padded(piece); }
};

template <typename Out>
Out masked_in_segments(const std::vector<std::string>& segments,
                       loopscope::normalize::detail::verbatim_path path) {
  Out out;
  loopscope::normalize::detail::text_masker<Out> masker(out, path);
  for (const std::string& segment : segments) masker.feed_line(segment);
  return out;
}

}  // namespace

TEST_CASE(
    "the sixty-four-byte, sixteen-byte and word-at-a-time loops write the same text and hash") {
  // Source code is what tool outputs mostly hold: runs of indentation, single spaces, line ends,
  // few digits; texts from empty to a few blocks long (every fourth past a buffer's flush at 256
  // bytes), fed whole or in segments. On a CPU without AVX-512 or SSSE3 the fastest loop is one
  // of the others, and the test compares it with itself.
  using loopscope::normalize::detail::verbatim_path;
  const std::string alphabet =
      "abcxyz{}();=_ \t\n\r\n      \xC3\xA9\x01"
      "0";
  std::mt19937 random(11);
  for (int n = 0; n < 20000; ++n) {
    std::vector<std::string> segments(1 + random() % 3);
    std::string whole;
    for (std::string& segment : segments) {
      segment.assign(random() % (n % 4 == 0 ? 700 : 70), ' ');
      for (char& c : segment) c = alphabet[random() % alphabet.size()];
      whole += segment + " ";
    }
    CAPTURE(whole);
    const auto fastest = masked_in_segments<string_out>(segments, verbatim_path::fastest);
    REQUIRE(fastest.text == reference_mask(whole));
    for (const verbatim_path path :
         {verbatim_path::fastest, verbatim_path::sixteen_bytes, verbatim_path::portable}) {
      CAPTURE(static_cast<int>(path));
      REQUIRE(masked_in_segments<string_out>(segments, path).text == fastest.text);
      REQUIRE(masked_in_segments<hash_out>(segments, path).hasher.value() ==
              loopscope::normalize::stable_hash(fastest.text));
    }
  }
}
