#include "analysis.hpp"

#include <sys/stat.h>

#include <algorithm>
#include <atomic>
#include <exception>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <sstream>
#include <thread>

#include <fmt/format.h>

#include "batch_state.hpp"
#include "loopscope/detect/rule_engine.hpp"
#include "loopscope/detect/rule_loader.hpp"
#include "loopscope/formats/registry.hpp"
#include "loopscope/ingest/input_list.hpp"
#include "loopscope/normalize/event_source.hpp"
#include "loopscope/report/aggregate_merge.hpp"
#include "loopscope/report/report_builder.hpp"
#include "loopscope/report/writers.hpp"
#include "loopscope/session/input_merger.hpp"
#include "loopscope/session/session_assembler.hpp"

namespace loopscope::app {
namespace {

// Turns finished turns into findings, and ended sessions into the report; keeps nothing of a
// turn, and of a session only its findings until it ends.
class turn_analyzer final : public session::turn_sink {
 public:
  turn_analyzer(std::shared_ptr<const detect::rule_set> rules, report::report_builder& builder)
      : engine_(std::move(rules)), builder_(builder) {}

  void on_turn(const session::turn& t) override {
    for (detect::finding& f : engine_.on_turn(t)) builder_.add_finding(std::move(f));
  }
  bool takes_turn_parts() const override { return true; }
  void on_turn_part(const session::turn& part) override { engine_.on_turn_part(part); }
  void on_session(session::session_summary&& ended) override {
    const std::vector<detect::finding*> earlier = builder_.open_findings(ended.id);
    for (detect::finding& f : engine_.finish_session(ended.id, earlier)) {
      builder_.add_finding(std::move(f));
    }
    builder_.end_session(std::move(ended));
  }

 private:
  detect::rule_engine engine_;
  report::report_builder& builder_;
};

// Inputs that must be merged together to be joined: see `grouping`. Members are positions in the
// expanded input list; their input indices are fixed before grouping, so evidence names the same
// file however the groups are scheduled.
struct join_group {
  std::string key;
  std::vector<std::size_t> members;
};

// What one group contributes to the report.
struct group_outcome {
  std::vector<report::input_report> inputs;  // in member order
  report::report part;                       // its sessions, findings and counts
  bool reused = false;                       // taken from --state, no file read
  std::optional<cached_group> cache;         // what --state keeps of it for the next run
};

std::vector<join_group> plan_groups(const ingest::input_list& inputs,
                                    const std::vector<std::string>& names, grouping how) {
  std::vector<join_group> groups;
  std::map<std::string, std::size_t> group_of_key;
  for (std::size_t i = 0; i < inputs.inputs.size(); ++i) {
    const ingest::input_spec& spec = inputs.inputs[i];
    std::string key = "(command line)";
    if (how == grouping::directory && !spec.is_stdin &&
        std::find(names.begin(), names.end(), spec.display_path) == names.end()) {
      // Found under a named directory: its directory is its group. Parentheses cannot start a
      // path shown as found under a directory, so the keys do not collide.
      key = std::filesystem::path(spec.display_path).parent_path().string() + "/";
    }
    const auto [it, inserted] = group_of_key.try_emplace(key, groups.size());
    if (inserted) groups.push_back({key, {}});
    groups[it->second].members.push_back(i);
  }
  return groups;
}

// What an input's line says about its clock: a measured skew, a shift of real dates, and where
// time-only stamps got their date when no Codex log beside them dated them. A day that completes
// a guessed date is said nowhere: it corrects nothing, and depends on no file's date.
std::vector<std::string> clock_notes(const session::clock_alignment* a,
                                     const normalize::event_source& source) {
  std::vector<std::string> notes;
  if (a != nullptr && a->skew_micros != 0) {
    notes.push_back(fmt::format(
        "clock aligned by {:+.3f} s: {} of {} proxy requests line up with Codex's attempts",
        static_cast<double>(a->skew_micros) / 1e6, a->matched, a->considered));
  }
  if (a != nullptr && a->day_shift_micros != 0 && !a->dates_completed) {
    notes.push_back(fmt::format("stamps shifted by {:+.0f} h to match Codex's logs",
                                static_cast<double>(a->day_shift_micros) / 3.6e9));
  }
  if (source.has_time_only_stamps() && (a == nullptr || !a->dates_completed)) {
    const std::string day = format_civil_day(source.date_day());
    switch (source.dated_by()) {
      case normalize::date_origin::given:
        notes.push_back(fmt::format("time-only stamps dated {} (--proxy-date)", day));
        break;
      case normalize::date_origin::modification_time:
        notes.push_back(fmt::format(
            "time-only stamps dated from the file's modification time ({}): no Codex log with "
            "dates beside it; --proxy-date sets the day",
            day));
        break;
      case normalize::date_origin::today:
        notes.push_back(fmt::format(
            "time-only stamps dated today ({}): standard input has no date; --proxy-date sets "
            "the day",
            day));
        break;
    }
  }
  return notes;
}

class batch_run {
 public:
  // `spare_cores`: what the worker threads leave of --jobs, for decoding large inputs on
  // threads of their own.
  batch_run(const analysis_request& request, const ingest::input_list& inputs,
            std::vector<join_group> groups, const batch_state* state, std::size_t spare_cores)
      : request_(request),
        inputs_(inputs),
        groups_(std::move(groups)),
        state_(state),
        decoding_threads_(spare_cores > 0 ? std::make_shared<normalize::decoding_threads>(
                                                static_cast<int>(spare_cores))
                                          : nullptr) {}

