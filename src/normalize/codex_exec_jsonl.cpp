// `codex exec --json` (codex-rs/exec/src/exec_events.rs): {"type": "thread.started" | "turn.*" |
// "item.*" | "error", …}. The thread id arrives once per process, in thread.started; every later
// line belongs to it. `codex exec resume` appends a new process with the same thread id.
#include "codex_messages.hpp"
#include "json_line.hpp"
#include "loopscope/normalize/normalizer.hpp"
#include "loopscope/normalize/text_template.hpp"
#include "normalizers.hpp"

namespace loopscope::normalize::detail {
namespace {

class codex_exec_jsonl_normalizer final : public format_normalizer {
 public:
  explicit codex_exec_jsonl_normalizer(const input_context& context)
      : session_key_(context.input_key) {}

  line_result normalize(std::string_view line, origin where, event_sink& sink) override {
    simdjson::dom::element root;
    if (parse_padded(parser_, line).get(root) != simdjson::SUCCESS || !root.is_object()) {
      return {line_outcome::malformed, false};
    }
    const std::string_view type = string_field(root, "type");
    if (type.empty() && root["method"].is_string())
      return normalize_notification(root, where, line, sink);
    if (type.empty()) return {line_outcome::malformed, false};

    auto emit = [&](event e) {
      e.session_key = session_key_;
      sink.on_event(std::move(e));
    };
    auto make = [&](event_kind kind) {
      return make_event(kind, format_id::codex_exec_jsonl, where, line);
    };

    if (type == "thread.started") {
      const std::string_view thread_id = string_field(root, "thread_id");
      if (thread_id.empty()) return {line_outcome::malformed, false};
      session_key_ = std::string(thread_id);
      emit(make(event_kind::session_start));
      return {line_outcome::used, false};
    }
    if (type == "turn.started") {
      emit(make(event_kind::turn_start));
      return {line_outcome::used, false};
    }
    if (type == "turn.completed") {
      event e = make(event_kind::turn_end);
      e.outcome = turn_outcome::completed;
      simdjson::dom::element usage;
      if (root["usage"].get(usage) == simdjson::SUCCESS) {
        const std::int64_t input = integer_field(usage, "input_tokens", 0);
        const std::int64_t output = integer_field(usage, "output_tokens", 0);
        e.tokens = input + output;
      }
      emit(std::move(e));
      return {line_outcome::used, false};
    }
    if (type == "turn.failed") {
      event e = make(event_kind::turn_end);
      e.outcome = turn_outcome::failed;
      simdjson::dom::element error;
      if (root["error"].get(error) == simdjson::SUCCESS) {
        e.message = std::string(string_field(error, "message"));
      }
      classify_codex_error(e.message, e);
      e.text_template = mask_text(e.message);
      emit(std::move(e));
      return {line_outcome::used, false};
    }
    if (type == "error") {
      const std::string_view message = string_field(root, "message");
      if (auto notice = read_reconnecting(message)) {
        event e = make(event_kind::stream_retry);
        e.attempt = notice->attempt;
        e.attempt_limit = notice->limit;
        e.message = std::move(notice->details);
        classify_codex_error(e.message, e);
        e.text_template = mask_text(e.message);
        emit(std::move(e));
      } else {
        // The error that ends the turn: Codex gave up (or the error is not retryable).
        event e = make(event_kind::turn_error);
        e.message = std::string(message);
        classify_codex_error(e.message, e);
        e.text_template = mask_text(e.message);
        emit(std::move(e));
      }
      return {line_outcome::used, false};
    }
    if (type.starts_with("item.")) return normalize_item(type, root, make, emit);
    return {line_outcome::skipped, true};
  }

