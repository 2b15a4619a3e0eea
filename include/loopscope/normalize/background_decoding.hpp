// Decoding one input on a thread of its own while the caller's thread assembles and detects:
// on a machine with a spare core, a large input is read in about the time of the slower half.
// Events cross in batches through a bounded hand-over, so memory stays bounded by the batch size
// however far the reader could run ahead.
#pragma once

#include <cstddef>
#include <exception>
#include <memory>
#include <mutex>
#include <thread>

#include "loopscope/core/handover.hpp"
#include "loopscope/normalize/input_decoder.hpp"

namespace loopscope::normalize {

// The cores an analysis may give to background decoding beyond its worker threads, shared by
// every input it reads: a reader takes one while it runs and gives it back when it ends.
class decoding_threads {
 public:
  explicit decoding_threads(int spare) : spare_(spare) {}
  bool try_take();
  void give_back();

 private:
  std::mutex mutex_;
  int spare_;
};

// Which inputs are decoded in the background, when `threads` has a core to give.
struct background_policy {
  std::shared_ptr<decoding_threads> threads;
  // Below this size a thread costs more than it saves. Standard input, whose size is not known,
  // counts as large.
  std::uint64_t min_file_bytes = std::uint64_t{4} << 20;
};

class background_decoding {
 public:
  // About a millisecond of decoding per batch: fewer hand-overs than that cost more in wake-ups
  // than they save; more hold more memory for no gain (measured on a 300 MB rollout).
  static constexpr std::size_t batch_events = 1024;
  static constexpr std::size_t batches_in_flight = 4;

  // Starts decoding on a new thread; `decoder` must not be touched until this is destroyed.
  // `threads` is given back when the thread ends.
  background_decoding(input_decoder& decoder, std::shared_ptr<decoding_threads> threads);
  // Stops the thread (within a few thousand lines of the batch being decoded) and waits for it.
  ~background_decoding();
  background_decoding(const background_decoding&) = delete;
  background_decoding& operator=(const background_decoding&) = delete;

  // Appends the next batch to `into`, waiting for it; false once the input has ended (the
  // decoder is finished and its accounting final) or the thread failed (rethrown here).
  bool take(event_queue& into);
  // Whether a stamp so far (up to the batches taken) was time-only.
  bool has_time_only_stamps() const { return time_only_stamps_; }

 private:
  // A batch is handed on early once the texts its events wait to be completed from reach this many
  // bytes: memory stays bounded by the batches in flight whatever the outputs' sizes.
  static constexpr std::size_t batch_deferred_bytes = std::size_t{1} << 20;

  struct batch {
    event_queue events;
    deferred_work deferred;  // taken by the reader, as the batch is taken
    bool time_only_stamps = false;
  };
  batch spare_batch();
  void run();
  void give_back_core();  // once, on the decoding thread

  input_decoder& decoder_;
  std::shared_ptr<decoding_threads> threads_;  // touched only by the decoding thread
  handover<batch> batches_{batches_in_flight};
  spare_items<batch> spare_;       // batches taken, their buffers for the thread to fill again
  std::exception_ptr failure_;     // set by the thread before it closes `batches_`
  bool time_only_stamps_ = false;  // the consumer's: as of the batches taken
  std::thread thread_;             // last: started once everything above is constructed
};

}  // namespace loopscope::normalize
