#include "text_helpers.hpp"
#include "loopscope/formats/registry.hpp"

#include <algorithm>
#include <climits>
#include <filesystem>

#include <fmt/format.h>

namespace loopscope::report::detail {
namespace {

bool continuation(char c) {
  return (static_cast<unsigned char>(c) & 0xC0) == 0x80;
}

// Length of the UTF-8 sequence starting at text[i], or 0 when it is not valid.
std::size_t utf8_length(std::string_view text, std::size_t i) {
  const auto lead = static_cast<unsigned char>(text[i]);
  std::size_t length = 0;
  if (lead < 0x80) return 1;
  if (lead >= 0xC2 && lead <= 0xDF)
    length = 2;
  else if (lead >= 0xE0 && lead <= 0xEF)
    length = 3;
  else if (lead >= 0xF0 && lead <= 0xF4)
    length = 4;
  else
    return 0;
  if (i + length > text.size()) return 0;
  for (std::size_t k = 1; k < length; ++k) {
    if (!continuation(text[i + k])) return 0;
  }
  return length;
}

}  // namespace

std::string upper(std::string_view text) {
  std::string out(text);
  for (char& c : out) {
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
  }
  return out;
}

std::string human_duration(std::int64_t milliseconds) {
  if (milliseconds < 1000) return fmt::format("{} ms", milliseconds);
  if (milliseconds < 60'000)
    return fmt::format("{:.1f} s", static_cast<double>(milliseconds) / 1000);
  if (milliseconds < 3'600'000) {
    return fmt::format("{}m{:02}s", milliseconds / 60'000, (milliseconds / 1000) % 60);
  }
  return fmt::format("{}h{:02}m", milliseconds / 3'600'000, (milliseconds / 60'000) % 60);
}

std::string omitted_note(const report& r) {
  if (!r.omitted.any()) return {};
  const std::size_t sessions = r.omitted.aggregate.sessions;
  const std::size_t findings = r.omitted.summary.findings;
  return fmt::format(
      "Listed: {} session{} and {} finding{}. {} more session{} with {} finding{} are counted in "
      "every figure here but not listed (raise --max-sessions / --max-findings, or split the "
      "inputs).",
      r.sessions.size(), plural(r.sessions.size()), r.findings.size(), plural(r.findings.size()),
      sessions, plural(sessions), findings, plural(findings));
}

std::string severity_counts(const summary_counts& summary) {
  if (summary.findings == 0) return "no findings";
  std::string text = fmt::format("{} finding{} (", summary.findings, plural(summary.findings));
  bool first = true;
  for (const char* level : {"error", "warning", "info"}) {
    auto it = summary.by_severity.find(level);
    if (it == summary.by_severity.end()) continue;
    text += fmt::format("{}{} {}", first ? "" : ", ", it->second, level);
    first = false;
  }
  return text + ")";
}

std::string cause_sentence(const detect::root_cause& cause) {
  std::string text;
  if (cause.http.status != 0) {
    text = fmt::format("HTTP {}", cause.http.status);
  } else {
    text = cause.error_class.empty() ? "unidentified error" : cause.error_class;
  }
  if (!cause.http.method.empty() || !cause.http.path.empty()) {
    text += fmt::format(" on {}{}{}", cause.http.method, cause.http.method.empty() ? "" : " ",
                        cause.http.path);
  }
  if (cause.http.transport != transport_kind::unknown) {
    text += fmt::format(" over {}", transport_name(cause.http.transport));
  }
  if (cause.http.status != 0 && !cause.error_class.empty()) text += " (" + cause.error_class + ")";
  text += fmt::format(", seen by {}", detect::cause_source_name(cause.source));
  switch (cause.is_retriable) {
    case detect::retriable::yes:
      text += "; retriable";
      break;
    case detect::retriable::no:
      text += "; not retriable";
      break;
    case detect::retriable::unknown:
      break;
  }
  if (!cause.message.empty()) text += fmt::format(" — \"{}\"", cause.message);
  return text;
}

std::string wrap(std::string_view text, std::size_t indent, std::size_t width) {
  const std::size_t room = width > indent + 20 ? width - indent : 20;
  std::string out;
  std::string line;
  std::size_t line_columns = 0;
  auto flush = [&] {
    out += std::string(indent, ' ') + line + '\n';
    line.clear();
    line_columns = 0;
  };
  std::size_t pos = 0;
  while (pos < text.size()) {
    std::size_t end = text.find(' ', pos);
    if (end == std::string_view::npos) end = text.size();
    std::string_view word = text.substr(pos, end - pos);
    pos = end + 1;
    std::size_t columns = columns_of(word);
    if (line_columns > 0 && line_columns + 1 + columns > room) flush();
    // A word wider than a whole line (a URL, a JSON blob) is cut rather than overflowing.
    std::string cut;
    if (columns > room) {
      cut = trim_to_width(word, room - 1);
      word = cut;
      columns = room;
    }
    if (line_columns > 0) {
      line += ' ';
      ++line_columns;
    }
    line += word;
    line_columns += columns;
  }
  if (!line.empty()) flush();
  return out;
}

std::string trim_to_width(std::string_view text, std::size_t columns) {
  if (columns_of(text) <= columns) return std::string(text);
  std::size_t seen = 0;
  const std::size_t keep = columns > 0 ? columns - 1 : 0;  // the "…" takes a column
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (continuation(text[i])) continue;
    if (seen == keep) return std::string(text.substr(0, i)) + "…";
    ++seen;
  }
  return std::string(text);
}

std::size_t columns_of(std::string_view text) {
  return static_cast<std::size_t>(
      std::count_if(text.begin(), text.end(), [](char c) { return !continuation(c); }));
}

std::string pad_to(std::string_view text, std::size_t columns) {
  std::string out(text);
  const std::size_t have = columns_of(text);
  if (have < columns) out.append(columns - have, ' ');
  return out;
}

std::string printable(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size();) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (c == '\t') {
      out += ' ';
      ++i;
    } else if (c < 0x20 || c == 0x7F) {
      out += '?';
      ++i;
    } else if (const std::size_t length = utf8_length(text, i); length == 0) {
      out += "\xEF\xBF\xBD";
      ++i;
    } else if (length == 2 && c == 0xC2 && static_cast<unsigned char>(text[i + 1]) < 0xA0) {
      out += '?';  // C1 controls (U+0080–U+009F) act as escape sequences on some terminals
      i += 2;
    } else {
      out.append(text.substr(i, length));
      i += length;
    }
  }
  return out;
}

std::string one_line(std::string_view text) {
  std::string flat(text);
  for (char& c : flat) {
    if (c == '\n' || c == '\r' || c == '\t') c = ' ';
  }
  return printable(flat);
}

std::string time_span(const std::optional<timestamp>& start, const std::optional<timestamp>& end) {
  if (!start && !end) return {};
  const std::string first = start ? format_rfc3339(*start) : "";
  const std::string last = end ? format_rfc3339(*end) : "";
  // "2026-11-29T01:07:35.993Z": the day is the first 10 characters, the time the next 12.
  const bool same_day = start && end && first.compare(0, 10, last, 0, 10) == 0;
  if (same_day) {
    if (first == last) return first.substr(11, 12);
    return fmt::format("{}–{}", first.substr(11, 12), last.substr(11, 12));
  }
  return fmt::format("{}–{}", start ? first : "?", end ? last : "?");
}

lane lane_of(format_id format) {
  const formats::format_info* info = formats::registry().info(format);
  if (info == nullptr) return lane::other;
  return info->role == formats::source_role::proxy ? lane::proxy : lane::codex;
}

bool is_proxy_format(format_id format) {
  return lane_of(format) == lane::proxy;
}

std::string_view session_origin(const report& r, const session::session_summary& s) {
  if (!s.proxy_only) return {};
  const bool generic =
      !s.sources.empty() && std::all_of(s.sources.begin(), s.sources.end(), [&](input_index i) {
        return i < r.inputs.size() && format_name(r.inputs[i].stats.format) == "generic";
      });
  return generic ? "proxy log only, in no known format (generic reader)" : "proxy log only";
}

const std::string& input_path(const report& r, input_index input) {
  static const std::string unknown = "?";
  return input < r.inputs.size() ? r.inputs[input].stats.path : unknown;
}

std::string input_file_name(const report& r, input_index input) {
  if (input >= r.inputs.size()) return "?";
  const std::string name = std::filesystem::path(r.inputs[input].stats.path).filename().string();
  return name.empty() ? r.inputs[input].stats.path : name;
}

std::vector<const numbered_incident*> incidents_worst_first(const report& r) {
  std::vector<const numbered_incident*> order;
  for (const numbered_incident& n : r.incidents) order.push_back(&n);
  std::stable_sort(order.begin(), order.end(),
                   [](const numbered_incident* a, const numbered_incident* b) {
                     const detect::incident& x = a->incident;
                     const detect::incident& y = b->incident;
                     if (x.level != y.level) return x.level > y.level;
                     if (x.failed_turns.size() != y.failed_turns.size())
                       return x.failed_turns.size() > y.failed_turns.size();
                     return x.time_ms > y.time_ms;
                   });
  return order;
}

std::vector<const numbered_incident*> session_incidents(const report& r, std::string_view session) {
  std::vector<const numbered_incident*> found;
  for (const numbered_incident& n : r.incidents) {
    if (n.incident.session == session) found.push_back(&n);
  }
  return found;
}

std::string layers_text(const detect::incident& i) {
  std::vector<std::string> parts;
  for (const detect::layer_entry& l : i.layers) {
    if (l.layer == detect::incident_layer::turn_outcome) continue;
    parts.push_back(l.per_turn > 0 ? fmt::format("{} {}", l.per_turn, l.what) : l.what);
  }
  return fmt::format("{}", fmt::join(parts, " › "));
}

std::string turn_time_text(const detect::turn_time& t) {
  std::string text = fmt::format("turn {}: ", t.turn);
  text += t.span_ms >= 0 ? human_duration(t.span_ms) : std::string("time unknown");
  std::vector<std::string> parts;
  if (t.backoff_ms > 0) parts.push_back(human_duration(t.backoff_ms) + " backoff");
  if (t.failing_ms >= 0) parts.push_back(human_duration(t.failing_ms) + " failing");
  if (t.other_ms >= 0) parts.push_back(human_duration(t.other_ms) + " other");
  if (!parts.empty()) text += fmt::format(" = {}", fmt::join(parts, " + "));
  if (t.failed) text += "; failed";
  return text;
}

std::string turns_text(const std::vector<int>& turns) {
  if (turns.empty()) return "the session";
  if (turns.size() == 1) return fmt::format("turn {}", turns.front());
  bool consecutive = true;
  for (std::size_t k = 1; k < turns.size(); ++k) consecutive &= turns[k] == turns[k - 1] + 1;
  if (consecutive) return fmt::format("turns {}–{}", turns.front(), turns.back());
  return fmt::format("turns {}", fmt::join(turns, ", "));
}

session_tally tally_session(const report& r, std::string_view session_id) {
  session_tally tally;
  session_clock clock;
  for (const numbered_finding& n : r.findings) {
    if (n.finding.session == session_id) clock.add(n.finding);
  }
  for (const session::session_summary& s : r.sessions) {
    if (s.id == session_id) tally.loop_time_ms = clock.total_ms(s.start, s.end);
  }
  for (const numbered_finding& n : r.findings) {
    const detect::finding& f = n.finding;
    if (f.session != session_id) continue;
    ++tally.findings;
    switch (f.level) {
      case detect::severity::error:
        ++tally.errors;
        break;
      case detect::severity::warning:
        ++tally.warnings;
        break;
      case detect::severity::info:
        ++tally.infos;
        break;
    }
  }
  return tally;
}

std::string tally_text(const session_tally& tally) {
  if (tally.findings == 0) return "no findings";
  std::vector<std::string> parts;
  if (tally.errors) parts.push_back(fmt::format("{} error", tally.errors));
  if (tally.warnings) parts.push_back(fmt::format("{} warning", tally.warnings));
  if (tally.infos) parts.push_back(fmt::format("{} info", tally.infos));
  return fmt::format("{} finding{} ({})", tally.findings, plural(tally.findings),
                     fmt::join(parts, ", "));
}

std::vector<const detect::evidence_line*> turn_evidence(const report& r, std::string_view session,
                                                        int turn) {
  std::vector<const detect::evidence_line*> lines;
  for (const numbered_finding& n : r.findings) {
    const detect::finding& f = n.finding;
    if (f.session != session || f.turn != turn) continue;
    for (const detect::evidence_line& e : f.evidence) {
      const bool seen =
          std::any_of(lines.begin(), lines.end(),
                      [&](const detect::evidence_line* l) { return l->where == e.where; });
      if (!seen) lines.push_back(&e);
    }
  }
  // In time order, so the proxy's answer stands before the Codex retry it caused; a line without
  // a time keeps its place after the line before it.
  std::vector<std::pair<std::int64_t, const detect::evidence_line*>> keyed;
  std::int64_t previous = INT64_MIN;
  for (const detect::evidence_line* e : lines) {
    if (e->time) previous = e->time->micros;
    keyed.emplace_back(previous, e);
  }
  std::stable_sort(keyed.begin(), keyed.end(),
                   [](const auto& a, const auto& b) { return a.first < b.first; });
  for (std::size_t k = 0; k < keyed.size(); ++k) lines[k] = keyed[k].second;
  return lines;
}

bool nothing_recognised(const report& r) {
  return std::none_of(r.inputs.begin(), r.inputs.end(), [](const input_report& input) {
    return input.stats.status != read_status::unreadable && !unrecognised(input);
  });
}

std::string_view no_findings_sentence(const report& r) {
  return nothing_recognised(r)
             ? "Nothing was analyzed: no input had a recognised log line (see `loopscope formats`)."
             : "No loops or failed turns found.";
}

}  // namespace loopscope::report::detail
