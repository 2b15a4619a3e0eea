#include "loopscope/formats/sniff.hpp"

#include <algorithm>
#include <array>

namespace loopscope::formats {
namespace {

bool starts_with(std::string_view text, std::string_view prefix) {
  return text.substr(0, prefix.size()) == prefix;
}

bool is_digit(char c) { return c >= '0' && c <= '9'; }

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

format_id sniff_json(std::string_view line) {
  // Rollout lines always open with the envelope's timestamp, then type (serde field order).
  if (starts_with(line, R"({"timestamp":")")) {
    if (line.find(R"(","type":")") != std::string_view::npos &&
        line.find(R"("payload":)") != std::string_view::npos) {
      return format_id::codex_rollout;
    }
  }
  if (starts_with(line, R"({"type":")")) {
    const std::string_view type = line.substr(9);
    if (starts_with(type, "thread.") || starts_with(type, "turn.") || starts_with(type, "item.") ||
        starts_with(type, R"(error")")) {
      return format_id::codex_exec_jsonl;
    }
  }
  // LiteLLM JSON_LOGS: message, level, timestamp in some order, maybe more keys.
  if (line.find(R"("level":)") != std::string_view::npos &&
      line.find(R"("message":)") != std::string_view::npos) {
    return format_id::litellm_json;
  }
  return format_id::unknown;
}

bool is_trace_line(std::string_view line) {
  // 2026-11-29T01:07:35.993860Z ERROR target: message
  if (!digits_at(line, 0, 4) || line.size() < 21 || line[4] != '-' || line[10] != 'T') return false;
  const std::size_t zone = line.find('Z', 19);
  if (zone == std::string_view::npos || zone > 40) return false;
  const std::string_view rest = trim_leading_space(line.substr(zone + 1));
  return starts_with(rest, "TRACE ") || starts_with(rest, "DEBUG ") ||
         starts_with(rest, "INFO ") || starts_with(rest, "WARN ") || starts_with(rest, "ERROR ");
}

bool is_litellm_text(std::string_view line) {
  // "16:43:23 - LiteLLM Router:INFO: …", possibly wrapped in ANSI colour codes.
  std::string_view text = line;
  if (starts_with(text, "\x1b[")) {
    const std::size_t m = text.find('m');
    if (m != std::string_view::npos) text.remove_prefix(m + 1);
  } else if (starts_with(text, "[92m")) {
    text.remove_prefix(4);
  }
  if (digits_at(text, 0, 2) && text.size() > 11 && text[2] == ':' && digits_at(text, 3, 2) &&
      text[5] == ':' && digits_at(text, 6, 2) && starts_with(text.substr(8), " - LiteLLM")) {
    return true;
  }
  return starts_with(text, "LiteLLM Router - ") || starts_with(text, "LiteLLM Proxy - ") ||
         starts_with(text, "LiteLLM - ") || starts_with(text, "LiteLLM.Router: ") ||
         starts_with(text, "LiteLLM:") || starts_with(text, "LiteLLM Router:") ||
         starts_with(text, "LiteLLM Proxy:");
}

bool is_uvicorn_line(std::string_view line) {
  // uvicorn pads "LEVEL:" to 9 characters plus a space: the message starts at offset 10.
  static constexpr std::array prefixes{"INFO:     ", "WARNING:  ", "ERROR:    ", "DEBUG:    ",
                                       "CRITICAL: "};
  for (const char* prefix : prefixes) {
    if (starts_with(line, prefix)) return true;
  }
  return false;
}

bool is_exec_stderr_line(std::string_view line) {
  return (starts_with(line, "ERROR: ") && !starts_with(line, "ERROR:  ")) ||
         (starts_with(line, "warning: ")) || starts_with(line, "Reading additional input from stdin");
}

}  // namespace

std::string_view strip_container_prefix(std::string_view line) {
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
      return "2026-11-29T01:07:35.993860Z ERROR codex_api::endpoint::responses_websocket: failed to "
             "connect to websocket: HTTP error: 405 Method Not Allowed, url: "
             "ws://127.0.0.1:8765/v1/responses";
    case format_id::codex_exec_stderr: return "ERROR: Reconnecting... 2/5";
    case format_id::litellm_text:
      return "16:43:23 - LiteLLM Router:INFO: fallback_event_handlers.py:128 - Falling back to "
             "model_group = {'model': 'model1'}";
    case format_id::litellm_json:
      return R"({"message": "Retrying request with num_retries: 3", "level": "INFO", "timestamp": "2025-01-01T12:00:00.123456"})";
    case format_id::uvicorn_access:
      return R"(INFO:     127.0.0.1:50412 - "WebSocket /v1/responses" 403)";
    case format_id::unknown: return "";
  }
  return "";
}

std::string_view format_description(format_id id) {
  switch (id) {
    case format_id::codex_rollout: return "Codex session file ($CODEX_HOME/sessions/**/rollout-*.jsonl)";
    case format_id::codex_exec_jsonl: return "stdout of `codex exec --json`";
    case format_id::codex_trace: return "Codex tracing log (codex-tui.log, or exec stderr with RUST_LOG)";
    case format_id::codex_exec_stderr: return "stderr of human-mode `codex exec`";
    case format_id::litellm_text: return "LiteLLM proxy text log";
    case format_id::litellm_json: return "LiteLLM proxy log with JSON_LOGS=true";
    case format_id::uvicorn_access: return "uvicorn access and WebSocket lines in front of LiteLLM";
    case format_id::unknown: return "no known format";
  }
  return "";
}

void format_tally::count(format_id id) { ++counts_[static_cast<std::size_t>(id)]; }

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
