#include "loopscope/detect/retry_policy.hpp"

namespace loopscope::detect {

retriable codex_turn_layer_retries(int status, std::string_view error_class) {
  if (error_class == "ServerOverloaded" || error_class == "RetryLimit") return retriable::no;
  if (status == 400 || status == 429) return retriable::no;  // InvalidRequest / RetryLimit
  if (status != 0) return retriable::yes;                    // UnexpectedStatus, 5xx
  if (!error_class.empty()) return retriable::yes;           // stream drops, timeouts
  return retriable::unknown;
}

retriable codex_request_layer_retries(int status, std::string_view error_class) {
  if (status >= 500) return retriable::yes;
  if (status >= 400) return retriable::no;
  if (error_class == "connection_error" || error_class == "Timeout") return retriable::yes;
  return status != 0 ? retriable::no : retriable::unknown;
}

retriable litellm_router_retries(int status, std::string_view error_class) {
  if (error_class.find("NotFoundError") != std::string_view::npos) return retriable::no;
  if (status == 408 || status == 409 || status == 429 || status >= 500) return retriable::yes;
  if (status >= 400) return retriable::no;
  return retriable::unknown;
}

retriable http_semantics_retriable(int status, std::string_view error_class) {
  if (status == 408 || status == 409 || status == 429 || status >= 500) return retriable::yes;
  if (status >= 400) return retriable::no;
  if (!error_class.empty()) return retriable::yes;
  return retriable::unknown;
}

}  // namespace loopscope::detect
