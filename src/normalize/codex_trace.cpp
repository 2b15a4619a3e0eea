// Codex tracing: codex-tui.log, `codex exec` stderr with RUST_LOG, logs_2.sqlite rows rendered as
// lines by ingest/sqlite_logs.cpp, and the app-server's JSON events (LOG_FORMAT=json, which the
// Codex App and the IDE extension use; their crash notice quotes the last one). Reference:
// codex-rs/tui/src/lib.rs (codex-tui.log) and codex-rs/state (logs_2.sqlite).
//
// Lines are recognised by their message, not their target: targets move between releases
// (`codex_core::codex` in 0.121, `codex_core::session::turn` in 0.122). Everything else of the
// format is skipped as understood-and-irrelevant: the log is mostly start-up noise.
//
// Turns. Codex 0.121 writes no span lifecycle lines (`…: new` / `…: close`) to exec stderr, and
// codex-tui.log has them for many spans but not reliably for the turn span, so turns are not
// delimited by them. Every line inside a turn does carry the span
// `turn{otel.name="session_task.turn" thread.id=… turn.id=… model=…}`: the first line that names
// a turn id not seen before produces a turn_start (stamped with that line's time); no turn_end
// follows, the session stage closes the turn at the next turn_start or at the end of the input.
#include <map>
#include <set>
#include <utility>

#include "codex_messages.hpp"
#include "codex_trace_line.hpp"
#include "json_line.hpp"
#include "loopscope/normalize/normalizer.hpp"
#include "loopscope/normalize/text_template.hpp"
#include "normalizers.hpp"

namespace loopscope::normalize::detail {
namespace {

// The OTel events are logged twice, once on `codex_otel.log_only` and once right after on
// `codex_otel.trace_safe` (some only on the first); this recognises the second copy. Not by
// event.timestamp: each copy takes its own, and they straddle millisecond boundaries.
struct otel_seen {
  std::string target;
  std::string key;  // event name and the fields that tell two events apart
};

class codex_trace_normalizer final : public format_normalizer {
 public:
  explicit codex_trace_normalizer(const input_context& context) : input_key_(context.input_key) {}

  line_result normalize(std::string_view line, origin where, event_sink& sink) override {
    std::string_view text = line;
    // The Codex App's and the IDE extension's crash notice quotes the app-server's last event.
    static constexpr std::string_view crash_notice = "Most recent error: ";
    if (text.starts_with(crash_notice)) text.remove_prefix(crash_notice.size());
    if (!text.empty() && text.front() == '{') {
      // The app-server's JSON tracing (LOG_FORMAT=json): read as the text line it stands for.
      if (!render_json_trace_event(text, rendered_)) return {line_outcome::malformed, false};
      text = rendered_;
    }
    const std::optional<trace_line> parsed = parse_trace_line(text, stamp_rule::optional);
    if (!parsed) return {line_outcome::malformed, false};
    const trace_line& t = *parsed;

    const span_fields spans(t);
    std::string session_key = session_of(t, spans);
    std::string turn_key(spans.get("turn.id").value_or(std::string_view{}));
    if (turn_key.empty()) turn_key = std::string(spans.get("turn_id").value_or(""));
    note_transport(t, session_key);

    bool used = false;
    auto emit = [&](event e) {
      e.session_key = session_key;
      e.turn_key = turn_key;
      if (t.time) {
        e.time = t.time;
        e.time_is = time_quality::exact;
      }
      if (e.model.empty()) e.model = std::string(spans.get("model").value_or(""));
      sink.on_event(std::move(e));
      used = true;
    };
    auto make = [&](event_kind kind) {
      return make_event(kind, format_id::codex_trace, where, line);
    };

    if (!turn_key.empty() && turns_seen_.insert({session_key, turn_key}).second) {
      emit(make(event_kind::turn_start));
    }
    decode_message(t, session_key, make, emit);
    return {used ? line_outcome::used : line_outcome::skipped, false};
  }

  // Tracing prints multi-line messages (pretty Debug output, header dumps) as they are: the lines
  // after the first belong to the record.
  bool continue_record(std::string_view, origin, line_result& result) override {
    result = {line_outcome::skipped, false};
    return true;
  }

 private:
  template <typename Make, typename Emit>
  void decode_message(const trace_line& t, const std::string& session_key, Make& make, Emit& emit) {
    const std::string_view message = t.message;
    if (t.target.starts_with("codex_otel")) {
      decode_otel(t, make, emit);
      return;
    }
    // Span lifecycle lines ("…: new", "…: close time.busy=…") say nothing the catalogue knows.
    if (message.empty() || message == "new" || message.starts_with("close time.")) return;
    event e = make(event_kind::other);
    const trace_framing framing = read_trace_message(message, e);
    if (!framing.matched) return;
    if (framing.classify) {
      // The error text: what the entry captured as the message, or the whole message.
      const std::string error = e.message.empty() ? std::string(message) : e.message.string();
      e.message.clear();
      fill_error(e, error);
    } else if (e.message.empty() && e.kind != event_kind::ws_connect) {  // a connect says no more
      e.message = std::string(message);
      e.text_template = mask_text(message);
    }
    if (framing.ws_line) ws_lines_since_otel_ = true;
    if (framing.fallback) transports_[session_key] = transport_kind::http;
    if ((e.kind == event_kind::stream_retry || e.kind == event_kind::turn_error) &&
        e.http.transport == transport_kind::unknown) {
      e.http.transport = transport_of(session_key);
    }
    emit(std::move(e));
  }

