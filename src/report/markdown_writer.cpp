// The Markdown report, written to be pasted into a GitHub issue as it is: environment, findings
// table, then per finding its cycle as a Mermaid diagram and the evidence folded away.
#include <algorithm>

#include <fmt/format.h>

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
                       s.proxy_only ? " (proxy log only)" : "", or_unknown(s.cli_version),
                       or_unknown(s.originator), or_unknown(s.provider), or_unknown(s.model),
                       proxy_seen(r, s));
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
  const std::string fence = detail::markdown_fence(body);
  // The blank line after <summary> lets GitHub read the fenced block as Markdown.
  out << "<details><summary>Evidence (" << f.evidence.size() << " line"
      << detail::plural(f.evidence.size()) << ")</summary>\n\n"
      << fence << "text\n"
      << body << fence << "\n\n</details>\n";
}

}  // namespace

void write_markdown(const report& r, std::ostream& out, const render_options& options) {
  const std::size_t sessions = r.aggregate.sessions;
  const std::size_t turns = r.aggregate.turns;
  out << "## loopscope report\n\n";
  out << fmt::format("loopscope {} read {} input{}: {} session{}, {} turn{}, {}", r.tool_version,
                     r.inputs.size(), detail::plural(r.inputs.size()), sessions,
                     detail::plural(sessions), turns, detail::plural(turns),
                     detail::severity_counts(r.summary));
  if (r.summary.loop_time_ms > 0) {
    out << fmt::format(", {} in loops", detail::human_duration(r.summary.loop_time_ms));
  }
  out << ".\n\n";
  if (const std::string note = detail::omitted_note(r); !note.empty()) {
    out << detail::markdown_text(note) << "\n\n";
  }
  write_environment(r, out);
  write_inputs(r, out);

  if (r.findings.empty()) {
    if (r.summary.findings == 0) out << detail::no_findings_sentence(r) << "\n";
    return;
  }
  const bool many_sessions = r.sessions.size() > 1;
  out << "### Findings\n\n";
  out << (many_sessions
              ? "| # | severity | kind | session | turn | iterations | time | root cause |\n"
                "|---:|---|---|---|---:|---:|---|---|\n"
              : "| # | severity | kind | turn | iterations | time | root cause |\n"
                "|---:|---|---|---:|---:|---|---|\n");
  std::size_t number = 0;
  for (const numbered_finding& n : r.findings) {
    const detect::finding& f = n.finding;
    out << fmt::format(
        "| {} | {} | {} |{} {} | {} | {} | {} |\n", ++number, detect::severity_name(f.level),
        detail::markdown_code(detect::finding_kind_name(f.kind)),
        many_sessions ? fmt::format(" {} |", detail::markdown_code(f.session)) : "",
        f.turn > 0 ? fmt::format("{}", f.turn) : "–", f.iterations, span_cell(f),
        f.cause ? detail::markdown_text(redact_if(detail::cause_sentence(*f.cause), options.redact))
                : "–");
  }

  number = 0;
  for (const numbered_finding& n : r.findings) {
    const detect::finding& f = n.finding;
    out << fmt::format("\n#### {}. {} — {} ({}, {} iteration{})\n\n", ++number,
                       detect::finding_kind_name(f.kind),
                       f.turn > 0 ? fmt::format("turn {}", f.turn) : "session",
                       detect::severity_name(f.level), f.iterations, detail::plural(f.iterations));
    if (!f.summary.empty())
      out << detail::markdown_text(redact_if(f.summary, options.redact)) << "\n\n";
    if (f.cause) {
      out << "**Cause:** "
          << detail::markdown_text(redact_if(detail::cause_sentence(*f.cause), options.redact))
          << "\n\n";
    }
    if (!f.advice.empty()) {
      out << "**Fix:** " << detail::markdown_text(redact_if(f.advice, options.redact)) << "\n\n";
    }
    if (const std::string diagram = detail::mermaid_cycle(f, options.redact); !diagram.empty()) {
      out << "```mermaid\n" << diagram << "```\n\n";
    }
    write_evidence(r, f, out, options);
  }
}

}  // namespace loopscope::report
