// Watch mode's alerts: the rules of `analyze` applied to a turn while it is open, its findings
// grouped into incidents by the same code as the report, so an alert says what the report will
// say. One alert per incident of a session (its cause); updated as the incident grows or reaches
// another turn; closed, per turn, when that turn ends. Memory: the alerts of open sessions.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "loopscope/detect/finding.hpp"
#include "loopscope/detect/rule.hpp"
#include "loopscope/report/redact.hpp"
#include "loopscope/session/turn.hpp"

namespace loopscope::app {

enum class alert_change : unsigned char { opened, updated, closed };
std::string_view alert_change_name(alert_change change);

// One line of watch output (text or JSON, see docs/watch-v1.md).
struct alert_notice {
  alert_change change = alert_change::opened;
  std::uint64_t alert = 0;  // stable id of the incident's alert, from 1
  std::optional<timestamp> time;
  std::string session;
  int turn = 0;
  std::vector<int> turns;  // every turn the alert has touched so far
  detect::severity level = detect::severity::warning;
  std::string incident;  // the incident's key (its cause's fingerprint within the session)
  std::vector<std::string> rules;
  std::vector<std::string> kinds;
  int iterations = 0;  // of the lead finding, in this turn
  std::string verdict;
  std::string advice;
  std::optional<detect::root_cause> cause;
  std::string outcome;  // closed only: recovered, fell back, failed
};

std::string alert_text(const alert_notice& n, report::redaction redact);
std::string alert_json(const alert_notice& n, report::redaction redact);

class alert_tracker {
 public:
  using notify = std::function<void(const alert_notice&)>;
  alert_tracker(std::shared_ptr<const detect::rule_set> rules, detect::severity threshold,
                notify out);

  // An open turn as it stands; `ended`: its end line has been read (the turn is closed now,
  // although late lines may still join it before it is handed on).
  void evaluate(const session::turn& t, bool ended);
  // The turn was handed on: evaluated one last time unless closed already; then forgotten.
  void turn_done(const session::turn& t);
  void session_done(const std::string& session);
  std::uint64_t notices() const { return notices_; }

 private:
  struct alert_state {
    std::uint64_t id = 0;
    detect::severity level = detect::severity::warning;
    std::set<int> turns;
    std::map<int, std::string> last_verdict;    // per open turn: as last printed
    std::map<int, std::string> latest_verdict;  // per open turn: as the rules say now
    std::chrono::steady_clock::time_point last_notice;
    std::map<int, int> last_iterations;
  };
  struct turn_key {
    std::string session;
    int index = 0;
    auto operator<=>(const turn_key&) const = default;
  };
  struct turn_state {
    std::size_t events_seen = 0;
    bool closed = false;
    std::set<std::string> alerts;        // incident keys alerted in this turn
    std::vector<std::string> fell_back;  // incident keys whose findings include a fallback
  };

  void run_rules(const session::turn& t, turn_state& state, bool ended);

  std::shared_ptr<const detect::rule_set> rules_;
  detect::severity threshold_;
  notify out_;
  std::uint64_t next_id_ = 1;
  std::uint64_t notices_ = 0;
  std::map<std::string, std::map<std::string, alert_state>> alerts_;  // session → key → alert
  std::map<turn_key, turn_state> turns_;
};

}  // namespace loopscope::app
