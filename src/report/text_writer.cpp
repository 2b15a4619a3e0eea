// The terminal report: verdict first, evidence beneath.
#include <filesystem>

#include <fmt/format.h>

#include "loopscope/report/writers.hpp"
#include "text_helpers.hpp"

namespace loopscope::report {
namespace {

struct painter {
  bool enabled;
  std::string operator()(std::string_view text, std::string_view code) const {
    if (!enabled) return std::string(text);
    return fmt::format("\x1b[{}m{}\x1b[0m", code, text);
  }
};

std::string_view severity_color(detect::severity level) {
  switch (level) {
    case detect::severity::error: return "1;31";
    case detect::severity::warning: return "1;33";
    case detect::severity::info: return "36";
  }
  return "0";
}

}  // namespace

void write_text(const report& r, std::ostream& out, const render_options& options) {
  const painter paint{options.color == color_mode::always};
  std::size_t turns = 0;
  for (const auto& s : r.sessions) turns += s.turns.size();
  out << fmt::format("loopscope {} — {} input{}, {} session{}, {} turn{}, {}\n", r.tool_version,
                     r.inputs.size(), detail::plural(r.inputs.size()), r.sessions.size(),
                     detail::plural(r.sessions.size()), turns, detail::plural(turns),
                     detail::severity_counts(r.summary));

  for (const input_report& input : r.inputs) {
    const input_stats& s = input.stats;
    std::string line = fmt::format("  input {} — {}, {} line{}, {} event{}", s.path,
                                   format_name(s.format), s.lines, detail::plural(s.lines),
                                   s.events, detail::plural(s.events));
    if (s.malformed > 0) line += fmt::format(", {} malformed", s.malformed);
    if (s.truncated > 0) line += fmt::format(", {} truncated", s.truncated);
    if (s.unknown_types > 0) line += fmt::format(", {} of unknown type", s.unknown_types);
    out << line << '\n';
    for (const diagnostic& d : input.problems) {
      out << "    " << paint("note:", "33") << ' '
          << redact_if(d.where.line ? fmt::format("line {}: {}", d.where.line, d.message)
                                    : d.message,
                       options.redact)
          << '\n';
    }
  }

  for (const session::session_summary& s : r.sessions) {
    std::size_t count = 0;
    std::int64_t lost_ms = 0;
    for (const numbered_finding& n : r.findings) {
      if (n.finding.session != s.id) continue;
      ++count;
      if (auto ms = n.finding.duration_ms()) lost_ms += *ms;
    }
    out << '\n'
        << paint(fmt::format("Session {}", s.id), "1")
        << fmt::format(" — {} turn{}, {} finding{}", s.turns.size(), detail::plural(s.turns.size()),
                       count, detail::plural(count));
    if (lost_ms > 0) out << fmt::format(", {} in loops", detail::human_duration(lost_ms));
    out << '\n';
    for (const numbered_finding& n : r.findings) {
      const detect::finding& f = n.finding;
      if (f.session != s.id) continue;
      const std::string level = detail::upper(detect::severity_name(f.level));
      out << fmt::format("  {} {} · turn {} · {} iteration{}",
                         paint(fmt::format("{:<7}", level), severity_color(f.level)),
                         detect::finding_kind_name(f.kind), f.turn, f.iterations,
                         detail::plural(f.iterations));
      if (auto ms = f.duration_ms()) out << " · " << detail::human_duration(*ms);
      out << '\n';
      const std::size_t indent = 10;
      out << detail::wrap(redact_if(f.summary, options.redact), indent, options.width);
      if (f.cause) {
        out << detail::wrap("cause: " + redact_if(detail::cause_sentence(*f.cause), options.redact),
                            indent, options.width);
      }
      if (!f.advice.empty()) {
        out << detail::wrap("fix:   " + redact_if(f.advice, options.redact), indent, options.width);
      }
      for (const detect::evidence_line& e : f.evidence) {
        // The file name is enough to find the line: the inputs are listed above in full.
        const std::string where = fmt::format(
            "{}:{}",
            e.where.input < r.inputs.size()
                ? std::filesystem::path(r.inputs[e.where.input].stats.path).filename().string()
                : "?",
            e.where.line);
        const std::string text = redact_if(e.text, options.redact);
        const std::size_t room =
            options.width > indent + where.size() + 4 ? options.width - indent - where.size() - 2
                                                      : 20;
        out << std::string(indent, ' ') << paint(where, "2") << "  "
            << detail::trim_to_width(text, room) << '\n';
      }
    }
  }
  if (r.findings.empty()) out << "\nNo loops or failed turns found.\n";
}

}  // namespace loopscope::report
