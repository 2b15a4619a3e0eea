#include "loopscope/session/input_merger.hpp"

#include <algorithm>
#include <atomic>
#include <exception>
#include <map>
#include <queue>
#include <thread>

#include "sequential_read_ahead.hpp"

namespace loopscope::session {
namespace {

constexpr std::int64_t second = 1'000'000;
constexpr std::int64_t day = 86'400 * second;

bool is_client_attempt(event_kind kind) {
  return kind == event_kind::ws_error || kind == event_kind::ws_connect ||
         kind == event_kind::request_attempt || kind == event_kind::turn_start;
}

bool is_proxy_request(event_kind kind) {
  return kind == event_kind::request || kind == event_kind::ws_error ||
         kind == event_kind::ws_connect;
}

std::int64_t median(std::vector<std::int64_t> values) {
  std::nth_element(values.begin(), values.begin() + static_cast<std::ptrdiff_t>(values.size() / 2),
                   values.end());
  return values[values.size() / 2];
}

// Untimed events sort first: they carry no position, so they cannot wait for one.
bool earlier(const std::optional<timestamp>& a, const std::optional<timestamp>& b) {
  if (!a) return b.has_value();
  if (!b) return false;
  return *a < *b;
}

}  // namespace

input_merger::input_merger(std::size_t inputs, source_factory make, merge_settings settings)
    : inputs_(inputs),
      make_(std::move(make)),
      live_(inputs),
      offsets_(inputs, 0),
      released_(inputs, false),
      settings_(settings) {}

normalize::event_source& input_merger::source(std::size_t position) {
  std::unique_ptr<normalize::event_source>& live = live_[position];
  if (!live) {
    live = make_(position);
    if (offsets_[position] != 0) live->set_clock_offset(offsets_[position]);
  }
  return *live;
}

void input_merger::release(std::size_t position) {
  if (released_[position]) return;
  normalize::event_source& done = source(position);
  done.close();  // reads what is left, for the accounting
  const clock_alignment* alignment = nullptr;
  for (const clock_alignment& a : alignments_) {
    if (a.input == done.index()) alignment = &a;
  }
  if (finished_ != nullptr && *finished_) (*finished_)(position, done, alignment);
  released_[position] = true;
  live_[position].reset();
}

bool input_merger::sets_aside_surveyed() const {
  return inputs_ > settings_.keep_open_inputs;
}

void input_merger::set_aside(std::size_t position) {
  if (live_[position] && !live_[position]->spec().is_stdin) live_[position].reset();
}

std::vector<input_merger::survey> input_merger::survey_all(std::size_t events) {
  std::vector<survey> surveys(inputs_);
  if (!sets_aside_surveyed()) {
    for (std::size_t i = 0; i < inputs_; ++i) surveys[i] = survey_one(i, events);
    return surveys;
  }
  // A large directory is surveyed one input at a time, each let go after and made again when
  // the merge gets to it; with a spare core, two at a time: the inputs are independent.
  std::atomic<std::size_t> next{0};
  const auto survey_some = [&] {
    for (std::size_t i; (i = next.fetch_add(1, std::memory_order_relaxed)) < inputs_;) {
      surveys[i] = survey_one(i, events);
      set_aside(i);
    }
  };
  if (!settings_.read_ahead_core || !settings_.read_ahead_core->try_take()) {
    survey_some();
    return surveys;
  }
  std::exception_ptr failure;
  {
    std::thread helper([&] {
      try {
        survey_some();
      } catch (...) {
        failure = std::current_exception();
        next.store(inputs_);
      }
    });
    // However this thread's share ends, the helper is waited for and the core given back.
    struct helper_done {
      std::thread& helper;
      normalize::decoding_threads& core;
      ~helper_done() {
        helper.join();
        core.give_back();
      }
    } done{helper, *settings_.read_ahead_core};
    try {
      survey_some();
    } catch (...) {
      next.store(inputs_);  // the helper stops after its current input
      throw;
    }
  }
  if (failure) std::rethrow_exception(failure);
  return surveys;
}

input_merger::survey input_merger::survey_one(std::size_t position, std::size_t events) {
  normalize::event_source& source = this->source(position);
  survey s;
  for (const normalize::sourced_event& queued : source.read_ahead(events)) {
    const event& e = queued.e;
    if (!s.first_event) s.first_event = {e.source, e.kind, e.session_key};
    if (queued.when && !s.first) s.first = queued.when;
    if (!e.time) continue;
    if (e.time_is == time_quality::date_inferred) s.time_only = true;
    const bool client = normalize::role_of(e.source) == normalize::source_role::client;
    if (client && e.time_is == time_quality::exact) {
      s.exact_client = true;
      if (!e.session_key.empty() && !e.session_key.starts_with("input:")) {
        s.timed_client_sessions.insert(e.session_key);
      }
      if (is_client_attempt(e.kind)) s.moments.push_back(e.time->micros);
    } else if (!client) {
      s.proxy_times.push_back(e.time->micros);
      if (is_proxy_request(e.kind)) s.moments.push_back(e.time->micros);
    }
  }
  // Set while normalizing: a stamp's quality can be lost when two lines become one event.
  if (source.has_time_only_stamps()) s.time_only = true;
  return s;
}

void input_merger::align(std::vector<survey>& surveys) {
  std::vector<std::int64_t> codex;
  for (const survey& s : surveys) {
    if (s.exact_client) codex.insert(codex.end(), s.moments.begin(), s.moments.end());
  }
  if (codex.empty()) return;
  std::sort(codex.begin(), codex.end());
  const std::int64_t codex_median = median(codex);

  for (std::size_t i = 0; i < inputs_; ++i) {
    survey& s = surveys[i];
    if (s.exact_client || s.proxy_times.empty()) continue;
    normalize::event_source& source = this->source(i);
    // Whole days first. Time-only stamps got a guessed date (a file's modification day): the day
    // that lines them up with Codex's attempts is theirs, whatever the guess was. A date the
    // user gave (--proxy-date) is not second-guessed.
    const bool guessed_date = s.time_only && source.dated_by() != normalize::date_origin::given;
    const std::vector<std::int64_t>& dated = s.moments.empty() ? s.proxy_times : s.moments;
    const std::int64_t proxy_median = median(dated);
    const std::int64_t days =
        (codex_median - proxy_median + (codex_median >= proxy_median ? day / 2 : -day / 2)) / day;
    const std::int64_t day_shift = s.time_only && !guessed_date ? 0 : days * day;
    // Then the offset that lines up most proxy requests with a Codex attempt (1 s buckets: the
    // proxy's stamps have whole seconds).
    std::map<std::int64_t, std::size_t> votes;
    for (const std::int64_t p : s.moments) {
      const std::int64_t shifted = p + day_shift;
      auto lo =
          std::lower_bound(codex.begin(), codex.end(), shifted - settings_.max_clock_skew_micros);
      auto hi =
          std::upper_bound(codex.begin(), codex.end(), shifted + settings_.max_clock_skew_micros);
      std::set<std::int64_t> buckets;  // one vote per request and bucket
      for (auto it = lo; it != hi; ++it) {
        const std::int64_t delta = *it - shifted;
        buckets.insert(delta >= 0 ? delta / second : -((-delta + second - 1) / second));
      }
      for (const std::int64_t b : buckets) ++votes[b];
    }
    std::int64_t best_bucket = 0;
    std::size_t best = 0;
    for (const auto& [bucket, count] : votes) {
      // Ties go to the smaller shift: no evidence, no correction.
      if (count > best || (count == best && std::llabs(bucket) < std::llabs(best_bucket))) {
        best = count;
        best_bucket = bucket;
      }
    }
    // Enough requests line up, or every one of a short log does.
    const bool convincing =
        (best >= 3 && best * 10 >= s.moments.size() * 3) || (best >= 2 && best == s.moments.size());
    const std::int64_t skew = convincing ? best_bucket * second : 0;
    const std::int64_t offset = day_shift + skew;
    if (offset != 0) {
      offsets_[i] = source.clock_offset() + offset;
      source.set_clock_offset(offsets_[i]);
      if (s.first) s.first = timestamp{s.first->micros + offset};
    }
    if (offset != 0 || guessed_date) {
      alignments_.push_back(
          {source.index(), day_shift, guessed_date, skew, convincing ? best : 0, s.moments.size()});
    }
  }
}

bool input_merger::one_session_per_input(const std::vector<survey>& surveys) const {
  std::set<std::string> keys;
  for (const survey& s : surveys) {
    if (!s.first_event) continue;  // nothing recognised: read for its accounting only
    // A rollout file is one session (Codex writes a file per thread, and a resumed thread gets a
    // file of its own); a proxy log, a trace or logs_2.sqlite may hold any session, so must be
    // merged in time with the rest.
    if (s.first_event->source != format_id::codex_rollout ||
        s.first_event->kind != event_kind::session_start ||
        !keys.insert(s.first_event->session_key).second) {
      return false;
    }
  }
  return keys.size() > 1;
}

void input_merger::expect_timed_sessions(const std::vector<survey>& surveys,
                                         session_assembler& assembler) {
  for (const survey& s : surveys) {
    timed_sessions_.insert(s.timed_client_sessions.begin(), s.timed_client_sessions.end());
  }
  assembler.expect_timed_sessions(timed_sessions_);
}

std::vector<std::size_t> input_merger::by_first_time(const std::vector<survey>& surveys) const {
  std::vector<std::size_t> order(inputs_);
  for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
    return earlier(surveys[a].first, surveys[b].first);
  });
  return order;
}

