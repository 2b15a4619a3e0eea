#include "litellm_messages.hpp"

#include <array>

#include "loopscope/normalize/text_template.hpp"

namespace loopscope::normalize::detail {
namespace {

// Messages are kept as written, but a DEBUG dump can be megabytes long: the event keeps the head,
// the excerpt keeps the evidence.
constexpr std::size_t message_bytes = 4096;
constexpr std::size_t value_bytes = 256;

bool is_digit(char c) {
  return c >= '0' && c <= '9';
}
bool is_upper(char c) {
  return c >= 'A' && c <= 'Z';
}
bool is_lower(char c) {
  return c >= 'a' && c <= 'z';
}
bool is_ident(char c) {
  return is_digit(c) || is_upper(c) || is_lower(c) || c == '_';
}
bool is_quote(char c) {
  return c == '\'' || c == '"';
}

bool contains(std::string_view text, std::string_view part) {
  return text.find(part) != std::string_view::npos;
}

// Reads a decimal number at `pos` (at most 9 digits, so it fits an int); -1 when there is none.
int number_at(std::string_view text, std::size_t pos) {
  int value = 0;
  std::size_t digits = 0;
  while (pos + digits < text.size() && is_digit(text[pos + digits]) && digits < 9) {
    value = value * 10 + (text[pos + digits] - '0');
    ++digits;
  }
  return digits == 0 ? -1 : value;
}

// The number right after `prefix`; -1 when the prefix or the number is missing.
int number_after(std::string_view text, std::string_view prefix) {
  const std::size_t at = text.find(prefix);
  if (at == std::string_view::npos) return -1;
  return number_at(text, at + prefix.size());
}

std::string cut_utf8(std::string_view text, std::size_t limit) {
  if (text.size() <= limit) return std::string(text);
  std::size_t cut = limit;
  while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80) --cut;
  return std::string(text.substr(0, cut)) + "…";
}

enum class key_form : unsigned char {
  quoted,  // 'key': or "key": (or \"key\": inside an escaped JSON string)
  any,     // also key=value after a space
};

// The value after the first occurrence of `key` as a key: "'key': 'v'", "\"key\":\"v\"",
// "key=v". Quoted keys are required by default so that "litellm_session_id" or a word in prose
// does not match "session_id". Values end at a quote, space, comma or bracket.
std::string_view key_value(std::string_view text, std::string_view key, key_form form) {
  std::size_t from = 0;
  while (true) {
    const std::size_t at = text.find(key, from);
    if (at == std::string_view::npos) return {};
    from = at + 1;
    const char before = at == 0 ? ' ' : text[at - 1];
    const bool quoted_before = is_quote(before);
    if (!quoted_before && !(form == key_form::any &&
                            (before == ' ' || before == '{' || before == ',' || before == '('))) {
      continue;
    }
    std::size_t pos = at + key.size();
    // The key's closing quote, escaped or not.
    while (pos < text.size() && pos < at + key.size() + 2 &&
           (is_quote(text[pos]) || text[pos] == '\\')) {
      ++pos;
    }
    while (pos < text.size() && text[pos] == ' ') ++pos;
    if (pos >= text.size() || (text[pos] != ':' && text[pos] != '=')) continue;
    ++pos;
    while (pos < text.size() && text[pos] == ' ') ++pos;
    const std::size_t quote_start = pos;
    while (pos < text.size() && pos < quote_start + 2 &&
           (is_quote(text[pos]) || text[pos] == '\\')) {
      ++pos;
    }
    const std::size_t start = pos;
    while (pos < text.size() && pos - start < value_bytes) {
      const char c = text[pos];
      if (is_quote(c) || c == '\\' || c == ' ' || c == ',' || c == ';' || c == ')' || c == '}' ||
          c == ']' || c == '\n' || c == '\r' || c == '\t') {
        break;
      }
      ++pos;
    }
    return text.substr(start, pos - start);
  }
}

// "litellm.RateLimitError", "litellm.exceptions.RateLimitError" → "litellm.RateLimitError".
// Lower-case segments are modules ("litellm.proxy.proxy_server._handle_llm_api_exception()" names
// a function, not a class) and are passed over.
std::string litellm_class(std::string_view text) {
  std::size_t from = 0;
  while (true) {
    const std::size_t at = text.find("litellm.", from);
    if (at == std::string_view::npos) return {};
    from = at + 1;
    if (at > 0 && (is_ident(text[at - 1]) || text[at - 1] == '.')) continue;
    std::size_t pos = at + 8;
    while (pos < text.size()) {
      const std::size_t start = pos;
      while (pos < text.size() && is_ident(text[pos])) ++pos;
      if (pos == start) break;
      const std::string_view segment = text.substr(start, pos - start);
      if (is_upper(segment.front())) {
        if (segment.starts_with("RouterRateLimitError")) return "RouterRateLimitError";
        return "litellm." + std::string(segment);
      }
      if (pos >= text.size() || text[pos] != '.') break;
      ++pos;
    }
  }
}

// The class of a traceback's exception line: "httpcore.RemoteProtocolError: …" →
// "httpcore.RemoteProtocolError"; LiteLLM's own classes are shortened as in litellm_class.
std::string traceback_class(std::string_view line) {
  std::size_t pos = 0;
  while (pos < line.size() && (is_ident(line[pos]) || line[pos] == '.')) ++pos;
  const std::string_view name = line.substr(0, pos);
  if (name.empty() || (pos < line.size() && line[pos] != ':')) return {};
  const std::size_t dot = name.rfind('.');
  const std::string_view last = dot == std::string_view::npos ? name : name.substr(dot + 1);
  if (last.empty() || !is_upper(last.front())) return {};
  if (name.starts_with("litellm.")) return litellm_class(name);
  return std::string(name);
}

// litellm/exceptions.py: the status each exception class stands for (§2.4).
int status_of_class(std::string_view error_class) {
  struct entry {
    std::string_view name;
    int status;
  };
  static constexpr std::array table{
      entry{"AuthenticationError", 401},
      entry{"PermissionDeniedError", 403},
      entry{"NotFoundError", 404},
      entry{"Timeout", 408},
      entry{"UnprocessableEntityError", 422},
      entry{"RateLimitError", 429},
      entry{"RouterRateLimitError", 429},
      entry{"InternalServerError", 500},
      entry{"APIConnectionError", 500},
      entry{"BadGatewayError", 502},
      entry{"ServiceUnavailableError", 503},
      entry{"MidStreamFallbackError", 503},
      entry{"BadRequestError", 400},
      entry{"ContextWindowExceededError", 400},
      entry{"ContentPolicyViolationError", 400},
      entry{"RejectedRequestError", 400},
      entry{"UnsupportedParamsError", 400},
      entry{"ImageFetchError", 400},
  };
  const std::size_t dot = error_class.rfind('.');
  const std::string_view last =
      dot == std::string_view::npos ? error_class : error_class.substr(dot + 1);
  for (const entry& e : table) {
    if (e.name == last) return e.status;
  }
  return 0;
}

int plausible_status(int value) {
  return value >= 100 && value <= 599 ? value : 0;
}

// A status the exception text states itself: "'status_code': 400", "status_code=400",
// "Error code: 401", a provider body's "code": 503 or 'code': '400', legacy "Status: 401".
int explicit_status(std::string_view text) {
  for (const std::string_view key : {"status_code", "code"}) {
    const std::string_view value =
        key_value(text, key, key == "code" ? key_form::quoted : key_form::any);
    const int status = plausible_status(number_at(value, 0));
    if (status != 0 && (value.size() == 3)) return status;
  }
  for (const std::string_view prefix : {"Error code: ", "Status: "}) {
    const int status = plausible_status(number_after(text, prefix));
    if (status != 0) return status;
  }
  return 0;
}

// Class and status of the exception a message reports.
//
// Status: a number the text states (status_code, Error code, a provider body's code) wins over
// the class's default. LiteLLM maps provider statuses to classes lossily: a Vertex 503 arrives as
// InternalServerError (#8632), a 400 the client received as APIConnectionError (#18421, #7637).
// The stated number is what the provider or the client saw; the class default (APIConnectionError
// → 500) is what LiteLLM guessed.
void apply_exception(std::string_view text, std::string_view traceback_exception, event& e) {
  std::string error_class = litellm_class(text);
  if (error_class.empty() && contains(text, "No deployments available")) {
    error_class = "RouterRateLimitError";
  }
  if (error_class.empty()) error_class = traceback_class(traceback_exception);
  if (!error_class.empty()) e.error_class = std::move(error_class);
  int status = explicit_status(text);
  if (status == 0) status = status_of_class(e.error_class);
  if (status != 0) e.http.status = status;
}

// "… LiteLLM Retried: N times, LiteLLM Max Retries: M" (the exception's __str__ suffix; older
// versions print the first half only).
void apply_retry_suffix(std::string_view text, event& e) {
  const int retried = number_after(text, "LiteLLM Retried: ");
  if (retried >= 0) e.attempt = retried;
  const int limit = number_after(text, "LiteLLM Max Retries: ");
  if (limit >= 0) e.attempt_limit = limit;
}

// The text up to the end of its line, trimmed.
std::string_view rest_of_line(std::string_view text, std::size_t from) {
  std::string_view rest = text.substr(std::min(from, text.size()));
  // Two single-character searches (memchr each): find_first_of tests every byte against the set,
  // which over a request's header dump was a tenth of the proxy log's time.
  if (const std::size_t end = rest.find('\n'); end != std::string_view::npos) {
    rest = rest.substr(0, end);
  }
  if (const std::size_t end = rest.find('\r'); end != std::string_view::npos) {
    rest = rest.substr(0, end);
  }
  while (!rest.empty() && (rest.back() == ' ' || rest.back() == '\t')) rest.remove_suffix(1);
  return rest;
}

// "{'model': 'model1'}" → "model1"; "gpt-4" → "gpt-4".
std::string model_group_name(std::string_view value) {
  const std::string_view model = key_value(value, "model", key_form::quoted);
  if (!model.empty()) return std::string(model);
  while (!value.empty() &&
         (is_quote(value.front()) || value.front() == '[' || value.front() == ' ')) {
    value.remove_prefix(1);
  }
  while (!value.empty() && (is_quote(value.back()) || value.back() == ']' || value.back() == ' ')) {
    value.remove_suffix(1);
  }
  return std::string(value);
}

// "model=X)" after a router call name: the deployment model, or for the generic (Responses)
// path the model group.
std::string call_model(std::string_view text, std::size_t call_at) {
  const std::size_t open = text.find("(model=", call_at);
  if (open == std::string_view::npos) return {};
  const std::size_t close = text.find(')', open);
  if (close == std::string_view::npos || close - open > value_bytes) return {};
  return std::string(text.substr(open + 7, close - open - 7));
}

// "litellm.acompletion(model=X)", "litellm.completion(model=X)", "litellm.aresponses(model=X)":
// position of the call, or npos.
std::size_t router_call(std::string_view text) {
  std::size_t from = 0;
  while (true) {
    const std::size_t at = text.find("litellm.", from);
    if (at == std::string_view::npos) return at;
    from = at + 1;
    std::size_t pos = at + 8;
    while (pos < text.size() && is_ident(text[pos])) ++pos;
    if (text.substr(pos).starts_with("(model=")) return at;
  }
}

// "path=/v1/responses?key=…" → "path=/v1/responses": query values can hold keys.
std::string without_query_strings(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '?' && i > 0 && text[i - 1] != ' ') {
      while (i + 1 < text.size() && text[i + 1] != ' ') ++i;
      continue;
    }
    out.push_back(text[i]);
  }
  return out;
}

