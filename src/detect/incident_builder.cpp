// Groups a session's findings into incidents by the fingerprint of their root cause, nests their
// retry layers, and measures what each incident cost (the amplification, the time per turn).
#include <algorithm>
#include <cctype>
#include <map>
#include <set>

#include <fmt/format.h>

#include "loopscope/detect/incident.hpp"
#include "loopscope/detect/interval_union.hpp"

namespace loopscope::detect {
namespace {

constexpr struct {
  incident_layer layer;
  std::string_view name;
} layer_names[] = {
    {incident_layer::session_turns, "session_turns"},
    {incident_layer::codex_websocket, "codex_websocket"},
    {incident_layer::codex_turn, "codex_turn"},
    {incident_layer::codex_request, "codex_request"},
    {incident_layer::litellm_router, "litellm_router"},
    {incident_layer::proxy_fallback, "proxy_fallback"},
    {incident_layer::agent, "agent"},
    {incident_layer::turn_outcome, "turn_outcome"},
};

bool is_success(int status) {
  return status >= 100 && status < 300;
}

// Whether the cause's message says more than its status: an error body or an exception, not
// an access-log line ("GET /v1/responses 405 Method Not Allowed") or a bare "http 500".
bool says_more_than_status(const root_cause& c) {
  if (c.message.empty()) return false;
  if (!c.http.method.empty() && c.message.starts_with(c.http.method + " ")) return false;
  if (c.message.find('{') != std::string::npos) return true;
  return std::count(c.message.begin(), c.message.end(), ' ') >= 2;
}

std::string masked(std::string_view text) {
  std::string out;
  bool in_number = false;
  for (const char c : text.substr(0, 120)) {
    if (std::isdigit(static_cast<unsigned char>(c))) {
      if (!in_number) out += '#';
      in_number = true;
    } else {
      out += c;
      in_number = false;
    }
  }
  return out;
}

// The cause's fingerprint: its status, else its error class, else its masked message.
std::string fingerprint(const std::optional<root_cause>& c) {
  if (!c || cause_specificity(*c) == 0) return {};
  if (c->http.status != 0) return fmt::format("status {}", c->http.status);
  if (!c->error_class.empty()) return "class " + c->error_class;
  return "message " + masked(c->message);
}

bool compatible_transport(const std::optional<root_cause>& a, const std::optional<root_cause>& b) {
  if (!a || !b) return true;
  return a->http.transport == transport_kind::unknown ||
         b->http.transport == transport_kind::unknown || a->http.transport == b->http.transport;
}

// Transport-level kinds tell of one failing request path; a finding of theirs without a cause
// of its own belongs to what else failed in its turn.
bool transport_family(finding_kind kind) {
  switch (kind) {
    case finding_kind::transport_fallback:
    case finding_kind::stream_retry:
    case finding_kind::request_retry:
    case finding_kind::proxy_retry:
    case finding_kind::proxy_fallback:
    case finding_kind::error_repeat:
    case finding_kind::turn_failure:
      return true;
    case finding_kind::tool_repeat:
    case finding_kind::web_search_repeat:
    case finding_kind::monologue:
      return false;
  }
  return false;
}

// Which member tells the story: the outermost retry layer first.
int story_rank(finding_kind kind) {
  switch (kind) {
    case finding_kind::transport_fallback:
      return 0;
    case finding_kind::request_retry:
      return 1;
    case finding_kind::stream_retry:
      return 2;
    case finding_kind::proxy_retry:
      return 3;
    case finding_kind::proxy_fallback:
      return 4;
    case finding_kind::turn_failure:
      return 5;
    case finding_kind::error_repeat:
      return 6;
    case finding_kind::tool_repeat:
    case finding_kind::web_search_repeat:
    case finding_kind::monologue:
      return 7;
  }
  return 8;
}

std::vector<int> turns_of(const finding& f) {
  if (f.turn <= 0) return {};
  // A run of consecutive turns (error_repeat, monologue) touches each of them.
  if (f.kind == finding_kind::error_repeat || f.kind == finding_kind::monologue) {
    std::vector<int> turns;
    for (int k = 0; k < std::max(1, f.iterations); ++k) turns.push_back(f.turn + k);
    return turns;
  }
  return {f.turn};
}

std::string turns_phrase(const std::vector<int>& turns, std::size_t session_turns_hint) {
  if (turns.empty()) return "in the session";
  if (turns.size() == 1) return fmt::format("in turn {}", turns.front());
  if (session_turns_hint == turns.size() && turns.size() > 2) {
    return fmt::format("in every turn ({}–{})", turns.front(), turns.back());
  }
  bool consecutive = true;
  for (std::size_t i = 1; i < turns.size(); ++i) consecutive &= turns[i] == turns[i - 1] + 1;
  if (consecutive && turns.size() > 2) {
    return fmt::format("in turns {}–{}", turns.front(), turns.back());
  }
  std::string text = "in turns ";
  for (std::size_t i = 0; i < turns.size(); ++i) {
    text += fmt::format("{}{}", i == 0 ? "" : i + 1 == turns.size() ? " and " : ", ", turns[i]);
  }
  return text;
}

std::string seconds(std::int64_t ms) {
  return ms < 1000 ? fmt::format("{} ms", ms)
                   : fmt::format("{:.1f} s", static_cast<double>(ms) / 1000);
}

constexpr std::string_view agent_prefix = "rule ";
constexpr std::string_view unidentified_key = "unidentified";

struct builder {
  std::span<const finding* const> findings;
  std::vector<incident> out;