void input_merger::stream_clock::passed(std::optional<timestamp> when,
                                        session_assembler& assembler) {
  // Closing expired turns walks the open sessions: once per second of log time is enough. A clock
  // that jumps back (inputs out of date order, a reset clock) counts too: measured only forward,
  // nothing would close again until the log passed its old maximum, and every later turn would
  // stay in memory.
  if (when && (!advanced_to || when->micros - advanced_to->micros >= second ||
               advanced_to->micros - when->micros >= second)) {
    assembler.advance(*when);
    advanced_to = when;
  }
}

void input_merger::run_one_by_one(session_assembler& assembler, std::vector<survey>& surveys) {
  expect_timed_sessions(surveys, assembler);
  std::vector<std::size_t> order = by_first_time(surveys);
  // The sessions the input named (a concatenation names several), and its clock.
  std::set<std::string> keys;
  // The key inserted last: an input's events name the same session over and over, and an insert
  // made a std::string of it each time (an allocation per event for a 36-character id).
  shared_text last_key;
  stream_clock clock;
  const auto merge = [&](normalize::sourced_event&& next) {
    const normalize::source_role role = normalize::role_of(next.e.source);
    const std::optional<timestamp> when = next.when;
    if (keys.empty() || next.e.session_key != last_key) {
      keys.insert(next.e.session_key);
      last_key = next.e.session_key;
    }
    assembler.on_merged(std::move(next.e), when, role);
    clock.passed(when, assembler);
  };
  const auto end_input = [&](std::size_t position) {
    const input_index input = live_[position]->index();
    release(position);
    assembler.end_sessions_of_input(input, keys);
    keys.clear();
    clock = {};
  };

  // Many inputs, each read once and let go: a spare core reads them ahead (the surveyed ones
  // were set aside, so every source is made on the reading thread).
  if (sets_aside_surveyed() && settings_.read_ahead_core && settings_.read_ahead_core->try_take()) {
    detail::sequential_read_ahead ahead(
        std::move(order),
        [this](std::size_t position) {
          std::unique_ptr<normalize::event_source> made = make_(position);
          if (offsets_[position] != 0) made->set_clock_offset(offsets_[position]);
          return made;
        },
        settings_.read_ahead_core);
    while (std::optional<detail::sequential_read_ahead::batch> next = ahead.take()) {
      std::size_t merged = 0;
      for (detail::sequential_read_ahead::input_end& end : next->ends) {
        for (; merged < end.events_before; ++merged) merge(std::move(next->events[merged]));
        live_[end.position] = std::move(end.source);
        end_input(end.position);
      }
      for (; merged < next->events.size(); ++merged) merge(std::move(next->events[merged]));
      ahead.recycle(std::move(*next));
    }
  } else {
    for (const std::size_t position : order) {
      normalize::event_source& source = this->source(position);
      while (source.peek() != nullptr) merge(source.pop());
      end_input(position);
    }
  }
  assembler.finish();
}

