// stable_hasher: the value depends on the bytes only, never on how they were handed over.
#include <doctest/doctest.h>

#include <string>

#include "loopscope/normalize/stable_hash.hpp"

using loopscope::normalize::stable_hash;
using loopscope::normalize::stable_hasher;

TEST_CASE("stable_hasher: any split of a text gives the text's hash") {
  std::string text;
  for (int i = 0; i < 70; ++i) text.push_back(static_cast<char>('!' + (i * 7) % 90));
  for (std::size_t length = 0; length <= text.size(); ++length) {
    const std::string_view whole = std::string_view(text).substr(0, length);
    const std::uint64_t expected = stable_hash(whole);
    for (std::size_t cut = 0; cut <= length; ++cut) {
      stable_hasher two_pieces;
      two_pieces.update(whole.substr(0, cut));
      two_pieces.update(whole.substr(cut));
      CHECK(two_pieces.value() == expected);
      // The same pieces read a word at a time past their ends (the text goes on beyond them).
      stable_hasher padded;
      padded.update_padded(whole.substr(0, cut));
      padded.update_padded(whole.substr(cut));
      if (length + 8 <= text.size()) CHECK(padded.value() == expected);
    }
    stable_hasher bytes;
    for (const char c : whole) bytes.put(c);
    CHECK(bytes.value() == expected);
    // Words handed over as integers, as the masking loop does, after an odd carry.
    if (length >= 11) {
      stable_hasher words;
      words.update(whole.substr(0, 3));
      words.put_low_bytes(stable_hasher::load(whole.data() + 3), 8);
      words.update(whole.substr(11));
      CHECK(words.value() == expected);
    }
  }
}

TEST_CASE("stable_hasher: length and content both count") {
  CHECK(stable_hash("") != stable_hash(std::string(1, '\0')));
  CHECK(stable_hash(std::string(1, '\0')) != stable_hash(std::string(2, '\0')));
  CHECK(stable_hash("abcdefgh") != stable_hash("abcdefgi"));
  CHECK(stable_hash("abcdefgh") != stable_hash("bacdefgh"));
  CHECK(stable_hash("tool_call shell") == stable_hash("tool_call shell"));
}

// The values appear in reports: they must not change from one build, run or platform to the next.
// The empty text's value is XXH64("", seed 0), whose round and avalanche this uses.
TEST_CASE("stable_hasher: fixed values") {
  CHECK(stable_hash("") == 0xef46db3751d8e999ULL);
  CHECK(stable_hash("hello, world") == 0x10cb81f12d636d9cULL);
  CHECK(stable_hash("tool_call shell args") == 0x81956e43525c499cULL);
}
