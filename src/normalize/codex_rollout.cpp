// Codex rollout ("session") files: $CODEX_HOME/sessions/YYYY/MM/DD/rollout-*.jsonl, one
// {"timestamp","type","payload"} envelope per line. Reference: codex-rs/rollout/src/recorder.rs and
// codex-rs/protocol/src/protocol.rs (RolloutLine) §1.
//
// The session id arrives in session_meta (repeated when a session is resumed or forked) and the
// turn id and model in turn_context; both apply to the lines after them.
//
// Decisions:
// * An agent message reaches a rollout in up to three copies, by release: event_msg
//   agent_message (0.121–0.145), event_msg item_completed with an AgentMessage item (0.171) and
//   the response_item message with role "assistant" (all). 0.171 `exec` rollouts have no
//   agent_message at all. Each message is used once: a copy from another source with the same
//   text, in the same turn, is the same message (message_copies). User messages likewise, from
//   user_message and item_completed UserMessage (response_item user messages also carry injected
//   context, so they are not a source).
// * task_complete's outcome: `failed` when last_agent_message is null (or missing) and the turn
//   either produced no agent message or reported an error; otherwise `completed`. A failed
//   `codex exec` turn leaves only task_started + task_complete(null) in its rollout: retries and
//   errors are never persisted in that mode.
// * Tool outputs are hashed without exec_command's "Chunk ID:" and "Wall time:" header lines and
//   with numbers masked, so identical results of repeated calls compare equal.
// * A few EventMsg payloads that are never persisted (stream_error, warning, …) are accepted as
//   bare lines too, as an app-server or a test harness prints them.
#include <algorithm>
#include <array>
#include <bit>
#include <charconv>
#include <cstring>
#include <span>
#include <unordered_map>
#include <vector>

#include "canonical_json.hpp"
#include "codex_messages.hpp"
#include "json_line.hpp"
#include "loopscope/core/text_hash.hpp"
#include "loopscope/core/text_lines.hpp"
#include "loopscope/normalize/normalizer.hpp"
#include "loopscope/normalize/text_template.hpp"
#include "normalizers.hpp"
#include "text_masker.hpp"

namespace loopscope::normalize::detail {
namespace {

// Shown in text_template for tool calls: enough to recognise the call.
constexpr std::size_t rendering_bytes = 160;

std::string collapse_whitespace(std::string_view text) {
  std::string out;
  bool in_space = false;
  for (const char c : text) {
    if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
      in_space = !out.empty();
      continue;
    }
    if (in_space) out.push_back(' ');
    in_space = false;
    out.push_back(c);
  }
  return out;
}

// What a text_masker writes, hashed as it comes: equal to stable_hash of the masked text.
struct hashing_out {
  stable_hasher hasher;
  void put(char c) { hasher.put(c); }
  void put_word(std::uint64_t word, unsigned count) { hasher.put_low_bytes(word, count); }
  void put_text(std::string_view text) { hasher.update(text); }
  void put_padded_text(std::string_view text) { hasher.update_padded(text); }
};

// exec_command prefixes its output with lines that differ on every call: lines that start with
// one of these are left out of the hash, wherever they are.
constexpr std::array<std::string_view, 2> header_lines = {"Chunk ID: ", "Wall time: "};

// The starts of an output's header lines, in order. Each prefix's search goes on from where it
// stopped, so an output is read once per prefix however many header lines it holds. The prefix
// is what is searched for, then the byte before it: its first letter is rarer in an output than
// a newline, where a search for "\n" + prefix stopped on every line (profiled).
class header_line_finder {
 public:
  explicit header_line_finder(std::string_view output) : output_(output) {}

  // The first header line starting at or after `from` (a line start), or npos.
  std::size_t next(std::size_t from) {
    std::size_t first = std::string_view::npos;
    for (std::size_t k = 0; k < header_lines.size(); ++k) {
      if (!searched_[k] || (found_[k] != std::string_view::npos && found_[k] < from)) {
        found_[k] = find(header_lines[k], from);
        searched_[k] = true;
      }
      first = std::min(first, found_[k]);
    }
    return first;
  }

 private:
  std::size_t find(std::string_view prefix, std::size_t from) const {
    for (std::size_t at = from; (at = output_.find(prefix, at)) != std::string_view::npos; ++at) {
      if (at == 0 || output_[at - 1] == '\n') return at;
    }
    return std::string_view::npos;
  }

