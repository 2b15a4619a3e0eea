// The Markdown report, written to be pasted into a GitHub issue as it is.
#include <fmt/format.h>

#include "loopscope/report/writers.hpp"
#include "text_helpers.hpp"

namespace loopscope::report {
namespace {

// Table cells: pipes split cells and newlines end rows.
std::string cell(std::string_view text) {
  std::string out;
  for (const char c : text) {
    if (c == '|') {
      out += "\\|";
    } else if (c == '\n' || c == '\r') {
      out += ' ';
    } else {
      out += c;
    }
  }
  return out;
}

// Mermaid node labels inside ["…"]: quotes and angle brackets become entity codes.
std::string mermaid_label(std::string_view text) {
  std::string out;
  for (const char c : detail::trim_to_width(text, 70)) {
    switch (c) {
      case '"': out += "#quot;"; break;
      case '<': out += "#lt;"; break;
      case '>': out += "#gt;"; break;
      case '#': out += "#35;"; break;
      case '\n':
      case '\r': out += ' '; break;
      default: out += c;
    }
  }
  return out;
}

}  // namespace

void write_markdown(const report& r, std::ostream& out, const render_options& options) {
  std::size_t turns = 0;
  for (const auto& s : r.sessions) turns += s.turns.size();
  out << "## loopscope report\n\n";
  out << fmt::format("loopscope {} read {} input{}: {} session{}, {} turn{}, {}.\n\n",
                     r.tool_version, r.inputs.size(), detail::plural(r.inputs.size()),
                     r.sessions.size(), detail::plural(r.sessions.size()), turns,
                     detail::plural(turns), detail::severity_counts(r.summary));

  out << "| input | format | lines | events | malformed | truncated |\n";
  out << "|---|---|---:|---:|---:|---:|\n";
  for (const input_report& input : r.inputs) {
    const input_stats& s = input.stats;
    out << fmt::format("| `{}` | {} | {} | {} | {} | {} |\n", cell(s.path), format_name(s.format),
                       s.lines, s.events, s.malformed, s.truncated);
  }
  out << '\n';

  if (r.findings.empty()) {
    out << "No loops or failed turns found.\n";
    return;
  }
  out << "### Findings\n\n";
  out << "| # | severity | kind | session | turn | iterations | duration | root cause |\n";
  out << "|---:|---|---|---|---:|---:|---:|---|\n";
  std::size_t number = 0;
  for (const numbered_finding& n : r.findings) {
    const detect::finding& f = n.finding;
    const auto ms = f.duration_ms();
    out << fmt::format("| {} | {} | `{}` | `{}` | {} | {} | {} | {} |\n", ++number,
                       detect::severity_name(f.level), detect::finding_kind_name(f.kind),
                       cell(f.session), f.turn, f.iterations,
                       ms ? detail::human_duration(*ms) : "–",
                       f.cause ? cell(redact_if(detail::cause_sentence(*f.cause), options.redact))
                               : "–");
  }
  number = 0;
  for (const numbered_finding& n : r.findings) {
    const detect::finding& f = n.finding;
    out << fmt::format("\n#### {}. {} in turn {} ({})\n\n", ++number,
                       detect::finding_kind_name(f.kind), f.turn, detect::severity_name(f.level));
    out << cell(redact_if(f.summary, options.redact)) << "\n\n";
    if (!f.advice.empty()) out << "**Fix:** " << redact_if(f.advice, options.redact) << "\n\n";
    if (!f.cycle.empty()) {
      out << "```mermaid\nflowchart LR\n";
      for (std::size_t i = 0; i < f.cycle.size(); ++i) {
        out << fmt::format("  n{}[\"{}\"]\n", i,
                           mermaid_label(redact_if(f.cycle[i], options.redact)));
      }
      for (std::size_t i = 0; i < f.cycle.size(); ++i) {
        out << fmt::format("  n{} -->|\"×{}\"| n{}\n", i, f.iterations,
                           (i + 1) % f.cycle.size());
      }
      out << "```\n\n";
    }
    out << "<details><summary>Evidence (" << f.evidence.size() << " line"
        << detail::plural(f.evidence.size()) << ")</summary>\n\n```text\n";
    for (const detect::evidence_line& e : f.evidence) {
      const std::string& path =
          e.where.input < r.inputs.size() ? r.inputs[e.where.input].stats.path : "?";
      // A fence inside the evidence would end the block early.
      std::string text = redact_if(e.text, options.redact);
      for (std::size_t pos = text.find("```"); pos != std::string::npos; pos = text.find("```"))
        text.replace(pos, 3, "'''");
      out << path << ':' << e.where.line << "  " << text << '\n';
    }
    out << "```\n\n</details>\n";
  }
}

}  // namespace loopscope::report
