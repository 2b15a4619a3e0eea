#include "codex_trace_line.hpp"

#include "json_line.hpp"

namespace loopscope::normalize::detail {
namespace {

bool is_name_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
         c == '.' || c == '-';
}

// A span name or target at `pos`: name characters and "::" separators. Returns its length.
std::size_t name_length(std::string_view text, std::size_t pos) {
  std::size_t end = pos;
  while (end < text.size()) {
    if (is_name_char(text[end])) {
      ++end;
    } else if (text.substr(end, 2) == "::" && end + 2 < text.size() &&
               is_name_char(text[end + 2])) {
      end += 2;
    } else {
      break;
    }
  }
  return end - pos;
}

// Index just past the "}" closing the field list opened at `open`, or npos when unterminated.
// Quoted values may hold braces; Debug-rendered bare values ("ReadOnly { access: … }") nest.
std::size_t close_brace(std::string_view text, std::size_t open) {
  int depth = 0;
  bool quoted = false;
  for (std::size_t i = open; i < text.size(); ++i) {
    const char c = text[i];
    if (quoted) {
      if (c == '\\') {
        ++i;
      } else if (c == '"') {
        quoted = false;
      }
      continue;
    }
    if (c == '"') {
      quoted = true;
    } else if (c == '{') {
      ++depth;
    } else if (c == '}' && --depth == 0) {
      return i + 1;
    }
  }
  return std::string_view::npos;
}

bool is_level(std::string_view word) {
  return word == "TRACE" || word == "DEBUG" || word == "INFO" || word == "WARN" || word == "ERROR";
}

std::size_t skip_spaces(std::string_view text, std::size_t pos) {
  while (pos < text.size() && text[pos] == ' ') ++pos;
  return pos;
}

// A field as the fmt formatter prints it: strings quoted when they hold a space or a quote (so
// that trace_field reads them back whole), numbers and booleans bare.
void append_field_value(simdjson::dom::element value, std::string& out) {
  std::string_view text;
  if (value.get_string().get(text) == simdjson::SUCCESS) {
    if (!text.empty() && text.find_first_of(" \"=") == std::string_view::npos) {
      out.append(text);
      return;
    }
    out.push_back('"');
    for (const char c : text) {
      if (c == '"' || c == '\\') out.push_back('\\');
      out.push_back(c == '\n' ? ' ' : c);
    }
    out.push_back('"');
    return;
  }
  out.append(simdjson::minify(value));
}

// The fields of an object, but the keys in `except`, as " k=v k2=v2".
void append_fields(simdjson::dom::object object, std::string_view except, std::string& out) {
  for (const auto field : object) {
    if (field.key == except) continue;
    if (!out.empty() && out.back() != '{') out.push_back(' ');
    out.append(field.key);
    out.push_back('=');
    append_field_value(field.value, out);
  }
}

}  // namespace

bool render_json_trace_event(std::string_view json, std::string& out) {
  out.clear();
  thread_local simdjson::dom::parser parser;
  simdjson::dom::element root;
  if (parse_padded(parser, json).get(root) != simdjson::SUCCESS) return false;
  simdjson::dom::object fields;
  std::string_view timestamp;
  std::string_view level;
  std::string_view target;
  if (root["fields"].get_object().get(fields) != simdjson::SUCCESS ||
      root["level"].get_string().get(level) != simdjson::SUCCESS || !is_level(level) ||
      root["target"].get_string().get(target) != simdjson::SUCCESS || target.empty()) {
    return false;
  }
  if (root["timestamp"].get_string().get(timestamp) == simdjson::SUCCESS && !timestamp.empty()) {
    out.append(timestamp);
    out.push_back(' ');
  }
  out.append(level);
  out.push_back(' ');
  // "spans": the chain from the root, each {"name":…, fields…}; without it, "span" is the
  // innermost one alone.
  simdjson::dom::array spans;
  simdjson::dom::object span;
  std::vector<simdjson::dom::object> chain;
  if (root["spans"].get_array().get(spans) == simdjson::SUCCESS) {
    for (const auto item : spans) {
      if (item.get_object().get(span) == simdjson::SUCCESS) chain.push_back(span);
    }
  } else if (root["span"].get_object().get(span) == simdjson::SUCCESS) {
    chain.push_back(span);
  }
  for (const simdjson::dom::object& s : chain) {
    std::string_view name;
    if (s["name"].get_string().get(name) != simdjson::SUCCESS || name.empty()) continue;
    out.append(name);
    out.push_back('{');
    append_fields(s, "name", out);
    out.append("}:");
  }
  if (!chain.empty()) out.push_back(' ');
  out.append(target);
  out.append(": ");
  std::string_view message;
  if (fields["message"].get_string().get(message) == simdjson::SUCCESS) {
    for (const char c : message) out.push_back(c == '\n' ? ' ' : c);
  }
  std::string rest;
  append_fields(fields, "message", rest);
  if (!rest.empty()) {
    if (!message.empty()) out.push_back(' ');
    out.append(rest);
  }
  return true;
}

