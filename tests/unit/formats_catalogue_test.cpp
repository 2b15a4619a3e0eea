// The format registry and message catalogues: loading, overlays, samples checked at load, and
// the errors a user's formats file gets.
#include <doctest/doctest.h>

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "loopscope/formats/registry.hpp"

namespace fs = std::filesystem;
using namespace loopscope;
using namespace loopscope::formats;

namespace {

// A formats file in a fresh temporary folder.
struct formats_file {
  explicit formats_file(const std::string& text) {
    dir = fs::temp_directory_path() /
          ("loopscope-formats-" + std::to_string(::getpid()) + "-" + std::to_string(counter++));
    fs::create_directories(dir);
    path = (dir / "overlay.yaml").string();
    std::ofstream(path) << text;
  }
  ~formats_file() {
    std::error_code ec;
    fs::remove_all(dir, ec);
  }
  fs::path dir;
  std::string path;
  static inline int counter = 0;
};

bool any_error_contains(const pack_result& pack, std::string_view part) {
  for (const std::string& e : pack.errors) {
    if (e.find(part) != std::string::npos) return true;
  }
  return false;
}

}  // namespace

TEST_CASE("the built-in pack loads and every sample in it passes") {
  const pack_result pack = load_format_files({});
  for (const std::string& e : pack.errors) FAIL_CHECK(e);
  REQUIRE(pack.registry);
  CHECK(pack.registry->find("litellm-text") == format_id::litellm_text);
  CHECK(pack.registry->find("codex-rollout") == format_id::codex_rollout);
  CHECK(pack.registry->catalogue_named("litellm-messages") != nullptr);
  CHECK(pack.registry->check_samples().empty());
  // Every per-format table is sized from the registry.
  CHECK(pack.registry->table_size() > static_cast<std::size_t>(format_id::uvicorn_access));
}

TEST_CASE("a catalogue maps a message to its event kind and typed fields") {
  const catalogue* c = registry().catalogue_named("litellm-messages");
  REQUIRE(c != nullptr);
  event e;
  const match_result r = c->apply(
      "litellm.acompletion(model=openai/qwen/qwen3-4b:free) Exception litellm.RateLimitError: "
      "RateLimitError: OpenAIException - Provider returned error LiteLLM Retried: 10 times",
      e);
  REQUIRE(r.outcome == match_outcome::event);
  CHECK(r.entry->id == "router-call-failed");
  CHECK(e.kind == event_kind::proxy_error);
  CHECK(e.http.status == 429);
  CHECK(e.attempt == 10);
  CHECK(e.error_class == "litellm.RateLimitError");
  event none;
  CHECK(c->apply("an ordinary sentence", none).outcome == match_outcome::none);
  event skipped;
  CHECK(c->apply("Successful fallback b/w models.", skipped).outcome == match_outcome::skip);
}

TEST_CASE("an overlay adds a wording before the built-in ones, replaces by id, removes") {
  const formats_file overlay(R"(
catalogues:
  - name: litellm-messages
    messages:
      - id: my-proxy-retry
        match: 'will retry in (?P<delay_s>[0-9.]+)s \(attempt (?P<attempt>\d+) of (?P<attempt_limit>\d+)\)'
        event: proxy_retry
        samples:
          - text: 'upstream 503, will retry in 0.5s (attempt 2 of 3)'
            expect: {event: proxy_retry, attempt: 2, attempt_limit: 3, delay_ms: 500}
      - id: router-retry
        match: 'Retrying request with num_retries: (?P<attempt_limit>\d+)'
        event: proxy_retry
        set: {error_class: replaced}
        samples:
          - text: 'Retrying request with num_retries: 2'
            expect: {event: proxy_retry, attempt_limit: 2, error_class: replaced}
      - id: fallback-succeeded
        enabled: false
)");
  const pack_result pack = load_format_pack({overlay.path});
  for (const std::string& e : pack.errors) FAIL_CHECK(e);
  REQUIRE(pack.registry);
  const catalogue* c = pack.registry->catalogue_named("litellm-messages");
  REQUIRE(c != nullptr);
  CHECK(c->entries().front().id == "my-proxy-retry");
  event e;
  CHECK(c->apply("upstream 503, will retry in 1.25s (attempt 1 of 4)", e).entry->id ==
        "my-proxy-retry");
  CHECK(e.delay_ms == 1250);
  CHECK(e.attempt_limit == 4);
  event replaced;
  c->apply("Retrying request with num_retries: 3", replaced);
  CHECK(replaced.error_class == "replaced");
  event gone;
  CHECK(c->apply("Successful fallback b/w models.", gone).outcome == match_outcome::none);
  // The built-in registry in use is untouched.
  CHECK(registry().catalogue_named("litellm-messages")->entries().front().id == "router-retry");
}

