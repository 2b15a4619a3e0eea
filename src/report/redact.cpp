#include "loopscope/report/redact.hpp"

#include <array>
#include <bit>
#include <cstdint>
#include <cstring>
#include <functional>
#include <memory>
#include <string>
#include <unordered_map>

#include <re2/re2.h>

#include "loopscope/core/text_hash.hpp"

namespace loopscope::report {
namespace {

// What a text holds that the rules need: each rule runs only where its hint was found (a hint
// is a substring every match of its rule contains), so a line that needs one rule is not run
// through eleven.
struct hints {
  std::string lower;       // the text, ASCII letters lower-cased
  bool non_ascii = false;  // (?i) rules fold Unicode too (the Kelvin sign is a 'k'): run them
  bool upper_run = false;  // 20 upper-case letters and digits in a row (AWS key ids)
  bool has(std::string_view hint) const { return lower.find(hint) != std::string::npos; }
};

struct rule {
  std::unique_ptr<RE2> pattern;
  const char* replacement;
  // Whether a text can hold a match; the replacements bring in no hint of a later rule
  // ("[REDACTED]" holds none), so the hints read from the text as given hold throughout.
  bool (*may_match)(const hints& h);
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
       R"(\1\2[REDACTED])",
       [](const hints& h) {
         return h.non_ascii || h.has("author") || h.has("cookie") || h.has("key") ||
                h.has("token") || h.has("secret") || h.has("passw");
       }},
      // Bearer/basic credentials anywhere, also inside values that had no header name.
      {std::make_unique<RE2>(R"((?i)\b(bearer|basic)\s+[A-Za-z0-9._~+/=-]{4,})"),
       R"(\1 [REDACTED])",
       [](const hints& h) { return h.non_ascii || h.has("bearer") || h.has("basic"); }},
      // Masked templates (normalize::mask_text) and the cycle signatures made of them: digits and
      // ids are already "<n>"/"<id>", so "ghp_abc<id>" is too short for the rules above. A token
      // that starts like a key and holds a placeholder is a key all the same. It runs before the
      // key rules, which would otherwise cut such a token in two and leave its tail.
      {std::make_unique<RE2>(
           R"(\b(?:sk-|gh[pousr]_|github_pat_|hf_|gsk_|xai-|AKIA|ASIA|eyJ|xox[abprs]-|AIza)[A-Za-z0-9_.<>-]*<(?:n|id)>[A-Za-z0-9_.<>-]*)"),
       "[REDACTED]", [](const hints& h) { return h.has("<n>") || h.has("<id>"); }},
      // OpenAI (sk-, sk-proj-, sk-svcacct-, sk-admin-), Anthropic (sk-ant-api03-…) and LiteLLM
      // keys (virtual keys sk-…, master keys as short as the documented "sk-1234").
      {std::make_unique<RE2>(
           R"(\bsk-(?:proj-|ant-(?:[a-z]+\d*-)?|svcacct-|admin-)?[A-Za-z0-9_-]{4,})"),
       "sk-[REDACTED]", [](const hints& h) { return h.has("sk-"); }},
      {std::make_unique<RE2>(R"(\b(?:gh[pousr]_[A-Za-z0-9]{16,}|github_pat_[A-Za-z0-9_]{20,}))"),
       "[REDACTED]", [](const hints& h) { return h.has("gh") || h.has("github_pat_"); }},
      // AWS access key ids (long-term AKIA, temporary ASIA and the other documented prefixes).
      {std::make_unique<RE2>(
           R"(\b(?:AKIA|ASIA|ABIA|ACCA|AGPA|AIDA|AROA|AIPA|ANPA|ANVA|APKA)[0-9A-Z]{16}\b)"),
       "[REDACTED]", [](const hints& h) { return h.upper_run; }},
      // JWTs: base64url header "eyJ…" . payload . signature.
      {std::make_unique<RE2>(R"(\beyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{4,})"),
       "[REDACTED]", [](const hints& h) { return h.has("eyj"); }},
      // URL query parameters whose name says secret: ?key=, &token=, &X-Amz-Signature=, ….
      {std::make_unique<RE2>(
           R"re((?i)((?:[?&;]|\\u0026)[A-Za-z0-9_.-]*(?:key|token|secret|password|passwd|auth|sig|signature|credential|code)[A-Za-z0-9_.-]*=)[^&\s"'#\\]+)re"),
       R"(\1[REDACTED])",
       [](const hints& h) {
         // A parameter follows one of ? & ; (or an escaped &): "model=gpt-5" alone is none.
         return h.has("=") && (h.has("?") || h.has("&") || h.has(";") || h.has("\\u0026"));
       }},
      // Private keys pasted whole (PEM): the body is the secret.
      {std::make_unique<RE2>(
           R"(-----BEGIN [A-Z ]*PRIVATE KEY-----[^-]*(?:-----END [A-Z ]*PRIVATE KEY-----)?)"),
       "[REDACTED PRIVATE KEY]", [](const hints& h) { return h.has("-----begin "); }},
      // Hugging Face user access tokens (hf_ and 34 letters and digits; older ones differ in
      // length), Groq keys (gsk_…) and xAI keys (xai-…): providers LiteLLM routes to, whose keys
      // stand in the same configs and dumps.
      {std::make_unique<RE2>(
           R"(\b(?:hf_[A-Za-z0-9]{20,}|gsk_[A-Za-z0-9]{20,}|xai-[A-Za-z0-9]{20,}))"),
       "[REDACTED]", [](const hints& h) { return h.has("hf_") || h.has("gsk_") || h.has("xai-"); }},
      // Slack and Google API keys, common in the same environment dumps.
      {std::make_unique<RE2>(R"(\b(?:xox[abprs]-[A-Za-z0-9-]{10,}|AIza[0-9A-Za-z_-]{35})\b)"),
       "[REDACTED]", [](const hints& h) { return h.has("xox") || h.has("aiza"); }},
  }};
  return all;
}