  input_index index_of(std::size_t position) const {
    return static_cast<input_index>(inputs_.unreadable.size() + position);
  }

  group_outcome run_group(const join_group& group) const {
    std::optional<std::vector<file_fingerprint>> prints;
    if (state_ != nullptr) prints = fingerprints(group);
    if (prints) {
      if (const cached_group* cached = state_->find(group.key);
          cached != nullptr && cached->files == *prints) {
        if (auto reused = from_cache(group, *cached)) return std::move(*reused);
      }
    }
    group_outcome outcome = analyze_group(group);
    if (prints) outcome.cache = cached_group{std::move(*prints), to_cache(group, outcome)};
    return outcome;
  }

 private:
  // Nothing when a member cannot be fingerprinted (stdin, a file that vanished): never cached.
  std::optional<std::vector<file_fingerprint>> fingerprints(const join_group& group) const {
    std::vector<file_fingerprint> prints;
    for (const std::size_t member : group.members) {
      const ingest::input_spec& spec = inputs_.inputs[member];
      if (spec.is_stdin) return std::nullopt;
      auto print = fingerprint_file(spec.display_path, spec.file_path.string());
      if (!print) return std::nullopt;
      prints.push_back(std::move(*print));
    }
    return prints;
  }

  group_outcome analyze_group(const join_group& group) const {
    group_outcome outcome;
    report::report_builder builder(request_.window, request_.detail);
    turn_analyzer analyzer(request_.rules, builder);
    session::session_assembler assembler(analyzer);
    // Sources are made when the merge reaches them and let go when they end: the group's memory
    // does not grow with its number of files.
    session::input_merger merger(
        group.members.size(),
        [&](std::size_t position) {
          const std::size_t member = group.members[position];
          auto source = std::make_unique<normalize::event_source>(
              index_of(member), inputs_.inputs[member], request_.forced_format, request_.limits,
              request_.proxy_clock);
          source->read_in_background({decoding_threads_});
          return source;
        },
        session::merge_settings{.read_ahead_core = decoding_threads_});
    session::merged_event_observer observer;
    if (request_.event_observer) {
      observer = [&](const event& e, const normalize::event_source& source) {
        request_.event_observer(e, source.spec().display_path);
      };
    }
    outcome.inputs.resize(group.members.size());
    const session::input_merger::input_finished finished = [&](std::size_t position,
                                                               const normalize::event_source&
                                                                   source,
                                                               const session::clock_alignment*
                                                                   alignment) {
      report::input_report& entry = outcome.inputs[position];
      entry.stats = source.stats();
      entry.problems = source.problems();
      for (std::string& note : clock_notes(alignment, source)) {
        entry.problems.push_back({diagnostic_level::note, {source.index(), 0}, std::move(note)});
      }
    };
    merger.run(assembler, finished, observer);
    outcome.part = std::move(builder.result());
    return outcome;
  }

