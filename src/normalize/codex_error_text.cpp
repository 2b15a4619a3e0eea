#include "codex_error_text.hpp"

#include <re2/re2.h>

#include <array>
#include <memory>
#include <vector>

namespace loopscope::normalize::detail {
namespace {

// One wording of a Codex error and what it says. Ordered: the first row that matches wins (a
// WebSocket handshake's "HTTP error: 405" before the generic "unexpected status").
struct error_wording {
  const char* pattern;  // RE2, unanchored; group 1, when present, is the HTTP status
  int status;           // implied status when the pattern has no group (0: none)
  transport_kind transport;
  std::string_view error_class;
};

// Sources: codex-rs/protocol/src/error.rs (CodexErr's Display), codex-rs/codex-api/src/
// api_bridge.rs (map_api_error), codex-rs/codex-client (TransportError). The TUI capitalises the
// first word of the details it shows ("Unexpected status …", "Stream disconnected …").
constexpr std::array<error_wording, 14> wordings{{
    {R"(failed to connect to websocket: HTTP error: (\d{3}))", 0, transport_kind::websocket,
     "websocket_handshake_rejected"},
    {R"(exceeded retry limit, last status: (\d{3}))", 0, transport_kind::unknown, "RetryLimit"},
    {R"([Uu]nexpected status (\d{3}))", 0, transport_kind::unknown, "UnexpectedStatus"},
    // Codex's Display of an HTTP 500 (CodexErr::InternalServerError): the status is implied.
    {R"(We.re currently experiencing high demand)", 500, transport_kind::unknown,
     "InternalServerError"},
    {R"(Selected model is at capacity)", 503, transport_kind::unknown, "ServerOverloaded"},
    {R"(idle timeout waiting for websocket)", 0, transport_kind::websocket, "stream_idle_timeout"},
    {R"(idle timeout waiting for SSE)", 0, transport_kind::http, "stream_idle_timeout"},
    {R"(websocket closed by server\s+before response\.completed)", 0, transport_kind::websocket,
     "stream_closed"},
    {R"(stream closed before response\.completed)", 0, transport_kind::unknown, "stream_closed"},
    {R"([Tt]imeout waiting for child process to exit)", 0, transport_kind::unknown, "Timeout"},
    // The peer closed the WebSocket while Codex sent the request (tungstenite's error).
    {R"(failed to send websocket request)", 0, transport_kind::websocket, "stream_disconnected"},
    // A refused TCP connect is a connection error like reqwest's own (the request layer retries
    // both): Windows' words (WSAECONNREFUSED, os error 10061) and ECONNREFUSED's.
    {R"(actively refused it|[Cc]onnection refused)", 0, transport_kind::unknown,
     "connection_error"},
    {R"(error sending request for url)", 0, transport_kind::unknown, "connection_error"},
    {R"([Ss]tream disconnected before completion)", 0, transport_kind::unknown,
     "stream_disconnected"},
}};

struct compiled_wording {
  const error_wording* wording;
  std::unique_ptr<RE2> re;
};

const std::vector<compiled_wording>& compiled() {
  static const std::vector<compiled_wording> table = [] {
    std::vector<compiled_wording> out;
    for (const error_wording& w : wordings) {
      out.push_back({&w, std::make_unique<RE2>(w.pattern)});
    }
    return out;
  }();
  return table;
}

}  // namespace

void apply_codex_url(std::string_view url, http_facts& http) {
  if (url.starts_with("ws://") || url.starts_with("wss://")) {
    http.transport = transport_kind::websocket;
    if (http.method.empty()) http.method = "GET";  // a WebSocket upgrade is an HTTP GET
  } else if (url.starts_with("http://") || url.starts_with("https://")) {
    http.transport = transport_kind::http;
  } else {
    return;
  }
  const std::size_t scheme_end = url.find("://");
  const std::size_t path_start = url.find('/', scheme_end + 3);
  if (path_start == std::string_view::npos) return;
  std::string_view path = url.substr(path_start);
  path = path.substr(0, path.find_first_of("?#"));
  http.path = std::string(path);
}

std::optional<reconnecting_notice> parse_reconnecting(std::string_view message) {
  static const RE2 pattern(R"(^Re-?connecting\.\.\. (\d+)/(\d+)(?: \(([\s\S]*)\))?\s*$)");
  reconnecting_notice notice;
  std::string details;
  if (!RE2::FullMatch(message, pattern, &notice.attempt, &notice.limit, &details)) {
    return std::nullopt;
  }
  notice.details = std::move(details);
  return notice;
}

void classify_codex_error(std::string_view text, http_facts& http, std::string& error_class) {
  static const RE2 url_field(R"((?:url: |url \()((?:wss?|https?)://[^\s,)]+))");
  std::string url;
  if (RE2::PartialMatch(text, url_field, &url)) apply_codex_url(url, http);

  for (const compiled_wording& c : compiled()) {
    int status = 0;
    const bool matched = c.re->NumberOfCapturingGroups() > 0
                             ? RE2::PartialMatch(text, *c.re, &status)
                             : RE2::PartialMatch(text, *c.re);
    if (!matched) continue;
    const error_wording& w = *c.wording;
    if (status == 0) status = w.status;
    if (status != 0) http.status = status;
    if (w.transport != transport_kind::unknown) http.transport = w.transport;
    if (w.transport == transport_kind::websocket && http.method.empty()) http.method = "GET";
    if (error_class.empty()) error_class = std::string(w.error_class);
    return;
  }
}

}  // namespace loopscope::normalize::detail
