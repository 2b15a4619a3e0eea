#include <doctest/doctest.h>

#include <string>

#include "loopscope/core/text_lines.hpp"

using loopscope::rest_of_line;
using loopscope::utf8_prefix;

TEST_CASE("utf8_prefix cuts at most `limit` bytes and never inside a character") {
  CHECK(utf8_prefix("short", 10) == "short");
  CHECK(utf8_prefix("exactly", 7) == "exactly");
  CHECK(utf8_prefix("abcdef", 3) == "abc");
  // "é" is two bytes (C3 A9), "€" three (E2 82 AC): a cut between their bytes moves before them.
  const std::string text =
      "ab\xC3\xA9"
      "cd\xE2\x82\xAC"
      "e";
  CHECK(utf8_prefix(text, 2) == "ab");
  CHECK(utf8_prefix(text, 3) == "ab");
  CHECK(utf8_prefix(text, 4) == "ab\xC3\xA9");
  CHECK(utf8_prefix(text, 7) ==
        "ab\xC3\xA9"
        "cd");
  CHECK(utf8_prefix(text, 8) ==
        "ab\xC3\xA9"
        "cd");
  CHECK(utf8_prefix(text, 9) ==
        "ab\xC3\xA9"
        "cd\xE2\x82\xAC");
  // Bytes that are all continuation bytes (invalid UTF-8) leave nothing rather than half a one.
  CHECK(utf8_prefix("\x82\x82\x82\x82", 2).empty());
  CHECK(utf8_prefix("", 0).empty());
}

TEST_CASE("rest_of_line stops at the line's end and drops trailing blanks") {
  CHECK(rest_of_line("key: value  \nnext") == "key: value");
  CHECK(rest_of_line("a\r\nb") == "a");
  CHECK(rest_of_line("abc", 1) == "bc");
  CHECK(rest_of_line("abc", 9).empty());
}
