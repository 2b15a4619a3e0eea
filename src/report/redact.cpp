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

// Header and field names whose value is a credential, whatever the value looks like. The suffix
// forms (api[-_]?key, …token) also catch prefixed names: x-litellm-api-key, x-goog-api-key.
#define LOOPSCOPE_SECRET_NAMES                                                             \
  "(?:proxy-)?authorization|set-cookie|cookie|api[-_]?key|x-api-key|openai[-_]api[-_]key|" \
  "(?:access|refresh|id|auth|session|bearer|api)[-_]?token|x-amz-security-token|"          \
  "aws_secret_access_key|secret_access_key|client_secret|password|passwd"

// What separates a name from its value in every rendering we have met:
//   authorization: Bearer …          (HTTP header line)
//   'authorization': 'Bearer …'      (Python dict repr, LiteLLM's DEBUG header dump)
//   "authorization":"Bearer …"       (JSON)
//   \"authorization\":\"Bearer …\"   (JSON escaped inside a JSON string)
//   (b'authorization', b'Bearer …')  (ASGI raw header tuples)
//   "cookie": ["a=b"]                (header lists)
//   authorization=Bearer …           (key=value logs, environment dumps)
#define LOOPSCOPE_SEPARATOR \
  R"re((?:\\*["']?\s*[:=]\s*\[?\s*(?:b?\\*["'])?|\\*["']\s*,\s*b?\\*["']))re"

const std::array<rule, 11>& rules() {
  static const std::array<rule, 11> all{{
      // Credential-bearing names: the name and separator stay, the value goes. The value ends at
      // a quote, an escape, a closing bracket or the end of the line; commas end it too so that
      // one header's redaction never swallows the next header of a dict.
      {std::make_unique<RE2>("(?i)((?:" LOOPSCOPE_SECRET_NAMES "))(" LOOPSCOPE_SEPARATOR
                             R"re()([^"'\\,}\]\)\r\n]+))re"),
       R"(\1\2[REDACTED])"},
      // Bearer/basic credentials anywhere, also inside values that had no header name.
      {std::make_unique<RE2>(R"((?i)\b(bearer|basic)\s+[A-Za-z0-9._~+/=-]{4,})"),
       R"(\1 [REDACTED])"},
      // Masked templates (normalize::mask_text) and the cycle signatures made of them: digits and
      // ids are already "<n>"/"<id>", so "ghp_abc<id>" is too short for the rules above. A token
      // that starts like a key and holds a placeholder is a key all the same. It runs before the
      // key rules, which would otherwise cut such a token in two and leave its tail.
      {std::make_unique<RE2>(
           R"(\b(?:sk-|gh[pousr]_|github_pat_|hf_|gsk_|xai-|AKIA|ASIA|eyJ|xox[abprs]-|AIza)[A-Za-z0-9_.<>-]*<(?:n|id)>[A-Za-z0-9_.<>-]*)"),
       "[REDACTED]"},
      // OpenAI (sk-, sk-proj-, sk-svcacct-, sk-admin-), Anthropic (sk-ant-api03-…) and LiteLLM
      // keys (virtual keys sk-…, master keys as short as the documented "sk-1234").
      {std::make_unique<RE2>(
           R"(\bsk-(?:proj-|ant-(?:[a-z]+\d*-)?|svcacct-|admin-)?[A-Za-z0-9_-]{4,})"),
       "sk-[REDACTED]"},
      {std::make_unique<RE2>(R"(\b(?:gh[pousr]_[A-Za-z0-9]{16,}|github_pat_[A-Za-z0-9_]{20,}))"),
       "[REDACTED]"},
      // AWS access key ids (long-term AKIA, temporary ASIA and the other documented prefixes).
      {std::make_unique<RE2>(
           R"(\b(?:AKIA|ASIA|ABIA|ACCA|AGPA|AIDA|AROA|AIPA|ANPA|ANVA|APKA)[0-9A-Z]{16}\b)"),
       "[REDACTED]"},
      // JWTs: base64url header "eyJ…" . payload . signature.
      {std::make_unique<RE2>(R"(\beyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{4,})"),
       "[REDACTED]"},
      // URL query parameters whose name says secret: ?key=, &token=, &X-Amz-Signature=, ….
      {std::make_unique<RE2>(
           R"re((?i)((?:[?&;]|\\u0026)[A-Za-z0-9_.-]*(?:key|token|secret|password|passwd|auth|sig|signature|credential|code)[A-Za-z0-9_.-]*=)[^&\s"'#\\]+)re"),
       R"(\1[REDACTED])"},
      // Private keys pasted whole (PEM): the body is the secret.
      {std::make_unique<RE2>(
           R"(-----BEGIN [A-Z ]*PRIVATE KEY-----[^-]*(?:-----END [A-Z ]*PRIVATE KEY-----)?)"),
       "[REDACTED PRIVATE KEY]"},
      // Hugging Face user access tokens (hf_ and 34 letters and digits; older ones differ in
      // length), Groq keys (gsk_…) and xAI keys (xai-…): providers LiteLLM routes to, whose keys
      // stand in the same configs and dumps.
      {std::make_unique<RE2>(
           R"(\b(?:hf_[A-Za-z0-9]{20,}|gsk_[A-Za-z0-9]{20,}|xai-[A-Za-z0-9]{20,}))"),
       "[REDACTED]"},
      // Slack and Google API keys, common in the same environment dumps.
      {std::make_unique<RE2>(R"(\b(?:xox[abprs]-[A-Za-z0-9-]{10,}|AIza[0-9A-Za-z_-]{35})\b)"),
       "[REDACTED]"},
  }};
  return all;
}

#undef LOOPSCOPE_SECRET_NAMES
#undef LOOPSCOPE_SEPARATOR

// Every rule needs one of these (lower-case) substrings; lines without any skip the regexes.
// Matching is on a lower-cased copy so that "AUTHORIZATION" or "X-Api-Key" cannot slip past.
bool may_hold_secret(std::string_view text) {
  static constexpr std::array hints{
      "author", "cookie", "key",   "bearer",  "basic", "sk-",  "gh",  "github_pat_", "eyj", "=",
      "token",  "secret", "passw", "private", "xox",   "aiza", "hf_", "gsk_",        "xai-"};
  std::string lower(text);
  for (char& c : lower) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  for (const char* hint : hints) {
    if (lower.find(hint) != std::string::npos) return true;
  }
  // AWS key ids (AKIA…, ASIA…, AROA…) have no fixed word: a run of 20 upper-case letters and
  // digits is the cheapest sign of one.
  std::size_t run = 0;
  for (const char c : text) {
    run = ((c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) ? run + 1 : 0;
    if (run >= 20) return true;
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
