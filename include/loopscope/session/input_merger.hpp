// Reads every input of an analysis as one stream in time order: a survey of each input's first
// events aligns the proxy's clock with Codex's (a date for "HH:MM:SS" stamps, then the offset that
// lines up the proxy's requests with Codex's attempts), then a k-way merge feeds the assembler.
// Inputs are opened when the merge reaches their first event, so a directory of thousands of
// session files holds only the ones that overlap in time; where every input holds sessions of its
// own (rollout files and nothing else), they are read one after the other instead, whatever their
// times, so memory holds one file's session.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <set>
#include <vector>

#include "loopscope/core/diagnostic.hpp"
#include "loopscope/normalize/event_source.hpp"
#include "loopscope/session/session_assembler.hpp"

namespace loopscope::session {

struct merge_settings {
  std::size_t survey_events = 512;                   // events read ahead per input to align clocks
  std::int64_t max_clock_skew_micros = 600'000'000;  // offsets beyond ±10 min are not looked for
  std::size_t keep_open_inputs = 16;                 // up to this many, surveyed inputs stay open
  // A core that may read many inputs ahead, one after the other, when each is its own session;
  // null: they are read on the merging thread.
  std::shared_ptr<normalize::decoding_threads> read_ahead_core;
};

// How one input's clock was moved to line up with the Codex logs of its group.
struct clock_alignment {
  input_index input = 0;
  // Whole days that gave time-only stamps their date (they had a guessed one): completing a
  // date, not correcting a clock. For stamps with dates of their own, a shift of real clocks.
  std::int64_t day_shift_micros = 0;
  bool dates_completed = false;
  std::int64_t skew_micros = 0;  // measured: the proxy's clock against Codex's
  std::size_t matched = 0;       // proxy requests that lined up with a Codex attempt
  std::size_t considered = 0;
};

// Observes each event as it is merged (the `events` command).
using merged_event_observer = std::function<void(const event&, const normalize::event_source&)>;

class input_merger {
 public:
  // Makes the source of input `position` (0-based in the merge). A source is made when the merge
  // needs it and let go when it has been read to its end, so a directory of thousands of files
  // holds the ones being read only; one that cannot be read twice (stdin) is kept from the survey.
  // With a read-ahead core (merge_settings), it is called on other threads too, two at a time
  // while a large directory is surveyed: it must only read what it shares.
  using source_factory = std::function<std::unique_ptr<normalize::event_source>(std::size_t)>;
  // An input has been read to its end: its accounting is final. Called once per input, in the
  // order they end; the source is let go after.
  using input_finished =
      std::function<void(std::size_t position, const normalize::event_source& source,
                         const clock_alignment* alignment)>;

  input_merger(std::size_t inputs, source_factory make, merge_settings settings = {});

  // Runs the whole merge into `assembler` (and `observer`, if any).
  void run(session_assembler& assembler, const input_finished& finished,
           const merged_event_observer& observer = {});

  const std::vector<clock_alignment>& alignments() const { return alignments_; }

 private:
  struct survey {
    std::optional<timestamp> first;
    bool exact_client = false;
    std::vector<std::int64_t> moments;      // times of request-like events
    std::vector<std::int64_t> proxy_times;  // times of every timed proxy event
    bool time_only = false;                 // stamps whose date was guessed (HH:MM:SS)
    std::set<std::string> timed_client_sessions;
    struct first_seen {
      format_id source;
      event_kind kind;
      std::string session_key;
    };
    std::optional<first_seen> first_event;
  };

  // Reads up to `events` of each input ahead (rewound after, for a large directory).
  std::vector<survey> survey_all(std::size_t events);
  // One input's survey; its source stays open.
  survey survey_one(std::size_t position, std::size_t events);
  // Each input names its own session only (a directory of rollouts): no merge in time is needed,
  // so inputs are read one after the other and each session is handed on when its file ends.
  bool one_session_per_input(const std::vector<survey>& surveys) const;
  void run_one_by_one(session_assembler& assembler, std::vector<survey>& surveys);
  // The Codex sessions that timed sources describe, for exec JSON's turns (see the assembler).
  void expect_timed_sessions(const std::vector<survey>& surveys, session_assembler& assembler);
  // Positions in order of their first time; same time: command-line order.
  std::vector<std::size_t> by_first_time(const std::vector<survey>& surveys) const;
  // Tells the assembler how far the stream has come, once per second of log time.
  struct stream_clock {
    std::optional<timestamp> advanced_to;
    void passed(std::optional<timestamp> when, session_assembler& assembler);
  };
  void align(std::vector<survey>& surveys);

  normalize::event_source& source(std::size_t position);
  // Reads the input to its end if it is not, reports it and lets it go.
  void release(std::size_t position);
  // Lets a surveyed source go so that it is made again when its turn comes (not stdin).
  void set_aside(std::size_t position);
  // Whether there are too many inputs to keep their surveyed sources open.
  bool sets_aside_surveyed() const;

  std::size_t inputs_;
  source_factory make_;
  std::vector<std::unique_ptr<normalize::event_source>> live_;  // by position; null when not
  std::vector<std::int64_t> offsets_;  // clock offsets found by align, for sources made again
  std::vector<bool> released_;
  const input_finished* finished_ = nullptr;
  merge_settings settings_;
  std::vector<clock_alignment> alignments_;
  std::set<std::string> timed_sessions_;
};

}  // namespace loopscope::session
