// Secrets never leave loopscope: every free text a reporter prints goes through here.
#pragma once

#include <string>
#include <string_view>

namespace loopscope::report {

enum class redaction : unsigned char { on, off };

// Replaces API keys, bearer tokens, credential header values, GitHub and AWS keys, JWTs and
// URL query secrets with "[REDACTED]". Cheap when the text holds nothing suspicious.
std::string redact(std::string_view text);

inline std::string redact_if(std::string_view text, redaction mode) {
  return mode == redaction::on ? redact(text) : std::string(text);
}

}  // namespace loopscope::report
