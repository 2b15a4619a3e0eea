// JSON report v1, documented in docs/report-v1.md. Fields may be added, never renamed.
#include <nlohmann/json.hpp>

#include "loopscope/report/writers.hpp"

namespace loopscope::report {
namespace {

using json = nlohmann::ordered_json;

json time_or_null(const std::optional<timestamp>& t) {
  return t ? json(format_rfc3339(*t)) : json(nullptr);
}

json text_or_null(const std::string& text, const render_options& options) {
  return text.empty() ? json(nullptr) : json(redact_if(text, options.redact));
}

std::string path_of(const report& r, input_index input) {
  return input < r.inputs.size() ? r.inputs[input].stats.path : std::string("?");
}

json cause_json(const detect::root_cause& cause, const render_options& options) {
  json out;
  out["source"] = detect::cause_source_name(cause.source);
  out["transport"] = cause.http.transport == transport_kind::unknown
                         ? json(nullptr)
                         : json(transport_name(cause.http.transport));
  out["method"] = cause.http.method.empty() ? json(nullptr) : json(cause.http.method);
  out["path"] = cause.http.path.empty() ? json(nullptr) : json(cause.http.path);
  out["status"] = cause.http.status == 0 ? json(nullptr) : json(cause.http.status);
  out["error_class"] = text_or_null(cause.error_class, options);
  out["message"] = text_or_null(cause.message, options);
  auto flag = [](detect::retriable r) {
    return r == detect::retriable::unknown ? json(nullptr) : json(r == detect::retriable::yes);
  };
  out["retriable"] = flag(cause.is_retriable);
  out["retried_by"] = {{"codex_request", flag(cause.codex_request_layer)},
                       {"codex_turn", flag(cause.codex_turn_layer)},
                       {"litellm_router", flag(cause.litellm_router)}};
  return out;
}

}  // namespace

void write_json(const report& r, std::ostream& out, const render_options& options) {
  json doc;
  doc["schema"] = "loopscope/report/v1";
  doc["tool"] = {{"name", "loopscope"}, {"version", r.tool_version}};

  json inputs = json::array();
  for (const input_report& input : r.inputs) {
    const input_stats& s = input.stats;
    json entry;
    entry["path"] = s.path;
    entry["format"] = format_name(s.format);
    entry["lines"] = s.lines;
    entry["events"] = s.events;
    entry["used"] = s.used;
    entry["skipped"] = s.skipped;
    entry["malformed"] = s.malformed;
    entry["truncated"] = s.truncated;
    entry["unknown_types"] = s.unknown_types;
    entry["bytes"] = s.bytes;
    entry["compression"] = s.compression.empty() ? json(nullptr) : json(s.compression);
    entry["mixed_formats"] = s.mixed_formats;
    entry["status"] = s.status == read_status::complete  ? "complete"
                      : s.status == read_status::partial ? "partial"
                                                         : "unreadable";
    json problems = json::array();
    for (const diagnostic& d : input.problems) {
      problems.push_back({{"line", d.where.line == 0 ? json(nullptr) : json(d.where.line)},
                          {"message", redact_if(d.message, options.redact)}});
    }
    entry["problems"] = std::move(problems);
    inputs.push_back(std::move(entry));
  }
  doc["inputs"] = std::move(inputs);

  json sessions = json::array();
  for (const session::session_summary& s : r.sessions) {
    json entry;
    entry["id"] = s.id;
    json sources = json::array();
    for (const input_index source : s.sources) sources.push_back(path_of(r, source));
    entry["sources"] = std::move(sources);
    json turns = json::array();
    for (const session::turn_summary& t : s.turns) {
      turns.push_back({{"index", t.index},
                       {"id", t.id.empty() ? json(nullptr) : json(t.id)},
                       {"start", time_or_null(t.start)},
                       {"end", time_or_null(t.end)},
                       {"status", turn_outcome_name(t.outcome)},
                       {"requests", t.requests},
                       {"joined", {{"header", t.joined.by_header},
                                   {"id", t.joined.by_id},
                                   {"time", t.joined.by_time}}},
                       {"events", t.events}});
    }
    entry["turns"] = std::move(turns);
    entry["proxy_only"] = s.proxy_only;
    entry["proxy_requests_outside_turns"] = s.proxy_requests_outside_turns;
    entry["codex"] = {{"cli_version", s.cli_version.empty() ? json(nullptr) : json(s.cli_version)},
                      {"originator", s.originator.empty() ? json(nullptr) : json(s.originator)},
                      {"provider", s.provider.empty() ? json(nullptr) : json(s.provider)},
                      {"model", s.model.empty() ? json(nullptr) : json(s.model)}};
    entry["start"] = time_or_null(s.start);
    entry["end"] = time_or_null(s.end);
    sessions.push_back(std::move(entry));
  }
  doc["sessions"] = std::move(sessions);

  json findings = json::array();
  for (const numbered_finding& n : r.findings) {
    const detect::finding& f = n.finding;
    json entry;
    entry["id"] = n.id;
    entry["rule"] = f.rule;
    entry["kind"] = detect::finding_kind_name(f.kind);
    entry["severity"] = detect::severity_name(f.level);
    entry["session"] = f.session;
    entry["turn"] = f.turn == 0 ? json(nullptr) : json(f.turn);
    entry["turn_id"] = f.turn_id.empty() ? json(nullptr) : json(f.turn_id);
    entry["iterations"] = f.iterations;
    entry["start"] = time_or_null(f.start);
    entry["end"] = time_or_null(f.end);
    const auto duration = f.duration_ms();
    entry["duration_ms"] = duration ? json(*duration) : json(nullptr);
    entry["tokens"] = f.tokens < 0 ? json(nullptr) : json(f.tokens);
    json cycle = json::array();
    for (const std::string& signature : f.cycle) cycle.push_back(redact_if(signature, options.redact));
    entry["cycle"] = std::move(cycle);
    entry["root_cause"] = f.cause ? cause_json(*f.cause, options) : json(nullptr);
    json evidence = json::array();
    for (const detect::evidence_line& line : f.evidence) {
      evidence.push_back({{"path", path_of(r, line.where.input)},
                          {"line", line.where.line},
                          {"text", redact_if(line.text, options.redact)}});
    }
    entry["evidence"] = std::move(evidence);
    entry["summary"] = redact_if(f.summary, options.redact);
    entry["advice"] = text_or_null(f.advice, options);
    findings.push_back(std::move(entry));
  }
  doc["findings"] = std::move(findings);

  json summary;
  summary["findings"] = r.summary.findings;
  summary["by_kind"] = json::object();
  for (const auto& [kind, count] : r.summary.by_kind) summary["by_kind"][kind] = count;
  summary["by_severity"] = json::object();
  for (const auto& [level, count] : r.summary.by_severity) summary["by_severity"][level] = count;
  summary["sessions"] = r.sessions.size();
  std::size_t turns = 0;
  for (const auto& s : r.sessions) turns += s.turns.size();
  summary["turns"] = turns;
  summary["loop_time_ms"] = r.summary.loop_time_ms;
  doc["summary"] = std::move(summary);

  // Invalid UTF-8 in log lines is replaced (U+FFFD) rather than failing the whole report.
  out << doc.dump(2, ' ', false, json::error_handler_t::replace) << '\n';
}

}  // namespace loopscope::report