void apply_ids(std::string_view text, event& e) {
  std::string_view request_id = key_value(text, "x-client-request-id", key_form::quoted);
  if (request_id.empty()) request_id = key_value(text, "litellm_call_id", key_form::any);
  if (request_id.empty()) request_id = key_value(text, "x-litellm-call-id", key_form::quoted);
  if (!request_id.empty()) e.request_id = std::string(request_id);
}

// A request header dump: the Codex session (thread), turn and request ids, and what the line says
// about method, path, model. Other header values (authorization!) are never copied.
void apply_request(std::string_view text, event& e) {
  const std::string_view session = key_value(text, "session_id", key_form::quoted);
  if (!session.empty()) e.session_key = std::string(session);
  const std::string_view turn = key_value(text, "turn_id", key_form::quoted);
  if (!turn.empty()) e.turn_key = std::string(turn);
  const std::string_view method = key_value(text, "method", key_form::any);
  if (!method.empty()) e.http.method = std::string(method);
  std::string_view path = key_value(text, "path", key_form::any);
  path = path.substr(0, path.find('?'));  // query values can hold keys
  if (!path.empty() && path.front() == '/') e.http.path = std::string(path);
  const std::string_view model = key_value(text, "model", key_form::any);
  if (!model.empty() && model != "None") e.model = std::string(model);
  if (key_value(text, "websocket", key_form::any) == "True" ||
      key_value(text, "upgrade", key_form::quoted) == "websocket") {
    e.http.transport = transport_kind::websocket;
  } else if (!e.http.method.empty()) {
    e.http.transport = transport_kind::http;
  }
}

