// The terminal report: verdict first, evidence beneath, then a two-lane timeline per turn.
#include <algorithm>

#include <fmt/format.h>

#include "loopscope/formats/registry.hpp"
#include "loopscope/report/aggregate.hpp"
#include "loopscope/report/writers.hpp"
#include "text_helpers.hpp"

namespace loopscope::report {
namespace {

constexpr std::size_t finding_indent = 10;  // under the kind, past "  WARNING "
constexpr std::size_t narrowest = 40;       // below this, wrapping makes nothing readable

struct painter {
  color_mode mode;
  std::string operator()(std::string_view text, std::string_view code) const {
    if (mode == color_mode::never || text.empty()) return std::string(text);
    return fmt::format("\x1b[{}m{}\x1b[0m", code, text);
  }
};

std::string_view severity_color(detect::severity level) {
  switch (level) {
    case detect::severity::error:
      return "1;31";
    case detect::severity::warning:
      return "1;33";
    case detect::severity::info:
      return "36";
  }
  return "0";
}

// Everything printed from the logs goes through here: secrets out, terminal controls out.
std::string clean(std::string_view text, const render_options& options) {
  return detail::one_line(redact_if(text, options.redact));
}

std::string where_of(const report& r, const detect::evidence_line& e) {
  // The file name is enough to find the line: the inputs are listed in full at the top.
  return fmt::format("{}:{}", detail::input_file_name(r, e.where.input), e.where.line);
}

void write_inputs(const report& r, std::ostream& out, const render_options& options,
                  const painter& paint, std::size_t width) {
  for (const input_report& input : r.inputs) {
    const input_stats& s = input.stats;
    std::string line;
    if (s.status == read_status::unreadable) {
      line = fmt::format("input {} — unreadable", s.path);
    } else {
      line = fmt::format("input {} — {}, {} line{}, {} event{}", s.path, format_name(s.format),
                         s.lines, detail::plural(s.lines), s.events, detail::plural(s.events));
      if (s.malformed > 0) line += fmt::format(", {} malformed", s.malformed);
      if (s.truncated > 0) line += fmt::format(", {} truncated", s.truncated);
      if (s.unknown_types > 0) line += fmt::format(", {} of unknown type", s.unknown_types);
      if (s.status == read_status::partial) line += ", read partly";
    }
    line = detail::printable(line);
    // A long path goes on a line of its own so that the figures stay together beneath it.
    if (detail::columns_of(line) + 2 <= width) {
      out << "  " << line << '\n';
    } else if (const auto dash = line.find(" — "); dash != std::string::npos) {
      out << "  " << line.substr(0, dash) << '\n' << detail::wrap(line.substr(dash + 1), 4, width);
    } else {
      out << detail::wrap(line, 2, width);
    }
    for (const diagnostic& d : input.problems) {
      const std::string text = clean(
          d.where.line ? fmt::format("line {}: {}", d.where.line, d.message) : d.message, options);
      // "note:" is painted after wrapping so that escape codes never count as columns.
      std::string wrapped = detail::wrap("note: " + text, 4, width);
      wrapped.replace(4, 5, paint("note:", "33"));
      out << wrapped;
    }
  }
}

// Within an incident the cause and fix are the incident's; a finding repeats them only when they
// differ.
struct said_by_incident {
  std::string cause;
  std::string advice;
};

void write_finding(const report& r, const detect::finding& f, std::ostream& out,
                   const render_options& options, const painter& paint, std::size_t width,
                   const said_by_incident& said = {}) {
  std::string head = std::string(detect::finding_kind_name(f.kind));
  head += f.turn > 0 ? fmt::format(" · turn {}", f.turn) : std::string(" · session");
  head += fmt::format(" · {} iteration{}", f.iterations, detail::plural(f.iterations));
  if (const std::string span = detail::time_span(f.start, f.end); !span.empty()) {
    head += " · " + span;
    if (auto ms = f.duration_ms(); ms && *ms > 0)
      head += fmt::format(" ({})", detail::human_duration(*ms));
  }
  if (f.tokens >= 0) head += fmt::format(" · {} tokens", f.tokens);
  const std::string level = fmt::format("{:<7}", detail::upper(detect::severity_name(f.level)));
  out << "  " << paint(level, severity_color(f.level)) << ' '
      << detail::trim_to_width(head, width - finding_indent) << '\n';

  if (!f.summary.empty()) out << detail::wrap(clean(f.summary, options), finding_indent, width);
  if (f.recurs_in_turns.size() > 1) {
    out << detail::wrap(
        fmt::format("The same loop recurs in turns {}–{} ({} turns in a row).",
                    f.recurs_in_turns.front(), f.recurs_in_turns.back(), f.recurs_in_turns.size()),
        finding_indent, width);
  }
  if (f.cause && detail::cause_sentence(*f.cause) != said.cause) {
    out << detail::wrap("cause: " + clean(detail::cause_sentence(*f.cause), options),
                        finding_indent, width);
  }
  if (!f.advice.empty() && f.advice != said.advice) {
    out << detail::wrap("fix:   " + clean(f.advice, options), finding_indent, width);
  }
  for (const detect::evidence_line& e : f.evidence) {
    const std::string where = where_of(r, e);
    const std::size_t used = finding_indent + detail::columns_of(where) + 2;
    const std::size_t room = width > used + 10 ? width - used : 10;
    out << std::string(finding_indent, ' ') << paint(where, "2") << "  "
        << detail::trim_to_width(clean(e.text, options), room) << '\n';
  }
  if (f.evidence_omitted > 0) {
    out << std::string(finding_indent, ' ')
        << paint(fmt::format("+{} more line{}", f.evidence_omitted,
                             detail::plural(f.evidence_omitted)),
                 "2")
        << '\n';
  }
}

// Codex on the left, the proxy on the right, one evidence line per row, in the findings' order:
// shows which side saw what, and that the proxy answered what Codex retried. Drawn only for
// turns whose findings hold evidence from both sides.
void write_timeline(const report& r, std::string_view session, int turn, std::ostream& out,
                    const render_options& options, const painter& paint, std::size_t width) {
  const std::vector<const detect::evidence_line*> lines = detail::turn_evidence(r, session, turn);
  auto in_lane = [&](detail::lane wanted) {
    return std::any_of(lines.begin(), lines.end(), [&](const detect::evidence_line* e) {
      const format_id format = e->where.input < r.inputs.size()
                                   ? r.inputs[e->where.input].stats.format
                                   : format_id::unknown;
      return (detail::lane_of(format) == detail::lane::proxy) == (wanted == detail::lane::proxy);
    });
  };
  // With one side only, the timeline would repeat the evidence listed above it.
  if (!in_lane(detail::lane::codex) || !in_lane(detail::lane::proxy)) return;
  const std::size_t indent = 4;
  const std::string separator = " │ ";
  const std::size_t lane_width = (width - indent - detail::columns_of(separator)) / 2;

  out << '\n'
      << std::string(indent - 2, ' ') << paint(fmt::format("turn {} timeline", turn), "1") << '\n';
  out << std::string(indent, ' ') << paint(detail::pad_to("codex", lane_width), "2") << separator
      << paint("proxy", "2") << '\n';
  for (const detect::evidence_line* e : lines) {
    const format_id format = e->where.input < r.inputs.size()
                                 ? r.inputs[e->where.input].stats.format
                                 : format_id::unknown;
    const std::string where = where_of(r, *e);
    const std::string cell =
        detail::trim_to_width(where + ' ' + clean(e->text, options), lane_width);
    // Only the location is dimmed; padding counts the plain cell so the separator stays put.
    const std::string painted_cell =
        cell.starts_with(where + ' ') ? paint(where, "2") + cell.substr(where.size()) : cell;
    const std::string padding(lane_width - std::min(lane_width, detail::columns_of(cell)), ' ');
    if (detail::lane_of(format) == detail::lane::proxy) {
      out << std::string(indent, ' ') << std::string(lane_width, ' ') << separator << painted_cell
          << '\n';
    } else {
      out << std::string(indent, ' ') << painted_cell << padding << " │\n";
    }
  }
}

// One sentence per incident, worst first, with its fix: the answer before the details.
void write_verdicts(const report& r, std::ostream& out, const render_options& options,
                    const painter& paint, std::size_t width) {
  constexpr std::size_t shown = 10;
  const std::vector<const numbered_incident*> order = detail::incidents_worst_first(r);
  if (order.empty()) {
    if (r.summary.findings == 0) {
      out << detail::no_findings_sentence(r) << "\n";
    } else {
      out << "No incident among the sessions listed.\n";
    }
    return;
  }
  const bool many_sessions = r.sessions.size() > 1;
  for (std::size_t k = 0; k < order.size() && k < shown; ++k) {
    const detect::incident& i = order[k]->incident;
    std::string sentence = clean(i.verdict, options);
    if (many_sessions)
      sentence = fmt::format("[{}] {}", detail::printable(i.session).substr(0, 8), sentence);
    const std::string level = fmt::format("{:<7}", detail::upper(detect::severity_name(i.level)));
    std::string wrapped = detail::wrap(sentence, finding_indent - 2, width);
    out << paint(level, severity_color(i.level)) << ' ' << wrapped.substr(finding_indent - 2);
  }
  if (order.size() > shown) {
    out << fmt::format("… and {} more incident{}, listed by session below.\n", order.size() - shown,
                       detail::plural(order.size() - shown));
  }
}

void write_incident(const report& r, const numbered_incident& n, std::size_t number,
                    std::ostream& out, const render_options& options, const painter& paint,
                    std::size_t width) {
  const detect::incident& i = n.incident;
  std::string head =
      fmt::format("Incident {} · {} · {} finding{}", number, detail::turns_text(i.turns),
                  n.finding_positions.size(), detail::plural(n.finding_positions.size()));
  if (i.time_ms > 0) head += fmt::format(" · {} in loops", detail::human_duration(i.time_ms));
  const std::string level = fmt::format("{:<7}", detail::upper(detect::severity_name(i.level)));
  out << "\n  " << paint(level, severity_color(i.level)) << ' '
      << paint(detail::trim_to_width(head, width - finding_indent), "1") << '\n';
  out << detail::wrap(clean(i.verdict, options), finding_indent, width);
  if (const std::string layers = detail::layers_text(i); !layers.empty()) {
    out << detail::wrap("layers: " + layers, finding_indent, width);
  }
  said_by_incident said;
  if (i.cause) {
    said.cause = detail::cause_sentence(*i.cause);
    out << detail::wrap("cause: " + clean(said.cause, options), finding_indent, width);
  }
  said.advice = i.advice;
  for (const detect::turn_time& t : i.turn_times) {
    out << detail::wrap("time:  " + detail::turn_time_text(t), finding_indent, width);
  }
  for (const std::size_t k : n.finding_positions) {
    out << '\n';
    write_finding(r, r.findings[k].finding, out, options, paint, width, said);
  }
  for (const int turn : i.turns) write_timeline(r, i.session, turn, out, options, paint, width);
}

}  // namespace

void write_text(const report& r, std::ostream& out, const render_options& options) {
  const painter paint{options.color};
  const std::size_t width = std::max(options.width, narrowest);
  write_verdicts(r, out, options, paint, width);
  out << '\n';
  // Every session read, listed or only counted (detail limits).
  const std::size_t sessions = r.aggregate.sessions;
  const std::size_t turns = r.aggregate.turns;
  out << detail::wrap(
      fmt::format("loopscope {} — {} input{}, {} session{}, {} turn{}, {}{}{}", r.tool_version,
                  r.inputs.size(), detail::plural(r.inputs.size()), sessions,
                  detail::plural(sessions), turns, detail::plural(turns),
                  detail::severity_counts(r.summary),
                  r.incidents.empty() ? std::string()
                                      : fmt::format(" in {} incident{}", r.incidents.size(),
                                                    detail::plural(r.incidents.size())),
                  r.summary.loop_time_ms > 0
                      ? fmt::format(", {} in loops", detail::human_duration(r.summary.loop_time_ms))
                      : std::string()),
      0, width);
  if (const std::string note = detail::omitted_note(r); !note.empty()) {
    out << detail::wrap(note, 0, width);
  }
  write_inputs(r, out, options, paint, width);

  for (const session::session_summary& s : r.sessions) {
    const detail::session_tally tally = detail::tally_session(r, s.id);
    const std::size_t session_turns = s.turns.size() + s.turns_omitted;
    std::string head = fmt::format(" — {} turn{}, {}", session_turns, detail::plural(session_turns),
                                   detail::tally_text(tally));
    if (tally.loop_time_ms > 0)
      head += fmt::format(", {} in loops", detail::human_duration(tally.loop_time_ms));
    const std::string name = fmt::format("Session {}", detail::printable(s.id));
    out << '\n'
        << paint(name, "1")
        << detail::trim_to_width(
               head, width > detail::columns_of(name) ? width - detail::columns_of(name) : 1)
        << '\n';
    std::vector<std::string> about;
    if (!s.cli_version.empty()) {
      about.push_back(fmt::format("codex {}{}", s.cli_version,
                                  s.originator.empty() ? "" : fmt::format(" ({})", s.originator)));
    }
    if (!s.provider.empty()) about.push_back("provider " + s.provider);
    if (!s.model.empty()) about.push_back("model " + s.model);
    if (s.proxy_only) about.emplace_back(detail::session_origin(r, s));
    if (!about.empty())
      out << detail::wrap(clean(fmt::format("{}", fmt::join(about, " · ")), options), 2, width);

    // Details grouped by incident, worst first.
    std::size_t number = 0;
    for (const numbered_incident* n : detail::session_incidents(r, s.id)) {
      write_incident(r, *n, ++number, out, options, paint, width);
    }
  }
  // Findings of sessions the model does not list (a hand-edited report merged) must not vanish.
  for (const numbered_finding& n : r.findings) {
    const bool listed = std::any_of(r.sessions.begin(), r.sessions.end(),
                                    [&](const auto& s) { return s.id == n.finding.session; });
    if (listed) continue;
    out << '\n'
        << paint(fmt::format("Session {}", detail::printable(n.finding.session)), "1") << '\n';
    write_finding(r, n.finding, out, options, paint, width);
  }
  // Over many sessions, what is common: by kind, rule and cause, and the worst sessions.
  if (sessions > 1) out << '\n' << aggregate_text(r.aggregate);
}

}  // namespace loopscope::report
