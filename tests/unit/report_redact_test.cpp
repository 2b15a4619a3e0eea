#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "loopscope/report/redact.hpp"

using loopscope::report::redact;

TEST_CASE("every kind of secret is removed") {
  const std::vector<std::string> secrets{
      "sk-loopscope-fake-0123456789abcdef",
      "sk-proj-AbCdEf0123456789AbCdEf0123456789",
      "sk-ant-api03-AbCdEf0123456789_xyz",
      "ghp_0123456789abcdefABCDEF0123456789abcd",
      "github_pat_11ABCDEFG0123456789_abcdefghijklmnopqrstuvwxyz",
      "AKIAIOSFODNN7EXAMPLE",
      "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_"
      "XgL0n3I9PlFUP0THsR8U",
      "s3cr3t-cookie-value",
      "tok3n-in-query",
      "plain-api-key-value-123",
  };
  const std::vector<std::string> carriers{
      "authorization: Bearer " + secrets[0],
      "{'Authorization': 'Bearer " + secrets[1] + "', 'x': 1}",
      "\"x-api-key\":\"" + secrets[2] + "\"",
      "token " + secrets[3] + " leaked",
      "GITHUB_TOKEN=" + secrets[4],
      "aws " + secrets[5],
      "jwt=" + secrets[6],
      "Cookie: session=" + secrets[7],
      "GET /v1/responses?model=gpt-5&token=" + secrets[8] + " HTTP/1.1",
      "'api_key': '" + secrets[9] + "'",
  };
  for (std::size_t i = 0; i < carriers.size(); ++i) {
    CAPTURE(carriers[i]);
    const std::string cleaned = redact(carriers[i]);
    CHECK(cleaned.find(secrets[i]) == std::string::npos);
    CHECK(cleaned.find("[REDACTED]") != std::string::npos);
  }
}

TEST_CASE("ordinary log text is left alone") {
  const std::string line =
      "2026-11-29T01:07:35.993860Z ERROR codex_api::endpoint::responses_websocket: failed to "
      "connect to websocket: HTTP error: 405 Method Not Allowed, url: "
      "ws://127.0.0.1:8765/v1/responses";
  CHECK(redact(line) == line);
  CHECK(redact("Reconnecting... 2/5 (task-runner)") == "Reconnecting... 2/5 (task-runner)");
  CHECK(redact("GET /v1/responses?model=gpt-5") == "GET /v1/responses?model=gpt-5");
}

TEST_CASE("credential headers are redacted in every rendering") {
  const std::string value = "Zm9vYmFyLXNlY3JldC12YWx1ZQ";
  const std::vector<std::string> carriers{
      // HTTP header lines, any case.
      "Authorization: Bearer " + value,
      "PROXY-AUTHORIZATION: Basic " + value,
      "X-Api-Key: " + value,
      "x-litellm-api-key: " + value,
      "Set-Cookie: sid=" + value + "; Path=/; HttpOnly",
      // Python dict repr, as LiteLLM's DEBUG log dumps request headers.
      "headers={'host': 'x', 'cookie': 'sid=" + value + "', 'x-api-key': '" + value + "'}",
      // JSON, and JSON escaped inside a JSON string.
      R"({"headers":{"authorization":"Bearer )" + value + R"("}})",
      R"({"msg":"{\"authorization\":\"Bearer )" + value + R"(\"}"})",
      R"({"msg":"{\\\"cookie\\\":\\\")" + value + R"(\\\"}"})",
      // ASGI raw header tuples and header lists.
      "[(b'host', b'x'), (b'authorization', b'" + value + "')]",
      R"({"cookie": [")" + value + R"("]})",
      // key=value logs.
      "api_key=" + value + " model=gpt-5",
      "OPENAI_API_KEY=" + value,
  };
  for (const std::string& carrier : carriers) {
    CAPTURE(carrier);
    const std::string cleaned = redact(carrier);
    CHECK(cleaned.find(value) == std::string::npos);
    CHECK(cleaned.find("[REDACTED]") != std::string::npos);
  }
}

