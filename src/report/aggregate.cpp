// The aggregate figures (see aggregate.hpp) and their short text block.
#include "loopscope/report/aggregate.hpp"

#include <algorithm>
#include <set>
#include <tuple>
#include <utility>

#include <fmt/format.h>

#include "loopscope/report/report.hpp"
#include "text_helpers.hpp"

namespace loopscope::report {
namespace {

bool all_digits(std::string_view text) {
  return std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; });
}

std::string cause_label(const cause_row& row) {
  std::string label = row.status != 0 ? fmt::format("HTTP {}", row.status) : "no status";
  if (!row.path.empty()) label += " " + row.path;
  if (!row.transport.empty()) label += " over " + row.transport;
  return label;
}

}  // namespace

std::optional<timestamp> parse_time_bound(std::string_view text, bound_side side) {
  if (text.size() == 10 && text[4] == '-' && text[7] == '-' && all_digits(text.substr(0, 4)) &&
      all_digits(text.substr(5, 2)) && all_digits(text.substr(8, 2))) {
    const int year = std::stoi(std::string(text.substr(0, 4)));
    const auto month = static_cast<unsigned>(std::stoi(std::string(text.substr(5, 2))));
    const auto day = static_cast<unsigned>(std::stoi(std::string(text.substr(8, 2))));
    if (month < 1 || month > 12 || day < 1 || day > 31) return std::nullopt;
    std::int64_t days = days_from_civil(year, month, day);
    if (side == bound_side::upper) ++days;
    return timestamp{days * 86'400'000'000LL};
  }
  return parse_rfc3339(text);
}

namespace {

std::tuple<int, std::string, std::string> cause_key_of(const detect::finding& f) {
  if (!f.cause) return {0, "", ""};
  return {f.cause->http.status, f.cause->http.path,
          f.cause->http.transport == transport_kind::unknown
              ? std::string()
              : std::string(transport_name(f.cause->http.transport))};
}

bool offender_first(const offender& x, const offender& y) {
  if (x.findings != y.findings) return x.findings > y.findings;
  if (x.time_lost_ms != y.time_lost_ms) return x.time_lost_ms > y.time_lost_ms;
  return x.session < y.session;
}

}  // namespace

void session_clock::add(const detect::finding& f) {
  all_.add(f.start, f.end);
  by_cause_[cause_key_of(f)].add(f.start, f.end);
}

void session_clock::settle(aggregates& figures, const std::optional<timestamp>& start,
                           const std::optional<timestamp>& end) const {
  figures.time_lost_ms = all_.total_ms(start, end);
  for (cause_row& row : figures.by_root_cause) {
    const auto it = by_cause_.find({row.status, row.path, row.transport});
    row.time_lost_ms = it == by_cause_.end() ? 0 : it->second.total_ms(start, end);
  }
  for (offender& o : figures.top_offenders) o.time_lost_ms = figures.time_lost_ms;
}

aggregates figures_of(const detect::finding& f) {
  aggregates a;
  const std::int64_t ms = f.duration_ms().value_or(0);
  const std::int64_t tokens = f.tokens >= 0 ? f.tokens : 0;
  a.by_kind[std::string(detect::finding_kind_name(f.kind))] = 1;
  a.by_rule[f.rule] = 1;
  a.time_lost_ms = ms;
  a.tokens_lost = tokens;
  a.findings_with_tokens = f.tokens >= 0 ? 1 : 0;
  cause_row row;
  std::tie(row.status, row.path, row.transport) = cause_key_of(f);
  row.findings = 1;
  row.time_lost_ms = ms;
  row.tokens_lost = tokens;
  a.by_root_cause.push_back(std::move(row));
  return a;
}

void add_to(summary_counts& into, const summary_counts& more) {
  into.findings += more.findings;
  for (const auto& [kind, count] : more.by_kind) into.by_kind[kind] += count;
  for (const auto& [level, count] : more.by_severity) into.by_severity[level] += count;
  into.loop_time_ms += more.loop_time_ms;
}

void add_to(aggregates& into, const aggregates& more) {
  for (const auto& [kind, count] : more.by_kind) into.by_kind[kind] += count;
  for (const auto& [rule, count] : more.by_rule) into.by_rule[rule] += count;
  for (const cause_row& row : more.by_root_cause) {
    auto same =
        std::find_if(into.by_root_cause.begin(), into.by_root_cause.end(), [&](const cause_row& r) {
          return r.status == row.status && r.path == row.path && r.transport == row.transport;
        });
    if (same == into.by_root_cause.end()) {
      into.by_root_cause.push_back(row);
    } else {
      same->findings += row.findings;
      same->time_lost_ms += row.time_lost_ms;
      same->tokens_lost += row.tokens_lost;
    }
  }
  std::sort(into.by_root_cause.begin(), into.by_root_cause.end(),
            [](const cause_row& x, const cause_row& y) {
              if (x.findings != y.findings) return x.findings > y.findings;
              return std::tie(x.status, x.path, x.transport) <
                     std::tie(y.status, y.path, y.transport);
            });
  into.sessions += more.sessions;
  into.sessions_affected += more.sessions_affected;
  into.turns += more.turns;
  into.turns_affected += more.turns_affected;
  into.time_lost_ms += more.time_lost_ms;
  into.tokens_lost += more.tokens_lost;
  into.findings_with_tokens += more.findings_with_tokens;
  into.top_offenders.insert(into.top_offenders.end(), more.top_offenders.begin(),
                            more.top_offenders.end());
  std::sort(into.top_offenders.begin(), into.top_offenders.end(), offender_first);
  if (into.top_offenders.size() > top_offender_count) {
    into.top_offenders.resize(top_offender_count);
  }
  into.sessions_outside_window += more.sessions_outside_window;
}

aggregates compute_aggregates(const report& r) {
  aggregates a;
  a.sessions = r.sessions.size();
  for (const session::session_summary& s : r.sessions) a.turns += s.turns.size() + s.turns_omitted;

  // Per session: its figures, with the time of its findings as a union within its span.
  std::map<std::string, const session::session_summary*> summary_of;
  for (const session::session_summary& s : r.sessions) summary_of.emplace(s.id, &s);
  struct per_session {
    aggregates figures;
    session_clock clock;
    std::size_t findings = 0;
  };
  std::map<std::string, per_session> sessions;
  std::set<std::pair<std::string, int>> turns_hit;
  for (const numbered_finding& n : r.findings) {
    const detect::finding& f = n.finding;
    per_session& p = sessions[f.session];
    add_to(p.figures, figures_of(f));
    p.clock.add(f);
    ++p.findings;
    if (f.turn != 0) turns_hit.emplace(f.session, f.turn);
  }
  for (auto& [id, p] : sessions) {
    const auto it = summary_of.find(id);
    const std::optional<timestamp> start =
        it == summary_of.end() ? std::nullopt : it->second->start;
    const std::optional<timestamp> end = it == summary_of.end() ? std::nullopt : it->second->end;
    p.figures.top_offenders = {offender{id, p.findings, 0, p.figures.tokens_lost}};
    p.clock.settle(p.figures, start, end);
    add_to(a, p.figures);
  }
  a.turns_affected = turns_hit.size();
  a.sessions_affected = sessions.size();

  add_to(a, r.omitted.aggregate);
  a.window = r.window;
  return a;
}

std::string aggregate_text(const aggregates& a) {
  std::string out = fmt::format(
      "Across {} session{} ({} turn{}): {} session{} and {} turn{} affected, {} lost in loops",
      a.sessions, detail::plural(a.sessions), a.turns, detail::plural(a.turns), a.sessions_affected,
      detail::plural(a.sessions_affected), a.turns_affected, detail::plural(a.turns_affected),
      detail::human_duration(a.time_lost_ms));
  if (a.findings_with_tokens > 0) out += fmt::format(", {} tokens", a.tokens_lost);
  out += '\n';
  if (a.window.active()) {
    out += fmt::format("  window {} → {}; {} session{} outside it left out\n",
                       a.window.since ? format_rfc3339(*a.window.since) : "…",
                       a.window.until ? format_rfc3339(*a.window.until) : "…",
                       a.sessions_outside_window, detail::plural(a.sessions_outside_window));
  }
  auto counts = [](const std::map<std::string, std::size_t>& by) {
    std::vector<std::pair<std::string, std::size_t>> rows(by.begin(), by.end());
    std::stable_sort(rows.begin(), rows.end(),
                     [](const auto& x, const auto& y) { return x.second > y.second; });
    std::vector<std::string> parts;
    for (const auto& [name, count] : rows) parts.push_back(fmt::format("{} {}", name, count));
    return fmt::format("{}", fmt::join(parts, ", "));
  };
  if (!a.by_kind.empty()) out += "  by kind: " + counts(a.by_kind) + '\n';
  if (!a.by_rule.empty()) out += "  by rule: " + counts(a.by_rule) + '\n';
  for (std::size_t i = 0; i < a.by_root_cause.size() && i < 5; ++i) {
    const cause_row& row = a.by_root_cause[i];
    out += fmt::format("  cause: {} — {} finding{}, {}\n", cause_label(row), row.findings,
                       detail::plural(row.findings), detail::human_duration(row.time_lost_ms));
  }
  for (std::size_t i = 0; i < a.top_offenders.size() && i < 5; ++i) {
    const offender& o = a.top_offenders[i];
    out += fmt::format("  top session: {} — {} finding{}, {}\n", o.session, o.findings,
                       detail::plural(o.findings), detail::human_duration(o.time_lost_ms));
  }
  return out;
}

}  // namespace loopscope::report
