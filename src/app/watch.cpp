#include "watch.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <filesystem>
#include <iostream>
#include <memory>
#include <set>

#include <fmt/format.h>

#include "alert_command.hpp"
#include "codex_home.hpp"
#include "loopscope/detect/rule_loader.hpp"
#include "loopscope/ingest/file_follower.hpp"
#include "loopscope/ingest/sqlite_logs.hpp"
#include "loopscope/session/session_assembler.hpp"
#include "rules_commands.hpp"
#include "watch_alerts.hpp"
#include "watch_live.hpp"

namespace loopscope::app {
namespace {
namespace fs = std::filesystem;
using steady = std::chrono::steady_clock;

constexpr std::int64_t second_micros = 1'000'000;
constexpr std::int64_t day_micros = 86'400 * second_micros;
constexpr auto evaluate_every = std::chrono::milliseconds(100);  // alerts within ~0.1 s
constexpr int wait_ms = 100;
constexpr auto hold_for = std::chrono::milliseconds(200);     // a quiet input holds the merge back
constexpr auto max_hold = std::chrono::seconds(1);            // …and an event waits 1 s at most
constexpr auto wait_for_codex = std::chrono::seconds(2);      // a proxy's day waits for Codex's
constexpr auto poll_scan_every = std::chrono::seconds(1);     // trees, without inotify
constexpr auto safety_scan_every = std::chrono::seconds(10);  // trees, with inotify
// LOOPSCOPE_WATCH_IDLE_MS shortens it for tests/watch (a run of ten minutes is no test).
std::chrono::milliseconds idle_release_after() {
  if (const char* ms = std::getenv("LOOPSCOPE_WATCH_IDLE_MS"); ms != nullptr && *ms != '\0') {
    return std::chrono::milliseconds(std::strtol(ms, nullptr, 10));
  }
  return std::chrono::minutes(10);
}

constexpr std::size_t max_pending_line_bytes = std::size_t{8} << 20;  // per input, then wait

std::atomic<bool> stop_requested{false};
int signal_pipe[2] = {-1, -1};

extern "C" void on_stop_signal(int) {
  stop_requested = true;
  const char byte = 1;
  [[maybe_unused]] const ssize_t ignored = ::write(signal_pipe[1], &byte, 1);
}

void complain(std::string_view message) {
  std::cerr << "loopscope: " << message << '\n';
}

bool write_all(int fd, std::string_view bytes) {
  while (!bytes.empty()) {
    const ssize_t got = ::write(fd, bytes.data(), bytes.size());
    if (got < 0 && errno == EINTR) continue;
    if (got <= 0) return false;
    bytes.remove_prefix(static_cast<std::size_t>(got));
  }
  return true;
}

// Standard input is a watch input by default when something is piped into it (not a terminal,
// not /dev/null under cron or nohup).
bool stdin_is_piped() {
  struct stat info {};
  return ::fstat(STDIN_FILENO, &info) == 0 && (S_ISFIFO(info.st_mode) || S_ISSOCK(info.st_mode));
}

// One followed input: its lines go to the live decoder and to a spool file, the copy of what was
// read that the report at the end is made from (a rotated or truncated file no longer holds it,
// and stdin cannot be read twice).
struct watched_input final : ingest::follow_sink {
  std::string display;
  fs::path original;  // empty for stdin
  std::unique_ptr<ingest::file_follower> file;
  std::unique_ptr<ingest::stream_follower> stream;
  std::unique_ptr<ingest::sqlite_follower> database;
  std::unique_ptr<live_input> live;
  fs::path spool_path;
  std::FILE* spool = nullptr;
  bool tee = false;
  bool tee_failed = false;
  bool read_any = false;
  bool shift_decided = false;
  std::int64_t day_shift = 0;
  std::uint64_t long_lines = 0;
  input_index index = 0;
  std::deque<live_event> queued;             // decoded, waiting for the merge (see process_events)
  std::deque<steady::time_point> queued_at;  // when each came
  bool undecided_seen = false;  // a time-only stamp waits for its day (decide_day_shift)
  steady::time_point undecided_since;
  steady::time_point last_activity = steady::now();

