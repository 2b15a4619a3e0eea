#include "uvicorn_messages.hpp"

#include "loopscope/formats/registry.hpp"

namespace loopscope::normalize::detail {
namespace {

bool is_digit(char c) {
  return c >= '0' && c <= '9';
}

std::string_view trim(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t' || text.back() == '\r')) {
    text.remove_suffix(1);
  }
  return text;
}

// "127.0.0.1:50412" as is; the older "('127.0.0.1', 12345)" as "127.0.0.1:12345".
std::string client_address(std::string_view text) {
  text = trim(text);
  if (!text.starts_with("(") || !text.ends_with(")")) return std::string(text);
  text = text.substr(1, text.size() - 2);
  const std::size_t comma = text.rfind(',');
  if (comma == std::string_view::npos) return std::string(text);
  std::string_view host = trim(text.substr(0, comma));
  const std::string_view port = trim(text.substr(comma + 1));
  if (host.size() >= 2 && (host.front() == '\'' || host.front() == '"')) {
    host = host.substr(1, host.size() - 2);
  }
  return std::string(host) + ":" + std::string(port);
}

std::string_view strip_query(std::string_view path) {
  return path.substr(0, path.find('?'));
}

// Codex never GETs /responses: a GET there is its WebSocket upgrade, answered as plain HTTP by a
// server without a WebSocket library (or a POST-only route). /responses/{id} is a real GET.
bool is_responses_upgrade(std::string_view method, std::string_view path) {
  return method == "GET" && (path == "/responses" || path.ends_with("/responses"));
}

uvicorn_outcome decode_access(std::string_view message, std::size_t dash, event& e) {
  const std::size_t open = dash + 3;  // after ` - "`
  const std::size_t close = message.find('"', open + 1);
  if (close == std::string_view::npos) return uvicorn_outcome::malformed;
  const std::string_view request = message.substr(open + 1, close - open - 1);
  const std::string_view answer = trim(message.substr(close + 1));

  const std::size_t space = request.find(' ');
  if (space == std::string_view::npos || space == 0) return uvicorn_outcome::malformed;
  const std::string_view method = request.substr(0, space);
  std::string_view target = request.substr(space + 1);
  target = target.substr(0, target.find(' '));  // " HTTP/1.1"
  const std::string_view path = strip_query(target);
  if (path.empty()) return uvicorn_outcome::malformed;

  int status = 0;
  std::size_t digits = 0;
  while (digits < answer.size() && digits < 3 && is_digit(answer[digits])) {
    status = status * 10 + (answer[digits] - '0');
    ++digits;
  }
  const bool accepted = answer.starts_with("[accepted]");
  const bool rejected = answer.starts_with("[rejected]");
  if (digits != 3 && !accepted && !rejected) return uvicorn_outcome::malformed;

  e.client = client_address(message.substr(0, dash));
  e.http.path = std::string(path);
  if (method == "WebSocket") {
    e.http.method = "GET";
    e.http.transport = transport_kind::websocket;
    e.http.status = status;
    e.kind =
        (accepted || (digits == 3 && status < 400)) ? event_kind::ws_connect : event_kind::ws_error;
  } else if (is_responses_upgrade(method, path) && (status >= 400 || status == 101)) {
    e.http.method = "GET";
    e.http.transport = transport_kind::websocket;
    e.http.status = status;
    e.kind = status == 101 ? event_kind::ws_connect : event_kind::ws_error;
  } else {
    e.http.method = std::string(method);
    e.http.transport = transport_kind::http;
    e.http.status = status;
    e.kind = event_kind::response;
  }
  // Client and query left out: the message is what repeats, and queries can hold keys.
  e.message = std::string(method) + " " + std::string(path) + " " + std::string(answer);
  return uvicorn_outcome::event;
}

}  // namespace

uvicorn_outcome decode_uvicorn_message(std::string_view message, event& e) {
  message = trim(message);
  if (const std::size_t dash = message.find(" - \""); dash != std::string_view::npos) {
    return decode_access(message, dash, e);
  }
  // The warnings that matter are data (rules/formats/uvicorn.yaml, uvicorn-messages): a TLS
  // ClientHello on the plain-HTTP port (litellm#29818), an upgrade without a WebSocket library,
  // an exception in the application. "connection rejected (403 Forbidden)", "connection open",
  // "connection closed" repeat the access line; start-up and shutdown lines say nothing about
  // requests.
  // Looked up per message (not cached): --formats may have replaced the registry, and only the
  // rare non-access lines get here.
  const formats::catalogue* messages = formats::registry().catalogue_named("uvicorn-messages");
  if (messages != nullptr && messages->apply(message, e).outcome == formats::match_outcome::event) {
    e.message = std::string(message);
    return uvicorn_outcome::event;
  }
  return uvicorn_outcome::skipped;
}

std::string without_query(std::string_view line) {
  // Copied a run at a time between the queries: most lines have none (a byte at a time was a
  // fiftieth of a proxy log's decoding, profiled).
  std::string out;
  out.reserve(line.size());
  std::size_t from = 0;
  for (std::size_t query = line.find('?'); query != std::string_view::npos;
       query = line.find('?', from)) {
    out.append(line.substr(from, query - from));
    from = line.find_first_of(" \"", query);
    if (from == std::string_view::npos) return out;
  }
  out.append(line.substr(from));
  return out;
}

std::string_view unwrap_inline_code(std::string_view line) {
  if (line.size() >= 2 && line.front() == '`' && line.back() == '`' && !line.starts_with("``")) {
    return line.substr(1, line.size() - 2);
  }
  return line;
}

}  // namespace loopscope::normalize::detail
