// shared_text: one pointer, shared on copy, reads like a std::string_view.
#include <doctest/doctest.h>
#include <fmt/format.h>

#include <map>
#include <sstream>
#include <string>
#include <thread>
#include <unordered_set>
#include <vector>

#include "loopscope/core/shared_text.hpp"

using loopscope::shared_text;

TEST_CASE("shared_text: holds its text, empty holds nothing") {
  const shared_text none;
  CHECK(none.empty());
  CHECK(none.size() == 0);
  CHECK(none == "");
  CHECK(none.view().empty());
  CHECK(shared_text("").empty());
  CHECK(shared_text(std::string()).empty());

  const shared_text id("019da0dd-c54e-7a52-9d8f-9d39ae6c8ac6");
  CHECK_FALSE(id.empty());
  CHECK(id.size() == 36);
  CHECK(id == "019da0dd-c54e-7a52-9d8f-9d39ae6c8ac6");
  CHECK(id == std::string("019da0dd-c54e-7a52-9d8f-9d39ae6c8ac6"));
  CHECK(std::string("019da0dd-c54e-7a52-9d8f-9d39ae6c8ac6") == id);  // reversed
  CHECK(id.starts_with("019da0dd"));
  CHECK(id.substr(0, 8) == "019da0dd");
  CHECK(id.find('-') == 8);
  CHECK(id != shared_text("019da0dd"));
  CHECK(sizeof(shared_text) == sizeof(void*));
}

TEST_CASE("shared_text: a copy shares, a move empties, assignment replaces") {
  shared_text a("gpt-5-codex");
  shared_text b = a;
  CHECK(b.data() == a.data());  // the same block
  CHECK(b == a);
  shared_text c = std::move(b);
  CHECK(b.empty());  // NOLINT(bugprone-use-after-move): a moved-from text is empty, by design
  CHECK(c.data() == a.data());
  c = "o3";
  CHECK(c == "o3");
  CHECK(a == "gpt-5-codex");
  // Assigning the text it holds keeps the block: a normalizer's running ids stay shared.
  const char* before = a.data();
  a = std::string_view("gpt-5-codex");
  CHECK(a.data() == before);
  a = a;  // NOLINT: self-assignment is safe
  CHECK(a == "gpt-5-codex");
  a.clear();
  CHECK(a.empty());
}

TEST_CASE("shared_text: joined, conversions, formatting, ordering and hashing") {
  const shared_text excerpt = shared_text::joined("abc", "…");
  CHECK(excerpt == "abc…");
  CHECK(shared_text::joined("", "").empty());
  const std::string copy = excerpt;
  CHECK(copy == "abc…");
  CHECK(fmt::format("[{}]", excerpt) == "[abc…]");
  std::ostringstream out;
  out << excerpt;
  CHECK(out.str() == "abc…");
  std::string line = "x=";
  line += excerpt;
  CHECK(line == "x=abc…");
  CHECK(shared_text("a") < shared_text("b"));
  CHECK(shared_text("b") > std::string_view("a"));
  std::map<shared_text, int> ordered{{"b", 2}, {"a", 1}};
  CHECK(ordered.begin()->first == "a");
  std::unordered_set<shared_text> seen{"x", "y", "x"};
  CHECK(seen.size() == 2);
}

TEST_CASE("shared_text: copies released on other threads free the block once") {
  // Under AddressSanitizer a double free or a leak here fails the run.
  const shared_text origin("shared across threads");
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([origin] {
      std::vector<shared_text> copies(1000, origin);
      for (const shared_text& copy : copies) CHECK(copy.data() == origin.data());
    });
  }
  for (std::thread& thread : threads) thread.join();
  CHECK(origin == "shared across threads");
}