  std::string_view output_;
  std::array<std::size_t, header_lines.size()> found_{};
  std::array<bool, header_lines.size()> searched_{};
};

// The masker is fed the text between header lines whole (a newline is whitespace to it, as the
// end of a line is): a call per line was a tenth of hashing an output of short lines (profiled).
std::uint64_t output_hash(std::string_view output) {
  hashing_out hashed;
  text_masker<hashing_out> hasher(hashed);
  header_line_finder headers(output);
  std::size_t start = 0;
  while (start <= output.size()) {
    const std::size_t header = headers.next(start);
    hasher.feed_line(output.substr(
        start, header == std::string_view::npos ? output.size() - start : header - start));
    if (header == std::string_view::npos) break;
    const std::size_t end = output.find('\n', header);
    if (end == std::string_view::npos) break;
    start = end + 1;
  }
  return hashed.hasher.value();
}

void complete_output_hash(std::string_view output, event& e) {
  e.output_hash = output_hash(output);
}

std::string cut(std::string text, std::size_t limit) {
  if (text.size() <= limit) return text;
  text.resize(utf8_prefix(text, limit).size());
  text += "…";
  return text;
}

// A function call's arguments hash and template, from its arguments and its tool name; arguments
// that are not JSON are taken with their whitespace collapsed. Run by the thread that completes
// the event (event_sink's on_event_completed_from).
void complete_function_call(std::string_view arguments, event& e) {
  thread_local std::string canonical;
  canonical.clear();
  if (write_canonical(arguments, canonical) == canonical_outcome::not_json) {
    canonical = collapse_whitespace(arguments);
  }
  e.arguments_hash = stable_hash(canonical);
  std::string shown;
  shown.reserve(e.tool_name.size() + 1 + std::min(canonical.size(), rendering_bytes + 1));
  shown.append(e.tool_name.view()).push_back(' ');
  shown.append(canonical, 0, rendering_bytes + 1);
  e.text_template = mask_text(cut(std::move(shown), rendering_bytes));
  // A buffer that grew for one exceptional call is not kept.
  if (canonical.capacity() > (std::size_t{1} << 20)) canonical = std::string();
}

// Hands a line's events to the sink, noting that the line was used.
struct emitter {
  event_sink& sink;
  bool& used;
  void operator()(event e) {
    sink.on_event(std::move(e));
    used = true;
  }
  // An event completed from `text` by the sink (now, or on the thread that reads the events).
  void completed_from(event e, std::string_view text, event_completer_fn complete) {
    sink.on_event_completed_from(std::move(e), text, complete);
    used = true;
  }
};

// Recognises the other copies of one message within a turn (see the note at the top). Bounded:
// a turn with an absurd number of messages forgets the oldest.
class message_copies {
 public:
  enum class source : std::uint8_t { event_msg = 1, item_completed = 2, response_item = 4 };

  // True for the first copy of a message; false for the same text from another source.
  bool first_copy(source from, std::string_view text) {
    const std::uint64_t hash = stable_hash(text);
    const auto bit = static_cast<std::uint8_t>(from);
    for (entry& seen : entries_) {
      if (seen.hash == hash && (seen.sources & bit) == 0) {
        seen.sources |= bit;
        return false;
      }
    }
    if (entries_.size() >= 256) entries_.erase(entries_.begin());
    entries_.push_back({hash, bit});
    return true;
  }
  void clear() { entries_.clear(); }

 private:
  struct entry {
    std::uint64_t hash;
    std::uint8_t sources;
  };
  std::vector<entry> entries_;
};

// The text parts of a content list, joined: [{"type":"output_text"|"Text"|"text",text}, …].
std::string content_text(simdjson::dom::element holder) {
  simdjson::dom::array parts;
  if (holder["content"].get_array().get(parts) != simdjson::SUCCESS) return {};
  std::string text;
  for (const auto part : parts) {
    if (!part.is_object()) continue;
    const std::string_view type = string_field(part, "type");
    if (type == "output_text" || type == "input_text" || type == "Text" || type == "text") {
      text += string_field(part, "text");
    }
  }
  return text;
}

bool is_null(simdjson::dom::element object, std::string_view key) {
  simdjson::dom::element value;
  return object[key].get(value) != simdjson::SUCCESS || value.is_null();
}

class codex_rollout_normalizer final : public format_normalizer {
 public:
  explicit codex_rollout_normalizer(const input_context& context)
      : session_key_(context.input_key) {}