// "HTTP Request: POST https://api.openai.com/v1/chat/completions \"HTTP/1.1 401 Unauthorized\""
// (httpx's INFO line: LiteLLM's own call upstream).
bool apply_httpx(std::string_view text, event& e) {
  std::string_view rest = rest_of_line(text, std::string_view("HTTP Request: ").size());
  const std::size_t space = rest.find(' ');
  if (space == std::string_view::npos) return false;
  const std::string_view method = rest.substr(0, space);
  const std::size_t quote = rest.find("\"HTTP/", space);
  if (quote == std::string_view::npos) return false;
  const std::string_view url = rest.substr(space + 1, quote - space - 1);
  const std::size_t status_at = rest.find(' ', quote);
  if (status_at == std::string_view::npos) return false;
  const int status = plausible_status(number_at(rest, status_at + 1));
  if (status == 0) return false;
  e.kind = event_kind::response;
  e.http.method = std::string(method);
  e.http.status = status;
  e.http.transport = transport_kind::http;
  std::string_view path = url;
  const std::size_t scheme = path.find("://");
  if (scheme != std::string_view::npos) {
    path.remove_prefix(scheme + 3);
    const std::size_t slash = path.find('/');
    path = slash == std::string_view::npos ? std::string_view("/") : path.substr(slash);
  }
  path = path.substr(0, path.find('?'));
  while (!path.empty() && path.back() == ' ') path.remove_suffix(1);
  e.http.path = std::string(path);
  return true;
}

