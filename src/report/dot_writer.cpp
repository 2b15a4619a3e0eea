// Graphviz DOT: one cluster per finding with the cycle it walked, edges labelled with counts.
#include <fmt/format.h>

#include "loopscope/report/writers.hpp"

namespace loopscope::report {
namespace {

std::string dot_string(std::string_view text) {
  std::string out = "\"";
  for (const char c : text) {
    if (c == '"' || c == '\\') out += '\\';
    if (c == '\n' || c == '\r') {
      out += ' ';
      continue;
    }
    out += c;
  }
  return out + "\"";
}

}  // namespace

void write_dot(const report& r, std::ostream& out, const render_options& options) {
  out << "digraph loopscope {\n  rankdir=LR;\n  node [shape=box, fontname=\"monospace\"];\n";
  std::size_t cluster = 0;
  for (const numbered_finding& n : r.findings) {
    const detect::finding& f = n.finding;
    if (f.cycle.empty()) continue;
    out << fmt::format("  subgraph cluster_{} {{\n    label={};\n", cluster,
                       dot_string(fmt::format("{} — session {} turn {} — {} iterations",
                                              detect::finding_kind_name(f.kind), f.session, f.turn,
                                              f.iterations)));
    for (std::size_t i = 0; i < f.cycle.size(); ++i) {
      out << fmt::format("    c{}_{} [label={}];\n", cluster, i,
                         dot_string(redact_if(f.cycle[i], options.redact)));
    }
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
