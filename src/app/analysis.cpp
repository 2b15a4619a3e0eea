#include "analysis.hpp"

#include <memory>

#include <fmt/format.h>

#include "loopscope/detect/rule_engine.hpp"
#include "loopscope/ingest/input_list.hpp"
#include "loopscope/normalize/event_source.hpp"
#include "loopscope/session/input_merger.hpp"
#include "loopscope/session/session_assembler.hpp"

namespace loopscope::app {
namespace {

// Turns finished turns into findings; keeps nothing of the turn itself.
class turn_analyzer final : public session::turn_sink {
 public:
  turn_analyzer(std::shared_ptr<const detect::rule_set> rules,
                std::vector<report::numbered_finding>& findings)
      : engine_(std::move(rules)), findings_(findings) {}

  void on_turn(const session::turn& t) override {
    for (detect::finding& f : engine_.on_turn(t)) findings_.push_back({{}, std::move(f)});
  }
  void finish() {
    for (detect::finding& f : engine_.finish()) findings_.push_back({{}, std::move(f)});
  }

 private:
  detect::rule_engine engine_;
  std::vector<report::numbered_finding>& findings_;
};

}  // namespace

analysis_result analyze(const analysis_request& request) {
  analysis_result result;
  report::report& model = result.model;
  model.tool_version = request.tool_version;

  const ingest::input_list inputs = ingest::expand_inputs(request.inputs);
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

  std::vector<std::unique_ptr<normalize::event_source>> sources;
  for (const ingest::input_spec& spec : inputs.inputs) {
    const auto index = static_cast<input_index>(model.inputs.size() + sources.size());
    sources.push_back(std::make_unique<normalize::event_source>(index, spec, request.forced_format,
                                                                request.limits));
  }

  turn_analyzer analyzer(request.rules, model.findings);
  session::session_assembler assembler(analyzer);
  session::input_merger merger(std::move(sources));
  session::merged_event_observer observer;
  if (request.event_observer) {
    observer = [&](const event& e, const normalize::event_source& source) {
      request.event_observer(e, source.spec().display_path);
    };
  }
  merger.run(assembler, observer);
  analyzer.finish();

  for (const auto& source : merger.sources()) {
    report::input_report entry;
    entry.stats = source->stats();
    entry.problems = source->problems();
    for (const session::clock_alignment& a : merger.alignments()) {
      if (a.input != source->index()) continue;
      entry.problems.push_back(
          {diagnostic_level::note,
           {source->index(), 0},
           a.matched > 0
               ? fmt::format("clock aligned by {:+.3f} s: {} of {} proxy requests line up with "
                             "Codex's attempts",
                             static_cast<double>(a.offset_micros) / 1e6, a.matched, a.considered)
               : fmt::format("time-only stamps dated by {:+.0f} h to match Codex's logs",
                             static_cast<double>(a.offset_micros) / 3.6e9)});
    }
    if (entry.stats.status != read_status::complete) result.input_problem = true;
    model.inputs.push_back(std::move(entry));
  }
  model.sessions = assembler.sessions();
  report::finalize(model);
  return result;
}

}  // namespace loopscope::app