  // The group as a report of its own (inputs numbered from 0), redacted: no secret in the state.
  std::string to_cache(const join_group& group, const group_outcome& outcome) const {
    std::map<input_index, input_index> local;
    for (std::size_t i = 0; i < group.members.size(); ++i) {
      local.emplace(index_of(group.members[i]), static_cast<input_index>(i));
    }
    auto to_local = [&](input_index global) {
      const auto it = local.find(global);
      return it == local.end() ? global : it->second;
    };
    report::report part = outcome.part;
    part.tool_version = request_.tool_version;
    part.inputs = outcome.inputs;
    for (session::session_summary& s : part.sessions) {
      std::set<input_index> sources;
      for (const input_index i : s.sources) sources.insert(to_local(i));
      s.sources = std::move(sources);
    }
    for (report::numbered_finding& n : part.findings) {
      for (detect::evidence_line& line : n.finding.evidence) {
        line.where.input = to_local(line.where.input);
      }
    }
    std::ostringstream text;
    report::write_json(part, text, report::render_options{});
    return text.str();
  }

  std::optional<group_outcome> from_cache(const join_group& group,
                                          const cached_group& cached) const {
    report::report part;
    if (!report::read_json_report(cached.report_json, part).empty()) return std::nullopt;
    if (part.inputs.size() != group.members.size()) return std::nullopt;
    std::vector<input_index> global;
    for (std::size_t i = 0; i < group.members.size(); ++i) {
      if (part.inputs[i].stats.path != inputs_.inputs[group.members[i]].display_path) {
        return std::nullopt;
      }
      global.push_back(index_of(group.members[i]));
    }
    group_outcome outcome;
    outcome.reused = true;
    for (report::input_report& input : part.inputs) {
      for (diagnostic& d : input.problems) d.where.input = global[d.where.input];
      outcome.inputs.push_back(std::move(input));
    }
    for (session::session_summary& s : part.sessions) {
      std::set<input_index> sources;
      for (const input_index i : s.sources) sources.insert(global.at(i));
      s.sources = std::move(sources);
    }
    for (report::numbered_finding& n : part.findings) {
      for (detect::evidence_line& line : n.finding.evidence) {
        line.where.input = global.at(line.where.input);
      }
    }
    part.inputs.clear();
    outcome.part = std::move(part);
    outcome.cache = cached;
    return outcome;
  }

