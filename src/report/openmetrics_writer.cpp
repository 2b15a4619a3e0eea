// Metrics in the Prometheus text exposition format, for node_exporter's textfile collector
// (write them with -o to a *.prom file in its folder; -o replaces the file atomically, as the
// collector's documentation asks). Every figure describes the logs of this run, so each is a
// gauge: a nightly run over yesterday's logs is not a monotonic counter. Names follow the
// Prometheus conventions (https://prometheus.io/docs/practices/naming/): a `loopscope_`
// namespace, snake_case, base units (`_seconds`), no `_total` on gauges; labels as LiteLLM's own
// metrics name them where they overlap (`status_code`, not `status`).
#include <fmt/format.h>

#include <map>
#include <string>

#include "loopscope/report/writers.hpp"
#include "text_helpers.hpp"

namespace loopscope::report {
namespace {

// Label values: backslash, double quote and line feed escaped, as the format requires.
std::string label(std::string_view text) {
  std::string out;
  for (const char c : detail::one_line(text)) {
    if (c == '\\' || c == '"') out += '\\';
    out += c;
  }
  return out;
}

void family(std::ostream& out, std::string_view name, std::string_view help) {
  out << fmt::format("# HELP {} {}\n# TYPE {} gauge\n", name, help, name);
}

// Which retry layer a kind of finding is a loop of (README "Rules").
std::string_view layer_of(std::string_view kind) {
  static const std::map<std::string_view, std::string_view> layers{
      {"transport_fallback", "codex_transport"},
      {"stream_retry", "codex_turn"},
      {"request_retry", "codex_request"},
      {"proxy_retry", "litellm_router"},
      {"proxy_fallback", "litellm_router"},
      {"tool_repeat", "model"},
      {"web_search_repeat", "model"},
      {"monologue", "model"},
      {"error_repeat", "model"},
      {"turn_failure", "turn"}};
  const auto it = layers.find(kind);
  return it == layers.end() ? "other" : it->second;
}

}  // namespace

void write_openmetrics(const report& r, std::ostream& out, const render_options& options) {
  (void)options;  // no free text is written: labels are kinds, statuses and paths
  std::size_t partial = 0, unreadable = 0, unrecognised_inputs = 0, whole = 0;
  for (const input_report& input : r.inputs) {
    if (input.stats.status == read_status::partial) ++partial;
    if (input.stats.status == read_status::unreadable) ++unreadable;
    if (unrecognised(input)) ++unrecognised_inputs;
    if (input.stats.status == read_status::complete && !unrecognised(input)) ++whole;
  }
  family(out, "loopscope_inputs", "Inputs of the run by how they were read.");
  out << fmt::format("loopscope_inputs{{status=\"read\"}} {}\n", whole);
  out << fmt::format("loopscope_inputs{{status=\"partial\"}} {}\n", partial);
  out << fmt::format("loopscope_inputs{{status=\"unreadable\"}} {}\n", unreadable);
  out << fmt::format("loopscope_inputs{{status=\"unrecognised\"}} {}\n", unrecognised_inputs);

  const aggregates& a = r.aggregate;
  family(out, "loopscope_sessions", "Sessions analyzed.");
  out << fmt::format("loopscope_sessions {}\n", a.sessions);
  family(out, "loopscope_sessions_affected", "Sessions with at least one finding.");
  out << fmt::format("loopscope_sessions_affected {}\n", a.sessions_affected);
  family(out, "loopscope_turns", "Turns analyzed.");
  out << fmt::format("loopscope_turns {}\n", a.turns);
  family(out, "loopscope_turns_affected", "Turns with at least one turn-level finding.");
  out << fmt::format("loopscope_turns_affected {}\n", a.turns_affected);

  family(out, "loopscope_findings", "Findings by kind and severity.");
  std::map<std::string, std::size_t> by_kind_severity;
  // The summary counts what the report lists and what it only counts; per kind and severity the
  // listed findings are split, the omitted ones are added under their kind.
  for (const numbered_finding& n : r.findings) {
    ++by_kind_severity[fmt::format("kind=\"{}\",severity=\"{}\"",
                                   detect::finding_kind_name(n.finding.kind),
                                   detect::severity_name(n.finding.level))];
  }
  for (const auto& [kind, count] : r.omitted.summary.by_kind) {
    by_kind_severity[fmt::format("kind=\"{}\",severity=\"not_listed\"", label(kind))] += count;
  }
  for (const auto& [labels, count] : by_kind_severity) {
    out << fmt::format("loopscope_findings{{{}}} {}\n", labels, count);
  }

  family(out, "loopscope_loops_by_layer", "Findings by the retry layer that looped.");
  std::map<std::string_view, std::size_t> by_layer;
  for (const auto& [kind, count] : r.summary.by_kind) by_layer[layer_of(kind)] += count;
  for (const auto& [layer, count] : by_layer) {
    out << fmt::format("loopscope_loops_by_layer{{layer=\"{}\"}} {}\n", layer, count);
  }

  family(out, "loopscope_root_cause_findings",
         "Findings by the root cause that started them: status code, path and transport.");
  for (const cause_row& c : a.by_root_cause) {
    out << fmt::format(
        "loopscope_root_cause_findings{{status_code=\"{}\",path=\"{}\",transport=\"{}\"}} {}\n",
        c.status == 0 ? std::string("unknown") : std::to_string(c.status),
        label(c.path.empty() ? "unknown" : c.path),
        label(c.transport.empty() ? "unknown" : c.transport), c.findings);
  }
  family(out, "loopscope_root_cause_time_lost_seconds", "Time spent in loops, by root cause.");
  for (const cause_row& c : a.by_root_cause) {
    out << fmt::format(
        "loopscope_root_cause_time_lost_seconds{{status_code=\"{}\",path=\"{}\",transport=\"{}\"}} "
        "{:.3f}\n",
        c.status == 0 ? std::string("unknown") : std::to_string(c.status),
        label(c.path.empty() ? "unknown" : c.path),
        label(c.transport.empty() ? "unknown" : c.transport),
        static_cast<double>(c.time_lost_ms) / 1e3);
  }

  family(out, "loopscope_time_lost_seconds", "Time spent inside loops and failed turns.");
  out << fmt::format("loopscope_time_lost_seconds {:.3f}\n",
                     static_cast<double>(a.time_lost_ms) / 1e3);
  family(out, "loopscope_tokens_lost", "Tokens spent inside loops, where token counts exist.");
  out << fmt::format("loopscope_tokens_lost {}\n", a.tokens_lost);
  out << "# EOF\n";
}

}  // namespace loopscope::report