  line_result normalize(std::string_view line, origin where, event_sink& sink) override {
    simdjson::dom::element root;
    if (parse_padded(parser_, line).get(root) != simdjson::SUCCESS || !root.is_object()) {
      return {line_outcome::malformed, false};
    }
    const std::string_view type = string_field(root, "type");
    if (type.empty()) return {line_outcome::malformed, false};

    std::optional<timestamp> time = parse_rfc3339(string_field(root, "timestamp"));
    bool used = false;
    auto make = [&](event_kind kind) {
      event e = make_event(kind, format_id::codex_rollout, where, line);
      e.session_key = session_key_;
      e.turn_key = turn_key_;
      e.model = model_;
      e.cli_version = cli_version_;  // which release wrote it: retry behaviour differs by release
      if (time) {
        e.time = time;
        e.time_is = time_quality::exact;
      }
      return e;
    };
    emitter emit{sink, used};

    simdjson::dom::element payload;
    if (root["payload"].get(payload) != simdjson::SUCCESS) {
      // Not an envelope: perhaps a bare live EventMsg (see the note at the top).
      if (!is_bare_event(type)) return {line_outcome::skipped, true};
      const line_result result = on_event_msg(type, root, make, emit);
      return {used ? line_outcome::used : result.outcome, result.unknown_type};
    }
    if (!payload.is_object()) return {line_outcome::malformed, false};

    line_result result{line_outcome::skipped, false};
    if (type == "session_meta") {
      const std::string_view id = string_field(payload, "id");
      if (id.empty()) return {line_outcome::malformed, false};
      session_key_ = std::string_view(id);
      cli_version_ = std::string_view(string_field(payload, "cli_version"));
      event e = make(event_kind::session_start);
      e.originator = std::string_view(string_field(payload, "originator"));
      e.provider = std::string_view(string_field(payload, "model_provider"));
      emit(std::move(e));
    } else if (type == "turn_context") {
      // No event: it names the turn and model of the lines that follow.
      const std::string_view turn_id = string_field(payload, "turn_id");
      if (!turn_id.empty()) turn_key_ = std::string_view(turn_id);
      const std::string_view model = string_field(payload, "model");
      if (!model.empty()) model_ = std::string_view(model);
      return {line_outcome::used, false};
    } else if (type == "event_msg") {
      const std::string_view msg_type = string_field(payload, "type");
      if (msg_type.empty()) return {line_outcome::malformed, false};
      result = on_event_msg(msg_type, payload, make, emit);
    } else if (type == "response_item") {
      const std::string_view item_type = string_field(payload, "type");
      if (item_type.empty()) return {line_outcome::malformed, false};
      result = on_response_item(item_type, payload, make, emit);
    } else if (type == "compacted") {
      event e = make(event_kind::compaction);
      emit(std::move(e));
    } else if (is_quiet_line_type(type)) {
      // Known, nothing to detect in it: token_usage_record repeats token_count's figures.
    } else {
      return {line_outcome::skipped, true};  // realtime_item, … of releases not yet seen
    }
    if (result.outcome == line_outcome::malformed) return result;
    return {used ? line_outcome::used : line_outcome::skipped, result.unknown_type};
  }

  void renew_shared_texts() override {
    for (shared_text* text : {&session_key_, &turn_key_, &model_, &cli_version_}) {
      *text = text->renewed();
    }
    for (shared_text& name : recent_tool_names_) name = name.renewed();
  }

 private:
  // Envelope types with nothing to detect: session_state (0.122+, agent task registration),
  // world_state (0.145+, a snapshot of settings), token_usage_record (0.171, per response usage).
  static bool is_quiet_line_type(std::string_view type) {
    return type == "session_state" || type == "world_state" || type == "token_usage_record";
  }

  static bool is_bare_event(std::string_view type) {
    return type == "stream_error" || type == "warning" || type == "background_event" ||
           type == "web_search_begin" || type == "exec_command_begin";
  }