  const analysis_request& request_;
  const ingest::input_list& inputs_;
  std::vector<join_group> groups_;
  const batch_state* state_;
  std::shared_ptr<normalize::decoding_threads> decoding_threads_;  // null: no core to spare
};

std::string state_settings(const analysis_request& request) {
  // Results depend on the version (detectors change), a forced format, the grouping and how
  // proxy stamps are dated.
  const normalize::proxy_clock& clock = request.proxy_clock;
  return fmt::format("{}|{}|{}|{}|{}", request.tool_version,
                     request.forced_format ? format_name(*request.forced_format) : "auto",
                     request.groups == grouping::directory ? "directory" : "single",
                     clock.day ? format_civil_day(*clock.day) : "-",
                     clock.zone ? clock.zone->name() : "UTC");
}

}  // namespace

analysis_result analyze(const analysis_request& request) {
  if (!request.rules) {
    analysis_request with_rules = request;
    with_rules.rules = std::make_shared<const detect::rule_set>(detect::builtin_rules().rules);
    return analyze(with_rules);
  }
  analysis_result result;
  report::report& model = result.model;
  model.tool_version = request.tool_version;

  const ingest::input_list inputs =
      request.expanded ? *request.expanded : ingest::expand_inputs(request.inputs);
  // Names that could not be opened are inputs too: the report shows them as unreadable.
  for (const std::string& name : inputs.unreadable) {
    report::input_report entry;
    entry.stats.path = name;
    entry.stats.status = read_status::unreadable;
    for (const diagnostic& d : inputs.problems) {
      if (d.message.starts_with(name + ":")) entry.problems.push_back(d);
    }
    model.inputs.push_back(std::move(entry));
    result.input_problem = true;
  }

  std::optional<batch_state> state;
  const bool use_state = request.state_path.has_value() && !request.event_observer;
  if (use_state) {
    state = batch_state::load(*request.state_path, state_settings(request), result.state_warning);
  }

  std::uint64_t disk_total = 0;
  std::vector<std::uint64_t> disk_size(inputs.inputs.size(), 0);
  for (std::size_t i = 0; i < inputs.inputs.size(); ++i) {
    struct stat info {};
    if (!inputs.inputs[i].is_stdin && ::stat(inputs.inputs[i].file_path.c_str(), &info) == 0) {
      disk_size[i] = static_cast<std::uint64_t>(info.st_size);
      disk_total += disk_size[i];
    }
  }
  progress_meter progress(request.progress, inputs.inputs.size(), disk_total);
  analysis_request counted = request;
  counted.limits.bytes_read = progress.bytes_counter();

  const std::vector<join_group> groups = plan_groups(inputs, request.inputs, request.groups);
  // The `events` command prints from the merge: one group after the other, on this thread.
  const std::size_t threads =
      request.event_observer ? 1 : std::max<std::size_t>(1, std::min(request.jobs, groups.size()));
  batch_run run(counted, inputs, groups, state ? &*state : nullptr,
                request.jobs > threads ? request.jobs - threads : 0);

  // Each worker takes the next group; finished groups are folded into the report in group
  // order, so the report does not depend on which worker finished first, and a group's details
  // are let go as soon as the groups before it are done.
  std::optional<batch_state> next_state;
  if (state) next_state = state->emptied();
  model.inputs.resize(inputs.unreadable.size() + inputs.inputs.size());
  report::report_builder combined(request.window, request.detail);
  std::vector<std::optional<group_outcome>> finished(groups.size());
  std::size_t next_to_fold = 0;
  std::mutex fold_mutex;
  auto fold_in_order = [&] {
    for (; next_to_fold < groups.size() && finished[next_to_fold]; ++next_to_fold) {
      const std::size_t g = next_to_fold;
      group_outcome outcome = std::move(*finished[g]);
      finished[g].reset();
      for (std::size_t i = 0; i < groups[g].members.size(); ++i) {
        report::input_report& entry = outcome.inputs[i];
        if (entry.stats.status != read_status::complete) result.input_problem = true;
        if (report::unrecognised(entry) && !outcome.reused) {
          entry.problems.push_back(
              {diagnostic_level::warning,
               {run.index_of(groups[g].members[i]), 0},
               fmt::format("no recognised log lines in {} ({} line{} read); see 'loopscope "
                           "formats'",
                           entry.stats.path, entry.stats.lines,
                           entry.stats.lines == 1 ? "" : "s")});
        }
        model.inputs[run.index_of(groups[g].members[i])] = std::move(entry);
      }
      if (outcome.reused) model.summary.inputs_skipped_unchanged += groups[g].members.size();
      combined.add_part(std::move(outcome.part));
      if (next_state && outcome.cache) next_state->put(groups[g].key, std::move(*outcome.cache));
    }
  };

  std::atomic<std::size_t> next{0};
  std::mutex failure_mutex;
  std::exception_ptr failure;
  auto work = [&] {
    for (;;) {
      const std::size_t g = next.fetch_add(1);
      if (g >= groups.size()) return;
      try {
        group_outcome outcome = run.run_group(groups[g]);
        std::uint64_t disk = 0, read = 0;
        for (const std::size_t member : groups[g].members) disk += disk_size[member];
        for (const report::input_report& input : outcome.inputs) read += input.stats.bytes;
        progress.group_done(groups[g].members.size(), disk, read,
                            outcome.part.sessions.size() + outcome.part.omitted.aggregate.sessions);
        const std::lock_guard lock(fold_mutex);
        finished[g] = std::move(outcome);
        fold_in_order();
      } catch (...) {
        const std::lock_guard lock(failure_mutex);
        if (!failure) failure = std::current_exception();
        next = groups.size();
        return;
      }
    }
  };
  if (threads <= 1) {
    work();
  } else {
    std::vector<std::jthread> pool;
    for (std::size_t t = 0; t < threads; ++t) pool.emplace_back(work);
  }
  progress.finish();
  if (failure) std::rethrow_exception(failure);

  report::report& built = combined.result();
  model.sessions = std::move(built.sessions);
  model.findings = std::move(built.findings);
  model.omitted = std::move(built.omitted);
  model.window = request.window;
  model.selected = request.selection;
  report::finalize(model);

  if (next_state) {
    if (std::string error = next_state->save(*request.state_path); !error.empty()) {
      result.state_warning = "--state: " + error;
    }
  }
  return result;
}

}  // namespace loopscope::app
