#include "loopscope/detect/turn_detector.hpp"

#include <fmt/format.h>

#include "loopscope/detect/retry_policy.hpp"

namespace loopscope::detect {
namespace {

root_cause cause_from(const event& e) {
  root_cause cause;
  cause.source = cause_source::codex;
  cause.http = e.http;
  cause.error_class = e.error_class;
  cause.message = e.message;
  cause.is_retriable = http_semantics_retriable(e.http.status, e.error_class);
  return cause;
}

std::string describe_cause(const root_cause& cause) {
  std::string text;
  if (cause.http.status != 0) {
    text = fmt::format("HTTP {}", cause.http.status);
    if (!cause.http.method.empty() || !cause.http.path.empty()) {
      text += fmt::format(" on {} {}", cause.http.method, cause.http.path);
    }
    if (cause.http.transport == transport_kind::websocket) text += " (WebSocket upgrade)";
  } else if (!cause.error_class.empty()) {
    text = cause.error_class;
  } else {
    text = "an unidentified error";
  }
  return text;
}

std::string advice_for(const root_cause& cause) {
  const int status = cause.http.status;
  if (cause.http.transport == transport_kind::websocket &&
      (status == 403 || status == 404 || status == 405 || status == 400)) {
    return "The proxy refuses Codex's WebSocket upgrade. Upgrade the proxy to one that serves "
           "WebSocket /v1/responses, or set supports_websockets = false for this provider.";
  }
  if (status >= 500) {
    return "The server behind the proxy failed; its own log at the same time names the upstream "
           "error. Codex's two retry layers multiply such failures (up to 30 POSTs per turn).";
  }
  if (status == 429) {
    return "Rate limited: Codex does not retry 429; check the proxy's rate limits and the "
           "provider quota.";
  }
  if (status == 400) {
    return "The request was rejected as malformed: retrying cannot help; compare the request with "
           "what the proxy accepts.";
  }
  if (cause.error_class == "stream_idle_timeout") {
    return "The stream went silent: check that the proxy forwards SSE keep-alives, or raise "
           "stream_idle_timeout_ms.";
  }
  if (cause.error_class == "connection_error") {
    return "Codex could not send the request: check base_url (scheme, host, port) and that the "
           "proxy is up.";
  }
  return "Check the proxy's log for the same time to find the failing request.";
}

void add_evidence(finding& f, const event& e, std::size_t limit) {
  if (f.evidence.size() >= limit) return;
  f.evidence.push_back({e.where, e.excerpt});
}

void widen_span(finding& f, const event& e) {
  if (!e.time) return;
  if (!f.start || *e.time < *f.start) f.start = e.time;
  if (!f.end || *f.end < *e.time) f.end = e.time;
}

finding new_finding(const session::turn& t, finding_kind kind, std::string rule) {
  finding f;
  f.rule = std::move(rule);
  f.kind = kind;
  f.session = t.session_key;
  f.turn = t.index;
  f.turn_id = t.id;
  return f;
}

// The repeated walk that contains a step of the given event, as signatures.
std::vector<std::string> cycle_through(const graph::turn_graph& g,
                                       const std::vector<graph::repeated_walk>& walks,
                                       std::size_t event_index) {
  for (const graph::repeated_walk& walk : walks) {
    for (std::size_t step = walk.first_step; step <= walk.last_step; ++step) {
      if (g.step_event[step] != event_index) continue;
      std::vector<std::string> cycle;
      for (const std::size_t vertex : walk.cycle) cycle.push_back(g.graph[vertex].signature);
      return cycle;
    }
  }
  return {};
}

const event* last_of(const session::turn& t, event_kind kind) {
  for (auto it = t.events.rbegin(); it != t.events.rend(); ++it) {
    if (it->kind == kind) return &*it;
  }
  return nullptr;
}

void detect_stream_retries(const session::turn& t, const graph::turn_graph& g,
                           const std::vector<graph::repeated_walk>& walks,
                           const detector_settings& settings, std::vector<finding>& out) {
  finding f = new_finding(t, finding_kind::stream_retry, "codex.stream-retry");
  const event* last_retry = nullptr;
  std::size_t first_index = 0;
  for (std::size_t i = 0; i < t.events.size(); ++i) {
    const event& e = t.events[i];
    if (e.kind != event_kind::stream_retry) continue;
    if (last_retry == nullptr) first_index = i;
    ++f.iterations;
    last_retry = &e;
    widen_span(f, e);
    add_evidence(f, e, settings.max_evidence_lines);
  }
  if (last_retry == nullptr) return;

  const bool turn_failed = t.outcome == turn_outcome::failed;
  const bool exhausted = last_retry->attempt_limit > 0 &&
                         last_retry->attempt >= last_retry->attempt_limit;
  if (const event* gave_up = last_of(t, event_kind::turn_error)) {
    add_evidence(f, *gave_up, settings.max_evidence_lines);
  }
  f.cause = cause_from(*last_retry);
  f.cause->is_retriable = codex_turn_layer_retries(last_retry->http.status, last_retry->error_class);
  f.cycle = cycle_through(g, walks, first_index);
  if (f.cycle.empty()) {
    // A single retry walks no cycle; name the step itself.
    for (std::size_t step = 0; step < g.step_event.size(); ++step) {
      if (g.step_event[step] == first_index) f.cycle.push_back(g.graph[g.step_vertex[step]].signature);
    }
  }

  if (turn_failed && exhausted) {
    f.level = severity::error;
  } else if (f.iterations >= settings.stream_retry_warning_at) {
    f.level = severity::warning;
  } else {
    f.level = severity::info;
  }
  const std::string cause_text = describe_cause(*f.cause);
  f.summary = fmt::format(
      "Codex retried the turn's sampling request {} time{} (Reconnecting… up to {}/{}) after {}{}",
      f.iterations, f.iterations == 1 ? "" : "s", last_retry->attempt, last_retry->attempt_limit,
      cause_text,
      turn_failed ? (exhausted ? "; the retries ran out and the turn failed" : "; the turn failed")
                  : "; the turn went on");
  f.advice = advice_for(*f.cause);
  out.push_back(std::move(f));
}

void detect_turn_failure(const session::turn& t, const detector_settings& settings,
                         std::vector<finding>& out) {
  if (t.outcome != turn_outcome::failed) return;
  finding f = new_finding(t, finding_kind::turn_failure, "codex.turn-failure");
  f.iterations = 1;
  f.level = severity::error;
  const event* gave_up = last_of(t, event_kind::turn_error);
  const event* ended = last_of(t, event_kind::turn_end);
  const event* reason = gave_up != nullptr ? gave_up : ended;
  if (reason != nullptr) {
    f.cause = cause_from(*reason);
    f.cause->is_retriable = codex_turn_layer_retries(reason->http.status, reason->error_class);
    widen_span(f, *reason);
    add_evidence(f, *reason, settings.max_evidence_lines);
  }
  if (ended != nullptr && ended != reason) {
    widen_span(f, *ended);
    add_evidence(f, *ended, settings.max_evidence_lines);
  }
  const std::string cause_text = f.cause ? describe_cause(*f.cause) : "an unknown cause";
  f.summary = fmt::format("Turn {} failed: {}{}", t.index, cause_text,
                          f.cause && !f.cause->message.empty()
                              ? fmt::format(" — \"{}\"", f.cause->message)
                              : "");
  f.advice = f.cause ? advice_for(*f.cause) : "";
  out.push_back(std::move(f));
}

}  // namespace

std::vector<finding> detect_in_turn(const session::turn& t, const graph::turn_graph& g,
                                    const detector_settings& settings) {
  std::vector<finding> findings;
  const std::vector<graph::repeated_walk> walks =
      graph::find_repeated_walks(g.step_vertex, settings.max_cycle_period);
  detect_stream_retries(t, g, walks, settings, findings);
  detect_turn_failure(t, settings, findings);
  return findings;
}

}  // namespace loopscope::detect
