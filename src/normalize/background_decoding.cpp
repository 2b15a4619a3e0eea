#include "loopscope/normalize/background_decoding.hpp"

#include <utility>

namespace loopscope::normalize {

bool decoding_threads::try_take() {
  const std::lock_guard lock(mutex_);
  if (spare_ <= 0) return false;
  --spare_;
  return true;
}

void decoding_threads::give_back() {
  const std::lock_guard lock(mutex_);
  ++spare_;
}

background_decoding::background_decoding(input_decoder& decoder,
                                         std::shared_ptr<decoding_threads> threads)
    : decoder_(decoder), threads_(std::move(threads)), thread_([this] { run(); }) {}

background_decoding::~background_decoding() {
  {
    const std::lock_guard lock(mutex_);
    stop_ = true;
  }
  stopping_.store(true, std::memory_order_relaxed);
  room_.notify_all();
  thread_.join();
}

void background_decoding::run() {
  try {
    for (;;) {
      batch next;
      bool more = true;
      // A batch of lines that hold few events can be long: asked to stop, the thread stops
      // within a few thousand lines, not at the end of the input.
      std::size_t lines = 0;
      while (next.events.size() < batch_events && (more = decoder_.read_line(next.events))) {
        if (++lines % 4096 == 0 && stopping_.load(std::memory_order_relaxed)) break;
      }
      if (more && stopping_.load(std::memory_order_relaxed)) break;
      if (!more) {
        decoder_.finish(next.events);
        // The core is free once the decoding is, while the last batch waits to be taken.
        give_back_core();
      }
      next.time_only_stamps = decoder_.has_time_only_stamps();
      hand_over(std::move(next));
      const std::lock_guard lock(mutex_);
      if (!more) ended_ = true;
      if (!more || stop_) break;
    }
  } catch (...) {
    const std::lock_guard lock(mutex_);
    failure_ = std::current_exception();
    ended_ = true;
  }
  ready_.notify_all();
  give_back_core();
}

void background_decoding::give_back_core() {
  if (threads_) threads_->give_back();
  threads_.reset();
}

void background_decoding::hand_over(batch&& b) {
  std::unique_lock lock(mutex_);
  room_.wait(lock, [this] { return stop_ || batches_.size() < batches_in_flight; });
  if (stop_) return;  // nobody will take it
  batches_.push_back(std::move(b));
  lock.unlock();
  ready_.notify_one();
}

bool background_decoding::take(std::deque<sourced_event>& into) {
  std::unique_lock lock(mutex_);
  ready_.wait(lock, [this] { return !batches_.empty() || ended_; });
  if (batches_.empty()) {
    if (failure_) std::rethrow_exception(std::exchange(failure_, nullptr));
    return false;
  }
  batch next = std::move(batches_.front());
  batches_.pop_front();
  lock.unlock();
  room_.notify_one();
  time_only_stamps_ = next.time_only_stamps;
  if (into.empty()) {
    into.swap(next.events);
  } else {
    for (sourced_event& e : next.events) into.push_back(std::move(e));
  }
  return true;
}

}  // namespace loopscope::normalize
