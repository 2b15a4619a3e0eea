#include "loopscope/report/redact.hpp"

#include <array>
#include <memory>

#include <re2/re2.h>

namespace loopscope::report {
namespace {

struct rule {
  std::unique_ptr<RE2> pattern;
  const char* replacement;
};

const std::array<rule, 8>& rules() {
  static const std::array<rule, 8> all{{
      // Credential-bearing headers in any rendering: "authorization: …", 'Authorization': '…',
      // "x-api-key":"…". The header name and separator stay; the value goes.
      {std::make_unique<RE2>(
           R"re((?i)((?:proxy-)?authorization|set-cookie|cookie|x-api-key|api[-_]key|x-goog-api-key|openai-api-key)(\\?["']?\s*[:=]\s*\\?["']?)([^"'\\,}\r\n]+))re"),
       R"(\1\2[REDACTED])"},
      {std::make_unique<RE2>(R"((?i)\b(bearer|basic)\s+[A-Za-z0-9._~+/=-]{4,})"),
       R"(\1 [REDACTED])"},
      {std::make_unique<RE2>(R"(\bsk-(?:proj-|ant-(?:api\d+-)?|svcacct-|admin-)?[A-Za-z0-9_-]{6,})"),
       "sk-[REDACTED]"},
      {std::make_unique<RE2>(R"(\b(?:gh[pousr]_[A-Za-z0-9]{16,}|github_pat_[A-Za-z0-9_]{20,}))"),
       "[REDACTED]"},
      {std::make_unique<RE2>(R"(\b(?:AKIA|ASIA)[0-9A-Z]{16}\b)"), "[REDACTED]"},
      {std::make_unique<RE2>(R"(\beyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{4,})"),
       "[REDACTED]"},
      {std::make_unique<RE2>(
           R"re((?i)([?&](?:key|api_key|apikey|api-key|token|access_token|auth|secret|password|sig|signature|code)=)[^&\s"'#]+)re"),
       R"(\1[REDACTED])"},
      {std::make_unique<RE2>(
           R"re((?i)((?:aws_secret_access_key|secret_access_key|client_secret|password)\\?["']?\s*[:=]\s*\\?["']?)[^"'\\\s,}]+)re"),
       R"(\1[REDACTED])"},
  }};
  return all;
}

// Every rule needs one of these substrings to match; lines without any skip the regexes.
bool may_hold_secret(std::string_view text) {
  static constexpr std::array hints{"uthori", "UTHORI", "ookie", "OOKIE", "api", "API", "earer",
                                    "EARER", "asic", "sk-", "gh", "github_pat_", "AKIA", "ASIA",
                                    "eyJ", "=", "ecret", "ECRET", "assword", "ASSWORD", "Api"};
  for (const char* hint : hints) {
    if (text.find(hint) != std::string_view::npos) return true;
  }
  return false;
}

}  // namespace

std::string redact(std::string_view text) {
  std::string out(text);
  if (!may_hold_secret(text)) return out;
  for (const rule& r : rules()) RE2::GlobalReplace(&out, *r.pattern, r.replacement);
  return out;
}

}  // namespace loopscope::report