TEST_CASE("one header's redaction leaves its neighbours readable") {
  const std::string line =
      "{'authorization': 'Bearer sk-abcdef123456', 'originator': 'codex_exec', 'x-api-key': "
      "'abc123456', 'session_id': '01a224fb'}";
  const std::string cleaned = redact(line);
  CHECK(cleaned.find("'originator': 'codex_exec'") != std::string::npos);
  CHECK(cleaned.find("'session_id': '01a224fb'") != std::string::npos);
  CHECK(cleaned.find("abc123456") == std::string::npos);
  CHECK(cleaned.find("abcdef123456") == std::string::npos);
}

TEST_CASE("keys are found wherever they stand") {
  const std::vector<std::string> keys{
      "sk-1234",  // LiteLLM's documented master key: short keys are keys too
      "sk-svcacct-AbCdEf0123456789",
      "sk-ant-admin01-AbCdEf0123456789",
      "ASIAY34FZKBOKMUTVV7A",
      "AROAY34FZKBOKMUTVV7A",
      "github_pat_11AAAAAAA0aaaaaaaaaaaa_"
      "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb",
  };
  for (const std::string& key : keys) {
    CAPTURE(key);
    CHECK(redact("the user wrote: " + key + ".").find(key) == std::string::npos);
    CHECK(redact(R"({"text":")" + key + R"("})").find(key) == std::string::npos);
  }
}

