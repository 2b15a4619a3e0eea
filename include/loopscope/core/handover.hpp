// A bounded hand-over between one producing thread and one consuming thread: the producer waits
// while `capacity` items wait, so memory stays bounded however far it could run ahead. Used where
// a stage runs ahead on a thread of its own (decompression, decoding a large input), with
// spare_items for the buffers the consumer has emptied.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <mutex>
#include <optional>
#include <vector>

namespace loopscope {

template <typename T>
class handover {
 public:
  explicit handover(std::size_t capacity) : capacity_(capacity) {}

  // Producer: waits for room. False when the consumer has given up; the item is dropped.
  bool put(T&& item) {
    std::unique_lock lock(mutex_);
    room_.wait(lock, [this] { return given_up_ || items_.size() < capacity_; });
    if (given_up_) return false;
    items_.push_back(std::move(item));
    lock.unlock();
    ready_.notify_one();
    return true;
  }
  // Producer: nothing more will come. What it wrote before is seen by the consumer once take()
  // has returned nothing.
  void close() {
    {
      const std::lock_guard lock(mutex_);
      closed_ = true;
    }
    ready_.notify_all();
  }
  // How many items wait to be taken (a moment's view, for a producer balancing its work).
  std::size_t waiting() const {
    const std::lock_guard lock(mutex_);
    return items_.size();
  }
  // Producer: whether to stop early, read without waiting (between units of work).
  bool given_up() const { return given_up_flag_.load(std::memory_order_relaxed); }

  // Consumer: waits for the next item; nothing once the producer has closed and all are taken.
  std::optional<T> take() {
    std::unique_lock lock(mutex_);
    ready_.wait(lock, [this] { return !items_.empty() || closed_; });
    if (items_.empty()) return std::nullopt;
    T next = std::move(items_.front());
    items_.pop_front();
    lock.unlock();
    room_.notify_one();
    return next;
  }
  // Consumer: takes nothing more; a waiting producer returns at once.
  void give_up() {
    {
      const std::lock_guard lock(mutex_);
      given_up_ = true;
    }
    given_up_flag_.store(true, std::memory_order_relaxed);
    room_.notify_all();
  }

 private:
  const std::size_t capacity_;
  mutable std::mutex mutex_;
  std::condition_variable ready_;  // an item, or the end, is there to take
  std::condition_variable room_;   // an item was taken, or the consumer gave up
  std::deque<T> items_;
  bool closed_ = false;
  bool given_up_ = false;
  std::atomic<bool> given_up_flag_{false};
};

// What the consumer of a hand-over has emptied, for the producer to fill again: buffers go back
// to the thread that allocated them, so neither thread allocates per item nor releases what the
// other allocated (which locked the allocator's arena against the other thread, profiled).
template <typename T>
class spare_items {
 public:
  // Producer: one given back, or a new one.
  T take() {
    const std::lock_guard lock(mutex_);
    if (items_.empty()) return T{};
    T item = std::move(items_.back());
    items_.pop_back();
    return item;
  }
  // Consumer: one emptied. As many wait here as the hand-over holds, and one more.
  void give_back(T&& item) {
    const std::lock_guard lock(mutex_);
    items_.push_back(std::move(item));
  }

 private:
  std::mutex mutex_;
  std::vector<T> items_;
};

}  // namespace loopscope
