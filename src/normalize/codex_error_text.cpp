#include "codex_error_text.hpp"

#include <re2/re2.h>

namespace loopscope::normalize::detail {

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
  static const RE2 unexpected_status(R"(unexpected status (\d{3}))");
  static const RE2 ws_http_error(R"(failed to connect to websocket: HTTP error: (\d{3}))");
  static const RE2 url_field(R"((?:url: |url \()((?:wss?|https?)://[^\s,)]+))");
  static const RE2 retry_limit(R"(exceeded retry limit, last status: (\d{3}))");
  static const RE2 legacy_stream_error(R"(stream error: unexpected status (\d{3}))");

  int status = 0;
  std::string url;
  if (RE2::PartialMatch(text, url_field, &url)) apply_codex_url(url, http);

  if (RE2::PartialMatch(text, ws_http_error, &status)) {
    http.status = status;
    http.transport = transport_kind::websocket;
    if (http.method.empty()) http.method = "GET";
    if (error_class.empty()) error_class = "websocket_handshake_rejected";
  } else if (RE2::PartialMatch(text, retry_limit, &status)) {
    http.status = status;
    if (error_class.empty()) error_class = "RetryLimit";
  } else if (RE2::PartialMatch(text, unexpected_status, &status) ||
             RE2::PartialMatch(text, legacy_stream_error, &status)) {
    http.status = status;
    if (error_class.empty()) error_class = "UnexpectedStatus";
  } else if (text.find("We're currently experiencing high demand") != std::string_view::npos) {
    // Codex's Display of an HTTP 500 (CodexErr::InternalServerError): the status is implied.
    http.status = 500;
    if (error_class.empty()) error_class = "InternalServerError";
  } else if (text.find("Selected model is at capacity") != std::string_view::npos) {
    http.status = 503;
    if (error_class.empty()) error_class = "ServerOverloaded";
  } else if (text.find("idle timeout waiting for websocket") != std::string_view::npos) {
    http.transport = transport_kind::websocket;
    if (error_class.empty()) error_class = "stream_idle_timeout";
  } else if (text.find("idle timeout waiting for SSE") != std::string_view::npos) {
    http.transport = transport_kind::http;
    if (error_class.empty()) error_class = "stream_idle_timeout";
  } else if (text.find("websocket closed by server before response.completed") !=
             std::string_view::npos) {
    http.transport = transport_kind::websocket;
    if (error_class.empty()) error_class = "stream_closed";
  } else if (text.find("stream closed before response.completed") != std::string_view::npos) {
    if (error_class.empty()) error_class = "stream_closed";
  } else if (text.find("timeout waiting for child process to exit") != std::string_view::npos ||
             text.find("Timeout waiting for child process to exit") != std::string_view::npos) {
    // The TUI capitalises the first word of the details it shows.
    if (error_class.empty()) error_class = "Timeout";
  } else if (text.find("error sending request for url") != std::string_view::npos) {
    if (error_class.empty()) error_class = "connection_error";
  } else if (text.find("stream disconnected before completion") != std::string_view::npos ||
             text.find("Stream disconnected before completion") != std::string_view::npos) {
    if (error_class.empty()) error_class = "stream_disconnected";
  }
}

}  // namespace loopscope::normalize::detail
