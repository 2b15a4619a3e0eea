// One line of Codex's `tracing_subscriber` fmt output (codex-tui.log, exec stderr with RUST_LOG,
// rows of logs_2.sqlite rendered by ingest/sqlite_logs.cpp):
//   <RFC3339>Z <LEVEL> [span{fields}:span2:…] <target>: <message> [k=v …]
// Reference: tracing_subscriber's fmt layer as codex-rs/tui/src/lib.rs sets it up (Full format,
// with_target). The parser only splits; it keeps views into the line, so a line must outlive the
// parsed result.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

#include "loopscope/core/timestamp.hpp"

namespace loopscope::normalize::detail {

struct trace_span {
  std::string_view name;    // "turn", "model_client.stream_responses_websocket"
  std::string_view fields;  // between the braces, unparsed; empty for a span without fields
};

struct trace_line {
  std::optional<timestamp> time;  // absent when the line was pasted without its stamp
  std::string_view level;         // "INFO", …; empty when absent
  std::vector<trace_span> spans;
  std::string_view target;   // "codex_core::codex", "codex_otel.log_only", "feedback_tags"
  std::string_view message;  // everything after "<target>: ", trailing fields included
};

enum class stamp_rule : unsigned char {
  required,  // the line must open with "<RFC3339>Z <LEVEL> "
  optional,  // also a bare "span{…}: target: message" or "LEVEL crate::module: message"
             // (pasted from a log without the stamp)
};

// Renders one event of tracing_subscriber's JSON formatter (app-server `LOG_FORMAT=json`, as the
// Codex App and IDE extension run it: {"timestamp","level","fields":{"message",…},"target",
// "span"?,"spans"?}) as the text line the fmt formatter would have printed for it, so that one
// parser reads both: "<timestamp> <LEVEL> span{k=v}:…: <target>: <message> k=v …". Returns false
// (and leaves `out` empty) when `json` is not such an object. `json` must be followed by the line
// reader's padding (it is parsed in place). Reference: tracing-subscriber's fmt::format::Json.
bool render_json_trace_event(std::string_view json, std::string& out);

// Splits a line; nullopt when it is not of this shape (an unterminated span "{" included).
std::optional<trace_line> parse_trace_line(std::string_view line, stamp_rule rule);

// The value of `key` in a tracing field list ("a=1 b=\"x y\" c=z"): quoted values are returned
// without their quotes and with their escapes as written. nullopt when the key is absent.
std::optional<std::string_view> trace_field(std::string_view fields, std::string_view key);

// A field list split once, for a line whose fields are looked up many times (the OTel events):
// each lookup is then a walk over the names, not a scan of the text.
class trace_fields {
 public:
  explicit trace_fields(std::string_view fields);
  // The first value of `key`, as trace_field gives it.
  std::optional<std::string_view> get(std::string_view key) const;

 private:
  std::vector<std::pair<std::string_view, std::string_view>> fields_;
};

// The fields of a line's span chain, each span's list split once: the value of `key` in any span,
// innermost span first.
class span_fields {
 public:
  explicit span_fields(const trace_line& line);
  std::optional<std::string_view> get(std::string_view key) const;

 private:
  std::vector<trace_fields> spans_;  // innermost first
};

}  // namespace loopscope::normalize::detail