  incident* find_by_key(const std::string& key, const finding& f) {
    for (incident& i : out) {
      if (i.key == key && compatible_transport(i.cause, f.cause)) return &i;
    }
    return nullptr;
  }

  incident* find_by_turn(const finding& f) {
    const std::vector<int> mine = turns_of(f);
    incident* best = nullptr;
    for (incident& i : out) {
      if (i.key.starts_with(agent_prefix)) continue;  // the agent's loops tell no transport story
      for (const std::size_t m : i.members) {
        const std::vector<int> theirs = turns_of(*findings[m]);
        const bool shared = std::any_of(mine.begin(), mine.end(), [&](int t) {
          return std::find(theirs.begin(), theirs.end(), t) != theirs.end();
        });
        if (shared && (best == nullptr || best->level < i.level)) best = &i;
      }
    }
    return best;
  }

  void add(std::size_t position) {
    const finding& f = *findings[position];
    std::string key = fingerprint(f.cause);
    incident* into = nullptr;
    if (!key.empty()) {
      into = find_by_key(key, f);
    } else if (transport_family(f.kind)) {
      into = find_by_turn(f);
    }
    if (into == nullptr && key.empty()) {
      // A transport failure no log names is one unidentified incident, not one per rule; the
      // agent's own loops are grouped by rule and cycle.
      key = transport_family(f.kind) ? std::string(unidentified_key)
                                     : fmt::format("{}{} {}", agent_prefix, f.rule,
                                                   f.cycle.empty() ? "" : masked(f.cycle.front()));
      into = find_by_key(key, f);
    }
    if (into == nullptr) {
      out.emplace_back();
      into = &out.back();
      into->key = key;
      into->session = f.session;
    }
    into->members.push_back(position);
  }
};

void describe(incident& i, std::span<const finding* const> findings, const session_bounds& bounds) {
  std::set<int> turns, failed;
  interval_union time;
  std::map<int, turn_profile> profiles;
  int best_specificity = -1;
  std::size_t lead = i.members.front();
  for (const std::size_t m : i.members) {
    const finding& f = *findings[m];
    i.level = std::max(i.level, f.level);
    for (const int t : turns_of(f)) turns.insert(t);
    if (f.kind == finding_kind::turn_failure && f.turn > 0) failed.insert(f.turn);
    time.add(f.start, f.end);
    if (f.cause) {
      const int score = cause_specificity(*f.cause);
      if (score > best_specificity && score > 0) {
        best_specificity = score;
        i.cause = f.cause;
      }
    }
    if (f.profile && f.turn > 0) {
      profiles[f.turn] = *f.profile;
      if (f.profile->failed) failed.insert(f.turn);
    }
    const finding& current = *findings[lead];
    if (story_rank(f.kind) < story_rank(current.kind) ||
        (story_rank(f.kind) == story_rank(current.kind) && f.iterations > current.iterations)) {
      lead = m;
    }
  }
  i.lead = lead;
  i.turns.assign(turns.begin(), turns.end());
  i.failed_turns.assign(failed.begin(), failed.end());
  i.time_ms = time.empty() ? -1 : time.total_ms(bounds.start, bounds.end);

  // Layers, outermost first, with the worst turn's attempts.
  int ws = 0, sampling = 0, posts = 0, failed_posts = 0, router = 0;
  for (const auto& [turn, p] : profiles) {
    ws = std::max(ws, p.websocket_attempts);
    sampling = std::max(sampling, p.sampling_attempts);
    failed_posts = std::max(failed_posts, p.failed_posts);
    posts = std::max(posts, p.posts);
    router = std::max(router, p.router_retries);
    if (p.span_ms >= 0 || p.loop_ms >= 0) {
      turn_time t;
      t.turn = turn;
      t.span_ms = p.span_ms;
      t.backoff_ms = p.backoff_ms;
      t.failing_ms = p.failing_ms();
      t.other_ms = p.other_ms();
      t.failed = p.failed || failed.contains(turn);
      i.turn_times.push_back(t);
    }
  }
  std::set<finding_kind> kinds;
  for (const std::size_t m : i.members) kinds.insert(findings[m]->kind);
  const bool agent = kinds.contains(finding_kind::tool_repeat) ||
                     kinds.contains(finding_kind::web_search_repeat) ||
                     kinds.contains(finding_kind::monologue);
  if (i.turns.size() > 1) {
    i.layers.push_back({incident_layer::session_turns, static_cast<int>(i.turns.size()), "turns"});
  }
  if (kinds.contains(finding_kind::transport_fallback) && ws > 0) {
    i.layers.push_back({incident_layer::codex_websocket, ws, "WebSocket attempts"});
  }
  const bool transport_loop = kinds.contains(finding_kind::stream_retry) ||
                              kinds.contains(finding_kind::request_retry) ||
                              kinds.contains(finding_kind::turn_failure);
  if (transport_loop && sampling > 0) {
    i.layers.push_back({incident_layer::codex_turn, sampling, "sampling attempts"});
  }
  int per_attempt = 0;
  if (transport_loop && failed_posts > 0) {
    per_attempt = sampling > 0 && failed_posts % sampling == 0 ? failed_posts / sampling : 0;
    i.layers.push_back({incident_layer::codex_request, per_attempt > 0 ? per_attempt : failed_posts,
                        per_attempt > 0 ? "POSTs per sampling attempt" : "failed POSTs"});
  }
  if (router > 0) i.layers.push_back({incident_layer::litellm_router, router, "proxy retries"});
  if (kinds.contains(finding_kind::proxy_fallback)) {
    i.layers.push_back({incident_layer::proxy_fallback, 0, "model-group fallbacks"});
  }
  if (agent) {
    int repeats = 0;
    for (const std::size_t m : i.members) repeats = std::max(repeats, findings[m]->iterations);
    i.layers.push_back({incident_layer::agent, repeats, "repeats"});
  }
  if (!i.failed_turns.empty()) {
    i.layers.push_back(
        {incident_layer::turn_outcome, static_cast<int>(i.failed_turns.size()), "failed turns"});
  }

  // Upstream calls per user prompt.
  if (per_attempt > 1 && sampling > 1) {
    i.upstream_calls_per_turn = failed_posts;
    i.amplification = fmt::format("{} sampling attempts × {} requests = {} POSTs per turn",
                                  sampling, per_attempt, failed_posts);
  } else if (failed_posts > 1) {
    i.upstream_calls_per_turn = failed_posts;
    i.amplification = sampling > 1
                          ? fmt::format("{} failed POSTs over {} sampling attempts per turn",
                                        failed_posts, sampling)
                          : fmt::format("{} failed POSTs per turn", failed_posts);
  } else if (sampling > 1) {
    i.amplification = fmt::format("{} sampling attempts per turn", sampling);
  }
  if (router > 0 && i.upstream_calls_per_turn > 0) {
    if (router % failed_posts == 0) {
      const int calls = 1 + router / failed_posts;
      i.upstream_calls_per_turn = failed_posts * calls;
      i.amplification += fmt::format(", × {} LiteLLM calls each = {} upstream calls", calls,
                                     i.upstream_calls_per_turn);
    } else {
      i.upstream_calls_per_turn += router;
      i.amplification += fmt::format(", plus {} proxy retries = {} upstream calls", router,
                                     i.upstream_calls_per_turn);
    }
  } else if (router > 0) {
    i.upstream_calls_per_turn = router + 1;
    // Any proxy's retries (LiteLLM's router, or a log read by the generic reader).
    i.amplification = fmt::format("{} proxy retries per turn", router);
  }
  if (ws > 1 && kinds.contains(finding_kind::transport_fallback)) {
    i.upstream_calls_per_turn = std::max(i.upstream_calls_per_turn, ws);
    if (i.amplification.empty()) {
      i.amplification = fmt::format("{} WebSocket attempts per turn before the HTTP fallback", ws);
    }
  }

  // The verdict: the lead's headline, where and how often, the multiplication, the outcome, the
  // fix.
  const finding& story = *findings[lead];
  std::string sentence = story.headline.empty() ? story.summary : story.headline;
  while (!sentence.empty() && (sentence.back() == '.' || sentence.back() == ' '))
    sentence.pop_back();
  sentence += ' ';
  sentence += turns_phrase(i.turns, bounds.turns);
  std::vector<std::string> details;
  if (!i.amplification.empty()) details.push_back(i.amplification);
  std::int64_t worst_turn_ms = -1;
  for (const turn_time& t : i.turn_times) {
    const std::int64_t in_loop = t.span_ms >= 0 && t.other_ms >= 0 ? t.span_ms - t.other_ms : -1;
    worst_turn_ms = std::max(worst_turn_ms, in_loop);
  }
  if (worst_turn_ms > 0) {
    details.push_back(fmt::format("{} {} in the loop", i.turn_times.size() > 1 ? "up to" : "",
                                  seconds(worst_turn_ms)));
    if (details.back().starts_with(" ")) details.back().erase(0, 1);
    if (i.turn_times.size() > 1) details.back() += " per turn";
  }
  if (!details.empty()) sentence += fmt::format(" ({})", fmt::join(details, "; "));
  if (!i.failed_turns.empty()) {
    sentence += i.failed_turns.size() == 1
                    ? fmt::format("; turn {} failed", i.failed_turns.front())
                    : fmt::format("; {} turns failed", i.failed_turns.size());
  }
  sentence += '.';
  i.advice = story.advice;
  if (i.advice.empty()) {
    for (const std::size_t m : i.members) {
      if (!findings[m]->advice.empty()) {
        i.advice = findings[m]->advice;
        break;
      }
    }
  }
  if (!i.advice.empty()) sentence += " Fix: " + i.advice;
  i.verdict = std::move(sentence);
}

}  // namespace

std::string_view incident_layer_name(incident_layer layer) {
  for (const auto& entry : layer_names) {
    if (entry.layer == layer) return entry.name;
  }
  return "?";
}

int cause_specificity(const root_cause& c) {
  if (is_success(c.http.status)) return 0;
  int score = 0;
  if (c.http.status != 0) score += 8;
  if (!c.error_class.empty()) score += 4;
  if (says_more_than_status(c)) score += 2;
  if (!c.http.method.empty() || !c.http.path.empty()) score += 1;
  return score;
}

std::vector<incident> build_incidents(std::span<const finding* const> findings,
                                      const session_bounds& bounds) {
  builder b{findings, {}};
  // Findings with a cause of their own first, so that a causeless one finds the incident of its
  // turn whatever the order of kinds.
  std::vector<std::size_t> order;
  for (std::size_t k = 0; k < findings.size(); ++k) {
    if (!fingerprint(findings[k]->cause).empty()) order.push_back(k);
  }
  for (std::size_t k = 0; k < findings.size(); ++k) {
    if (fingerprint(findings[k]->cause).empty()) order.push_back(k);
  }
  for (const std::size_t k : order) b.add(k);
  for (incident& i : b.out) {
    std::sort(i.members.begin(), i.members.end());
    describe(i, findings, bounds);
  }
  std::stable_sort(b.out.begin(), b.out.end(), [](const incident& x, const incident& y) {
    if (x.level != y.level) return x.level > y.level;
    if (x.failed_turns.size() != y.failed_turns.size())
      return x.failed_turns.size() > y.failed_turns.size();
    if (x.time_ms != y.time_ms) return x.time_ms > y.time_ms;
    return x.members.front() < y.members.front();
  });
  return std::move(b.out);
}

}  // namespace loopscope::detect
