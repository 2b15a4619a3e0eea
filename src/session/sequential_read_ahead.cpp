#include "sequential_read_ahead.hpp"

#include <utility>

namespace loopscope::session::detail {

sequential_read_ahead::sequential_read_ahead(std::vector<std::size_t> order, source_factory make,
                                             std::shared_ptr<normalize::decoding_threads> core)
    : order_(std::move(order)),
      make_(std::move(make)),
      core_(std::move(core)),
      thread_([this] { run(); }) {}

sequential_read_ahead::~sequential_read_ahead() {
  batches_.give_up();
  thread_.join();
}

void sequential_read_ahead::run() {
  try {
    batch pending;
    std::size_t pending_events = 0;
    bool more = true;
    for (const std::size_t position : order_) {
      if (!(more = read_input(position, pending, pending_events))) break;
    }
    // The core is free once the reading is, while the last batch waits to be taken.
    if (core_) core_->give_back();
    core_.reset();
    if (more && !pending.empty()) batches_.put(std::move(pending));
  } catch (...) {
    failure_ = std::current_exception();
  }
  batches_.close();
  if (core_) core_->give_back();
}

bool sequential_read_ahead::read_input(std::size_t position, batch& pending,
                                       std::size_t& pending_events) {
  std::unique_ptr<normalize::event_source> source = make_(position);
  segment current{position, {}, nullptr};
  while (source->peek() != nullptr) {
    current.events.push_back(source->pop());
    if (++pending_events >= batch_events) {
      pending.push_back(std::move(current));
      current = segment{position, {}, nullptr};
      if (!hand_on(pending, pending_events)) return false;
    }
  }
  source->close();
  current.ended = std::move(source);
  pending.push_back(std::move(current));
  return true;
}

bool sequential_read_ahead::hand_on(batch& pending, std::size_t& pending_events) {
  pending_events = 0;
  if (batches_.given_up()) return false;
  return batches_.put(std::exchange(pending, {}));
}

std::optional<sequential_read_ahead::batch> sequential_read_ahead::take() {
  std::optional<batch> next = batches_.take();
  if (!next && failure_) std::rethrow_exception(std::exchange(failure_, nullptr));
  return next;
}

}  // namespace loopscope::session::detail