std::optional<trace_line> parse_trace_line(std::string_view line, stamp_rule rule) {
  trace_line out;
  std::size_t pos = 0;
  const std::size_t stamp_end = line.substr(0, 48).find(' ');
  if (stamp_end != std::string_view::npos && stamp_end > 0 && line[stamp_end - 1] == 'Z') {
    out.time = parse_rfc3339(line.substr(0, stamp_end));
  }
  if (out.time) {
    pos = skip_spaces(line, stamp_end);
    const std::size_t level_end = line.find(' ', pos);
    if (level_end == std::string_view::npos || !is_level(line.substr(pos, level_end - pos))) {
      return std::nullopt;
    }
    out.level = line.substr(pos, level_end - pos);
    pos = skip_spaces(line, level_end);
  } else if (rule == stamp_rule::required) {
    return std::nullopt;
  } else if (const std::size_t level_end = line.substr(0, 6).find(' ');
             level_end != std::string_view::npos && is_level(line.substr(0, level_end))) {
    // "ERROR codex_api::…: message": a line pasted without its stamp but with its level.
    out.level = line.substr(0, level_end);
    pos = skip_spaces(line, level_end);
  }

  // Spans: "name{fields}:" or "name:" repeated, then one space, then "target: ".
  while (pos < line.size()) {
    const std::size_t length = name_length(line, pos);
    if (length == 0) break;
    const std::string_view name = line.substr(pos, length);
    std::size_t next = pos + length;
    if (next < line.size() && line[next] == '{') {
      const std::size_t end = close_brace(line, next);
      if (end == std::string_view::npos || end >= line.size() || line[end] != ':') {
        return std::nullopt;
      }
      out.spans.push_back({name, line.substr(next + 1, end - next - 2)});
      pos = end + 1;
      if (pos < line.size() && line[pos] == ' ') {
        ++pos;
        break;
      }
      continue;
    }
    if (next >= line.size() || line[next] != ':') break;
    if (next + 1 < line.size() && line[next + 1] != ' ') {
      out.spans.push_back({name, {}});  // "session_init:next_span…"
      pos = next + 1;
      continue;
    }
    // "name: " is the target unless another "name: " follows and this one cannot be a target
    // (targets hold "::"; span names never do).
    const bool has_path = name.find("::") != std::string_view::npos;
    const std::size_t after = next + 2;
    const std::size_t following = name_length(line, after);
    if (!has_path && following > 0 && line.substr(after + following, 1) == ":") {
      out.spans.push_back({name, {}});
      pos = after;
      break;
    }
    break;
  }
  // Prose ("word: text") has neither a stamp, nor a level, nor spans.
  if (!out.time && out.level.empty() && out.spans.empty()) return std::nullopt;

  const std::size_t length = name_length(line, pos);
  const std::size_t colon = pos + length;
  if (length > 0 && colon < line.size() && line[colon] == ':' &&
      (colon + 1 == line.size() || line[colon + 1] == ' ')) {
    out.target = line.substr(pos, length);
    out.message = line.substr(std::min(line.size(), colon + 2));
    // A level alone is not much: without stamp or spans, the target must be a module path.
    if (!out.time && out.spans.empty() && out.target.find("::") == std::string_view::npos) {
      return std::nullopt;
    }
  } else if (!out.time) {
    return std::nullopt;
  } else {
    out.message = line.substr(pos);
  }
  return out;
}

namespace {

// Calls visit(name, value) for each field in order until it returns true; the one tokenizer of
// field lists.
template <typename Visit>
void for_each_field(std::string_view fields, Visit visit) {
  std::size_t i = 0;
  while (i < fields.size()) {
    i = skip_spaces(fields, i);
    if (i >= fields.size()) break;
    const std::size_t token_end = fields.find_first_of(" =\"", i);
    if (token_end == std::string_view::npos) break;
    if (fields[token_end] != '=') {
      if (fields[token_end] == '"') {
        // A stray quoted word in a message: step over it as a whole.
        const std::size_t close = fields.find('"', token_end + 1);
        i = close == std::string_view::npos ? fields.size() : close + 1;
      } else {
        i = token_end + 1;
      }
      continue;
    }
    const std::string_view name = fields.substr(i, token_end - i);
    std::size_t value_start = token_end + 1;
    std::string_view value;
    if (value_start < fields.size() && fields[value_start] == '"') {
      ++value_start;
      std::size_t j = value_start;
      while (j < fields.size() && fields[j] != '"') j += fields[j] == '\\' ? 2 : 1;
      value = fields.substr(value_start, std::min(j, fields.size()) - value_start);
      i = j + 1;
    } else {
      const std::size_t end = std::min(fields.find(' ', value_start), fields.size());
      value = fields.substr(value_start, end - value_start);
      i = end;
    }
    if (visit(name, value)) return;
  }
}

}  // namespace

std::optional<std::string_view> trace_field(std::string_view fields, std::string_view key) {
  std::optional<std::string_view> found;
  for_each_field(fields, [&](std::string_view name, std::string_view value) {
    if (name != key) return false;
    found = value;
    return true;
  });
  return found;
}

trace_fields::trace_fields(std::string_view fields) {
  for_each_field(fields, [&](std::string_view name, std::string_view value) {
    fields_.emplace_back(name, value);
    return false;
  });
}

std::optional<std::string_view> trace_fields::get(std::string_view key) const {
  for (const auto& [name, value] : fields_) {
    if (name == key) return value;
  }
  return std::nullopt;
}

span_fields::span_fields(const trace_line& line) {
  spans_.reserve(line.spans.size());
  for (auto it = line.spans.rbegin(); it != line.spans.rend(); ++it)
    spans_.emplace_back(it->fields);
}

std::optional<std::string_view> span_fields::get(std::string_view key) const {
  for (const trace_fields& span : spans_) {
    if (auto value = span.get(key)) return value;
  }
  return std::nullopt;
}

}  // namespace loopscope::normalize::detail
