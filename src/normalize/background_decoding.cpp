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
  batches_.give_up();
  thread_.join();
}

void background_decoding::run() {
  try {
    for (;;) {
      batch next = spare_batch();
      decoder_.renew_shared_texts();
      // Tool outputs' hashes, tool calls' arguments and message templates go to the reader, unless
      // batches already fill the hand-over (the reader is behind): then this thread takes them,
      // instead of waiting for room. With a decompressing thread on the same two cores, a .zst
      // rollout was 12 % faster so.
      decoder_.defer_work_to(batches_.waiting() < batches_in_flight ? &next.deferred : nullptr);
      bool more = true;
      // A batch of lines that hold few events can be long: asked to stop, the thread stops
      // within a few thousand lines, not at the end of the input.
      std::size_t lines = 0;
      while (next.events.size() < batch_events &&
             next.deferred.text.size() < batch_deferred_bytes &&
             (more = decoder_.read_line(next.events))) {
        if (++lines % 4096 == 0 && batches_.given_up()) break;
      }
      if (more && batches_.given_up()) break;
      if (!more) {
        decoder_.finish(next.events);
        // The core is free once the decoding is, while the last batch waits to be taken.
        give_back_core();
      }
      decoder_.defer_work_to(nullptr);
      next.time_only_stamps = decoder_.has_time_only_stamps();
      if (!batches_.put(std::move(next)) || !more) break;
    }
  } catch (...) {
    failure_ = std::current_exception();
  }
  // A batch given up or lost to a failure took its deferred work with it: what the decoder
  // still emits (event_source::close) is completed at once.
  decoder_.defer_work_to(nullptr);
  batches_.close();
  give_back_core();
}

background_decoding::batch background_decoding::spare_batch() {
  batch fresh = spare_.take();
  fresh.events.clear();
  fresh.deferred.clear();
  fresh.time_only_stamps = false;
  fresh.events.reserve(batch_events);
  return fresh;
}

void background_decoding::give_back_core() {
  if (threads_) threads_->give_back();
  threads_.reset();
}

bool background_decoding::take(event_queue& into) {
  std::optional<batch> next = batches_.take();
  if (!next) {
    if (failure_) std::rethrow_exception(std::exchange(failure_, nullptr));
    return false;
  }
  time_only_stamps_ = next->time_only_stamps;
  next->deferred.complete(next->events);
  into.append(next->events);
  // A buffer that grew for one exceptional batch (a huge output) is not kept.
  if (next->deferred.text.capacity() > 2 * batch_deferred_bytes) next->deferred = {};
  spare_.give_back(std::move(*next));
  return true;
}

}  // namespace loopscope::normalize