TEST_CASE("query secrets are redacted, other parameters kept") {
  const std::string cleaned = redact(
      "GET /v1/responses?model=gpt-5&access_token=abc123&X-Amz-Signature=deadbeef&key=k1 HTTP/1.1");
  CHECK(cleaned.find("model=gpt-5") != std::string::npos);
  CHECK(cleaned.find("abc123") == std::string::npos);
  CHECK(cleaned.find("deadbeef") == std::string::npos);
  CHECK(cleaned.find("k1 ") == std::string::npos);
  CHECK(redact(R"({"url":"https://x/y?a=1\u0026token=t0ps3cret"})").find("t0ps3cret") ==
        std::string::npos);
}

TEST_CASE("words that only look like secrets stay") {
  for (const std::string line :
       {"task-runner failed", "sec-websocket-key: l49VU6FA5tQXnQR005UKUA==", "max_tokens=4096",
        "authorization failed for the request",
        "INFO:     127.0.0.1:53808 - \"GET /v1/responses HTTP/1.1\" 405 Method Not Allowed"}) {
    CAPTURE(line);
    CHECK(redact(line) == line);
  }
}

TEST_CASE("keys inside masked templates are redacted too") {
  // normalize::mask_text turns digit runs into <n> and ids into <id> before any reporter runs.
  for (const std::string masked :
       {"my keys: sk-[REDACTED]<id> ghp_PLANTghp<id> AKIAPLANTAWS<id> github_pat_<n>PLANT<n>_abc",
        "stream_retry sk-proj-abc<id>def"}) {
    CAPTURE(masked);
    const std::string cleaned = redact(masked);
    CHECK(cleaned.find("PLANT") == std::string::npos);
    CHECK(cleaned.find("abc<id>") == std::string::npos);
  }
  CHECK(redact("Reconnecting... <n>/<n> (task-<id>)") == "Reconnecting... <n>/<n> (task-<id>)");
}

// One case per secret shape README's "Secrets" lists: a new shape there gets a line here.
TEST_CASE("each secret shape the README lists is redacted") {
  struct shape {
    const char* name;
    std::string line;
    std::string secret;
  };
  const std::string jwt =
      "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_"
      "XgL0n3I9PlFUP0THsR8U";
  const std::vector<shape> shapes{
      {"OpenAI sk-", "key sk-abcdefghijklmnop0123 used", "abcdefghijklmnop0123"},
      {"OpenAI sk-proj-", "sk-proj-AbCdEf0123456789AbCdEf", "AbCdEf0123456789AbCdEf"},
      {"OpenAI sk-svcacct-", "sk-svcacct-AbCdEf0123456789xyz", "AbCdEf0123456789xyz"},
      {"OpenAI sk-admin-", "sk-admin-AbCdEf0123456789xyz", "AbCdEf0123456789xyz"},
      {"Anthropic sk-ant-", "sk-ant-api03-AbCdEf0123456789_xyz", "AbCdEf0123456789_xyz"},
      {"LiteLLM master key", "master_key: sk-1234", "1234"},
      {"GitHub ghp_", "ghp_0123456789abcdefABCDEF0123456789abcd", "0123456789abcdefABCDEF"},
      {"GitHub gho_", "gho_0123456789abcdefABCDEF0123456789abcd", "0123456789abcdefABCDEF"},
      {"GitHub github_pat_", "github_pat_11ABCDEFG0123456789_abcdefghijklmnop",
       "11ABCDEFG0123456789"},
      {"Hugging Face hf_", "HF token hf_AbCdEfGhIjKlMnOpQrStUvWxYz01234567 loaded",
       "AbCdEfGhIjKlMnOpQrStUvWxYz01234567"},
      {"Groq gsk_", "using gsk_AbCdEfGhIjKlMnOpQrStUvWx0123 now", "AbCdEfGhIjKlMnOpQrStUvWx0123"},
      {"xAI xai-", "xai-AbCdEfGhIjKlMnOpQrStUvWx0123", "AbCdEfGhIjKlMnOpQrStUvWx0123"},
      {"AWS AKIA", "aws AKIAIOSFODNN7EXAMPLE", "AKIAIOSFODNN7EXAMPLE"},
      {"AWS ASIA", "aws ASIAIOSFODNN7EXAMPLE", "ASIAIOSFODNN7EXAMPLE"},
      {"JWT", "id " + jwt, "dozjgNryP4J3jVmNHl0w5N"},
      {"Slack xoxb-", "xoxb-123456789012-abcdefghij", "123456789012-abcdefghij"},
      {"Google AIza", "AIzaSyA1234567890abcdefghijklmnopqrstuv", "SyA1234567890abcdefghij"},
      {"PEM private key",
       "-----BEGIN RSA PRIVATE KEY-----MIIEowIBAAKCAQEA-----END RSA PRIVATE KEY-----",
       "MIIEowIBAAKCAQEA"},
      {"Authorization header", "Authorization: Token 0a1b2c3d4e5f", "0a1b2c3d4e5f"},
      {"Proxy-Authorization header", "Proxy-Authorization: Digest abcdef012345", "abcdef012345"},
      {"Cookie header", "Cookie: sid=abcdef012345", "abcdef012345"},
      {"Set-Cookie header", "set-cookie: sid=abcdef012345; Path=/", "abcdef012345"},
      {"x-api-key header", "x-api-key: plainkey012345", "plainkey012345"},
      {"api-key header", "api-key: plainkey012345", "plainkey012345"},
      {"x-litellm-api-key header", "'x-litellm-api-key': 'plainkey012345'", "plainkey012345"},
      {"*_token field", "\"refresh_token\":\"r3fr3sh012345\"", "r3fr3sh012345"},
      {"password field", "password=hunter2hunter2", "hunter2hunter2"},
      {"client_secret field", "client_secret: cs012345abcdef", "cs012345abcdef"},
      {"JSON escaped in JSON", R"({"body":"{\"authorization\":\"Token esc012345\"}"})",
       "esc012345"},
      {"ASGI header tuple", "(b'authorization', b'Token tup012345')", "tup012345"},
      {"Bearer anywhere", "sent bearer abcdef0123456789 upstream", "abcdef0123456789"},
      {"Basic anywhere", "sent Basic dXNlcjpwYXNzd29yZA== upstream", "dXNlcjpwYXNzd29yZA"},
      {"query key=", "GET /v1/models?key=qk012345abc HTTP/1.1", "qk012345abc"},
      {"query token=", "wss://h/v1/responses?token=qt012345abc", "qt012345abc"},
      {"query access_token=", "/cb?state=1&access_token=at012345abc", "at012345abc"},
      {"query X-Amz-Signature=", "s3?X-Amz-Date=1&X-Amz-Signature=abcdef0123", "abcdef0123"},
      {"key in a masked template", "token ghp_abc<id>def in template", "ghp_abc"},
      {"Hugging Face key in a masked template", "hf_Ab<n>Cd leaked", "hf_Ab"},
  };
  for (const shape& s : shapes) {
    CAPTURE(s.name);
    const std::string cleaned = redact(s.line);
    CAPTURE(cleaned);
    CHECK(cleaned.find(s.secret) == std::string::npos);
    CHECK(cleaned.find("REDACTED") != std::string::npos);
  }
}