  template <typename Make, typename Emit>
  line_result on_event_msg(std::string_view type, simdjson::dom::element payload, Make& make,
                           Emit& emit) {
    if (type == "task_started" || type == "turn_started") {
      const std::string_view turn_id = string_field(payload, "turn_id");
      if (!turn_id.empty()) turn_key_ = std::string_view(turn_id);
      call_names_.clear();
      agent_copies_.clear();
      user_copies_.clear();
      turn_had_agent_message_ = false;
      turn_had_error_ = false;
      emit(make(event_kind::turn_start));
      return {line_outcome::used, false};
    }
    if (type == "task_complete" || type == "turn_complete") {
      event e = make(event_kind::turn_end);
      const std::string_view turn_id = string_field(payload, "turn_id");
      if (!turn_id.empty()) e.turn_key = std::string_view(turn_id);
      const bool no_last_message = is_null(payload, "last_agent_message");
      e.outcome = no_last_message && (!turn_had_agent_message_ || turn_had_error_)
                      ? turn_outcome::failed
                      : turn_outcome::completed;
      emit(std::move(e));
      return {line_outcome::used, false};
    }
    if (type == "turn_aborted") {
      event e = make(event_kind::turn_end);
      const std::string_view turn_id = string_field(payload, "turn_id");
      if (!turn_id.empty()) e.turn_key = std::string_view(turn_id);
      e.outcome = turn_outcome::aborted;
      e.message = std::string_view(string_field(payload, "reason"));
      emit(std::move(e));
      return {line_outcome::used, false};
    }
    if (type == "error") {
      event e = make(event_kind::turn_error);
      fill_error(e, string_field(payload, "message"), payload);
      turn_had_error_ = true;
      emit(std::move(e));
      return {line_outcome::used, false};
    }
    if (type == "stream_error") {
      event e = make(event_kind::stream_retry);
      const std::string_view message = string_field(payload, "message");
      if (auto notice = read_reconnecting(message)) {
        e.attempt = notice->attempt;
        e.attempt_limit = notice->limit;
      }
      const std::string_view details = string_field(payload, "additional_details");
      fill_error(e, details.empty() ? message : details, payload);
      emit(std::move(e));
      return {line_outcome::used, false};
    }
    if (type == "warning") {
      const std::string_view message = string_field(payload, "message");
      event e = make(is_transport_fallback_notice(message) ? event_kind::transport_fallback
                                                           : event_kind::warning);
      fill_error(e, message, payload);
      emit(std::move(e));
      return {line_outcome::used, false};
    }
    if (type == "token_count") {
      event e = make(event_kind::token_count);
      simdjson::dom::element info;
      simdjson::dom::element last;
      if (payload["info"].get(info) == simdjson::SUCCESS && info.is_object() &&
          info["last_token_usage"].get(last) == simdjson::SUCCESS && last.is_object()) {
        e.tokens = integer_field(last, "total_tokens", -1);
      }
      emit(std::move(e));
      return {line_outcome::used, false};
    }
    if (type == "user_message") {
      return user_message(message_copies::source::event_msg, string_field(payload, "message"), make,
                          emit);
    }
    if (type == "agent_message") {
      return agent_message(message_copies::source::event_msg, string_field(payload, "message"),
                           make, emit);
    }
    if (type == "item_completed") return on_item_completed(payload, make, emit);
    if (type == "agent_reasoning") {
      emit(make(event_kind::reasoning));
      return {line_outcome::used, false};
    }
    if (type == "context_compacted") {
      emit(make(event_kind::compaction));
      return {line_outcome::used, false};
    }
    // Persisted or live types with nothing to add: the *_end events duplicate response items.
    static constexpr std::string_view known[] = {"agent_reasoning_raw_content",
                                                 "thread_name_updated",
                                                 "entered_review_mode",
                                                 "exited_review_mode",
                                                 "thread_rolled_back",
                                                 "undo_completed",
                                                 "image_generation_end",
                                                 "thread_settings_applied",
                                                 "guardian_assessment",
                                                 "web_search_end",
                                                 "exec_command_end",
                                                 "patch_apply_end",
                                                 "mcp_tool_call_end",
                                                 "view_image_tool_call",
                                                 "dynamic_tool_call_request",
                                                 "dynamic_tool_call_response",
                                                 "background_event",
                                                 "web_search_begin",
                                                 "exec_command_begin",
                                                 "session_configured",
                                                 "plan_update"};
    const bool is_known = std::find(std::begin(known), std::end(known), type) != std::end(known) ||
                          (type.starts_with("collab_") && type.ends_with("_end"));
    return {line_outcome::skipped, !is_known};
  }

