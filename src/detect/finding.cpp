#include "loopscope/detect/finding.hpp"

namespace loopscope::detect {

std::string_view finding_kind_name(finding_kind kind) {
  switch (kind) {
    case finding_kind::transport_fallback:
      return "transport_fallback";
    case finding_kind::stream_retry:
      return "stream_retry";
    case finding_kind::request_retry:
      return "request_retry";
    case finding_kind::proxy_retry:
      return "proxy_retry";
    case finding_kind::proxy_fallback:
      return "proxy_fallback";
    case finding_kind::tool_repeat:
      return "tool_repeat";
    case finding_kind::web_search_repeat:
      return "web_search_repeat";
    case finding_kind::monologue:
      return "monologue";
    case finding_kind::error_repeat:
      return "error_repeat";
    case finding_kind::turn_failure:
      return "turn_failure";
  }
  return "turn_failure";
}

std::string_view severity_name(severity level) {
  switch (level) {
    case severity::info:
      return "info";
    case severity::warning:
      return "warning";
    case severity::error:
      return "error";
  }
  return "info";
}

std::optional<severity> severity_from_name(std::string_view name) {
  if (name == "info") return severity::info;
  if (name == "warning") return severity::warning;
  if (name == "error") return severity::error;
  return std::nullopt;
}

std::string_view cause_source_name(cause_source source) {
  switch (source) {
    case cause_source::codex:
      return "codex";
    case cause_source::proxy:
      return "proxy";
    case cause_source::model:
      return "model";
  }
  return "codex";
}

}  // namespace loopscope::detect