// What the text says, by message; the order matters where one message quotes another (an
// exception text can contain "No deployments available").
classification classify(std::string_view text, std::string_view traceback_exception, event& e) {
  if (const int retries = number_after(text, "Retrying request with num_retries: "); retries >= 0) {
    e.kind = event_kind::proxy_retry;
    e.attempt_limit = retries;
    return {true, fallback_step::none};
  }
  if (contains(text, "Trying to fallback b/w models")) {
    e.kind = event_kind::proxy_fallback;
    return {true, fallback_step::trying};
  }
  constexpr std::string_view falling_back = "Falling back to model_group = ";
  if (const std::size_t at = text.find(falling_back); at != text.npos) {
    e.kind = event_kind::proxy_fallback;
    e.model_group = model_group_name(rest_of_line(text, at + falling_back.size()));
    return {true, fallback_step::falling_back};
  }
  // Logged once per nesting level when a fallback chain ends well: the access line's status says
  // the same once per request, so counting these would overcount.
  if (contains(text, "Successful fallback b/w models")) return {};
  constexpr std::string_view no_fallback =
      "No fallback model group found for original model_group=";
  if (const std::size_t at = text.find(no_fallback); at != text.npos) {
    e.kind = event_kind::proxy_error;
    std::string_view group = rest_of_line(text, at + no_fallback.size());
    group = group.substr(0, group.find(". Fallbacks="));
    group = group.substr(0, group.find(' '));
    while (!group.empty() && group.back() == '.') group.remove_suffix(1);
    e.model_group = std::string(group);
    e.error_class = "no_fallback_group";
    return {true, fallback_step::none};
  }
  if (contains(text, "in router_cooldown_event_callback but _deployment is None")) {
    e.kind = event_kind::warning;
    return {true, fallback_step::none};
  }
  // Legacy (2024) "LiteLLM.Router: adding <id> to cooldown models". The "Attempting to add <id>
  // to cooldown list" line before it is logged on every failure, cooled down or not: skipped.
  if (contains(text, "to cooldown models") && text.starts_with("adding ")) {
    e.kind = event_kind::warning;
    e.error_class = "cooldown";
    return {true, fallback_step::none};
  }
  if (const std::size_t call = router_call(text); call != text.npos) {
    const std::size_t close = text.find(')', call);
    const std::string_view after = close == text.npos ? std::string_view() : text.substr(close + 1);
    if (after.starts_with(" 200 OK") || after.starts_with(" 200")) {
      e.kind = event_kind::response;
      e.http.status = 200;
      e.model = call_model(text, call);
      return {true, fallback_step::none};
    }
    if (after.starts_with(" Exception")) {
      e.kind = event_kind::proxy_error;
      e.model = call_model(text, call);
      apply_exception(after, traceback_exception, e);
      return {true, fallback_step::none};
    }
  }
  if (const std::size_t at = text.find("ageneric_api_call_with_fallbacks(model=");
      at != text.npos) {
    // The generic path (/v1/responses, Codex) is called with the model group's name.
    e.kind = event_kind::proxy_error;
    e.model = call_model(text, at);
    e.model_group = e.model;
    apply_exception(text.substr(at), traceback_exception, e);
    return {true, fallback_step::none};
  }
  // "…_handle_llm_api_exception(): Exception occured - <e>", "…chat_completion(): …",
  // "…async_data_generator(): …" (inside a stream already answered 200: the event's message and
  // text_template keep "async_data_generator", which is how a rule tells a mid-stream failure),
  // "…responses_websocket_endpoint(): …", "async_function_with_fallbacks() - Error occurred while
  // trying to do fallbacks - <e>".
  if (contains(text, "(): Exception occured - ") || contains(text, "(): Exception occurred - ") ||
      contains(text, "Error occurred while trying to do fallbacks - ")) {
    e.kind = event_kind::proxy_error;
    apply_exception(text, traceback_exception, e);
    if (contains(text, "responses_websocket_endpoint"))
      e.http.transport = transport_kind::websocket;
    return {true, fallback_step::none};
  }
  // The Responses WebSocket endpoint's own failures (§1): errors after the 101, closed with 1008 or
  // 1011; the exception (if any) is in the traceback.
  if (text.starts_with("Responses WebSocket ")) {
    e.kind = event_kind::proxy_error;
    e.http.transport = transport_kind::websocket;
    apply_exception(text, traceback_exception, e);
    if (e.error_class.empty()) {
      e.error_class = contains(text, "authentication")           ? "websocket_authentication_error"
                      : contains(text, "initial client message") ? "websocket_read_error"
                      : contains(text, "pre-call")               ? "websocket_pre_call_error"
                                                                 : "websocket_error";
    }
    return {true, fallback_step::none};
  }
  if (const std::size_t at = text.find("No deployments available for selected model");
      at != text.npos) {
    e.kind = event_kind::proxy_error;
    e.error_class = "RouterRateLimitError";
    e.http.status = 429;
    const std::string_view passed = key_value(text, "model", key_form::any);
    constexpr std::string_view passed_model = "Passed model=";
    if (const std::size_t p = text.find(passed_model, at); p != text.npos) {
      std::string_view group = rest_of_line(text, p + passed_model.size());
      group = group.substr(0, group.find(". "));
      e.model_group = std::string(group);
    } else if (!passed.empty()) {
      e.model_group = std::string(passed);
    }
    return {true, fallback_step::none};
  }
  // LiteLLM's error body as a client prints it (Python dict repr), e.g. #18421.
  if (text.starts_with("{'error': {'message': ") ||
      text.starts_with("{\"error\": {\"message\": ")) {
    e.kind = event_kind::proxy_error;
    apply_exception(text, traceback_exception, e);
    return {true, fallback_step::none};
  }
  if (text.starts_with("HTTP Request: ") && apply_httpx(text, e)) {
    return {true, fallback_step::none};
  }
  if (contains(text, "Request received by LiteLLM") || contains(text, "x-codex-turn-metadata") ||
      contains(text, "x-client-request-id")) {
    e.kind = event_kind::request;
    apply_request(text, e);
    return {true, fallback_step::none};
  }
  return {};
}

}  // namespace

