// LiteLLM JSON_LOGS lines (litellm/_logging.py JsonFormatter): {"message", "level", "timestamp"}
// and, in newer versions, "component" (the logger name), "logger" ("file.py:N"), "stacktrace",
// "trace_id", "litellm_call_id". The messages are those of the text format (litellm_messages);
// uvicorn's own lines arrive as component "uvicorn.access" / "uvicorn.error".
#include "json_line.hpp"
#include "litellm_messages.hpp"
#include "loopscope/normalize/normalizer.hpp"
#include "normalizers.hpp"
#include "uvicorn_messages.hpp"

namespace loopscope::normalize::detail {
namespace {

// datetime.isoformat() of a naive local time has no zone ("2025-01-08T10:08:40.782329"); one with
// "Z" or "+hh:mm" came from a zone-aware formatter.
bool has_zone(std::string_view stamp) {
  if (stamp.ends_with('Z') || stamp.ends_with('z')) return true;
  const std::size_t t = stamp.find('T');
  if (t == std::string_view::npos) return false;
  return stamp.find_first_of("+-", t) != std::string_view::npos;
}

class litellm_json_normalizer final : public format_normalizer {
 public:
  explicit litellm_json_normalizer(const input_context& context)
      : session_key_(context.input_key), catalogues_(context), zone_(context.zone) {}

  line_result normalize(std::string_view line, origin where, event_sink& sink) override {
    simdjson::dom::element root;
    if (parse_padded(parser_, line).get(root) != simdjson::SUCCESS || !root.is_object()) {
      return {line_outcome::malformed, false};
    }
    std::string_view message;
    if (root["message"].get_string().get(message) != simdjson::SUCCESS) {
      // A record without a text message ("message": null) says nothing we classify.
      return {line_outcome::skipped, false};
    }
    const std::string_view component = string_field(root, "component");

    event e = make_event(event_kind::other, format_id::litellm_json, where, line);
    bool is_event = false;
    fallback_step step = fallback_step::none;
    if (component.starts_with("uvicorn")) {
      const uvicorn_outcome outcome = decode_uvicorn_message(message, e);
      if (outcome == uvicorn_outcome::malformed) return {line_outcome::malformed, false};
      is_event = outcome == uvicorn_outcome::event;
      if (is_event && e.http.transport != transport_kind::unknown) {
        e.excerpt = make_excerpt(without_query(line));
      }
    } else {
      std::string buffer;
      const std::string_view text = strip_ansi(message, buffer);
      const std::string_view stacktrace = string_field(root, "stacktrace");
      const classification c =
          classify_litellm_message(catalogues_, text, last_exception_line(stacktrace), e);
      is_event = c.is_event;
      step = c.step;
    }
    if (!is_event) return {line_outcome::skipped, false};

    if (e.request_id.empty()) e.request_id = std::string(string_field(root, "litellm_call_id"));
    if (e.session_key.empty()) e.session_key = session_key_;
    // LiteLLM writes local time without a zone; read as UTC it can be hours off, so only a
    // stamp that names its zone, or one read in the zone the user named (--proxy-tz), is exact.
    // The date is real, the zone inferred: the session stage aligns such stamps with Codex's.
    const std::string_view stamp = string_field(root, "timestamp");
    if (const auto t = parse_rfc3339(stamp)) {
      e.time = t;
      e.time_is = time_quality::exact;
      if (!has_zone(stamp)) {
        if (zone_ != nullptr) {
          e.time =
              timestamp{zone_->to_utc(t->micros / 1'000'000) * 1'000'000 + t->micros % 1'000'000};
        } else {
          e.time_is = time_quality::zone_inferred;
        }
      }
    }
    fold_.push(std::move(e), step, sink);
    return {line_outcome::used, false};
  }

  void finish(event_sink& sink) override { fold_.flush(sink); }

 private:
  simdjson::dom::parser parser_;
  std::string session_key_;
  catalogue_chain catalogues_;
  const time_zone* zone_ = nullptr;
  fallback_fold fold_;
};

}  // namespace

std::unique_ptr<format_normalizer> make_litellm_json_normalizer(const input_context& context) {
  return std::make_unique<litellm_json_normalizer>(context);
}

}  // namespace loopscope::normalize::detail
