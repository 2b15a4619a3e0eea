// JUnit XML, for the CI systems that show test results (GitLab, Jenkins, GitHub test reporters):
// one test case per session, a failure per root cause in it (its findings at warning or error,
// grouped by kind and cause), an error per input that could not be read whole or held nothing
// recognisable. The schema followed is the one Jenkins' and junitparser's readers accept
// (testsuites > testsuite > testcase > failure|error, system-out).
#include <fmt/format.h>

#include <map>
#include <string>
#include <vector>

#include "loopscope/report/writers.hpp"
#include "text_helpers.hpp"

namespace loopscope::report {
namespace {

// XML 1.0 text: the five entities escaped; controls other than tab, line feed and carriage
// return are not allowed at all, and printable() has made the text valid UTF-8.
std::string xml(std::string_view text) {
  std::string out;
  for (const char c : detail::printable(text)) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&apos;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

std::string clean(std::string_view text, const render_options& options) {
  return options.redact == redaction::on ? redact(text) : std::string(text);
}

double seconds_between(const std::optional<timestamp>& a, const std::optional<timestamp>& b) {
  if (!a || !b || b->micros < a->micros) return 0.0;
  return static_cast<double>(b->micros - a->micros) / 1e6;
}

// One failure: the findings of a session that share kind and cause.
struct failure_group {
  std::string type;
  std::string message;
  std::vector<const numbered_finding*> findings;
};

std::vector<failure_group> failures_of(const report& r, const std::string& session) {
  std::map<std::string, std::size_t> index;
  std::vector<failure_group> groups;
  for (const numbered_finding& n : r.findings) {
    const detect::finding& f = n.finding;
    if (f.session != session || f.level == detect::severity::info) continue;
    const std::string cause = f.cause ? detail::cause_sentence(*f.cause) : std::string();
    const std::string key = fmt::format("{}|{}", detect::finding_kind_name(f.kind), cause);
    auto [it, inserted] = index.try_emplace(key, groups.size());
    if (inserted) {
      groups.push_back(
          {std::string(detect::finding_kind_name(f.kind)), cause.empty() ? f.summary : cause, {}});
    }
    groups[it->second].findings.push_back(&n);
  }
  return groups;
}

std::string failure_body(const failure_group& g, const report& r, const render_options& options) {
  std::string body;
  for (const numbered_finding* n : g.findings) {
    const detect::finding& f = n->finding;
    body += fmt::format("[{}] {} turn {}: {}\n", detect::severity_name(f.level), n->id, f.turn,
                        f.summary);
    if (!f.advice.empty()) body += "fix: " + f.advice + "\n";
    std::size_t shown = 0;
    for (const detect::evidence_line& e : f.evidence) {
      if (++shown > 5) {
        body += fmt::format("  +{} more evidence lines\n", f.evidence.size() - 5);
        break;
      }
      body += fmt::format("  {}:{}: {}\n", detail::input_file_name(r, e.where.input), e.where.line,
                          detail::one_line(e.text));
    }
  }
  return xml(clean(body, options));
}

}  // namespace

void write_junit(const report& r, std::ostream& out, const render_options& options) {
  std::size_t failures = 0;
  std::vector<std::vector<failure_group>> per_session;
  for (const session::session_summary& s : r.sessions) {
    per_session.push_back(failures_of(r, s.id));
    failures += per_session.back().size();
  }
  std::size_t errors = 0;
  for (const input_report& input : r.inputs) {
    if (input.stats.status != read_status::complete || unrecognised(input)) ++errors;
  }
  const std::size_t tests = r.sessions.size() + errors;
  double total_time = 0;
  for (const session::session_summary& s : r.sessions)
    total_time += seconds_between(s.start, s.end);

  out << "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
  out << fmt::format(
      "<testsuites name=\"loopscope\" tests=\"{}\" failures=\"{}\" errors=\"{}\" "
      "time=\"{:.3f}\">\n",
      tests, failures, errors, total_time);
  out << fmt::format(
      "  <testsuite name=\"loopscope\" tests=\"{}\" failures=\"{}\" errors=\"{}\" "
      "skipped=\"0\" time=\"{:.3f}\">\n",
      tests, failures, errors, total_time);
  out << "    <properties>\n";
  out << fmt::format("      <property name=\"loopscope.version\" value=\"{}\"/>\n",
                     xml(r.tool_version));
  out << fmt::format("      <property name=\"loopscope.findings\" value=\"{}\"/>\n",
                     r.summary.findings);
  if (r.omitted.aggregate.sessions > 0) {
    out << fmt::format("      <property name=\"loopscope.sessions_not_listed\" value=\"{}\"/>\n",
                       r.omitted.aggregate.sessions);
  }
  out << "    </properties>\n";
  for (std::size_t i = 0; i < r.sessions.size(); ++i) {
    const session::session_summary& s = r.sessions[i];
    const std::uint64_t turns = s.turns.size() + s.turns_omitted;
    out << fmt::format(
        "    <testcase classname=\"loopscope.session\" name=\"{}\" time=\"{:.3f}\">\n",
        xml(clean(s.id, options)), seconds_between(s.start, s.end));
    for (const failure_group& g : per_session[i]) {
      out << fmt::format("      <failure type=\"{}\" message=\"{}\">{}</failure>\n", xml(g.type),
                         xml(clean(g.message, options)), failure_body(g, r, options));
    }
    out << fmt::format("      <system-out>{} turn{}{}</system-out>\n", turns, detail::plural(turns),
                       s.cli_version.empty() ? "" : ", codex " + xml(s.cli_version));
    out << "    </testcase>\n";
  }
  for (const input_report& input : r.inputs) {
    const bool whole = input.stats.status == read_status::complete;
    if (whole && !unrecognised(input)) continue;
    std::string message =
        !whole ? (input.stats.status == read_status::partial ? "read only in part" : "unreadable")
               : "no recognised log lines";
    std::string body;
    for (const diagnostic& d : input.problems) body += d.message + "\n";
    out << fmt::format("    <testcase classname=\"loopscope.input\" name=\"{}\" time=\"0\">\n",
                       xml(clean(input.stats.path, options)));
    out << fmt::format("      <error type=\"input\" message=\"{}\">{}</error>\n", xml(message),
                       xml(clean(body, options)));
    out << "    </testcase>\n";
  }
  out << "  </testsuite>\n</testsuites>\n";
}

}  // namespace loopscope::report