  template <typename Make, typename Emit>
  line_result user_message(message_copies::source from, std::string_view text, Make& make,
                           Emit& emit) {
    if (!user_copies_.first_copy(from, text)) return {line_outcome::skipped, false};
    event e = make(event_kind::user_message);
    e.message = std::string_view(text);
    e.text_template = mask_text(e.message);
    emit(std::move(e));
    return {line_outcome::used, false};
  }

  template <typename Make, typename Emit>
  line_result agent_message(message_copies::source from, std::string_view text, Make& make,
                            Emit& emit) {
    if (!agent_copies_.first_copy(from, text)) return {line_outcome::skipped, false};
    event e = make(event_kind::agent_message);
    e.message = std::string_view(text);
    e.text_template = mask_text(e.message);
    turn_had_agent_message_ = true;
    emit(std::move(e));
    return {line_outcome::used, false};
  }

  // 0.171: {"type":"item_completed","item":{"type":"UserMessage"|"AgentMessage"|
  // "CommandExecution"|…, …}}. Only the messages add anything: the tool items repeat the
  // response_item calls and outputs.
  template <typename Make, typename Emit>
  line_result on_item_completed(simdjson::dom::element payload, Make& make, Emit& emit) {
    simdjson::dom::element item;
    if (payload["item"].get(item) != simdjson::SUCCESS || !item.is_object()) {
      return {line_outcome::skipped, false};  // Plan items of earlier releases have no "item"
    }
    const std::string_view item_type = string_field(item, "type");
    if (item_type == "AgentMessage") {
      return agent_message(message_copies::source::item_completed, content_text(item), make, emit);
    }
    if (item_type == "UserMessage") {
      return user_message(message_copies::source::item_completed, content_text(item), make, emit);
    }
    return {line_outcome::skipped, false};
  }

  template <typename Make, typename Emit>
  line_result on_response_item(std::string_view type, simdjson::dom::element item, Make& make,
                               Emit& emit) {
    if (type == "function_call") {
      event e = make(event_kind::tool_call);
      e.tool_name = tool_name(string_field(item, "name"));
      remember_call(item, e.tool_name);
      emit.completed_from(std::move(e), string_field(item, "arguments"), &complete_function_call);
      return {line_outcome::used, false};
    }
    if (type == "custom_tool_call") {
      event e = make(event_kind::tool_call);
      e.tool_name = tool_name(string_field(item, "name"));
      const std::string input = collapse_whitespace(string_field(item, "input"));
      e.arguments_hash = stable_hash(input);
      e.text_template = mask_text(cut(e.tool_name + " " + input, rendering_bytes));
      remember_call(item, e.tool_name);
      emit(std::move(e));
      return {line_outcome::used, false};
    }
    if (type == "local_shell_call") {
      event e = make(event_kind::tool_call);
      e.tool_name = tool_name("local_shell");
      std::string command;
      simdjson::dom::element action;
      simdjson::dom::element argv;
      if (item["action"].get(action) == simdjson::SUCCESS && action.is_object() &&
          action["command"].get(argv) == simdjson::SUCCESS) {
        append_canonical(command, argv, 0);
      }
      e.arguments_hash = stable_hash(command);
      e.text_template = mask_text(cut(e.tool_name + " " + command, rendering_bytes));
      remember_call(item, e.tool_name);
      emit(std::move(e));
      return {line_outcome::used, false};
    }
    if (type == "function_call_output" || type == "custom_tool_call_output") {
      event e = make(event_kind::tool_output);
      const std::string_view call_id = string_field(item, "call_id");
      const auto it = call_names_.find(call_id);
      // Through the recent names, renewed with each batch (see renew_shared_texts).
      if (it != call_names_.end()) e.tool_name = tool_name(it->second);
      if (e.tool_name.empty()) e.tool_name = tool_name(string_field(item, "name"));
      emit.completed_from(std::move(e), output_text(item), &complete_output_hash);
      return {line_outcome::used, false};
    }
    if (type == "web_search_call") {
      event e = make(event_kind::web_search);
      e.tool_name = tool_name("web_search");
      e.message = search_text(item);
      e.text_template = mask_text(e.message);
      e.arguments_hash = stable_hash(e.message);
      emit(std::move(e));
      return {line_outcome::used, false};
    }
    if (type == "message" && string_field(item, "role") == "assistant") {
      return agent_message(message_copies::source::response_item, content_text(item), make, emit);
    }
    // other messages, reasoning, ghost_snapshot, compaction, …: nothing to add.
    static constexpr std::string_view known[] = {"message",
                                                 "reasoning",
                                                 "ghost_snapshot",
                                                 "compaction",
                                                 "compaction_summary",
                                                 "tool_search_call",
                                                 "tool_search_output",
                                                 "image_generation_call"};
    const bool is_known = std::find(std::begin(known), std::end(known), type) != std::end(known);
    return {line_outcome::skipped, !is_known};
  }

