// The Codex message catalogues (rules/formats/codex-messages.yaml): loaded, their samples hold,
// and a user's overlay changes what a Codex line means without a rebuild.
#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>

#include "loopscope/formats/registry.hpp"
#include "test_support.hpp"

using namespace loopscope;

namespace {

constexpr const char* codex_catalogues[] = {"codex-errors", "codex-error-urls",
                                            "codex-human-messages", "codex-trace-messages"};

std::string write_overlay(const std::string& name, const std::string& text) {
  const auto path = std::filesystem::temp_directory_path() / ("loopscope-codex-" + name + ".yaml");
  std::ofstream(path) << text;
  return path.string();
}

}  // namespace

TEST_CASE("codex catalogues: built in, every sample checked") {
  const formats::format_registry& registry = formats::registry();
  for (const char* name : codex_catalogues) {
    CAPTURE(name);
    const formats::catalogue* c = registry.catalogue_named(name);
    REQUIRE(c != nullptr);
    CHECK_FALSE(c->entries().empty());
    CHECK(c->check_samples().empty());
    for (const formats::message_entry& entry : c->entries()) {
      CAPTURE(entry.id);
      CHECK_FALSE(entry.samples.empty());  // every wording carries a real line
    }
  }
}

TEST_CASE("codex catalogues: a sample that does not hold fails the load, naming the entry") {
  const std::string path = write_overlay("bad-sample", R"(catalogues:
  - name: codex-errors
    messages:
      - id: unexpected-status
        match: '[Uu]nexpected status (?P<status>\d{3})'
        event: turn_error
        set: {error_class: UnexpectedStatus}
        samples:
          - text: 'unexpected status 405 Method Not Allowed'
            expect: {event: turn_error, status: 404}
)");
  const formats::pack_result got = formats::load_format_pack({path});
  CHECK(got.registry == nullptr);
  REQUIRE_FALSE(got.errors.empty());
  CHECK(got.errors[0].find("unexpected-status") != std::string::npos);
  CHECK(got.errors[0].find("404") != std::string::npos);
  std::filesystem::remove(path);
}

TEST_CASE("codex catalogues: an overlay adds a wording (a proxy's quota text) without a rebuild") {
  // A proxy in front of Codex answers with its own words; the overlay says they are a 429.
  const std::string path = write_overlay("quota", R"(catalogues:
  - name: codex-errors
    messages:
      - id: proxy-quota
        match: 'quota exhausted for key'
        event: turn_error
        set: {status: 429, error_class: proxy_quota}
        samples:
          - text: 'stream disconnected before completion: quota exhausted for key team-a'
            expect: {event: turn_error, status: 429, error_class: proxy_quota}
)");
  const formats::pack_result got = formats::load_format_pack({path});
  REQUIRE(got.errors.empty());
  REQUIRE(got.registry != nullptr);
  const formats::catalogue* errors = got.registry->catalogue_named("codex-errors");
  REQUIRE(errors != nullptr);
  event e;
  e.kind = event_kind::stream_retry;
  const auto result =
      errors->apply("stream disconnected before completion: quota exhausted for key team-a", e);
  REQUIRE(result.entry != nullptr);
  CHECK(result.entry->id == "proxy-quota");  // new entries go before the built-in ones
  CHECK(e.http.status == 429);
  CHECK(e.error_class == "proxy_quota");
  // The built-in entries are still there.
  CHECK(errors->entries().size() ==
        formats::registry().catalogue_named("codex-errors")->entries().size() + 1);
  std::filesystem::remove(path);
}
