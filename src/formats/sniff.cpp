#include "loopscope/formats/sniff.hpp"

#include <algorithm>
#include <array>
#include <string>

namespace loopscope::formats {
namespace {

bool starts_with(std::string_view text, std::string_view prefix) {
  return text.substr(0, prefix.size()) == prefix;
}

bool is_digit(char c) {
  return c >= '0' && c <= '9';
}

bool digits_at(std::string_view text, std::size_t pos, std::size_t count) {
  if (text.size() < pos + count) return false;
  for (std::size_t i = 0; i < count; ++i) {
    if (!is_digit(text[pos + i])) return false;
  }
  return true;
}

std::string_view trim_leading_space(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  return text;
}

// What the sniffer learns from a JSON object's top-level members: which keys it has and the
// string values of the few keys that name a format. Any key order, any extra keys, whitespace
// between tokens: Codex 0.171 put an "ordinal" between "timestamp" and "type", and a harness
// may print the same objects with jq or Python.
struct json_shape {
  std::string_view first_key;
  std::string_view type;    // the string value of "type"
  std::string_view method;  // the string value of "method"
  bool has_type = false;
  bool has_timestamp = false;
  bool has_payload_object = false;
  bool has_params = false;
  bool has_level = false;
  bool has_message = false;
  bool closed = false;  // the scan reached the object's closing brace
};

class json_scanner {
 public:
  explicit json_scanner(std::string_view text) : text_(text) {}

  // Reads members until `enough` says the shape is decided, the object closes, or the text stops
  // being JSON (the members read so far still count: a line cut short keeps its first keys).
  template <typename Enough>
  json_shape scan(Enough enough) {
    json_shape shape;
    skip_space();
    if (!take('{')) return shape;
    for (bool first = true;; first = false) {
      skip_space();
      if (take('}')) {
        shape.closed = true;
        return shape;
      }
      if (!first && !(take(',') && (skip_space(), true))) return shape;
      std::string_view key;
      if (!read_string(key)) return shape;
      skip_space();
      if (!take(':')) return shape;
      skip_space();
      if (first) shape.first_key = key;
      if (!read_member(key, shape) || enough(shape)) return shape;
    }
  }

 private:
  bool read_member(std::string_view key, json_shape& shape) {
    const char open = at_end() ? '\0' : text_[pos_];
    if (key == "type" || key == "method" || key == "timestamp") {
      std::string_view value;
      if (open == '"') {
        if (!read_string(value)) return false;
        if (key == "type") {
          shape.type = value;
          shape.has_type = true;
        } else if (key == "method") {
          shape.method = value;
        } else {
          shape.has_timestamp = true;
        }
        return true;
      }
    }
    if (key == "payload" && open == '{') {
      shape.has_payload_object = true;
      // The envelope is known as soon as its payload opens: no need to read a large payload
      // unless a key the decision needs comes after it.
      if (shape.has_type) return true;
    }
    if (key == "params") shape.has_params = true;
    if (key == "level") shape.has_level = true;
    if (key == "message") shape.has_message = true;
    return skip_value();
  }

  bool at_end() const { return pos_ >= text_.size(); }
  bool take(char c) {
    if (at_end() || text_[pos_] != c) return false;
    ++pos_;
    return true;
  }
  void skip_space() {
    while (!at_end() && (text_[pos_] == ' ' || text_[pos_] == '\t' || text_[pos_] == '\r' ||
                         text_[pos_] == '\n')) {
      ++pos_;
    }
  }
  // The raw text between the quotes (escapes left as they are: the names compared are plain).
  bool read_string(std::string_view& out) {
    if (!take('"')) return false;
    const std::size_t begin = pos_;
    for (;;) {
      const std::size_t quote = text_.find('"', pos_);
      if (quote == std::string_view::npos) return false;
      std::size_t backslashes = 0;
      while (quote - backslashes > begin && text_[quote - backslashes - 1] == '\\') ++backslashes;
      pos_ = quote + 1;
      if (backslashes % 2 == 0) {
        out = text_.substr(begin, quote - begin);
        return true;
      }
    }
  }
  // Any value: strings by their quotes, objects and arrays by their balance, scalars to the next
  // delimiter. Depth is bounded so a hostile line cannot make this slow beyond its length.
  bool skip_value() {
    if (at_end()) return false;
    const char c = text_[pos_];
    if (c == '"') {
      std::string_view ignored;
      return read_string(ignored);
    }
    if (c == '{' || c == '[') {
      std::size_t depth = 0;
      while (!at_end()) {
        const char d = text_[pos_];
        if (d == '"') {
          std::string_view ignored;
          if (!read_string(ignored)) return false;
          continue;
        }
        ++pos_;
        if (d == '{' || d == '[') {
          if (++depth > 1024) return false;
        } else if (d == '}' || d == ']') {
          if (--depth == 0) return true;
        }
      }
      return false;
    }
    const std::size_t begin = pos_;
    while (!at_end() && text_[pos_] != ',' && text_[pos_] != '}' && text_[pos_] != ' ' &&
           text_[pos_] != '\t' && text_[pos_] != '\r' && text_[pos_] != '\n') {
      ++pos_;
    }
    return pos_ > begin;
  }