  template <typename Make, typename Emit>
  void decode_otel(const trace_line& t, Make& make, Emit& emit) {
    // Cheap test first: most OTel lines are other events (sse_event, tool_result, …).
    if (t.message.find("event.name=") == std::string_view::npos) return;
    const trace_fields fields(t.message);
    const std::string_view name = fields.get("event.name").value_or("");
    if (name != "codex.api_request" && name != "codex.websocket_connect") return;
    std::string key(name);
    for (const std::string_view field :
         {"duration_ms", "http.response.status_code", "attempt", "success", "error.message"}) {
      key += '|';
      key += fields.get(field).value_or("");
    }
    if (seen_.key == key && seen_.target != t.target) {
      seen_ = {};
      return;  // the same event on the other OTel target
    }
    seen_ = {std::string(t.target), std::move(key)};

    const int status = to_int(fields.get("http.response.status_code").value_or(""));
    const std::string_view error = fields.get("error.message").value_or("");
    if (name == "codex.api_request") {
      event e = make(event_kind::request_attempt);
      e.http.method = "POST";  // Codex's model requests are POSTs (responses, compact)
      e.http.path = std::string(fields.get("endpoint").value_or(""));
      e.http.transport = transport_kind::http;
      e.http.status = status;
      // OTel counts attempts from 0; event::attempt is the n of "n/N", from 1.
      const std::string_view attempt = fields.get("attempt").value_or("");
      if (!attempt.empty()) e.attempt = to_int(attempt) + 1;
      e.message = std::string(error);
      e.text_template = mask_text(error);
      emit(std::move(e));
      return;
    }
    // codex.websocket_connect: the codex_api lines of the same handshake ("connecting to
    // websocket", "failed to connect …") say more (the URL); the OTel event only stands in for
    // them when the filter left them out (codex-tui.log's default filter does).
    if (std::exchange(ws_lines_since_otel_, false)) return;
    const bool success = fields.get("success").value_or("") == "true";
    event connect = make(event_kind::ws_connect);
    connect.http.transport = transport_kind::websocket;
    connect.http.method = "GET";
    connect.http.path = std::string(fields.get("endpoint").value_or(""));
    if (success) {
      connect.http.status = status;
      emit(std::move(connect));
      return;
    }
    event failure = connect;
    failure.kind = event_kind::ws_error;
    failure.http.status = status;
    failure.message = std::string(error);
    failure.text_template = mask_text(error);
    emit(std::move(connect));
    emit(std::move(failure));
  }

  static void fill_error(event& e, std::string_view text) {
    e.message = std::string(text);
    classify_codex_error(text, e);
    e.text_template = mask_text(text);
  }

  static int to_int(std::string_view text) {
    int value = 0;
    for (const char c : text) {
      if (c < '0' || c > '9' || value > 100'000'000) return 0;
      value = value * 10 + (c - '0');
    }
    return value;
  }

  std::string session_of(const trace_line& t, const span_fields& spans) const {
    for (const std::string_view key : {"thread_id", "thread.id"}) {
      if (auto id = spans.get(key)) return std::string(*id);
    }
    // OTel events outside the session span (the start-up prewarm) name the thread themselves.
    if (auto id = trace_field(t.message, "conversation.id");
        id && t.target.starts_with("codex_otel")) {
      return std::string(*id);
    }
    return input_key_;
  }

  // The transport of the session's latest model request, from the model_client span names.
  void note_transport(const trace_line& t, const std::string& session_key) {
    for (const trace_span& span : t.spans) {
      if (span.name == "model_client.stream_responses_websocket") {
        // The start-up prewarm runs in this span too; it does not decide the turn's transport.
        if (trace_field(span.fields, "websocket.warmup").value_or("") != "true") {
          transports_[session_key] = transport_kind::websocket;
        }
      } else if (span.name == "model_client.stream_responses_api") {
        transports_[session_key] = transport_kind::http;
      }
    }
  }

  transport_kind transport_of(const std::string& session_key) const {
    const auto it = transports_.find(session_key);
    return it == transports_.end() ? transport_kind::unknown : it->second;
  }

  std::string input_key_;
  std::string rendered_;  // the current JSON line as text; the parsed line points into it
  std::set<std::pair<std::string, std::string>> turns_seen_;
  std::map<std::string, transport_kind> transports_;
  otel_seen seen_;
  bool ws_lines_since_otel_ = false;
};

}  // namespace

std::unique_ptr<format_normalizer> make_codex_trace_normalizer(const input_context& context) {
  return std::make_unique<codex_trace_normalizer>(context);
}

}  // namespace loopscope::normalize::detail
