#include "catalogue_extractors.hpp"

#include "loopscope/core/text_lines.hpp"

#include <array>
#include <cstring>
#include <string>

namespace loopscope::formats::detail {

// The first `needle` in `text` at or after `from`, npos when none (std::string_view::find's
// answer). That find calls memcmp at every byte equal to the needle's first, and a header dump
// holds hundreds of them for a key like 'session_id': a tenth of a proxy log's decoding
// (profiled). The needle's last byte is compared first, in place.
std::size_t find_text(std::string_view text, std::string_view needle, std::size_t from) {
  const std::size_t n = needle.size();
  if (n == 0) return from <= text.size() ? from : std::string_view::npos;
  if (from > text.size() || text.size() - from < n) return std::string_view::npos;
  const char first = needle.front();
  const char last = needle.back();
  const char* const begin = text.data();
  const char* at = begin + from;
  const char* const end = begin + text.size() - n + 1;  // the last place a match can start
  while (at < end) {
    at = static_cast<const char*>(std::memchr(at, first, static_cast<std::size_t>(end - at)));
    if (at == nullptr) return std::string_view::npos;
    if (at[n - 1] == last && std::memcmp(at + 1, needle.data() + 1, n - 1) == 0) {
      return static_cast<std::size_t>(at - begin);
    }
    ++at;
  }
  return std::string_view::npos;
}

namespace {

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

// The first needle in the message, npos when none (or when the scan saw none).
std::size_t find_needle(std::string_view text, needle n, const extractor_input& in) {
  if (!in.may_hold(n)) return std::string_view::npos;
  return find_text(text, needle_texts[static_cast<std::size_t>(n)]);
}

// The number right after the needle `prefix`; -1 when the prefix or the number is missing.
int number_after(std::string_view text, needle prefix, const extractor_input& in) {
  const std::size_t at = find_needle(text, prefix, in);
  if (at == std::string_view::npos) return -1;
  return number_at(text, at + needle_texts[static_cast<std::size_t>(prefix)].size());
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
    const std::size_t at = find_text(text, key, from);
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

// key_value for a needle of the message: nothing when the scan saw no such key.
std::string_view key_value(std::string_view text, needle key, key_form form,
                           const extractor_input& in) {
  if (!in.may_hold(key)) return {};
  return key_value(text, needle_texts[static_cast<std::size_t>(key)], form);
}

// "litellm.RateLimitError", "litellm.exceptions.RateLimitError" → "litellm.RateLimitError".
// Lower-case segments are modules ("litellm.proxy.proxy_server._handle_llm_api_exception()" names
// a function, not a class) and are passed over.
std::string litellm_class(std::string_view text) {
  std::size_t from = 0;
  while (true) {
    const std::size_t at = find_text(text, "litellm.", from);
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

// litellm/exceptions.py: the status each exception class stands for.
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
int explicit_status(std::string_view text, const extractor_input& in) {
  for (const needle key : {needle::status_code, needle::code}) {
    const std::string_view value =
        key_value(text, key, key == needle::code ? key_form::quoted : key_form::any, in);
    const int status = plausible_status(number_at(value, 0));
    if (status != 0 && (value.size() == 3)) return status;
  }
  for (const needle prefix : {needle::error_code, needle::status_colon}) {
    const int status = plausible_status(number_after(text, prefix, in));
    if (status != 0) return status;
  }
  return 0;
}

// `exception`: class and status of the exception a message reports. A number the text states
// (status_code, Error code, a provider body's code) wins over the class's default: LiteLLM maps
// provider statuses to classes lossily (a Vertex 503 arrives as InternalServerError, litellm#8632;
// a 400 the client received as APIConnectionError, litellm#18421, #7637).
void exception(std::string_view text, const extractor_input& in, event& e) {
  std::string error_class = in.may_hold(needle::litellm_dot) ? litellm_class(text) : std::string();
  if (error_class.empty() &&
      find_needle(text, needle::no_deployments, in) != std::string_view::npos) {
    error_class = "RouterRateLimitError";
  }
  if (error_class.empty()) error_class = traceback_class(in.context.traceback_exception);
  if (!error_class.empty() && e.error_class.empty()) e.error_class = std::move(error_class);
  int status = explicit_status(text, in);
  if (status == 0) status = status_of_class(e.error_class);
  if (status != 0 && e.http.status == 0) e.http.status = status;
}

// `retry_suffix`: "… LiteLLM Retried: N times, LiteLLM Max Retries: M" (the exception's __str__
// suffix; older versions print the first half only).
void retry_suffix(std::string_view text, const extractor_input& in, event& e) {
  const int retried = number_after(text, needle::retried, in);
  if (retried >= 0) e.attempt = retried;
  const int limit = number_after(text, needle::max_retries, in);
  if (limit >= 0) e.attempt_limit = limit;
}

// `received_model_group`: the router's "Received Model Group=X" suffix line.
void received_model_group(std::string_view text, const extractor_input& in, event& e) {
  if (!e.model_group.empty()) return;
  constexpr needle received = needle::received_model_group;
  if (const std::size_t at = find_needle(text, received, in); at != std::string_view::npos) {
    e.model_group =
        rest_of_line(text, at + needle_texts[static_cast<std::size_t>(received)].size());
  }
}

// `request_ids`: the id that joins a proxy's record to the client's request.
void request_ids(std::string_view text, const extractor_input& in, event& e) {
  if (!e.request_id.empty()) return;
  std::string_view request_id = key_value(text, needle::client_request_id, key_form::quoted, in);
  if (request_id.empty()) {
    request_id = key_value(text, needle::litellm_call_id, key_form::any, in);
  }
  if (request_id.empty()) {
    request_id = key_value(text, needle::litellm_call_id_header, key_form::quoted, in);
  }
  if (!request_id.empty()) e.request_id = request_id;
}

// `request_headers`: a request header dump: the Codex session (thread), turn and request ids,
// and what the line says about method, path, model. Other header values (authorization!) are
// never copied.
void request_headers(std::string_view text, const extractor_input& in, event& e) {
  const std::string_view session = key_value(text, needle::session_id, key_form::quoted, in);
  if (!session.empty()) e.session_key = session;
  const std::string_view turn = key_value(text, needle::turn_id, key_form::quoted, in);
  if (!turn.empty()) e.turn_key = turn;
  const std::string_view method = key_value(text, needle::method, key_form::any, in);
  if (!method.empty()) e.http.method = method;
  std::string_view path = key_value(text, needle::path, key_form::any, in);
  path = path.substr(0, path.find('?'));  // query values can hold keys
  if (!path.empty() && path.front() == '/') e.http.path = path;
  const std::string_view model = key_value(text, needle::model, key_form::any, in);
  if (!model.empty() && model != "None") e.model = model;
  if (key_value(text, needle::websocket, key_form::any, in) == "True" ||
      key_value(text, needle::upgrade, key_form::quoted, in) == "websocket") {
    e.http.transport = transport_kind::websocket;
  } else if (!e.http.method.empty()) {
    e.http.transport = transport_kind::http;
  }
}

// `model_key`: a "model=X" (or 'model': 'X') key anywhere in the text, as the model group.
void model_key(std::string_view text, const extractor_input& in, event& e) {
  if (!e.model_group.empty()) return;
  const std::string_view model = key_value(text, needle::model, key_form::any, in);
  if (!model.empty()) e.model_group = model;
}

struct named_extractor {
  std::string_view name;
  extractor_fn fn;
};

constexpr std::array extractors{
    named_extractor{"exception", exception},
    named_extractor{"retry_suffix", retry_suffix},
    named_extractor{"received_model_group", received_model_group},
    named_extractor{"request_ids", request_ids},
    named_extractor{"request_headers", request_headers},
    named_extractor{"model_key", model_key},
};

}  // namespace

extractor_fn find_extractor(std::string_view name) {
  for (const named_extractor& x : extractors) {
    if (x.name == name) return x.fn;
  }
  return nullptr;
}

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

}  // namespace loopscope::formats::detail

namespace loopscope::formats {

bool is_known_extractor(std::string_view name) {
  return detail::find_extractor(name) != nullptr;
}

}  // namespace loopscope::formats
