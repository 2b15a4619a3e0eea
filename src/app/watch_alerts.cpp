#include "watch_alerts.hpp"

#include <algorithm>
#include <chrono>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "loopscope/detect/incident.hpp"
#include "loopscope/detect/rule_engine.hpp"

namespace loopscope::app {
namespace {

struct change_word {
  alert_change change;
  std::string_view name;
};
constexpr change_word change_words[] = {{alert_change::opened, "alert"},
                                        {alert_change::updated, "update"},
                                        {alert_change::closed, "closed"}};

std::optional<timestamp> latest_time(const session::turn& t) {
  std::optional<timestamp> latest;
  for (const event& e : t.events) {
    if (e.time && (!latest || *e.time > *latest)) latest = e.time;
  }
  return latest;
}

// HH:MM:SS of the log's own clock (UTC, as the report's stamps): when the line was written.
std::string clock_of(const std::optional<timestamp>& t) {
  const std::string full = format_rfc3339(*t);  // YYYY-MM-DDTHH:MM:SS…
  return full.size() >= 19 ? full.substr(11, 8) : full;
}

constexpr auto update_every = std::chrono::seconds(1);

bool is_fallback(detect::finding_kind kind) {
  return kind == detect::finding_kind::transport_fallback ||
         kind == detect::finding_kind::proxy_fallback;
}

}  // namespace

std::string_view alert_change_name(alert_change change) {
  for (const change_word& w : change_words) {
    if (w.change == change) return w.name;
  }
  return "alert";
}

std::string alert_text(const alert_notice& n, report::redaction redact) {
  // codex exec --json has no stamps: then no clock at all rather than a placeholder.
  const std::string when = n.time ? clock_of(n.time) + " " : std::string();
  switch (n.change) {
    case alert_change::opened:
      return report::redact_if(fmt::format("{}turn {}: {}", when, n.turn, n.verdict), redact);
    case alert_change::updated:
      return report::redact_if(
          fmt::format("{}turn {} (update, alert {}): {}", when, n.turn, n.alert, n.verdict),
          redact);
    case alert_change::closed:
      return report::redact_if(
          fmt::format("{}turn {} ended: {} (alert {})", when, n.turn, n.outcome, n.alert), redact);
  }
  return {};
}

std::string alert_json(const alert_notice& n, report::redaction redact) {
  using json = nlohmann::ordered_json;
  auto text = [&](std::string_view s) { return report::redact_if(s, redact); };
  json line;
  line["schema"] = "loopscope-watch/1";
  line["type"] = alert_change_name(n.change);
  line["alert"] = n.alert;
  line["time"] = n.time ? json(format_rfc3339(*n.time)) : json(nullptr);
  line["session"] = text(n.session);
  line["turn"] = n.turn;
  line["turns"] = n.turns;
  line["severity"] = detect::severity_name(n.level);
  line["incident"] = text(n.incident);
  line["rules"] = n.rules;
  line["kinds"] = n.kinds;
  line["iterations"] = n.iterations;
  line["verdict"] = text(n.verdict);
  line["advice"] = text(n.advice);
  if (n.cause) {
    json cause;
    cause["source"] = detect::cause_source_name(n.cause->source);
    cause["status"] = n.cause->http.status;
    cause["method"] = n.cause->http.method;
    cause["path"] = text(n.cause->http.path);
    cause["transport"] = transport_name(n.cause->http.transport);
    cause["error_class"] = n.cause->error_class;
    cause["message"] = text(n.cause->message);
    line["cause"] = std::move(cause);
  } else {
    line["cause"] = nullptr;
  }
  line["outcome"] = n.change == alert_change::closed ? json(n.outcome) : json(nullptr);
  line["text"] = alert_text(n, redact);
  // Invalid UTF-8 from a log is replaced, never a reason to lose the alert.
  return line.dump(-1, ' ', false, json::error_handler_t::replace);
}

alert_tracker::alert_tracker(std::shared_ptr<const detect::rule_set> rules,
                             detect::severity threshold, notify out)
    : rules_(std::move(rules)), threshold_(threshold), out_(std::move(out)) {}

void alert_tracker::evaluate(const session::turn& t, bool ended) {
  turn_state& state = turns_[{t.session_key, t.index}];
  if (state.closed) return;
  // Nothing new since the last look: the rules would say the same.
  if (t.events.size() == state.events_seen && !ended) return;
  state.events_seen = t.events.size();
  run_rules(t, state, ended);
}

void alert_tracker::turn_done(const session::turn& t) {
  const auto it = turns_.find({t.session_key, t.index});
  if (it == turns_.end() || !it->second.closed) {
    turn_state& state = turns_[{t.session_key, t.index}];
    run_rules(t, state, true);
  }
  turns_.erase({t.session_key, t.index});
}

void alert_tracker::session_done(const std::string& session) {
  alerts_.erase(session);
  for (auto it = turns_.lower_bound({session, 0});
       it != turns_.end() && it->first.session == session;) {
    it = turns_.erase(it);
  }
}

void alert_tracker::run_rules(const session::turn& t, turn_state& state, bool ended) {
  // A fresh engine: the same rules as analyze, on the turn as far as it has been written. Rules
  // that compare whole turns (consecutive_turns) wait for the report.
  detect::rule_engine engine(rules_);
  const std::vector<detect::finding> findings = engine.on_turn(t);

  std::vector<const detect::finding*> members;
  for (const detect::finding& f : findings) members.push_back(&f);
  const std::optional<timestamp> now = latest_time(t);
  detect::session_bounds bounds{t.start, t.end ? t.end : now, 1};
  const std::vector<detect::incident> incidents = detect::build_incidents(members, bounds);
  std::map<std::string, alert_state>& alerts = alerts_[t.session_key];
  for (const detect::incident& i : incidents) {
    if (i.level < threshold_) continue;
    alert_state& a = alerts[i.key];
    const detect::finding& lead = findings.at(i.lead);
    alert_notice n;
    n.time = now;
    n.session = t.session_key;
    n.turn = t.index;
    n.level = i.level;
    n.incident = i.key;
    n.verdict = i.verdict;
    n.advice = i.advice;
    n.cause = i.cause;
    n.iterations = lead.iterations;
    bool fell_back = false;
    for (const std::size_t m : i.members) {
      const detect::finding& f = findings.at(m);
      if (std::find(n.rules.begin(), n.rules.end(), f.rule) == n.rules.end()) {
        n.rules.push_back(f.rule);
      }
      const std::string kind(detect::finding_kind_name(f.kind));
      if (std::find(n.kinds.begin(), n.kinds.end(), kind) == n.kinds.end()) n.kinds.push_back(kind);
      fell_back = fell_back || is_fallback(f.kind);
    }
    if (fell_back &&
        std::find(state.fell_back.begin(), state.fell_back.end(), i.key) == state.fell_back.end()) {
      state.fell_back.push_back(i.key);
    }
    const bool new_here = !a.turns.contains(t.index);
    a.latest_verdict[t.index] = i.verdict;
    const auto wall = std::chrono::steady_clock::now();
    if (a.id == 0) {
      a.id = next_id_++;
      n.change = alert_change::opened;
    } else if (new_here) {
      n.change = alert_change::updated;
    } else if (a.last_verdict[t.index] != i.verdict && wall - a.last_notice >= update_every) {
      // A storm of retries changes the count with every line: one update a second says it.
      n.change = alert_change::updated;
    } else {
      continue;  // said already, or said less than a second ago (the closing line has the rest)
    }
    a.last_notice = wall;
    a.turns.insert(t.index);
    a.level = i.level;
    a.last_verdict[t.index] = i.verdict;
    state.alerts.insert(i.key);
    n.alert = a.id;
    n.turns.assign(a.turns.begin(), a.turns.end());
    ++notices_;
    out_(n);
  }
  if (!ended || state.closed) return;
  state.closed = true;
  for (const std::string& key : state.alerts) {
    alert_state& a = alerts[key];
    alert_notice n;
    n.change = alert_change::closed;
    n.alert = a.id;
    n.time = t.end ? t.end : now;
    n.session = t.session_key;
    n.turn = t.index;
    n.incident = key;
    n.level = a.level;
    n.turns.assign(a.turns.begin(), a.turns.end());
    n.verdict = a.latest_verdict[t.index];
    const bool failed = t.outcome == turn_outcome::failed || t.outcome == turn_outcome::aborted;
    if (failed) {
      n.outcome = "failed";
    } else if (std::find(state.fell_back.begin(), state.fell_back.end(), key) !=
               state.fell_back.end()) {
      n.outcome = "fell back";
    } else if (t.outcome == turn_outcome::completed) {
      n.outcome = "recovered";
    } else {
      n.outcome = "ended without an end line";
    }
    a.last_verdict.erase(t.index);
    a.latest_verdict.erase(t.index);
    ++notices_;
    out_(n);
  }
}

}  // namespace loopscope::app
