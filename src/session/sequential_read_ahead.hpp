// Inputs read one after the other (a directory of rollouts, each its own session) decoded on a
// thread of their own, running ahead of the thread that assembles them: on a machine with a spare
// core, a directory of small files is read in about the time of the slower half. Files too small
// to pay for a thread each share this one; events cross in batches that span files, so there is
// one wake-up per batch, not per file.
#pragma once

#include <cstddef>
#include <exception>
#include <functional>
#include <memory>
#include <optional>
#include <thread>
#include <vector>

#include "loopscope/core/handover.hpp"
#include "loopscope/normalize/background_decoding.hpp"
#include "loopscope/normalize/event_source.hpp"

namespace loopscope::session::detail {

class sequential_read_ahead {
 public:
  // About a millisecond of decoding per batch, as for one large input (background_decoding).
  static constexpr std::size_t batch_events = 1024;
  static constexpr std::size_t batches_in_flight = 4;

  // Makes the source of a position; called on the reading thread, so it must touch nothing the
  // assembling thread writes.
  using source_factory = std::function<std::unique_ptr<normalize::event_source>(std::size_t)>;

  // The events of one or more inputs, in order, and where inputs end among them: an input's
  // source, read to its end and closed (its accounting final), after its last event.
  struct input_end {
    std::size_t position = 0;
    std::size_t events_before = 0;  // of the batch's events, how many come before the end
    std::unique_ptr<normalize::event_source> source;
  };
  struct batch {
    normalize::event_queue events;
    std::vector<input_end> ends;
  };

  // Starts reading the inputs at `order`, in that order; `core` is given back when the thread
  // ends.
  sequential_read_ahead(std::vector<std::size_t> order, source_factory make,
                        std::shared_ptr<normalize::decoding_threads> core);
  // Stops the thread (within a few thousand events) and waits for it.
  ~sequential_read_ahead();
  sequential_read_ahead(const sequential_read_ahead&) = delete;
  sequential_read_ahead& operator=(const sequential_read_ahead&) = delete;

  // The next batch, waiting for it; nothing once every input has ended. A failure on the
  // reading thread is rethrown here.
  std::optional<batch> take();
  // A batch's buffer, its events taken, for the thread to fill again.
  void recycle(batch&& used);

 private:
  void run();
  // Reads one input into `pending`, handing batches on as they fill; false when given up.
  bool read_input(std::size_t position, batch& pending);
  bool hand_on(batch& pending);
  batch spare_batch();

  std::vector<std::size_t> order_;
  source_factory make_;
  std::shared_ptr<normalize::decoding_threads> core_;  // touched only by the reading thread
  handover<batch> batches_{batches_in_flight};
  spare_items<normalize::event_queue> spare_;  // batches' buffers, for the thread to fill again
  std::exception_ptr failure_;                 // set by the thread before it closes `batches_`
  std::thread thread_;                         // last: started once everything above is constructed
};

}  // namespace loopscope::session::detail