// Each rule runs only on text holding its hint; the case-insensitive rules fold Unicode as RE2
// does, so a Kelvin sign (U+212A) still spells "key" there, without any ASCII "key" in the line
// (the "=" lets the line past the first look for any hint at all).
TEST_CASE("a secret name spelt with a Unicode letter that folds to ASCII is still redacted") {
  const std::string redacted = redact(
      "x-api-\xe2\x84\xaa"
      "ey: hunter2hunter2, a=b");
  CHECK(redacted.find("hunter2") == std::string::npos);
  CHECK(redacted.find("[REDACTED]") != std::string::npos);
}

TEST_CASE("a text redacted again gets the same answer, kept or not") {
  // Answers are kept per thread (reports print the same texts many times): the second answer,
  // and one after the kept answers were let go, must be the first.
  const std::string carrier = "authorization: Bearer sk-proj-AbCdEf0123456789AbCdEf0123456789";
  const std::string first = redact(carrier);
  CHECK(first.find("AbCdEf0123456789") == std::string::npos);
  CHECK(redact(carrier) == first);
  for (int i = 0; i < 5000; ++i) (void)redact("filler " + std::to_string(i) + " token=x");
  CHECK(redact(carrier) == first);
  CHECK(redact(std::string(300000, 'a') + " key=" + "sk-1234abcd").find("sk-1234abcd") ==
        std::string::npos);
}

// The hints are read eight bytes at a time: a secret, a name in capitals or a non-ASCII letter
// is found at every offset from the text's start and whatever stands on either side of it.
TEST_CASE("secrets are found at every offset and length") {
  const std::string key = "AKIAIOSFODNN7EXAMPLE";
  const std::string kelvin_sign = "\xE2\x84\xAA";  // U+212A, which (?i) rules read as 'k'
  for (std::size_t pad = 0; pad < 17; ++pad) {
    for (const std::string& before : {std::string(pad, 'x'), std::string(pad, ' ')}) {
      CAPTURE(before);
      for (const std::string& after :
           {std::string(), std::string(" tail"), std::string(pad, '.')}) {
        CAPTURE(after);
        const std::string aws = redact(before + " " + key + after);
        CHECK(aws.find(key) == std::string::npos);
        const std::string header = redact(before + "AUTHORIZATION: Bearer s3cr3tvalue" + after);
        CHECK(header.find("s3cr3tvalue") == std::string::npos);
        // "api_\u212Aey" is an api_key to (?i) rules.
        const std::string kelvin = redact(before + "api_" + kelvin_sign + "ey=s3cr3tvalue" + after);
        CHECK(kelvin.find("s3cr3tvalue") == std::string::npos);
      }
    }
  }
  // Nineteen capitals and digits in a row are no key id; nor is one with no word boundary before
  // it (the rule wants \b), however long the run the hint found.
  CHECK(redact("ID ABCDEFGHIJ012345678 end") == "ID ABCDEFGHIJ012345678 end");
  CHECK(redact("1234567AKIAIOSFODNN7EXAMPLE") == "1234567AKIAIOSFODNN7EXAMPLE");
}
