// The bounded hand-over between two threads: items arrive in order and all of them, the
// producer never holds more than its capacity waiting, and a consumer that gives up releases a
// producer that waits for room.
#include <doctest/doctest.h>

#include <atomic>
#include <thread>
#include <vector>

#include "loopscope/core/handover.hpp"

TEST_CASE("a hand-over delivers every item in order, then nothing once closed") {
  loopscope::handover<int> queue(3);
  std::atomic<std::size_t> most_waiting{0};
  std::atomic<int> put{0};
  std::atomic<int> taken{0};
  std::thread producer([&] {
    for (int i = 0; i < 20'000; ++i) {
      REQUIRE(queue.put(int{i}));
      const int waiting = ++put - taken.load();
      if (waiting > 0 && static_cast<std::size_t>(waiting) > most_waiting) most_waiting = waiting;
    }
    queue.close();
  });
  std::vector<int> got;
  while (std::optional<int> next = queue.take()) {
    got.push_back(*next);
    ++taken;
  }
  producer.join();
  REQUIRE(got.size() == 20'000);
  for (int i = 0; i < 20'000; ++i) CHECK(got[static_cast<std::size_t>(i)] == i);
  // At most the capacity waits, and the one the consumer had taken but not yet counted.
  CHECK(most_waiting.load() <= 4);
  CHECK_FALSE(queue.take().has_value());
}

TEST_CASE("a consumer that gives up releases a producer waiting for room") {
  loopscope::handover<int> queue(2);
  std::atomic<int> accepted{0};
  std::atomic<bool> refused{false};
  std::thread producer([&] {
    for (int i = 0;; ++i) {
      if (!queue.put(int{i})) {
        refused = true;
        break;
      }
      ++accepted;
    }
    queue.close();
  });
  REQUIRE(queue.take().has_value());  // the producer runs; then it fills the queue and waits
  CHECK_FALSE(queue.given_up());
  queue.give_up();
  producer.join();  // would hang if the waiting put were not released
  CHECK(refused.load());
  CHECK(queue.given_up());
  CHECK(accepted.load() <= 3);
}

TEST_CASE("a hand-over tells how many items wait to be taken") {
  loopscope::handover<int> queue(4);
  CHECK(queue.waiting() == 0);
  REQUIRE(queue.put(1));
  REQUIRE(queue.put(2));
  CHECK(queue.waiting() == 2);
  CHECK(queue.take() == 1);
  CHECK(queue.waiting() == 1);
  queue.close();
  CHECK(queue.take() == 2);
  CHECK(queue.waiting() == 0);
  CHECK_FALSE(queue.take().has_value());
}

TEST_CASE("spare items come back to be used again, last given first, else new") {
  loopscope::spare_items<std::vector<int>> spare;
  CHECK(spare.take().empty());  // none given back: a new one
  std::vector<int> used;
  used.reserve(100);
  const int* buffer = used.data();
  spare.give_back(std::move(used));
  const std::vector<int> again = spare.take();
  CHECK(again.data() == buffer);  // the same buffer, its capacity kept
  CHECK(again.capacity() >= 100);
  CHECK(spare.take().capacity() == 0);
}
