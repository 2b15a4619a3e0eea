#include <doctest/doctest.h>

#include <string>

#include "app/config_file.hpp"

using loopscope::app::config_outcome;
using loopscope::app::parse_config;

namespace {

config_outcome parse(const std::string& text) {
  return parse_config(text, "/etc/me/config.toml", "LOOPSCOPE_CONFIG");
}

}  // namespace

TEST_CASE("config: every key, with its line, paths resolved against the file's folder") {
  const config_outcome got = parse(
      "# comment\n"
      "fail_on = \"warning\"\n"
      "rules = [\"my-rules\", \"/abs/rules.yaml\"]\n"
      "proxy_logs = \"logs/proxy.log\"\n"
      "proxy_tz = \"Europe/Berlin\"\n"
      "formats = []\n"
      "color = \"never\"\n");
  REQUIRE(got.config);
  CHECK(got.error.empty());
  const auto& config = *got.config;
  REQUIRE(config.find("fail_on"));
  CHECK(config.find("fail_on")->words == std::vector<std::string>{"warning"});
  CHECK(config.where(*config.find("fail_on")) == "/etc/me/config.toml:2");
  CHECK(config.find("rules")->words ==
        std::vector<std::string>{"/etc/me/my-rules", "/abs/rules.yaml"});
  CHECK(config.find("rules")->line == 3);
  // A single string is a one-entry list.
  CHECK(config.find("proxy_logs")->words == std::vector<std::string>{"/etc/me/logs/proxy.log"});
  CHECK(config.find("proxy_tz")->words == std::vector<std::string>{"Europe/Berlin"});
  CHECK(config.find("formats")->words.empty());
  CHECK(config.find("color")->line == 7);
  // Kept in the keys' table order, whatever the file's.
  REQUIRE(config.values.size() == 6);
  CHECK(config.values.front().key->key == "proxy_logs");
  CHECK(config.values.back().key->key == "color");
}

TEST_CASE("config: an empty file sets nothing") {
  const config_outcome got = parse("");
  REQUIRE(got.config);
  CHECK(got.config->values.empty());
  CHECK(got.config->find("fail_on") == nullptr);
}

TEST_CASE("config: mistakes are one line naming file and line") {
  struct bad_case {
    std::string text, error;
  };
  const bad_case cases[] = {
      {"color = \"never\"\nfail-on = \"info\"\n",
       "/etc/me/config.toml:2: unknown key 'fail-on' (known: proxy_logs, proxy_tz, fail_on, "
       "rules, formats, color)"},
      {"\n\nfail_on = 3\n", "/etc/me/config.toml:3: fail_on must be a string"},
      {"rules = [\"a\",\n  7]\n", "/etc/me/config.toml:2: rules must be a list of strings"},
      {"color = { a = 1 }\n", "/etc/me/config.toml:1: color must be a string"},
      {"[analyze]\nfail_on = \"info\"\n",
       "/etc/me/config.toml:1: unknown key 'analyze' (known: proxy_logs, proxy_tz, fail_on, "
       "rules, formats, color)"},
  };
  for (const bad_case& c : cases) {
    CAPTURE(c.text);
    const config_outcome got = parse(c.text);
    CHECK_FALSE(got.config);
    CHECK(got.error == c.error);
  }
  // Syntax errors: toml++'s description, at the line it stopped.
  for (const auto& [text, line] : {std::pair<std::string, std::string>{"a = \"x\n", ":1: "},
                                   {"fail_on = \"info\"\n\ncolor = = 1\n", ":3: "},
                                   {"fail_on = \"info\"\nfail_on = \"error\"\n", ":2: "},
                                   {"fail_on = \"\xff\xfe\"\n", ":1: "}}) {
    CAPTURE(text);
    const config_outcome got = parse(text);
    CHECK_FALSE(got.config);
    CHECK(got.error.starts_with("/etc/me/config.toml" + line));
    CHECK(got.error.find('\n') == std::string::npos);
  }
}
