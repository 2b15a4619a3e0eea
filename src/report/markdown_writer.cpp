// The Markdown report, written to be pasted into a GitHub issue as it is: environment, findings
// table, then per finding its cycle as a Mermaid diagram and the evidence folded away.
#include <algorithm>
#include <sstream>

#include <fmt/format.h>

#include "loopscope/formats/registry.hpp"
#include "loopscope/report/writers.hpp"
#include "markdown_escape.hpp"
#include "mermaid_diagram.hpp"
#include "text_helpers.hpp"

namespace loopscope::report {
namespace {

std::string or_unknown(std::string_view text) {
  return text.empty() ? std::string("–") : detail::markdown_code(text);
}

// Which proxy logs a session was joined with; a proxy log that was read but joined to no session
// still tells the reader a proxy was in the path.
std::string proxy_seen(const report& r, const session::session_summary& s) {
  std::vector<std::string> joined;
  for (const input_index i : s.sources) {
    if (i < r.inputs.size() && detail::is_proxy_format(r.inputs[i].stats.format)) {
      joined.push_back(fmt::format("{} ({})", detail::markdown_code(detail::input_file_name(r, i)),
                                   format_name(r.inputs[i].stats.format)));
    }
  }
  if (!joined.empty()) return fmt::format("yes: {}", fmt::join(joined, ", "));
  const bool any_proxy_log =
      std::any_of(r.inputs.begin(), r.inputs.end(),
                  [](const input_report& in) { return detail::is_proxy_format(in.stats.format); });
  return any_proxy_log ? "read, not joined to this session" : "no proxy log given";
}

void write_environment(const report& r, std::ostream& out) {
  out << "### Environment\n\n";
  if (r.sessions.empty()) {
    out << "No session was found in the inputs.\n\n";
    return;
  }
  out << "| session | Codex | originator | provider | model | proxy |\n";
  out << "|---|---|---|---|---|---|\n";
  for (const session::session_summary& s : r.sessions) {
    out << fmt::format("| {}{} | {} | {} | {} | {} | {} |\n", detail::markdown_code(s.id),
                       s.proxy_only ? fmt::format(" ({})", detail::session_origin(r, s)) : "",
                       or_unknown(s.cli_version), or_unknown(s.originator), or_unknown(s.provider),
                       or_unknown(s.model), proxy_seen(r, s));
  }
  out << '\n';
}

void write_inputs(const report& r, std::ostream& out) {
  out << "<details><summary>Inputs (" << r.inputs.size() << ")</summary>\n\n";
  out << "| input | format | status | lines | events | malformed | truncated |\n";
  out << "|---|---|---|---:|---:|---:|---:|\n";
  for (const input_report& input : r.inputs) {
    const input_stats& s = input.stats;
    out << fmt::format("| {} | {} | {} | {} | {} | {} | {} |\n", detail::markdown_code(s.path),
                       format_name(s.format),
                       s.status == read_status::complete  ? "complete"
                       : s.status == read_status::partial ? "partial"
                                                          : "unreadable",
                       s.lines, s.events, s.malformed, s.truncated);
  }
  out << "\n</details>\n\n";
}

std::string span_cell(const detect::finding& f) {
  const std::string span = detail::time_span(f.start, f.end);
  if (span.empty()) return "–";
  const auto ms = f.duration_ms();
  return ms && *ms > 0 ? fmt::format("{} ({})", span, detail::human_duration(*ms)) : span;
}

void write_evidence(const report& r, const detect::finding& f, std::ostream& out,
                    const render_options& options) {
  std::string body;
  for (const detect::evidence_line& e : f.evidence) {
    body += fmt::format("{}:{}  {}\n", detail::printable(detail::input_path(r, e.where.input)),
                        e.where.line, detail::one_line(redact_if(e.text, options.redact)));
  }
  if (f.evidence_omitted > 0) {
    body +=
        fmt::format("+{} more line{}\n", f.evidence_omitted, detail::plural(f.evidence_omitted));
  }
  const std::string fence = detail::markdown_fence(body);
  // The blank line after <summary> lets GitHub read the fenced block as Markdown.
  out << "<details><summary>Evidence (" << f.evidence.size() << " line"
      << detail::plural(f.evidence.size()) << ")</summary>\n\n"
      << fence << "text\n"
      << body << fence << "\n\n</details>\n";
}

std::string incident_section(const report& r, const numbered_incident& n, std::size_t number,
                             const render_options& options) {
  const detect::incident& i = n.incident;
  std::string out = fmt::format("#### Incident {} — {}, {}{}\n\n", number,
                                detect::severity_name(i.level), detail::turns_text(i.turns),
                                i.time_ms > 0 ? ", " + detail::human_duration(i.time_ms) : "");
  out += detail::markdown_text(redact_if(i.verdict, options.redact)) + "\n\n";
  if (const std::string layers = detail::layers_text(i); !layers.empty()) {
    out += "**Layers:** " + detail::markdown_text(layers) + "\n\n";
  }
  if (i.cause) {
    out += "**Cause:** " +
           detail::markdown_text(redact_if(detail::cause_sentence(*i.cause), options.redact)) +
           "\n\n";
  }
  if (const std::string sequence = detail::mermaid_sequence(i, options.redact); !sequence.empty()) {
    out += "```mermaid\n" + sequence + "```\n\n";
  }
  if (!i.turn_times.empty()) {
    out +=
        "| turn | time | backoff | failing | other | outcome |\n|---:|---:|---:|---:|---:|---|\n";
    auto cell = [](std::int64_t ms) {
      return ms < 0 ? std::string("–") : detail::human_duration(ms);
    };
    for (const detect::turn_time& t : i.turn_times) {
      out += fmt::format("| {} | {} | {} | {} | {} | {} |\n", t.turn, cell(t.span_ms),
                         cell(t.backoff_ms), cell(t.failing_ms), cell(t.other_ms),
                         t.failed ? "failed" : "recovered");
    }
    out += '\n';
  }
  // The findings, folded: the verdict above is what a reader needs first.
  out += fmt::format("<details><summary>{} finding{}</summary>\n\n", n.finding_positions.size(),
                     detail::plural(n.finding_positions.size()));
  for (const std::size_t k : n.finding_positions) {
    const detect::finding& f = r.findings[k].finding;
    out += fmt::format(
        "**{}** — {} ({}, {} iteration{}, {})\n\n", detect::finding_kind_name(f.kind),
        f.turn > 0 ? fmt::format("turn {}", f.turn) : "session", detect::severity_name(f.level),
        f.iterations, detail::plural(f.iterations), span_cell(f));
    if (!f.summary.empty())
      out += detail::markdown_text(redact_if(f.summary, options.redact)) + "\n\n";
    if (const std::string diagram = detail::mermaid_cycle(f, options.redact); !diagram.empty()) {
      out += "```mermaid\n" + diagram + "```\n\n";
    }
    std::ostringstream evidence;
    write_evidence(r, f, evidence, options);
    out += evidence.str() + "\n";
  }
  out += "</details>\n";
  return out;
}

}  // namespace

void write_markdown(const report& r, std::ostream& out, const render_options& options) {
  // One GitHub comment holds 65,536 characters: the verdict and the incidents' headlines always
  // fit; details go in while they fit, and what does not is counted at the end. Bytes are
  // counted, which is never less than characters.
  constexpr std::size_t budget = 65'536;
  constexpr std::size_t reserve = 1'024;  // the closing note
  std::string doc;

  // Verdict first: one sentence per incident, worst first.
  constexpr std::size_t verdicts_shown = 20;
  const std::vector<const numbered_incident*> order = detail::incidents_worst_first(r);
  const bool many_sessions = r.sessions.size() > 1;
  if (order.empty()) {
    doc += r.summary.findings == 0 ? fmt::format("**{}**\n\n", detail::no_findings_sentence(r))
                                   : std::string("**No incident among the sessions listed.**\n\n");
  }
  for (std::size_t k = 0; k < order.size() && k < verdicts_shown; ++k) {
    const detect::incident& i = order[k]->incident;
    doc += fmt::format("- **{}**{}: {}\n", detect::severity_name(i.level),
                       many_sessions
                           ? fmt::format(" ({})", detail::markdown_code(i.session.substr(0, 8)))
                           : std::string(),
                       detail::markdown_text(redact_if(i.verdict, options.redact)));
  }
  if (order.size() > verdicts_shown) {
    doc += fmt::format("- … and {} more incident{} below.\n", order.size() - verdicts_shown,
                       detail::plural(order.size() - verdicts_shown));
  }
  doc += '\n';

  const std::size_t sessions = r.aggregate.sessions;
  const std::size_t turns = r.aggregate.turns;
  doc += "## loopscope report\n\n";
  doc += fmt::format("loopscope {} read {} input{}: {} session{}, {} turn{}, {}", r.tool_version,
                     r.inputs.size(), detail::plural(r.inputs.size()), sessions,
                     detail::plural(sessions), turns, detail::plural(turns),
                     detail::severity_counts(r.summary));
  if (!r.incidents.empty()) {
    doc += fmt::format(" in {} incident{}", r.incidents.size(), detail::plural(r.incidents.size()));
  }
  if (r.summary.loop_time_ms > 0) {
    doc += fmt::format(", {} in loops", detail::human_duration(r.summary.loop_time_ms));
  }
  doc += ".\n\n";
  if (const std::string note = detail::omitted_note(r); !note.empty()) {
    doc += detail::markdown_text(note) + "\n\n";
  }

  // Sections in order of importance; each goes in whole or is counted as left out.
  std::size_t incidents_left = 0, sections_left = 0;
  auto fits = [&](const std::string& section) {
    return doc.size() + section.size() + reserve <= budget;
  };
  std::size_t number = 0;
  for (const session::session_summary& s : r.sessions) {
    const std::vector<const numbered_incident*> mine = detail::session_incidents(r, s.id);
    if (mine.empty()) continue;
    std::string head = many_sessions
                           ? fmt::format("### Session {}\n\n", detail::markdown_code(s.id))
                           : std::string("### Incidents\n\n");
    bool head_written = false;
    for (const numbered_incident* n : mine) {
      std::string section = incident_section(r, *n, ++number, options);
      if (!head_written) section = head + section;
      if (!fits(section)) {
        ++incidents_left;
        continue;
      }
      head_written = true;
      doc += section + "\n";
    }
  }
  std::ostringstream environment, inputs;
  write_environment(r, environment);
  write_inputs(r, inputs);
  for (const std::string& section : {environment.str(), inputs.str()}) {
    if (fits(section)) {
      doc += section;
    } else {
      ++sections_left;
    }
  }
  if (incidents_left > 0 || sections_left > 0) {
    std::vector<std::string> parts;
    if (incidents_left > 0) {
      parts.push_back(
          fmt::format("{} more incident{}", incidents_left, detail::plural(incidents_left)));
    }
    if (sections_left > 0) {
      parts.push_back(fmt::format("{} table{} (environment, inputs)", sections_left,
                                  detail::plural(sections_left)));
    }
    doc += fmt::format(
        "\n_{} omitted to fit one GitHub comment (65,536 characters): `--format json` lists "
        "everything; `--session ID`, `--turn N` or `--last` narrow the report._\n",
        fmt::join(parts, " and "));
  }
  out << doc;
}

}  // namespace loopscope::report