std::string strip_ansi(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  std::size_t copied = 0;  // text[copied, i) is still to be appended: copied in runs, not bytes
  std::size_t i = 0;
  while (i < text.size()) {
    const char c = text[i];
    if (c == '\x1b' || c == '[') {
      // ESC "[" params "m", or the same without the ESC byte.
      std::size_t pos = i + (c == '\x1b' ? 1 : 0);
      if (pos < text.size() && text[pos] == '[') {
        ++pos;
        const std::size_t params = pos;
        while (pos < text.size() && pos - params < 8 && (is_digit(text[pos]) || text[pos] == ';')) {
          ++pos;
        }
        if (pos < text.size() && text[pos] == 'm' && (pos > params || c == '\x1b')) {
          out.append(text.substr(copied, i - copied));
          i = pos + 1;
          copied = i;
          continue;
        }
      }
    }
    ++i;
  }
  out.append(text.substr(copied));
  return out;
}

classification classify_litellm_message(std::string_view text, std::string_view traceback_exception,
                                        event& e) {
  const classification result = classify(text, traceback_exception, e);
  if (!result.is_event) return result;
  apply_retry_suffix(text, e);
  if (e.model_group.empty()) {
    constexpr std::string_view received = "Received Model Group=";
    if (const std::size_t at = text.find(received); at != text.npos) {
      e.model_group = std::string(rest_of_line(text, at + received.size()));
    }
  }
  apply_ids(text, e);
  if (e.kind == event_kind::request) {
    // The header dump stays out of the message: only the ids above are kept from it.
    std::string_view head = rest_of_line(text, 0);
    head = head.substr(0, head.find(" headers="));
    head = head.substr(0, head.find('{'));
    while (!head.empty() && (head.back() == ' ' || head.back() == ':')) head.remove_suffix(1);
    e.message = cut_utf8(without_query_strings(head), message_bytes);
  } else {
    e.message = cut_utf8(text, message_bytes);
  }
  e.text_template = mask_text(e.message);
  return result;
}

