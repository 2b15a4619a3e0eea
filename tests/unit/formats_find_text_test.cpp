// find_text (the catalogue extractors' key search) must give std::string_view::find's answer for
// every text, needle and starting place: drawn at random from a small alphabet, so that first and
// last bytes repeat and partial matches are common.
#include <doctest/doctest.h>

#include <random>
#include <string>

#include "formats/catalogue_extractors.hpp"

using loopscope::formats::detail::find_text;

TEST_CASE("find_text answers as std::string_view::find") {
  std::mt19937 random(20261202);
  const std::string alphabet = "ab'_:";
  const auto draw = [&](std::size_t length) {
    std::string text;
    for (std::size_t i = 0; i < length; ++i) text += alphabet[random() % alphabet.size()];
    return text;
  };
  for (int round = 0; round < 20000; ++round) {
    const std::string text = draw(random() % 40);
    const std::string needle = draw(random() % 5);
    const std::size_t from = random() % (text.size() + 3);
    CAPTURE(text);
    CAPTURE(needle);
    CAPTURE(from);
    REQUIRE(find_text(text, needle, from) == std::string_view(text).find(needle, from));
  }
  CHECK(find_text("'session_id': 'x', 'session_id'", "session_id", 2) == 20);
  CHECK(find_text("abc", "", 3) == 3);
  CHECK(find_text("abc", "", 4) == std::string_view::npos);
}