TEST_CASE("a formats file's mistakes are named by file, line and entry") {
  SUBCASE("a sample its entry does not give") {
    const formats_file bad(R"(catalogues:
  - name: mine
    messages:
      - id: status-line
        match: 'status=(?P<status>\d{3})'
        event: response
        samples:
          - text: 'status=503'
            expect: {event: response, status: 502}
)");
    const pack_result pack = load_format_pack({bad.path});
    CHECK_FALSE(pack.registry);
    CHECK(
        any_error_contains(pack, "entry 'status-line': sample 8: status is '503', expected '502'"));
    CHECK(any_error_contains(pack, bad.path + ":4"));
  }
  SUBCASE("a sample another entry takes first") {
    const formats_file bad(R"(catalogues:
  - name: mine
    messages:
      - id: broad
        match: 'retry'
        event: proxy_retry
        samples: ['retry']
      - id: narrow
        match: 'retry 2'
        event: proxy_retry
        samples: ['retry 2']
)");
    CHECK(any_error_contains(load_format_pack({bad.path}), "is taken first by entry 'broad'"));
  }
  SUBCASE("a pattern RE2 cannot compile, an unknown extractor") {
    const formats_file bad(R"(catalogues:
  - name: mine
    messages:
      - id: broken
        match: 'unclosed (group'
        event: proxy_retry
        samples: ['x']
      - id: helper
        match: 'x'
        event: warning
        then: [no_such_helper]
        samples: ['x']
)");
    const pack_result pack = load_format_pack({bad.path});
    CHECK(any_error_contains(pack, "entry 'broken': pattern does not compile"));
    CHECK(any_error_contains(pack, "unknown extractor 'no_such_helper'"));
  }
  SUBCASE("an unknown field and kind") {
    const formats_file bad(R"(catalogues:
  - name: mine
    messages:
      - id: fields
        match: 'x'
        event: not_a_kind
        set: {colour: red}
        then: [no_such_helper]
        samples: ['x']
)");
    const pack_result pack = load_format_pack({bad.path});
    CHECK(any_error_contains(pack, "'not_a_kind' is not an event kind"));
    CHECK(any_error_contains(pack, "'colour' is not an event field"));
  }
  SUBCASE("a wording without a sample, a format without sniff patterns") {
    const formats_file bad(R"(formats:
  - name: acme
    decoder: lines
    samples: ['x']
catalogues:
  - name: mine
    messages:
      - id: lonely
        match: 'x'
        event: warning
)");
    const pack_result pack = load_format_pack({bad.path});
    CHECK(any_error_contains(pack, "entry 'lonely': no samples"));
    CHECK(any_error_contains(pack, "format 'acme': a text format needs sniff patterns"));
  }
  SUBCASE("not YAML, not a map, a missing file") {
    const formats_file bad("formats: [unclosed\n");
    CHECK(any_error_contains(load_format_pack({bad.path}), "not YAML"));
    const formats_file list("- a\n- b\n");
    CHECK(any_error_contains(load_format_pack({list.path}), "expected a map"));
    CHECK(any_error_contains(load_format_pack({"/nonexistent/formats.yaml"}),
                             "no such formats file"));
  }
}

TEST_CASE("a new text format gets its own id and is sniffed by its patterns") {
  const formats_file overlay(R"(formats:
  - name: acme-gateway
    role: proxy
    lane: proxy
    decoder: litellm-text
    description: a gateway
    sniff: ['\[acme\] ']
    samples: ['[acme] 12:00:00 GET /v1/responses 405']
)");
  const pack_result pack = load_format_pack({overlay.path});
  for (const std::string& e : pack.errors) FAIL_CHECK(e);
  REQUIRE(pack.registry);
  const auto id = pack.registry->find("acme-gateway");
  REQUIRE(id);
  CHECK(static_cast<unsigned>(*id) >= first_data_format);
  CHECK(pack.registry->sniff("[acme] 12:00:01 POST /v1/responses 200") == *id);
  CHECK(pack.registry->table_size() > static_cast<std::size_t>(*id));
}