  ~watched_input() override {
    if (spool != nullptr) std::fclose(spool);
  }
  void on_bytes(std::string_view bytes) override {
    read_any = true;
    last_activity = steady::now();
    if (tee && !tee_failed && !write_all(STDOUT_FILENO, bytes)) tee_failed = true;
  }
  void on_line(std::string_view line) override {
    std::fwrite(line.data(), 1, line.size(), spool);
    std::fputc('\n', spool);
    live->lines().push(line);
  }
  void on_long_line(std::uint64_t length) override {
    ++long_lines;
    live->lines().push_long(length);
  }
};

// The sessions stage's hand-ons, for the alerts: a turn done closes its alerts.
class watch_sink final : public session::turn_sink {
 public:
  explicit watch_sink(alert_tracker& alerts) : alerts_(alerts) {}
  void on_turn(const session::turn& t) override { alerts_.turn_done(t); }
  void on_session(session::session_summary&& ended) override { alerts_.session_done(ended.id); }

 private:
  alert_tracker& alerts_;
};

// The live sessions stage joins as analyze's does, but hands a quiet session on after 15
// minutes of log time rather than 4 hours: it only drives alerts (the report is made from the
// spools), and a session resumed later goes on numbering its turns. Memory then holds the last
// quarter hour of sessions, however long watch runs.
session::join_settings live_join_settings() {
  session::join_settings settings;
  settings.retire_after_micros = 15LL * 60 * second_micros;
  return settings;
}

// How the report names the files found in a followed folder: as found under a named folder
// (analyze's join groups, one per directory), or each as if named (Codex's sessions folder in the
// default mode: joined with codex-tui.log, as analyze's default mode names the files it reads).
enum class found_files : unsigned char { under_folder, named };

struct tree_input {
  ingest::tree_follower tree;
  steady::time_point scanned;
  found_files naming = found_files::under_folder;
};

class watcher {
 public:
  watcher(const options& opts, std::shared_ptr<const detect::rule_set> rules, fs::path spool_dir)
      : opts_(opts),
        rules_(std::move(rules)),
        spool_dir_(std::move(spool_dir)),
        notifier_(opts.watch.poll ? ingest::notify_mode::polling : ingest::notify_mode::inotify),
        tracker_(rules_, opts.watch.alert_on, [this](const alert_notice& n) { emit(n); }),
        sink_(tracker_),
        assembler_(sink_, live_join_settings()) {
    if (opts.watch.on_alert) {
      command_ = std::make_unique<alert_command>(split_command(*opts.watch.on_alert).words);
    }
  }

  ingest::start_at start() const {
    return opts_.watch.from_start ? ingest::start_at::beginning : ingest::start_at::end;
  }

  bool add_file(const std::string& display, const fs::path& path, ingest::start_at from) {
    auto input = make_input(display, path);
    if (!input) return false;
    input->file = std::make_unique<ingest::file_follower>(path, from);
    watch_parent(path);
    inputs_.push_back(std::move(input));
    return true;
  }
  bool add_database(const std::string& display, const fs::path& path, ingest::start_at from) {
    auto input = make_input(display, path);
    if (!input) return false;
    input->database = std::make_unique<ingest::sqlite_follower>(path, from);
    watch_parent(path);
    inputs_.push_back(std::move(input));
    return true;
  }
  bool add_stdin() {
    auto input = make_input("-", {});
    if (!input) return false;
    input->stream = std::make_unique<ingest::stream_follower>(STDIN_FILENO);
    input->tee = opts_.watch.tee;
    inputs_.push_back(std::move(input));
    return true;
  }
  void add_tree(const fs::path& root, ingest::tree_follower::name_filter accept,
                found_files naming) {
    trees_.push_back({ingest::tree_follower(root, start(), std::move(accept)), {}, naming});
    watch_parent(root);
    scan(trees_.back());
  }

