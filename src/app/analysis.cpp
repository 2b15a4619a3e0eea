#include "analysis.hpp"

#include <sys/stat.h>

#include <array>
#include <ctime>
#include <memory>

#include "loopscope/detect/turn_detector.hpp"
#include "loopscope/formats/sniff.hpp"
#include "loopscope/graph/turn_graph.hpp"
#include "loopscope/ingest/input_list.hpp"
#include "loopscope/normalize/normalizer.hpp"
#include "loopscope/session/session_assembler.hpp"

namespace loopscope::app {
namespace {

// Turns finished turns into findings; keeps nothing of the turn itself.
class turn_analyzer final : public session::turn_sink {
 public:
  explicit turn_analyzer(std::vector<report::numbered_finding>& findings) : findings_(findings) {}

  void on_turn(const session::turn& t) override {
    const graph::turn_graph g = graph::build_turn_graph(t);
    for (detect::finding& f : detect::detect_in_turn(t, g)) {
      findings_.push_back({{}, std::move(f)});
    }
  }

 private:
  std::vector<report::numbered_finding>& findings_;
};

// Counts what one input's events were, then passes them on to the session stage.
class event_tap final : public normalize::event_sink {
 public:
  using observer = std::function<void(const event&, std::string_view)>;
  event_tap(normalize::event_sink& next, const observer& watcher, std::string_view input_path)
      : next_(next), observer_(watcher), input_path_(input_path) {}

  void on_event(event&& e) override {
    ++produced_;
    if (observer_) observer_(e, input_path_);
    next_.on_event(std::move(e));
  }
  std::uint64_t produced() const { return produced_; }

 private:
  normalize::event_sink& next_;
  const observer& observer_;
  std::string_view input_path_;
  std::uint64_t produced_ = 0;
};

// Receives one input's lines: detects each line's format, normalizes it, keeps the accounting.
class input_reader final : public ingest::line_sink {
 public:
  input_reader(input_index index, normalize::input_context context,
               std::optional<format_id> forced, event_tap& tap, input_stats& stats)
      : index_(index), context_(std::move(context)), forced_(forced), tap_(tap), stats_(stats) {}

  void on_line(std::string_view raw_line, std::uint64_t line_number) override {
    const std::string_view line = formats::strip_container_prefix(raw_line);
    const origin where{index_, line_number};
    const format_id format = forced_ ? *forced_ : formats::sniff_line(line);
    if (format == format_id::unknown) {
      // Perhaps the next line of a multi-line record (a traceback) of the previous format.
      normalize::line_result result;
      if (previous_ != nullptr && previous_->continue_record(line, where, result)) {
        count(result);
        return;
      }
      tally_.count(format);
      ++stats_.skipped;
      return;
    }
    tally_.count(format);
    std::unique_ptr<normalize::format_normalizer>& normalizer =
        normalizers_[static_cast<std::size_t>(format)];
    if (!normalizer) normalizer = normalize::make_normalizer(format, context_);
    if (previous_ != nullptr && previous_ != normalizer.get()) previous_->finish(tap_);
    previous_ = normalizer.get();
    count(normalizer->normalize(line, where, tap_));
  }

  void on_truncated_line(std::uint64_t, std::uint64_t) override { ++stats_.truncated; }

  // End of input: pending multi-line records are emitted.
  void finish() {
    for (auto& normalizer : normalizers_) {
      if (normalizer) normalizer->finish(tap_);
    }
    previous_ = nullptr;
  }

  const formats::format_tally& tally() const { return tally_; }

 private:
  // "used" may come without an event yet: a multi-line record emits when it is complete, and
  // context lines (turn_context) only inform later events.
  void count(const normalize::line_result& result) {
    if (result.unknown_type) ++stats_.unknown_types;
    switch (result.outcome) {
      case normalize::line_outcome::malformed: ++stats_.malformed; break;
      case normalize::line_outcome::used: ++stats_.used; break;
      case normalize::line_outcome::skipped: ++stats_.skipped; break;
    }
  }

  input_index index_;
  normalize::input_context context_;
  std::optional<format_id> forced_;
  event_tap& tap_;
  input_stats& stats_;
  formats::format_tally tally_;
  std::array<std::unique_ptr<normalize::format_normalizer>, 8> normalizers_;
  normalize::format_normalizer* previous_ = nullptr;
};

// UTC midnight of the file's modification day, or of today for stdin: the date given to
// time-only stamps until the session stage re-anchors them.
std::optional<timestamp> date_hint_for(const ingest::input_spec& spec) {
  std::int64_t seconds = 0;
  struct stat info {};
  if (!spec.is_stdin && ::stat(spec.file_path.c_str(), &info) == 0) {
    seconds = info.st_mtime;
  } else {
    seconds = static_cast<std::int64_t>(std::time(nullptr));
  }
  return timestamp{(seconds - seconds % 86400) * 1'000'000};
}

}  // namespace

analysis_result analyze(const analysis_request& request) {
  analysis_result result;
  report::report& model = result.model;
  model.tool_version = request.tool_version;

  ingest::input_list inputs = ingest::expand_inputs(request.inputs);
  turn_analyzer analyzer(model.findings);
  session::session_assembler sessions(analyzer);

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

  for (const ingest::input_spec& spec : inputs.inputs) {
    const auto index = static_cast<input_index>(model.inputs.size());
    model.inputs.emplace_back();
    report::input_report& entry = model.inputs.back();
    entry.stats.path = spec.display_path;

    event_tap tap(sessions, request.event_observer, spec.display_path);
    input_reader reader(index, {"input:" + spec.display_path, date_hint_for(spec)},
                        request.forced_format, tap, entry.stats);
    ingest::read_outcome outcome = ingest::read_lines(spec, reader, request.limits);
    reader.finish();
    sessions.end_of_input(index);

    entry.stats.lines = outcome.lines;
    entry.stats.bytes = outcome.bytes;
    entry.stats.events = tap.produced();
    entry.stats.compression = outcome.compression;
    entry.stats.format = request.forced_format ? *request.forced_format : reader.tally().dominant();
    entry.stats.mixed_formats = reader.tally().mixed();
    entry.stats.status = !outcome.opened    ? read_status::unreadable
                         : outcome.complete ? read_status::complete
                                            : read_status::partial;
    for (diagnostic& d : outcome.problems) {
      d.where.input = index;
      entry.problems.push_back(std::move(d));
    }
    if (entry.stats.status != read_status::complete) result.input_problem = true;
  }
  sessions.finish();
  model.sessions = sessions.sessions();
  report::finalize(model);
  return result;
}

}  // namespace loopscope::app
