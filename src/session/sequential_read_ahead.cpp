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
    batch pending = spare_batch();
    bool more = true;
    for (const std::size_t position : order_) {
      if (!(more = read_input(position, pending))) break;
    }
    // The core is free once the reading is, while the last batch waits to be taken.
    if (core_) core_->give_back();
    core_.reset();
    if (more && !(pending.events.empty() && pending.ends.empty())) {
      batches_.put(std::move(pending));
    }
  } catch (...) {
    failure_ = std::current_exception();
  }
  batches_.close();
  if (core_) core_->give_back();
}

bool sequential_read_ahead::read_input(std::size_t position, batch& pending) {
  if (batches_.given_up()) return false;
  std::unique_ptr<normalize::event_source> source = make_(position);
  while (source->peek() != nullptr) {
    pending.events.push_back(source->pop());
    if (pending.events.size() >= batch_events && !hand_on(pending)) return false;
  }
  source->close();
  pending.ends.push_back({position, pending.events.size(), std::move(source)});
  return true;
}

bool sequential_read_ahead::hand_on(batch& pending) {
  if (batches_.given_up()) return false;
  return batches_.put(std::exchange(pending, spare_batch()));
}

sequential_read_ahead::batch sequential_read_ahead::spare_batch() {
  batch fresh;
  fresh.events = spare_.take();
  fresh.events.reserve(batch_events);
  return fresh;
}

std::optional<sequential_read_ahead::batch> sequential_read_ahead::take() {
  std::optional<batch> next = batches_.take();
  if (!next && failure_) std::rethrow_exception(std::exchange(failure_, nullptr));
  return next;
}

void sequential_read_ahead::recycle(batch&& used) {
  used.events.clear();
  spare_.give_back(std::move(used.events));
}

}  // namespace loopscope::session::detail