  // Follows until a signal, or the end of standard input when it is all there is.
  void run() {
    steady::time_point evaluated = steady::now();
    bool busy = false;
    while (!stop_requested) {
      std::vector<int> fds{events_.wake_fd(), signal_pipe[0]};
      for (const auto& input : inputs_) {
        if (input->stream && !input->stream->ended()) fds.push_back(input->stream->fd());
      }
      const bool created = notifier_.wait(busy ? 0 : wait_ms, fds);
      events_.drain_wake();
      if (stop_requested) break;
      const steady::time_point now = steady::now();
      for (tree_input& t : trees_) {
        const auto every =
            notifier_.mode() == ingest::notify_mode::inotify ? safety_scan_every : poll_scan_every;
        if (created || now - t.scanned >= every) scan(t);
      }
      busy = read_inputs();
      process_events();
      if (steady::now() - evaluated >= evaluate_every) {
        evaluate();
        evaluated = steady::now();
      }
      if (only_streams_left_ended()) break;
    }
  }

  // The end: what is left is read, the decoders finish, every turn is handed on.
  void finish() {
    for (const auto& input : inputs_) {
      if (input->file && !input->live && input->file->changed_since_release()) {
        reactivate(*input);
      }
      if (input->file && input->live) input->file->finish(*input);
      while (input->database && input->database->poll(*input)) {
      }
      if (input->stream) {
        if (!stop_requested) input->stream->poll(*input);
        input->stream->finish(*input);
      }
      if (input->live) input->live->close();
    }
    for (;;) {
      bool all_done = true;
      for (const auto& input : inputs_)
        all_done = all_done && (!input->live || input->live->done());
      process_events();
      if (all_done) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
    for (const auto& input : inputs_) {
      if (input->live) input->live->join();
    }
    process_events(true);
    evaluate();
    assembler_.finish();
    for (const auto& input : inputs_) {
      if (input->spool != nullptr) std::fclose(input->spool);
      input->spool = nullptr;
    }
    command_.reset();  // waits for the commands still queued
  }

  // The report's inputs: each input's spool, shown by its own name, dated like the file.
  analysis_request final_request(const std::string& version) const {
    analysis_request request;
    request.rules = rules_;
    request.forced_format = opts_.input_format;
    request.proxy_clock = opts_.proxy_clock;
    request.tool_version = version;
    request.jobs = 1;
    request.groups = opts_.group_by;
    request.detail = opts_.detail;
    ingest::input_list list;
    for (const auto& input : inputs_) {
      if (!input->read_any && input->file && !input->file->counts().bytes) continue;
      if (!input->read_any && input->stream) continue;
      if (input->database) {
        if (!input->read_any) continue;
        // A database is not rotated: when all its rows were read, the report reads it as analyze
        // does (rows in time order); else the rows added while watching, in the order written.
        if (opts_.watch.from_start || input->database->started_empty()) {
          list.inputs.push_back({input->display, input->original, false});
          continue;
        }
      }
      if (!input->original.empty()) {
        // Time-only stamps are dated by the file's modification day, as analyze dates them.
        struct stat info {};
        if (::stat(input->original.c_str(), &info) == 0) {
          const timespec times[2] = {info.st_atim, info.st_mtim};
          ::utimensat(AT_FDCWD, input->spool_path.c_str(), times, 0);
        }
      }
      list.inputs.push_back({input->display, input->spool_path, false});
    }
    request.expanded = std::move(list);
    request.inputs = names_;
    return request;
  }

  void name(const std::string& given) { names_.push_back(given); }
  std::uint64_t dropped_commands() const { return command_ ? command_->dropped() : 0; }
  bool tee_failed() const {
    for (const auto& input : inputs_) {
      if (input->tee_failed) return true;
    }
    return false;
  }
  ingest::notify_mode mode() const { return notifier_.mode(); }

 private:
  std::unique_ptr<watched_input> make_input(const std::string& display, const fs::path& path) {
    auto input = std::make_unique<watched_input>();
    input->display = display;
    input->original = path;
    input->spool_path = spool_dir_ / fmt::format("{}.log", inputs_.size());
    input->spool = std::fopen(input->spool_path.c_str(), "wb");
    if (input->spool == nullptr) {
      complain(fmt::format("{}: cannot write a copy: {}", input->spool_path.string(),
                           std::strerror(errno)));
      return nullptr;
    }
    input->index = static_cast<input_index>(inputs_.size());
    start_live(*input);
    return input;
  }

  void start_live(watched_input& input) {
    ingest::input_spec spec{input.display, input.original, input.original.empty()};
    input.live = std::make_unique<live_input>(input.index, std::move(spec), opts_.input_format,
                                              opts_.proxy_clock, events_);
  }

  static std::size_t pending_lines(const watched_input& input) {
    return input.live ? input.live->lines().pending_bytes() : 0;
  }

  // A file quiet for idle_release gives back its thread and file descriptors (a sessions folder
  // gains a rollout per session, for days): its decoder ends, its position is kept, and both come
  // back when the file changes. Its session stays open in the sessions stage as long as before.
  void release_if_idle(watched_input& input, steady::time_point now) {
    if (!input.file || !input.live || !input.file->is_open() || pending_lines(input) > 0 ||
        !input.queued.empty() || now - input.last_activity < idle_release_) {
      return;
    }
    input.live->close();
    input.live->join();  // its last events (a request held for its status) are queued
    input.live.reset();
    input.file->release();
    if (input.spool != nullptr) std::fclose(input.spool);
    input.spool = nullptr;
    ++released_;
  }

  bool reactivate(watched_input& input) {
    input.spool = std::fopen(input.spool_path.c_str(), "ab");
    if (input.spool == nullptr) return false;
    start_live(input);
    return true;
  }

  void watch_parent(const fs::path& path) {
    const fs::path parent = path.has_parent_path() ? path.parent_path() : fs::path(".");
    notifier_.watch_directory(parent);
    watched_parents_.push_back(parent);
  }

  void scan(tree_input& t) {
    // Folders created since the last look may already hold files (sessions/YYYY/MM/DD/ and its
    // first rollout appear at once): look again until no new folder is watched.
    for (int round = 0; round < 8; ++round) {
      for (const auto& [path, from] : t.tree.scan()) {
        // A file renamed within the folder (rotated) is followed already, under its old name.
        struct stat info {};
        if (::stat(path.c_str(), &info) == 0 && followed_.contains({info.st_dev, info.st_ino})) {
          continue;
        }
        if (add_file(path.string(), path, from) && t.naming == found_files::named) {
          names_.push_back(path.string());
        }
      }
      bool new_folder = false;
      for (const fs::path& dir : t.tree.directories()) {
        new_folder = notifier_.watch_directory(dir) || new_folder;
      }
      if (!new_folder) break;
    }
    t.scanned = steady::now();
  }

  bool read_inputs() {
    // Directories named that did not exist yet may exist now.
    for (const fs::path& dir : watched_parents_) notifier_.watch_directory(dir);
    bool more = false;
    const steady::time_point now = steady::now();
    for (const auto& input : inputs_) {
      if (pending_lines(*input) > max_pending_line_bytes) {
        more = true;  // the decoder is behind: wait for it
        continue;
      }
      if (input->file && !input->live) {
        if (!input->file->changed_since_release() || !reactivate(*input)) continue;
      }
      if (input->file) {
        more = input->file->poll(*input) || more;
        if (const auto id = input->file->identity()) followed_.insert(*id);
      } else if (input->stream && !input->stream->ended()) {
        input->stream->poll(*input);
      } else if (input->database) {
        more = input->database->poll(*input) || more;
      }
      release_if_idle(*input, now);
    }
    return more;
  }

  // Events wait in their input's queue until every input that may still give earlier ones has
  // caught up (it has events queued too, or has been quiet for hold_for): they reach the session
  // stage in time order, as analyze's merge hands them on, even when several inputs are read at
  // once (--from-start) or a decoder lags.
  void process_events(bool draining = false) {
    const steady::time_point now = steady::now();
    for (live_event& le : events_.take_all()) {
      if (le.input >= inputs_.size()) continue;
      watched_input& input = *inputs_[le.input];
      input.last_activity = now;
      const event& e = le.sourced.e;
      if (normalize::role_of(e.source) == normalize::source_role::client && e.time &&
          e.time_is == time_quality::exact) {
        const bool first = !latest_client_;
        latest_client_ = latest_client_ ? std::max(*latest_client_, *e.time) : *e.time;
        if (first) {
          for (const auto& other : inputs_) decide_day_shift(*other);
        }
      }
      const bool date_guessed = e.time_is == time_quality::date_inferred;
      if (date_guessed && !input.shift_decided && !input.undecided_seen) {
        input.undecided_seen = true;
        input.undecided_since = now;
      }
      if (input.shift_decided) {
        shift(le, input.day_shift);
        le.shifted = true;
      }
      input.queued.push_back(std::move(le));
      input.queued_at.push_back(now);
      if (date_guessed) decide_day_shift(input);
    }
    for (;;) {
      watched_input* best = nullptr;
      for (const auto& input : inputs_) {
        if (input->queued.empty()) continue;
        if (best == nullptr ||
            earlier(input->queued.front().sourced.when, best->queued.front().sourced.when)) {
          best = input.get();
        }
      }
      if (best == nullptr) return;
      const live_event& front = best->queued.front();
      if (!draining && !best->shift_decided &&
          front.sourced.e.time_is == time_quality::date_inferred) {
        // Its date waits for Codex's stamps to be decided; without any, the guess stands.
        if (now - best->undecided_since < wait_for_codex) return;
        best->shift_decided = true;
      }
      // However busy another input is (a log of lines no format knows, written without a
      // pause), an event waits for it 1 s at most: the queues hold a second of input.
      if (!draining && now - best->queued_at.front() < max_hold) {
        for (const auto& input : inputs_) {
          if (input.get() == best || !input->queued.empty()) continue;
          if (pending_lines(*input) > 0 || now - input->last_activity < hold_for) {
            return;  // it may still give an earlier event
          }
        }
      }
      live_event next = std::move(best->queued.front());
      best->queued.pop_front();
      best->queued_at.pop_front();
      feed(std::move(next));
    }
  }

  static bool earlier(const std::optional<timestamp>& a, const std::optional<timestamp>& b) {
    if (!a) return b.has_value();
    if (!b) return false;
    return *a < *b;
  }

  // A proxy's time-only stamps got a guessed date (the file's day): the whole days that bring
  // them nearest Codex's own stamps are theirs, as analyze's merge decides from its survey.
  void decide_day_shift(watched_input& input) {
    if (input.shift_decided || !latest_client_ || opts_.proxy_clock.day) return;
    const live_event* guessed = nullptr;
    for (const live_event& le : input.queued) {
      if (le.sourced.e.time_is == time_quality::date_inferred && le.sourced.e.time) {
        guessed = &le;
        break;
      }
    }
    if (guessed == nullptr) return;
    const std::int64_t gap = latest_client_->micros - guessed->sourced.e.time->micros;
    input.day_shift =
        (gap + (gap >= 0 ? day_micros / 2 : -day_micros / 2)) / day_micros * day_micros;
    input.shift_decided = true;
    for (live_event& le : input.queued) {
      shift(le, input.day_shift);
      le.shifted = true;
    }
  }

  static void shift(live_event& le, std::int64_t micros) {
    if (micros == 0) return;
    if (le.sourced.e.time) le.sourced.e.time = timestamp{le.sourced.e.time->micros + micros};
    if (le.sourced.when) le.sourced.when = timestamp{le.sourced.when->micros + micros};
  }

  void feed(live_event&& le) {
    event& e = le.sourced.e;
    const std::optional<timestamp> when = le.sourced.when;
    const normalize::source_role role = normalize::role_of(e.source);
    assembler_.on_merged(std::move(e), when, role);
    if (when && (!advanced_to_ || when->micros - advanced_to_->micros >= second_micros ||
                 advanced_to_->micros - when->micros >= second_micros)) {
      assembler_.advance(*when);
      advanced_to_ = when;
    }
  }

  void evaluate() {
    assembler_.visit_open_turns(
        [&](const session::turn& t, bool ended) { tracker_.evaluate(t, ended); });
  }

  bool only_streams_left_ended() const {
    if (!trees_.empty() || inputs_.empty()) return false;
    for (const auto& input : inputs_) {
      if (!input->stream || !input->stream->ended()) return false;
    }
    return true;
  }

  void emit(const alert_notice& n) {
    const report::redaction redact =
        opts_.no_redact ? report::redaction::off : report::redaction::on;
    const std::string line =
        opts_.watch.alerts == alert_format::jsonl ? alert_json(n, redact) : alert_text(n, redact);
    std::ostream& out = opts_.watch.tee ? std::cerr : std::cout;
    out << line << '\n';
    out.flush();
    if (command_) command_->submit(alert_json(n, redact));
  }

  const options& opts_;
  std::shared_ptr<const detect::rule_set> rules_;
  fs::path spool_dir_;
  ingest::change_notifier notifier_;
  event_queue events_;
  alert_tracker tracker_;
  watch_sink sink_;
  session::session_assembler assembler_;
  std::unique_ptr<alert_command> command_;
  std::vector<std::unique_ptr<watched_input>> inputs_;
  std::vector<tree_input> trees_;
  std::vector<fs::path> watched_parents_;
  std::vector<std::string> names_;
  std::set<std::pair<dev_t, ino_t>> followed_;  // every file a follower has had open
  std::chrono::milliseconds idle_release_ = idle_release_after();
  std::uint64_t released_ = 0;
  std::optional<timestamp> latest_client_;
  std::optional<timestamp> advanced_to_;
};

bool is_rollout(const fs::path& path) {
  const std::string name = path.filename().string();
  return name.starts_with("rollout-") && name.ends_with(".jsonl");
}

// In a folder, the logs being written, not what rotation made of them: compressed archives
// (access.log.1.gz) and numbered copies (access.log.1) hold lines read already, or old ones.
bool is_live_log(const fs::path& path) {
  const std::string name = path.filename().string();
  for (const std::string_view archive : {".gz", ".zst", ".xz", ".bz2", ".zip"}) {
    if (name.ends_with(archive)) return false;
  }
  const std::size_t dot = name.find_last_of('.');
  if (dot != std::string::npos && dot + 1 < name.size() &&
      name.find_first_not_of("0123456789", dot + 1) == std::string::npos) {
    return false;
  }
  return !name.starts_with(".");
}

// A temporary folder for the spools, removed at the end however the run ends.
class spool_folder {
 public:
  spool_folder() {
    const char* tmp = std::getenv("TMPDIR");
    std::string pattern =
        (fs::path(tmp != nullptr && *tmp != '\0' ? tmp : "/tmp") / "loopscope-watch.XXXXXX")
            .string();
    if (::mkdtemp(pattern.data()) != nullptr) path_ = pattern;
  }
  ~spool_folder() {
    std::error_code ec;
    if (!path_.empty()) fs::remove_all(path_, ec);
  }
  const fs::path& path() const { return path_; }

