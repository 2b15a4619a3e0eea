// Graphviz DOT: one cluster per finding with the cycle it walked, edges labelled with counts.
// `dot -Tsvg` must accept any report, so every label is a quoted, escaped, valid-UTF-8 string.
#include <fmt/format.h>

#include "loopscope/report/writers.hpp"
#include "text_helpers.hpp"

namespace loopscope::report {
namespace {

constexpr std::size_t label_columns = 60;

// A DOT quoted string. Inside one only `"` and `\` are special (a backslash starts an escape
// such as \n or \l); newlines become spaces so each label stays on one line.
std::string dot_string(std::string_view text) {
  std::string out = "\"";
  for (const char c : detail::trim_to_width(detail::one_line(text), label_columns)) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out + "\"";
}

}  // namespace

void write_dot(const report& r, std::ostream& out, const render_options& options) {
  out << "digraph loopscope {\n"
         "  charset=\"UTF-8\";\n"
         "  rankdir=LR;\n"
         "  node [shape=box, fontname=\"monospace\"];\n"
         "  edge [fontname=\"monospace\"];\n";
  std::size_t cluster = 0;
  for (const numbered_finding& n : r.findings) {
    const detect::finding& f = n.finding;
    // A finding without a cycle (a failed turn) has nothing to draw; the other reports show it.
    if (f.cycle.empty()) continue;
    const std::string title =
        fmt::format("{} — {} — {} iteration{} ({})", detect::finding_kind_name(f.kind),
                    f.turn > 0 ? fmt::format("turn {}", f.turn) : std::string("session"),
                    f.iterations, detail::plural(f.iterations), detect::severity_name(f.level));
    out << fmt::format("  subgraph cluster_{} {{\n    label={};\n    tooltip={};\n", cluster,
                       dot_string(title), dot_string(fmt::format("session {}", f.session)));
    for (std::size_t i = 0; i < f.cycle.size(); ++i) {
      out << fmt::format("    c{}_{} [label={}];\n", cluster, i,
                         dot_string(redact_if(f.cycle[i], options.redact)));
    }
    // Every edge of the cycle is walked once per iteration; a one-node cycle is a self-loop.
    for (std::size_t i = 0; i < f.cycle.size(); ++i) {
      out << fmt::format("    c{}_{} -> c{}_{} [label=\"×{}\", color=red, penwidth=2];\n", cluster,
                         i, cluster, (i + 1) % f.cycle.size(), f.iterations);
    }
    out << "  }\n";
    ++cluster;
  }
  out << "}\n";
}

}  // namespace loopscope::report
