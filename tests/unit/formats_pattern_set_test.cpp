// The literal prefilter must give the RE2::Set's answer on every text: a prefilter that turns
// away a text some entry matches would silently lose events.
#include <doctest/doctest.h>

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <vector>

#include "formats/catalogue_extractors.hpp"
#include "formats/pattern_set.hpp"
#include "loopscope/formats/registry.hpp"

using loopscope::formats::detail::literal_scanner;
using loopscope::formats::detail::pattern_set;

namespace {

re2::RE2::Options catalogue_options() {
  re2::RE2::Options options;
  options.set_log_errors(false);
  options.set_max_mem(8 << 20);
  return options;
}

// Texts near the patterns: every sample, cut, with its letters' case flipped, with the two
// non-ASCII letters RE2 folds onto ASCII put in, and spliced into other samples.
std::vector<std::string> probes(const std::vector<std::string>& samples) {
  std::vector<std::string> out;
  std::mt19937 random(19);
  for (const std::string& sample : samples) {
    out.push_back(sample);
    out.push_back(sample.substr(0, sample.size() / 2));
    out.push_back(sample.substr(sample.size() / 3));
    std::string flipped = sample;
    for (char& c : flipped) {
      if (std::isalpha(static_cast<unsigned char>(c)) && random() % 2 == 0) c ^= 0x20;
    }
    out.push_back(flipped);
    for (const char* odd : {"\xE2\x84\xAA", "\xC5\xBF"}) {
      std::string folded = sample;
      for (std::size_t i = 0; i < folded.size(); ++i) {
        const char c = static_cast<char>(folded[i] | 0x20);
        if (c == (odd[0] == '\xE2' ? 'k' : 's')) {
          folded.replace(i, 1, odd);
          break;
        }
      }
      out.push_back(folded);
    }
    const std::string& other = samples[random() % samples.size()];
    out.push_back(other.substr(0, other.size() / 2) + sample + other.substr(other.size() / 2));
    out.push_back(std::string(300, 'x') + sample + std::string(700, ' '));
  }
  return out;
}

}  // namespace

TEST_CASE("the literal scanner finds every literal a text holds, whatever its case") {
  const literal_scanner scanner({"retrying request", "(model=", "x-client-request-id", "abc"});
  std::vector<unsigned char> seen(4);
  const auto found = [&](std::string_view text) {
    std::vector<int> atoms;
    scanner.scan(text, atoms, seen);
    std::sort(atoms.begin(), atoms.end());
    return atoms;
  };
  CHECK(found("Retrying Request with num_retries: 2") == std::vector<int>{0});
  CHECK(found("ageneric(model=gpt-5) 'X-Client-Request-Id': 'abc'") == std::vector<int>{1, 2, 3});
  CHECK(found("nothing here").empty());
  // A long text is read in four parts: a literal across a part's boundary is still found.
  for (std::size_t at = 0; at + 7 <= 400; at += 3) {
    std::string text(400, '.');
    text.replace(at, 7, "(model=");
    CAPTURE(at);
    CHECK(found(text) == std::vector<int>{1});
  }
}

TEST_CASE("the prefiltered first match is the RE2::Set's on every built-in catalogue") {
  for (const loopscope::formats::catalogue& c : loopscope::formats::registry().catalogues()) {
    CAPTURE(c.name());
    pattern_set set(catalogue_options());
    std::vector<std::string> samples;
    for (const loopscope::formats::message_entry& entry : c.entries()) {
      std::string error;
      REQUIRE(set.add(entry.pattern, &error));
      for (const auto& sample : entry.samples) samples.push_back(sample.text);
    }
    REQUIRE(set.compile());
    if (samples.empty()) continue;
    int matched = 0;
    for (const std::string& text : probes(samples)) {
      CAPTURE(text);
      const int want = set.first_match_unfiltered(text);
      CHECK(set.first_match(text) == want);
      matched += want >= 0 ? 1 : 0;
    }
    CHECK(matched > 0);
  }
}

