#include "loopscope/formats/sniff.hpp"

#include "json_shape.hpp"
#include "loopscope/formats/registry.hpp"

#include <algorithm>
#include <array>
#include <string>

namespace loopscope::formats {
namespace {

bool is_digit(char c) {
  return c >= '0' && c <= '9';
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

}  // namespace

namespace detail {

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
  return format_id::unknown;
}

}  // namespace detail

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
  return registry().sniff(line);
}

void format_tally::count(format_id id) {
  const auto index = static_cast<std::size_t>(id);
  if (index >= counts_.size()) counts_.resize(index + 1, 0);
  ++counts_[index];
}

format_id format_tally::dominant() const {
  std::size_t best = 0;
  for (std::size_t i = 1; i < counts_.size(); ++i) {
    if (counts_[i] > counts_[best] || (best == 0 && counts_[i] > 0)) best = i;
  }
  return static_cast<format_id>(best);
}

bool format_tally::mixed() const {
  int kinds = 0;
  for (std::size_t i = 1; i < counts_.size(); ++i) kinds += counts_[i] > 0 ? 1 : 0;
  return kinds > 1;
}

}  // namespace loopscope::formats
