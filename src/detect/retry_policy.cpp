#include "loopscope/detect/retry_policy.hpp"

#include <array>

namespace loopscope::detect {

namespace {

// Where Codex releases differ in what their turn-level loop retries, as recorded against the
// fault proxy (samples/codex-<version>/http-429*): each entry is a status whose verdict changed,
// the last release recorded with the old verdict and the first recorded with the new one.
// Releases in between are unknown: the log decides (see the rule engine).
struct turn_layer_change {
  int status;
  std::string_view last_before;  // last recorded release with `before`
  retriable before;
  std::string_view first_after;  // first recorded release with `after`
  retriable after;
};
constexpr turn_layer_change turn_layer_changes[] = {
    // 0.121/0.145: RetryLimit, fatal at once; 0.171: retried, honouring Retry-After.
    {429, "0.145.0", retriable::no, "0.171.0", retriable::yes},
};

// "0.171.0" → {0, 171, 0}; missing parts are 0, anything after a '-' (pre-release) ignored.
std::array<int, 3> version_parts(std::string_view version) {
  std::array<int, 3> parts{};
  std::size_t part = 0;
  for (const char c : version) {
    if (c == '.') {
      if (++part == parts.size()) break;
    } else if (c >= '0' && c <= '9') {
      parts[part] = parts[part] * 10 + (c - '0');
    } else {
      break;
    }
  }
  return parts;
}

}  // namespace

retriable codex_turn_layer_retries(int status, std::string_view error_class,
                                   std::string_view cli_version) {
  for (const turn_layer_change& change : turn_layer_changes) {
    if (status != change.status || error_class == "ServerOverloaded") continue;
    if (cli_version.empty()) return retriable::unknown;
    const auto version = version_parts(cli_version);
    if (version <= version_parts(change.last_before)) return change.before;
    if (version >= version_parts(change.first_after)) return change.after;
    return retriable::unknown;
  }
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