std::string_view last_exception_line(std::string_view traceback) {
  std::string_view found;
  std::size_t start = 0;
  while (start < traceback.size()) {
    std::size_t end = traceback.find('\n', start);
    if (end == std::string_view::npos) end = traceback.size();
    std::string_view line = traceback.substr(start, end - start);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (!line.empty() && line.front() != ' ' && line.front() != '\t' &&
        !line.starts_with("Traceback (most recent call last)") &&
        !line.starts_with("During handling of the above exception") &&
        !line.starts_with("The above exception was the direct cause")) {
      found = line;
    }
    start = end + 1;
  }
  return found;
}

bool looks_like_record_part(std::string_view line) {
  if (line.empty()) return true;
  if (line.front() == ' ' || line.front() == '\t') return true;
  static constexpr std::array prefixes{
      std::string_view("Traceback (most recent call last)"),
      std::string_view("During handling of the above exception"),
      std::string_view("The above exception was the direct cause"),
      std::string_view("Debug Information:"),
      std::string_view("Received Model Group="),
      std::string_view("Available Model Group Fallbacks="),
      std::string_view("LiteLLM Retried:"),
      std::string_view("litellm."),
  };
  for (const std::string_view prefix : prefixes) {
    if (line.starts_with(prefix)) return true;
  }
  return false;
}

void fallback_fold::push(event&& e, fallback_step step, event_sink& sink) {
  if (holding_) {
    holding_ = false;
    if (step == fallback_step::falling_back) {
      // One fallback: the "Falling back" line names the group and stands for both.
      sink.on_event(std::move(e));
      return;
    }
    sink.on_event(std::move(held_));
  }
  if (step == fallback_step::trying) {
    held_ = std::move(e);
    holding_ = true;
    return;
  }
  sink.on_event(std::move(e));
}

void fallback_fold::flush(event_sink& sink) {
  if (!holding_) return;
  holding_ = false;
  sink.on_event(std::move(held_));
}

}  // namespace loopscope::normalize::detail
