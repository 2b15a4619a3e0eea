// Normalized events as JSON lines; every free-text field is redacted, user prompts hidden.
#include "loopscope/report/event_writer.hpp"
#include "loopscope/formats/registry.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

namespace loopscope::report {

void write_event_json(const event& e, std::string_view input_path, std::ostream& out,
                      redaction redact, message_visibility user_messages) {
  using json = nlohmann::ordered_json;
  json line;
  line["kind"] = event_kind_name(e.kind);
  line["time"] = e.time ? json(format_rfc3339(*e.time)) : json(nullptr);
  line["time_quality"] = time_quality_name(e.time_is);
  line["source"] = format_name(e.source);
  line["path"] = input_path;
  line["line"] = e.where.line;
  // Proxy logs key sessions by whatever the caller sent; a key can stand in for an id there.
  line["session"] = redact_if(e.session_key, redact);
  if (!e.turn_key.empty()) line["turn_id"] = redact_if(e.turn_key, redact);
  if (!e.http.method.empty()) line["method"] = e.http.method;
  if (!e.http.path.empty()) line["path_requested"] = redact_if(e.http.path, redact);
  if (e.http.status != 0) line["status"] = e.http.status;
  if (e.http.transport != transport_kind::unknown)
    line["transport"] = transport_name(e.http.transport);
  if (e.attempt > 0) line["attempt"] = e.attempt;
  if (e.attempt_limit > 0) line["attempt_limit"] = e.attempt_limit;
  if (e.delay_ms >= 0) line["delay_ms"] = e.delay_ms;
  if (!e.model.empty()) line["model"] = redact_if(e.model, redact);
  if (!e.model_group.empty()) line["model_group"] = redact_if(e.model_group, redact);
  if (!e.error_class.empty()) line["error_class"] = redact_if(e.error_class, redact);
  if (e.phase != stream_phase::unknown) line["phase"] = std::string(stream_phase_name(e.phase));
  if (!e.tool_name.empty()) line["tool"] = redact_if(e.tool_name, redact);
  if (e.arguments_hash != 0) line["arguments_hash"] = fmt::format("{:016x}", e.arguments_hash);
  if (e.output_hash != 0) line["output_hash"] = fmt::format("{:016x}", e.output_hash);
  if (e.outcome != turn_outcome::none) line["outcome"] = turn_outcome_name(e.outcome);
  if (e.tokens >= 0) line["tokens"] = e.tokens;
  const bool private_text =
      e.kind == event_kind::user_message && user_messages == message_visibility::hidden;
  if (!e.message.empty()) {
    line["message"] =
        private_text ? json("[hidden: --show-messages]") : json(redact_if(e.message, redact));
  }
  if (!e.text_template.empty() && !private_text) {
    line["template"] = redact_if(e.text_template, redact);
  }
  out << line.dump(-1, ' ', false, json::error_handler_t::replace) << '\n';
}

}  // namespace loopscope::report