void input_merger::run(session_assembler& assembler, const input_finished& finished,
                       const merged_event_observer& observer) {
  finished_ = &finished;
  // The first event of each input tells whether its sessions are its own; only a merge with other
  // sources needs the longer survey that aligns clocks.
  std::vector<survey> surveys = survey_all(1);
  if (!observer && one_session_per_input(surveys)) {
    run_one_by_one(assembler, surveys);
    return;
  }
  surveys = survey_all(settings_.survey_events);
  align(surveys);
  expect_timed_sessions(surveys, assembler);

  // Inputs not yet opened, by their first time; open ones, by their next event's time.
  const std::vector<std::size_t> waiting = by_first_time(surveys);
  std::size_t next_waiting = 0;
  struct active {
    std::optional<timestamp> when;
    std::size_t source;
  };
  auto later = [](const active& a, const active& b) {
    if (earlier(b.when, a.when)) return true;
    if (earlier(a.when, b.when)) return false;
    return a.source > b.source;  // same time: inputs in command-line order
  };
  std::priority_queue<active, std::vector<active>, decltype(later)> open(later);
  auto activate = [&](std::size_t index) {
    if (const normalize::sourced_event* next = source(index).peek()) {
      open.push({next->when, index});
    } else {
      release(index);
    }
  };

  stream_clock clock;
  while (next_waiting < waiting.size() || !open.empty()) {
    if (next_waiting < waiting.size() &&
        (open.empty() || !earlier(open.top().when, surveys[waiting[next_waiting]].first))) {
      activate(waiting[next_waiting++]);
      continue;
    }
    const std::size_t index = open.top().source;
    open.pop();
    normalize::event_source& source = this->source(index);
    normalize::sourced_event next = source.pop();
    if (observer) observer(next.e, source);
    const normalize::source_role role = normalize::role_of(next.e.source);
    const std::optional<timestamp> when = next.when;
    assembler.on_merged(std::move(next.e), when, role);
    clock.passed(when, assembler);
    activate(index);
  }
  assembler.finish();
  for (std::size_t i = 0; i < inputs_; ++i) release(i);
}

}  // namespace loopscope::session