  void fill_error(event& e, std::string_view message, simdjson::dom::element payload) {
    e.message = std::string_view(message);
    classify_codex_error(message, e);
    e.text_template = mask_text(message);
    // codex_error_info: "other" or {"<kind>":{"http_status_code":N|null}}.
    simdjson::dom::element info;
    if (payload["codex_error_info"].get(info) != simdjson::SUCCESS) return;
    std::string_view kind;
    if (info.get_string().get(kind) == simdjson::SUCCESS) {
      if (e.error_class.empty() && kind != "other") e.error_class = std::string_view(kind);
      return;
    }
    simdjson::dom::object object;
    if (info.get_object().get(object) != simdjson::SUCCESS) return;
    for (const auto field : object) {
      if (e.error_class.empty()) e.error_class = std::string_view(field.key);
      if (field.value.is_object()) {
        const std::int64_t status = integer_field(field.value, "http_status_code", 0);
        if (status >= 100 && status <= 599) e.http.status = static_cast<int>(status);
      }
      break;
    }
  }

  shared_text tool_name(std::string_view name) {
    if (name.empty()) return {};
    for (const shared_text& known : recent_tool_names_) {
      if (known == name) return known;
    }
    shared_text& slot = recent_tool_names_[next_tool_name_++ % recent_tool_names_.size()];
    slot = shared_text(name);
    return slot;
  }

  void remember_call(simdjson::dom::element item, const shared_text& name) {
    const std::string_view call_id = string_field(item, "call_id");
    // Bounded: a turn with an absurd number of calls must not grow without limit.
    if (!call_id.empty() && call_names_.size() < 4096) call_names_[std::string(call_id)] = name;
  }

  // `output` is a string or a list of {type:"input_text",text} / {type:"input_image",…}.
  static std::string_view output_text(simdjson::dom::element item) {
    simdjson::dom::element output;
    if (item["output"].get(output) != simdjson::SUCCESS) return {};
    std::string_view text;
    if (output.get_string().get(text) == simdjson::SUCCESS) return text;
    simdjson::dom::array parts;
    if (output.get_array().get(parts) != simdjson::SUCCESS) return {};
    for (const auto part : parts) {
      if (part.is_object() && string_field(part, "type") == "input_text") {
        return string_field(part, "text");  // the text part; images do not repeat by text
      }
    }
    return {};
  }

  static std::string search_text(simdjson::dom::element item) {
    simdjson::dom::element action;
    if (item["action"].get(action) != simdjson::SUCCESS || !action.is_object()) return {};
    const std::string_view query = string_field(action, "query");
    if (!query.empty()) return std::string(query);
    simdjson::dom::array queries;
    if (action["queries"].get_array().get(queries) == simdjson::SUCCESS) {
      std::string joined;
      for (const auto q : queries) {
        std::string_view text;
        if (q.get_string().get(text) != simdjson::SUCCESS) continue;
        if (!joined.empty()) joined += " | ";
        joined += text;
      }
      if (!joined.empty()) return joined;
    }
    return std::string(string_field(action, "url"));
  }

  simdjson::dom::parser parser_;
  // The running ids and names every event of the session or turn carries: shared, not copied.
  shared_text session_key_;
  shared_text turn_key_;
  shared_text model_;
  shared_text cli_version_;
  // Looked up by the string_view of the output's call_id: no key copied per output.
  text_map<shared_text> call_names_;
  // The tool names seen last: a session calls a handful of tools thousands of times, and each
  // call's name is then a shared copy, not an allocation.
  std::array<shared_text, 8> recent_tool_names_;
  std::size_t next_tool_name_ = 0;
  message_copies agent_copies_;
  message_copies user_copies_;
  bool turn_had_agent_message_ = false;
  bool turn_had_error_ = false;
};

}  // namespace

std::unique_ptr<format_normalizer> make_codex_rollout_normalizer(const input_context& context) {
  return std::make_unique<codex_rollout_normalizer>(context);
}

}  // namespace loopscope::normalize::detail