 private:
  template <typename Make, typename Emit>
  line_result normalize_item(std::string_view type, simdjson::dom::element root, Make& make,
                             Emit& emit) {
    simdjson::dom::element item;
    if (root["item"].get(item) != simdjson::SUCCESS || !item.is_object()) {
      return {line_outcome::malformed, false};
    }
    const std::string_view item_type = string_field(item, "type");
    const bool started = type == "item.started";
    const bool completed = type == "item.completed";
    if (type != "item.started" && type != "item.updated" && type != "item.completed") {
      return {line_outcome::skipped, true};
    }
    if (item_type == "agent_message" && completed) {
      event e = make(event_kind::agent_message);
      e.message = std::string(string_field(item, "text"));
      e.text_template = mask_text(e.message);
      emit(std::move(e));
      return {line_outcome::used, false};
    }
    if (item_type == "reasoning" && completed) {
      emit(make(event_kind::reasoning));
      return {line_outcome::used, false};
    }
    if (item_type == "command_execution" && (started || completed)) {
      const std::string_view command = string_field(item, "command");
      event e = make(started ? event_kind::tool_call : event_kind::tool_output);
      e.tool_name = "shell";
      e.arguments_hash = stable_hash(mask_whitespace(command));
      e.text_template = mask_text(command);
      if (completed) {
        const std::string_view output = string_field(item, "aggregated_output");
        const std::int64_t exit_code = integer_field(item, "exit_code", -1);
        e.output_hash = stable_hash(output) ^ static_cast<std::uint64_t>(exit_code);
        e.message = std::string(string_field(item, "status"));
      }
      emit(std::move(e));
      return {line_outcome::used, false};
    }
    if (item_type == "mcp_tool_call" && (started || completed)) {
      event e = make(started ? event_kind::tool_call : event_kind::tool_output);
      e.tool_name =
          std::string(string_field(item, "server")) + "." + std::string(string_field(item, "tool"));
      e.arguments_hash = stable_hash(simdjson::to_string(item["arguments"]));
      emit(std::move(e));
      return {line_outcome::used, false};
    }
    if (item_type == "web_search" && completed) {
      event e = make(event_kind::web_search);
      e.message = std::string(string_field(item, "query"));
      e.text_template = mask_text(e.message);
      e.arguments_hash = stable_hash(e.message);
      emit(std::move(e));
      return {line_outcome::used, false};
    }
    if (item_type == "file_change" && completed) {
      event e = make(event_kind::tool_output);
      e.tool_name = "file_change";
      e.arguments_hash = stable_hash(simdjson::to_string(item["changes"]));
      emit(std::move(e));
      return {line_outcome::used, false};
    }
    if (item_type == "error" && completed) {
      // Config warnings, deprecation notices and model reroutes arrive as error items.
      event e = make(event_kind::warning);
      e.message = std::string(string_field(item, "message"));
      e.text_template = mask_text(e.message);
      emit(std::move(e));
      return {line_outcome::used, false};
    }
    const bool known = item_type == "agent_message" || item_type == "reasoning" ||
                       item_type == "command_execution" || item_type == "mcp_tool_call" ||
                       item_type == "web_search" || item_type == "file_change" ||
                       item_type == "error" || item_type == "todo_list" ||
                       item_type == "collab_tool_call";
    return {line_outcome::skipped, !known};
  }

  // The app-server's v2 notifications: {"method": "error", "params": {"error": {"message":
  // "Reconnecting... 1/5", "additionalDetails": …}, "willRetry": true, "threadId": …}}.
  line_result normalize_notification(simdjson::dom::element root, origin where,
                                     std::string_view line, event_sink& sink) {
    const std::string_view method = string_field(root, "method");
    simdjson::dom::element params;
    if (root["params"].get(params) != simdjson::SUCCESS || !params.is_object()) {
      return {line_outcome::malformed, false};
    }
    if (method != "error") return {line_outcome::skipped, true};
    simdjson::dom::element error;
    if (params["error"].get(error) != simdjson::SUCCESS || !error.is_object()) {
      return {line_outcome::malformed, false};
    }
    const std::string_view message = string_field(error, "message");
    const std::string_view details = string_field(error, "additionalDetails");
    bool will_retry = false;
    if (params["willRetry"].get(will_retry) != simdjson::SUCCESS) will_retry = false;
    const std::string_view thread = string_field(params, "threadId");
    if (!thread.empty()) session_key_ = std::string(thread);
    event e = make_event(event_kind::turn_error, format_id::codex_exec_jsonl, where, line);
    if (auto notice = read_reconnecting(message)) {
      e.kind = event_kind::stream_retry;
      e.attempt = notice->attempt;
      e.attempt_limit = notice->limit;
      e.message = std::string(details.empty() ? std::string_view(notice->details) : details);
    } else {
      e.kind = will_retry ? event_kind::stream_retry : event_kind::turn_error;
      e.message = std::string(details.empty() ? message : details);
    }
    e.turn_key = std::string(string_field(params, "turnId"));
    classify_codex_error(e.message, e);
    e.text_template = mask_text(e.message);
    e.session_key = session_key_;
    sink.on_event(std::move(e));
    return {line_outcome::used, false};
  }

  static std::string mask_whitespace(std::string_view text) {
    std::string out;
    bool in_space = false;
    for (const char c : text) {
      const bool space = c == ' ' || c == '\t' || c == '\n' || c == '\r';
      if (space) {
        in_space = !out.empty();
        continue;
      }
      if (in_space) out.push_back(' ');
      in_space = false;
      out.push_back(c);
    }
    return out;
  }

  simdjson::dom::parser parser_;
  std::string session_key_;
};

}  // namespace

std::unique_ptr<format_normalizer> make_codex_exec_jsonl_normalizer(const input_context& context) {
  return std::make_unique<codex_exec_jsonl_normalizer>(context);
}

}  // namespace loopscope::normalize::detail