#undef LOOPSCOPE_SECRET_NAMES
#undef LOOPSCOPE_SEPARATOR

// Every rule needs one of these (lower-case) substrings; lines without any skip the regexes.
// Matching is on a lower-cased copy so that "AUTHORIZATION" or "X-Api-Key" cannot slip past.
// Eight bytes per step: on a report of a proxy log, a byte at a time here cost more than the
// regular expressions it spares (profiled).
hints hints_of(std::string_view text) {
  constexpr std::uint64_t ones = 0x0101010101010101ULL;
  constexpr std::uint64_t high = ones * 0x80;
  // 0x80 in each byte of `word` that is ASCII and within [first, last].
  const auto in_range = [](std::uint64_t word, unsigned char first, unsigned char last) {
    const std::uint64_t low7 = word & (ones * 0x7F);  // no carry out of a byte below
    return (low7 + ones * (0x80 - first)) & ~(low7 + ones * (0x7F - last)) & ~word & high;
  };
  hints h;
  h.lower.resize(text.size());
  std::uint64_t seen_bytes = 0;
  // AWS key ids (AKIA…, ASIA…, AROA…) have no fixed word: a run of 20 upper-case letters and
  // digits is the cheapest sign of one.
  std::size_t run = 0;
  // `count` bytes (1 to 8) at `at`, read into `word` with zeros past them: a zero is in no range.
  const auto step = [&](std::uint64_t word, std::size_t at, std::size_t count) {
    seen_bytes |= word;
    const std::uint64_t upper = in_range(word, 'A', 'Z');
    std::uint64_t run_bytes = upper | in_range(word, '0', '9');
    // Counted with the text's first byte as the word's lowest, whatever the machine's order.
    if constexpr (std::endian::native == std::endian::big) run_bytes = __builtin_bswap64(run_bytes);
    if (run_bytes == high) {
      run += 8;
    } else {
      run += static_cast<std::size_t>(std::countr_zero(~run_bytes & high)) / 8;
      if (run >= 20) h.upper_run = true;
      run = static_cast<std::size_t>(std::countl_zero(~run_bytes & high)) / 8;
    }
    if (run >= 20) h.upper_run = true;
    const std::uint64_t lowered = word | (upper >> 2);  // 'A' + 0x20 = 'a'
    std::memcpy(h.lower.data() + at, &lowered, count);
  };
  std::size_t at = 0;
  for (; at + 8 <= text.size(); at += 8) {
    std::uint64_t word;
    std::memcpy(&word, text.data() + at, 8);
    step(word, at, 8);
  }
  if (at < text.size()) {
    std::uint64_t word = 0;
    std::memcpy(&word, text.data() + at, text.size() - at);
    step(word, at, text.size() - at);
  }
  h.non_ascii = (seen_bytes & high) != 0;
  return h;
}

bool may_hold_secret(const hints& h) {
  static constexpr std::array words{
      "author", "cookie", "key",   "bearer",  "basic", "sk-",  "gh",  "github_pat_", "eyj", "=",
      "token",  "secret", "passw", "private", "xox",   "aiza", "hf_", "gsk_",        "xai-"};
  for (const char* word : words) {
    if (h.has(word)) return true;
  }
  return h.upper_run;
}

std::string redact_once(std::string_view text) {
  std::string out(text);
  const hints h = hints_of(text);
  if (!may_hold_secret(h)) return out;
  for (const rule& r : rules()) {
    if (r.may_match(h)) RE2::GlobalReplace(&out, *r.pattern, r.replacement);
  }
  return out;
}

}  // namespace

// A report prints the same texts many times (a cause's message in each finding of its incident,
// a cycle's signatures in each turn it repeats in): each distinct text is redacted once per
// thread, and the answers are kept up to a bound. Redacting was half of writing a proxy log's
// JSON report, which comes after the input is read (profiled).
std::string redact(std::string_view text) {
  constexpr std::size_t kept_texts = 4096;
  constexpr std::size_t kept_bytes = std::size_t{2} << 20;
  thread_local text_map<std::string> answers;
  thread_local std::size_t answer_bytes = 0;
  if (const auto known = answers.find(text); known != answers.end()) return known->second;
  std::string out = redact_once(text);
  if (text.size() + out.size() > kept_bytes / 16)
    return out;  // a long text is rarely printed twice
  if (answers.size() >= kept_texts || answer_bytes >= kept_bytes) {
    answers.clear();
    answer_bytes = 0;
  }
  answer_bytes += text.size() + out.size();
  answers.emplace(std::string(text), out);
  return out;
}

}  // namespace loopscope::report