TEST_CASE("the prefiltered first match is the RE2::Set's on the sample logs' lines") {
  pattern_set set(catalogue_options());
  for (const loopscope::formats::catalogue& c : loopscope::formats::registry().catalogues()) {
    for (const loopscope::formats::message_entry& entry : c.entries()) {
      REQUIRE(set.add(entry.pattern, nullptr));
    }
  }
  REQUIRE(set.compile());
  int lines = 0;
  int matched = 0;
  for (const auto& file : std::filesystem::recursive_directory_iterator(
           std::filesystem::path(LOOPSCOPE_SOURCE_DIR) / "samples")) {
    if (!file.is_regular_file() || file.file_size() > (4 << 20)) continue;
    std::ifstream in(file.path());
    std::string line;
    while (std::getline(in, line)) {
      const int want = set.first_match_unfiltered(line);
      if (set.first_match(line) != want) {
        FAIL_CHECK(file.path().string() << ": " << line);
      }
      ++lines;
      matched += want >= 0 ? 1 : 0;
    }
  }
  CHECK(lines > 1000);
  CHECK(matched > 100);
}

TEST_CASE("patterns without literals are always run, and a pattern set may be empty") {
  pattern_set set(catalogue_options());
  REQUIRE(set.add("^\\d+$", nullptr));
  REQUIRE(set.add("(?i)connection refused", nullptr));
  std::string error;
  CHECK(!set.add("(unclosed", &error));
  CHECK(!error.empty());
  REQUIRE(set.compile());
  CHECK(set.first_match("12345") == 0);
  CHECK(set.first_match("dial: CONNECTION REFUSED") == 1);
  CHECK(set.first_match("dial: connection reset") == -1);
  pattern_set none(catalogue_options());
  REQUIRE(none.compile());
  CHECK(none.first_match("anything") == -1);
}

TEST_CASE("the needles scanned with the atoms are reported whenever a text holds them") {
  // The extractors skip the search for a needle the scan did not report: a needle missed here
  // would lose a request id or a status silently. The answer itself must not change either.
  using loopscope::formats::detail::needle_texts;
  pattern_set set(catalogue_options());
  std::vector<std::string> samples;
  for (const loopscope::formats::catalogue& c : loopscope::formats::registry().catalogues()) {
    for (const loopscope::formats::message_entry& entry : c.entries()) {
      REQUIRE(set.add(entry.pattern, nullptr));
      for (const auto& sample : entry.samples) samples.push_back(sample.text);
    }
  }
  set.add_needles({needle_texts.begin(), needle_texts.end()});
  REQUIRE(set.compile());
  for (const std::string_view needle : needle_texts) {
    samples.push_back("{'" + std::string(needle) + "': 'x'} and " + std::string(needle) + "503");
  }
  for (const auto& file : std::filesystem::recursive_directory_iterator(
           std::filesystem::path(LOOPSCOPE_SOURCE_DIR) / "samples")) {
    if (!file.is_regular_file() || file.path().filename() != "proxy.log") continue;
    std::ifstream in(file.path());
    std::string line;
    while (std::getline(in, line)) samples.push_back(line);
  }
  std::uint32_t ever_seen = 0;
  std::uint32_t ever_missed = 0;
  for (const std::string& text : probes(samples)) {
    CAPTURE(text);
    std::uint32_t seen = 0;
    CHECK(set.first_match(text, &seen) == set.first_match_unfiltered(text));
    for (std::size_t i = 0; i < needle_texts.size(); ++i) {
      const bool held = text.find(needle_texts[i]) != std::string::npos;
      const bool reported = ((seen >> i) & 1U) != 0;
      CAPTURE(needle_texts[i]);
      if (held) CHECK(reported);
      ever_seen |= reported ? std::uint32_t{1} << i : 0;
      ever_missed |= reported ? 0 : std::uint32_t{1} << i;
    }
  }
  const std::uint32_t all = (std::uint32_t{1} << needle_texts.size()) - 1;
  CHECK(ever_seen == all);    // each needle was found somewhere
  CHECK(ever_missed == all);  // and each was ruled out somewhere: the scan does rule out
}
