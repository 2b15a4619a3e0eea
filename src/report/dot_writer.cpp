// Graphviz DOT: one cluster per finding — the turn's transition graph in the lane the loop was
// seen in, nodes labelled by masked signature, edges by how often they were taken, and the
// cycle's edges drawn in red. Findings without a graph show their cycle alone.
// `dot -Tsvg` must accept any report, so every label is a quoted, escaped, valid-UTF-8 string.
#include <algorithm>

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
    const detect::graph_sketch& g = f.turn_graph;
    if (!g.nodes.empty()) {
      for (std::size_t i = 0; i < g.nodes.size(); ++i) {
        const bool in_cycle =
            std::find(f.cycle.begin(), f.cycle.end(), g.nodes[i]) != f.cycle.end();
        out << fmt::format("    c{}_{} [label={}{}];\n", cluster, i,
                           dot_string(redact_if(g.nodes[i], options.redact)),
                           in_cycle ? ", color=red" : "");
      }
      auto position = [&](const std::string& signature) {
        return static_cast<std::size_t>(std::find(g.nodes.begin(), g.nodes.end(), signature) -
                                        g.nodes.begin());
      };
      for (const auto& e : g.edges) {
        // An edge of the cycle: from one cycle step to the next.
        bool cycle_edge = false;
        for (std::size_t i = 0; i < f.cycle.size(); ++i) {
          cycle_edge = cycle_edge || (position(f.cycle[i]) == e.from &&
                                      position(f.cycle[(i + 1) % f.cycle.size()]) == e.to);
        }
        out << fmt::format("    c{}_{} -> c{}_{} [label=\"×{}\"{}];\n", cluster, e.from, cluster,
                           e.to, e.count, cycle_edge ? ", color=red, penwidth=2" : "");
      }
    } else {
      for (std::size_t i = 0; i < f.cycle.size(); ++i) {
        out << fmt::format("    c{}_{} [label={}];\n", cluster, i,
                           dot_string(redact_if(f.cycle[i], options.redact)));
      }
      // Every edge of the cycle is walked once per iteration; a one-node cycle is a self-loop.
      for (std::size_t i = 0; i < f.cycle.size(); ++i) {
        out << fmt::format("    c{}_{} -> c{}_{} [label=\"×{}\", color=red, penwidth=2];\n",
                           cluster, i, cluster, (i + 1) % f.cycle.size(), f.iterations);
      }
    }
    out << "  }\n";
    ++cluster;
  }
  out << "}\n";
}

}  // namespace loopscope::report
