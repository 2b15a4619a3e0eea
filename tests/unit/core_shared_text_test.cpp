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

namespace {

// Takes every block this thread's pools keep for texts of `bytes`, the ones released elsewhere
// included: the next text of that size is new memory. The blocks taken are held by the result.
std::vector<shared_text> drain_pool(std::size_t bytes) {
  std::vector<shared_text> held;
  do {
    held.emplace_back(std::string(bytes, '-'));
  } while (loopscope::text_pools::kept_by_this_thread(bytes) > 0);
  return held;
}

std::unordered_set<const char*> addresses_of(const std::vector<shared_text>& texts) {
  std::unordered_set<const char*> addresses;
  for (const shared_text& text : texts) addresses.insert(text.data());
  return addresses;
}

std::vector<shared_text> make_texts(std::size_t count, std::size_t bytes, char fill) {
  std::vector<shared_text> made;
  for (std::size_t i = 0; i < count; ++i) made.emplace_back(std::string(bytes, fill));
  return made;
}

void release_on_another_thread(std::vector<shared_text>&& texts) {
  std::thread releasing([held = std::move(texts)]() mutable { held.clear(); });
  releasing.join();
}

}  // namespace

TEST_CASE("shared_text: a block released on another thread goes back to the thread that made it") {
  if (!loopscope::text_pools::enabled()) return;  // AddressSanitizer: the allocator's blocks
  // A short id and an excerpt: both sizes are pooled.
  for (const std::size_t bytes : {std::size_t{36}, std::size_t{400}}) {
    CAPTURE(bytes);
    const std::vector<shared_text> held = drain_pool(bytes);
    std::vector<shared_text> first = make_texts(1000, bytes, 'a');
    const auto first_addresses = addresses_of(first);
    release_on_another_thread(std::move(first));
    // Made again: the same blocks, handed back by the other thread, and no new memory.
    std::vector<shared_text> second = make_texts(1000, bytes, 'b');
    CHECK(addresses_of(second) == first_addresses);
    // Released on the thread that made them: kept for its next texts, up to 256 KiB a size.
    second.clear();
    CHECK(loopscope::text_pools::kept_by_this_thread(bytes) >= 500);
    release_on_another_thread(make_texts(5000, bytes, 'c'));  // handed back, then taken below
    make_texts(5000, bytes, 'd');                             // released here: kept, bounded
    CHECK(loopscope::text_pools::kept_by_this_thread(bytes) * shared_text::block_bytes(bytes) <=
          std::size_t{256} << 10);
  }
  // A large text is the allocator's, not kept.
  const std::size_t kept = loopscope::text_pools::kept_by_this_thread(4096);
  { const shared_text large(std::string(4096, 'z')); }
  CHECK(loopscope::text_pools::kept_by_this_thread(4096) == kept);
}

TEST_CASE("shared_text: the pools of a thread that ended are taken over by the next one") {
  if (!loopscope::text_pools::enabled()) return;
  std::vector<shared_text> held;
  std::vector<shared_text> made;
  std::thread first([&] {
    held = drain_pool(200);
    made = make_texts(500, 200, 'q');
  });
  first.join();
  const auto made_by_first = addresses_of(made);
  made.clear();  // released after their thread ended: back to its pools all the same
  std::unordered_set<const char*> made_by_second;
  std::thread second([&] { made_by_second = addresses_of(make_texts(500, 200, 'r')); });
  second.join();
  CHECK(made_by_first == made_by_second);
}