 private:
  fs::path path_;
};

}  // namespace

int run_watch(const options& opts, const std::string& version) {
  if (opts.watch.on_alert) {
    if (const command_words words = split_command(*opts.watch.on_alert); !words.error.empty()) {
      complain(words.error);
      return exit_trouble;
    }
  }
  const bool names_stdin =
      std::find(opts.inputs.begin(), opts.inputs.end(), "-") != opts.inputs.end();
  if (opts.watch.tee && !opts.inputs.empty() && !names_stdin) {
    complain("--tee passes standard input through: name - among the inputs");
    return exit_trouble;
  }
  auto rules = resolve_rules(opts.rule_paths);
  if (!rules) return exit_trouble;
  output_target target(
      opts.output ? opts.output
                  : (opts.watch.tee ? std::optional<std::string>("/dev/stderr") : std::nullopt));
  if (!opts.watch.no_report) {
    if (const std::string error = target.open(); !error.empty()) {
      complain(error);
      return exit_trouble;
    }
  }
  spool_folder spool;
  if (spool.path().empty()) {
    complain(fmt::format("cannot create a folder for the copies of what is read: {}",
                         std::strerror(errno)));
    return exit_trouble;
  }

  if (::pipe2(signal_pipe, O_CLOEXEC | O_NONBLOCK) != 0) {
    complain("cannot set up signal handling");
    return exit_trouble;
  }
  stop_requested = false;
  struct sigaction action {};
  action.sa_handler = on_stop_signal;
  sigemptyset(&action.sa_mask);
  ::sigaction(SIGINT, &action, nullptr);
  ::sigaction(SIGTERM, &action, nullptr);
  ::signal(SIGPIPE, SIG_IGN);  // a closed pipe is an error to see, not a silent death

  watcher w(opts, *rules, spool.path());
  std::vector<std::string> described;
  const ingest::start_at start = w.start();
  bool ok = true;
  if (!opts.inputs.empty()) {
    for (const std::string& name : opts.inputs) {
      w.name(name);
      std::error_code ec;
      if (name == "-") {
        ok = ok && w.add_stdin();
      } else if (name.ends_with(".sqlite") || ingest::is_sqlite_file(name)) {
        ok = ok && w.add_database(name, name, start);
      } else if (fs::is_directory(name, ec)) {
        w.add_tree(name, is_live_log, found_files::under_folder);
      } else {
        ok = ok && w.add_file(name, name, start);
      }
    }
  } else if (opts.watch.tee || stdin_is_piped()) {
    w.name("-");
    ok = w.add_stdin();
  } else {
    const std::optional<codex_home> home = codex_home::locate();
    if (!home) {
      complain("no input given and neither $CODEX_HOME nor $HOME is set; name the logs to watch");
      return exit_trouble;
    }
    // What Codex writes (codex-rs/rollout/src/recorder.rs, codex-rs/tui's log): new rollouts under
    // sessions/, the TUI's log. Each file as analyze would name it.
    const fs::path log = home->root / "log" / "codex-tui.log";
    const fs::path sessions = home->root / "sessions";
    const fs::path database = home->root / "logs_2.sqlite";
    ok = w.add_file(log.string(), log, start);
    w.name(log.string());
    ok = ok && w.add_database(database.string(), database, start);
    w.name(database.string());
    w.add_tree(sessions, is_rollout, found_files::named);
    described.push_back(log.string());
    described.push_back(database.string());
    described.push_back(sessions.string() + "/");
  }
  for (const std::string& proxy : opts.proxy_logs) {
    w.name(proxy);
    ok = ok && w.add_file(proxy, proxy, start);
    if (!described.empty()) described.push_back(proxy);
  }
  if (!ok) return exit_trouble;
  if (!described.empty()) {
    std::cerr << fmt::format("loopscope: watching {}{}\n", fmt::join(described, ", "),
                             opts.watch.from_start ? "" : " (from now on)");
  }

  w.run();
  // A second Ctrl-C while the rest is read and the report written ends loopscope at once.
  ::signal(SIGINT, SIG_DFL);
  ::signal(SIGTERM, SIG_DFL);
  w.finish();
  if (w.dropped_commands() > 0) {
    complain(fmt::format("--on-alert: {} alert{} dropped (the command was still busy)",
                         w.dropped_commands(), w.dropped_commands() == 1 ? "" : "s"));
  }
  const analysis_result result = analyze(w.final_request(version));
  const int status = report_watched(opts, result, opts.inputs, target);
  ::close(signal_pipe[0]);
  ::close(signal_pipe[1]);
  if (w.tee_failed()) {
    complain("--tee: standard output was closed; the input was not passed through whole");
    return exit_trouble;
  }
  return status;
}

}  // namespace loopscope::app