  std::string_view text_;
  std::size_t pos_ = 0;
};

// `codex exec --json` events (thread.*, turn.*, item.*, error).
bool is_exec_event_type(std::string_view type) {
  return type.starts_with("thread.") || type.starts_with("turn.") || type.starts_with("item.") ||
         type == "error";
}

// Live EventMsg payloads that never reach a rollout (stream_error, warning, …), printed bare by
// harnesses; the rollout decoder reads them.
bool is_bare_event_type(std::string_view type) {
  for (const std::string_view bare :
       {"stream_error", "warning", "background_event", "web_search_begin", "exec_command_begin"}) {
    if (type == bare) return true;
  }
  return false;
}

format_id decide(const json_shape& shape) {
  // A rollout envelope: {"timestamp", "type", "payload": {…}} plus whatever a release adds.
  if (shape.has_type && shape.has_payload_object) return format_id::codex_rollout;
  if (shape.has_type && is_exec_event_type(shape.type)) return format_id::codex_exec_jsonl;
  // Codex app-server v2 notifications ({"method":"error","params":{…,"willRetry":true}}).
  if (!shape.method.empty() && shape.has_params) return format_id::codex_exec_jsonl;
  // LiteLLM JSON_LOGS: message, level, timestamp in any order, maybe more keys.
  if (shape.has_level && shape.has_message) return format_id::litellm_json;
  return format_id::unknown;
}

format_id sniff_json(std::string_view line) {
  const json_shape shape = json_scanner(line).scan(
      [](const json_shape& seen) { return decide(seen) != format_id::unknown; });
  const format_id known = decide(shape);
  if (known != format_id::unknown) return known;
  if (shape.has_type && !shape.has_timestamp && is_bare_event_type(shape.type)) {
    return format_id::codex_rollout;
  }
  // JsonFormatter writes "message" first, so a LiteLLM line cut before "level" (a truncated
  // paste, #7521) is still one.
  if (shape.first_key == "message" && !shape.closed) return format_id::litellm_json;
  // LiteLLM's error body as a Python dict repr, printed by a client or pasted into a report
  // (#18421): not JSON, and it spans lines; the text decoder holds multi-line records.
  if (starts_with(line, "{'error': {'message': ")) return format_id::litellm_text;
  return format_id::unknown;
}

// A span chain pasted without its stamp, as in bug reports:
// `model_client.stream_responses_websocket{model=gpt-5 …}: codex_core::client: new`.
bool is_bare_span_line(std::string_view line) {
  std::size_t i = 0;
  while (i < line.size() && i < 80 &&
         ((line[i] >= 'a' && line[i] <= 'z') || is_digit(line[i]) || line[i] == '_' ||
          line[i] == '.')) {
    ++i;
  }
  if (i == 0 || i >= line.size() || line[i] != '{' || !(line[0] >= 'a' && line[0] <= 'z')) {
    return false;
  }
  // The target after the chain: "}: crate::module: " or "}:next{…}: crate::module: ".
  const std::size_t chain_end = line.find("}: ", i);
  if (chain_end == std::string_view::npos) return false;
  const std::string_view rest = line.substr(chain_end + 3);
  std::size_t j = 0;
  while (j < rest.size() && ((rest[j] >= 'a' && rest[j] <= 'z') || is_digit(rest[j]) ||
                             rest[j] == '_' || rest[j] == ':')) {
    ++j;
  }
  const std::string_view target = rest.substr(0, j);
  return j > 0 && target.find("::") != std::string_view::npos && target.back() == ':' &&
         target[target.size() - 2] != ':' && (j == rest.size() || rest[j] == ' ');
}

bool is_trace_line(std::string_view line) {
  // 2026-11-29T01:07:35.993860Z ERROR target: message
  if (!digits_at(line, 0, 4) || line.size() < 21 || line[4] != '-' || line[10] != 'T') {
    return is_bare_span_line(line);
  }
  const std::size_t zone = line.find('Z', 19);
  if (zone == std::string_view::npos || zone > 40) return false;
  const std::string_view rest = trim_leading_space(line.substr(zone + 1));
  return starts_with(rest, "TRACE ") || starts_with(rest, "DEBUG ") || starts_with(rest, "INFO ") ||
         starts_with(rest, "WARN ") || starts_with(rest, "ERROR ");
}

bool is_litellm_text(std::string_view line) {
  // "16:43:23 - LiteLLM Router:INFO: …", possibly wrapped in ANSI colour codes, or in what is
  // left of them without the ESC byte ("[92m").
  std::string_view text = line;
  // A line pasted as markdown inline code: "`…`".
  if (text.size() >= 2 && text.front() == '`' && text.back() == '`') {
    text = text.substr(1, text.size() - 2);
  }
  if (starts_with(text, "\x1b[")) text.remove_prefix(1);
  if (starts_with(text, "[")) {
    std::size_t i = 1;
    while (i < text.size() && i < 9 && (is_digit(text[i]) || text[i] == ';')) ++i;
    if (i > 1 && i < text.size() && text[i] == 'm') text.remove_prefix(i + 1);
  }
  if (digits_at(text, 0, 2) && text.size() > 11 && text[2] == ':' && digits_at(text, 3, 2) &&
      text[5] == ':' && digits_at(text, 6, 2) && starts_with(text.substr(8), " - LiteLLM")) {
    return true;
  }
  // Python's basic format for the httpx logger LiteLLM uses ("INFO:httpx:HTTP Request: …",
  // early 2024); not uvicorn's padded "INFO:     ".
  static constexpr std::array basic_prefixes{"INFO:httpx:",     "WARNING:httpx:", "DEBUG:httpx:",
                                             "ERROR:httpx:",    "INFO:LiteLLM",   "DEBUG:LiteLLM",
                                             "WARNING:LiteLLM", "ERROR:LiteLLM"};
  for (const char* prefix : basic_prefixes) {
    if (starts_with(text, prefix)) return true;
  }
  // Printed without a header (#5933 floods stdout with it).
  if (starts_with(text, "in router_cooldown_event_callback but _deployment is None")) return true;
  return starts_with(text, "LiteLLM Router - ") || starts_with(text, "LiteLLM Proxy - ") ||
         starts_with(text, "LiteLLM - ") || starts_with(text, "LiteLLM.Router: ") ||
         starts_with(text, "LiteLLM.Router:") || starts_with(text, "LiteLLM:") ||
         starts_with(text, "LiteLLM Router:") || starts_with(text, "LiteLLM Proxy:");
}

bool is_uvicorn_line(std::string_view line) {
  // uvicorn pads "LEVEL:" to 9 characters plus a space: the message starts at offset 10.
  static constexpr std::array prefixes{
      "INFO:     ", "WARNING:  ", "ERROR:    ", "DEBUG:    ", "CRITICAL: "};
  std::string_view text = line;
  // A line pasted as markdown inline code: "`WARNING:  Invalid HTTP request received.`".
  if (text.size() >= 2 && text.front() == '`' && text.back() == '`') {
    text = text.substr(1, text.size() - 2);
  }
  for (const char* prefix : prefixes) {
    if (starts_with(text, prefix)) return true;
  }
  return false;
}

bool is_exec_stderr_line(std::string_view line) {
  // "Reconnecting... 2/5" / "Re-connecting... 2/5": Codex's retry notice, in any rendering.
  const auto is_reconnecting = [](std::string_view text) {
    for (const std::string_view word :
         {std::string_view("Reconnecting... "), std::string_view("Re-connecting... ")}) {
      if (starts_with(text, word)) return digits_at(text, word.size(), 1);
    }
    return false;
  };
  // `codex exec` (human mode) and the npm launcher.
  if ((starts_with(line, "ERROR: ") && !starts_with(line, "ERROR:  ")) ||
      starts_with(line, "warning: ") || starts_with(line, "Reading additional input from stdin") ||
      (starts_with(line, "WARNING: ") && !starts_with(line, "WARNING:  "))) {
    return true;
  }
  // TUI and Codex App lines pasted into reports: a glyph, then a message only Codex prints.
  std::string_view text = line;
  static constexpr std::string_view glyphs[] = {"⚠️ ", "⚠ ", "◦ ", "• ", "■ "};
  for (const std::string_view glyph : glyphs) {
    if (starts_with(text, glyph)) {
      if (glyph == "■ ") return true;  // the TUI's rendering of the error that ended a turn
      text.remove_prefix(glyph.size());
      break;
    }
  }
  return is_reconnecting(text) || starts_with(text, "stream error: ") ||
         starts_with(text, "Falling back from WebSockets to HTTPS transport.") ||
         starts_with(text, "stream disconnected before completion: ") ||
         starts_with(text, "Stream disconnected before completion: ") ||
         (starts_with(text, "unexpected status ") && digits_at(text, 18, 3));
}

}  // namespace

// A log line quoted in a Markdown list item, as bug reports paste them: "- `ERROR: …`".
std::string_view unwrap_markdown_item(std::string_view line) {
  std::string_view rest = line;
  if (rest.starts_with("- `") || rest.starts_with("* `")) {
    rest.remove_prefix(2);
  } else {
    return line;
  }
  if (rest.size() < 3 || rest.back() != '`' ||
      rest.substr(1, rest.size() - 2).find('`') != std::string_view::npos) {
    return line;
  }
  return rest.substr(1, rest.size() - 2);
}

std::string_view strip_container_prefix(std::string_view line) {
  line = unwrap_markdown_item(line);
  std::size_t i = 0;
  while (i < line.size() && i < 64) {
    const char c = line[i];
    const bool name_char = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || is_digit(c) ||
                           c == '_' || c == '-' || c == '.';
    if (!name_char) break;
    ++i;
  }
  if (i == 0 || i >= line.size() || line[i] != ' ') return line;
  while (i < line.size() && line[i] == ' ') ++i;
  if (i + 1 < line.size() && line[i] == '|' && (line[i + 1] == ' ' || i + 2 == line.size())) {
    return line.substr(std::min(line.size(), i + 2));
  }
  if (i + 1 == line.size() && line[i] == '|') return line.substr(i + 1);
  return line;
}

format_id sniff_line(std::string_view line) {
  if (line.empty()) return format_id::unknown;
  if (line.front() == '{') return sniff_json(line);
  if (is_trace_line(line)) return format_id::codex_trace;
  if (is_litellm_text(line)) return format_id::litellm_text;
  if (is_uvicorn_line(line)) return format_id::uvicorn_access;
  if (is_exec_stderr_line(line)) return format_id::codex_exec_stderr;
  return format_id::unknown;
}

std::string_view sample_line(format_id id) {
  switch (id) {
    case format_id::codex_rollout:
      return R"({"timestamp":"2026-11-29T01:06:56.499Z","type":"event_msg","payload":{"type":"task_started","turn_id":"01a224d7-4161-7141-86a8-0bb96e9cdb58"}})";
    case format_id::codex_exec_jsonl:
      return R"x({"type":"error","message":"Reconnecting... 1/5 (We're currently experiencing high demand, which may cause temporary errors.)"})x";
    case format_id::codex_trace:
      return "2026-11-29T01:07:35.993860Z ERROR codex_api::endpoint::responses_websocket: failed "
             "to "
             "connect to websocket: HTTP error: 405 Method Not Allowed, url: "
             "ws://127.0.0.1:8765/v1/responses";
    case format_id::codex_exec_stderr:
      return "ERROR: Reconnecting... 2/5";
    case format_id::litellm_text:
      return "16:43:23 - LiteLLM Router:INFO: fallback_event_handlers.py:128 - Falling back to "
             "model_group = {'model': 'model1'}";
    case format_id::litellm_json:
      return R"({"message": "Retrying request with num_retries: 3", "level": "INFO", "timestamp": "2025-01-01T12:00:00.123456"})";
    case format_id::uvicorn_access:
      return R"(INFO:     127.0.0.1:50412 - "WebSocket /v1/responses" 403)";
    case format_id::unknown:
      return "";
  }
  return "";
}

std::string_view format_description(format_id id) {
  switch (id) {
    case format_id::codex_rollout:
      return "Codex session file ($CODEX_HOME/sessions/**/rollout-*.jsonl)";
    case format_id::codex_exec_jsonl:
      return "stdout of `codex exec --json`";
    case format_id::codex_trace:
      return "Codex tracing log (codex-tui.log, or exec stderr with RUST_LOG)";
    case format_id::codex_exec_stderr:
      return "stderr of human-mode `codex exec`";
    case format_id::litellm_text:
      return "LiteLLM proxy text log";
    case format_id::litellm_json:
      return "LiteLLM proxy log with JSON_LOGS=true";
    case format_id::uvicorn_access:
      return "uvicorn access and WebSocket lines in front of LiteLLM";
    case format_id::unknown:
      return "no known format";
  }
  return "";
}

void format_tally::count(format_id id) {
  ++counts_[static_cast<std::size_t>(id)];
}

format_id format_tally::dominant() const {
  std::size_t best = 0;
  for (std::size_t i = 1; i < std::size(counts_); ++i) {
    if (counts_[i] > counts_[best] || (best == 0 && counts_[i] > 0)) best = i;
  }
  return static_cast<format_id>(best);
}

bool format_tally::mixed() const {
  int kinds = 0;
  for (std::size_t i = 1; i < std::size(counts_); ++i) kinds += counts_[i] > 0 ? 1 : 0;
  return kinds > 1;
}

}  // namespace loopscope::formats
