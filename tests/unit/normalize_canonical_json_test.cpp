// Canonical JSON of tool-call arguments (src/normalize/canonical_json.hpp): the single pass over
// the text must write exactly the bytes the simdjson DOM route writes, or leave the text to it.
#include <doctest/doctest.h>
#include <simdjson.h>

#include <random>
#include <string>
#include <vector>

#include "../../src/normalize/canonical_json.hpp"

namespace loopscope {
namespace {

using normalize::detail::append_canonical;
using normalize::detail::canonical_outcome;
using normalize::detail::write_canonical;
using normalize::detail::write_canonical_subset;

// The DOM route alone, or nullopt when simdjson does not read the text as JSON.
std::optional<std::string> dom_canonical(std::string_view text) {
  simdjson::dom::parser parser;
  const simdjson::padded_string padded(text);
  simdjson::dom::element value;
  if (parser.parse(padded).get(value) != simdjson::SUCCESS) return std::nullopt;
  std::string out;
  append_canonical(out, value, 0);
  return out;
}

std::optional<std::string> subset_canonical(std::string_view text) {
  std::string out = "kept:";
  if (write_canonical_subset(text, out) == canonical_outcome::not_json) {
    CHECK(out == "kept:");  // left as it was
    return std::nullopt;
  }
  return out.substr(5);
}

TEST_CASE("canonical JSON: the single pass writes what the DOM route writes") {
  const std::vector<std::pair<std::string, std::string>> taken{
      {R"({"cmd": "ls -la", "workdir": "/p", "yield_time_ms": 10000, "max_output_tokens": 6000})",
       R"({"cmd":"ls -la","max_output_tokens":6000,"workdir":"/p","yield_time_ms":10000})"},
      {R"( { "b" : [ 1 , -2 , 0 , true , false , null , "x\"y\\z\n\r\t" ] , "a" : { } } )",
       R"({"a":{},"b":[1,-2,0,true,false,null,"x\"y\\z\n\r\t"]})"},
      {R"({"a": 1, "a": 2, "A": 3})",
       R"({"A":3,"a":1,"a":2})"},  // stable: a repeated key keeps its order
      {R"({"z": {"y": 1, "x": [{"d": 1, "c": 2}]}, "é": "ü"})",
       R"({"z":{"x":[{"c":2,"d":1}],"y":1},"é":"ü"})"},
      {R"("just a string")", R"("just a string")"},
      {"123456789012345678", "123456789012345678"},
      {"[]", "[]"},
  };
  for (const auto& [text, expected] : taken) {
    CAPTURE(text);
    const auto subset = subset_canonical(text);
    REQUIRE(subset.has_value());
    CHECK(*subset == expected);
    CHECK(dom_canonical(text) == subset);
  }
}

TEST_CASE("canonical JSON: what the single pass leaves to the DOM route, and the route's answer") {
  const std::vector<std::string> left{
      R"({"x": 1.5})",                   // a fraction: simdjson writes doubles its own way
      R"({"x": 1e3})",                   // an exponent
      R"({"x": -0})",                    // read as a double
      R"({"x": 1234567890123456789})",   // nineteen digits
      R"({"x": 18446744073709551615})",  // beyond int64
      R"({"x": "a\/b"})",                // written "a/b"
      R"({"x": "\u00e9\b\f"})",          // written as UTF-8 and \u0008, \u000c
      R"({"k\"ey": 1, "a": 2})",         // an escaped key: byte order is not key order
      R"({"x": 01})",                    // invalid: a leading zero
      R"({"x": 1,})",                    // invalid: a trailing comma
      R"({"x": 1} trailing)",            // invalid: more after the value
      R"({"x": "unterminated)",          // invalid: truncated
      "{\"x\": \"raw\ttab\"}",           // invalid: a control byte in a string
      "{\"x\": \"\xC3\x28\"}",           // invalid UTF-8
      "",                                // nothing
      "tru",                             // a word cut short
  };
  for (const auto& text : left) {
    CAPTURE(text);
    CHECK_FALSE(subset_canonical(text).has_value());
    std::string out = "kept:";
    const auto dom = dom_canonical(text);
    const canonical_outcome outcome = write_canonical(text, out);
    CHECK((outcome == canonical_outcome::written) == dom.has_value());
    if (dom) {
      CHECK(out == "kept:" + *dom);
    } else {
      CHECK(out == "kept:");
    }
  }
  // Deeper than 32 levels: the DOM route's.
  const std::string deep = std::string(40, '[') + std::string(40, ']');
  CHECK_FALSE(subset_canonical(deep).has_value());
  std::string out;
  CHECK(write_canonical(deep, out) == canonical_outcome::written);
  CHECK(out == deep);
}

// Random JSON-like texts, valid and not: whatever the single pass takes, it writes as the DOM
// route does; whatever it leaves, write_canonical answers as the DOM route.
class random_json {
 public:
  explicit random_json(unsigned seed) : random_(seed) {}

  std::string text() {
    std::string out;
    value(out, 0);
    if (pick(20) == 0) corrupt(out);
    return out;
  }

 private:
  unsigned pick(unsigned n) { return std::uniform_int_distribution<unsigned>(0, n - 1)(random_); }
  void space(std::string& out) {
    static constexpr const char* spaces[] = {"", "", "", " ", "\n  ", "\t", "\r\n"};
    out += spaces[pick(7)];
  }
  void string(std::string& out, bool key) {
    static constexpr const char* pieces[] = {
        "a",   "b",   "key", "Z",   "0",       " ",       "é",   "日本", "\\\"", "\\\\",
        "\\n", "\\r", "\\t", "\\/", "\\u00e9", "\\u0001", "\\b", "\\f",  "~",    "\x7F"};
    out += '"';
    const unsigned count = pick(5);
    for (unsigned i = 0; i < count; ++i) out += pieces[pick(key ? 8 : 20)];
    if (key && pick(10) == 0) out += pieces[8 + pick(12)];
    out += '"';
  }
  void number(std::string& out) {
    static constexpr const char* numbers[] = {"0",
                                              "7",
                                              "-3",
                                              "42",
                                              "1000000",
                                              "-0",
                                              "1.5",
                                              "2e3",
                                              "-1E-2",
                                              "123456789012345678",
                                              "9223372036854775807",
                                              "18446744073709551615"};
    out += numbers[pick(12)];
  }
  void value(std::string& out, int depth) {
    space(out);
    const unsigned kind = depth > 4 ? 2 + pick(4) : pick(6);
    switch (kind) {
      case 0: {
        out += '{';
        const unsigned members = pick(6);
        for (unsigned i = 0; i < members; ++i) {
          if (i > 0) out += ',';
          space(out);
          string(out, true);
          space(out);
          out += ':';
          value(out, depth + 1);
        }
        space(out);
        out += '}';
        break;
      }
      case 1: {
        out += '[';
        const unsigned items = pick(5);
        for (unsigned i = 0; i < items; ++i) {
          if (i > 0) out += ',';
          value(out, depth + 1);
        }
        space(out);
        out += ']';
        break;
      }
      case 2:
        string(out, false);
        break;
      case 3:
        number(out);
        break;
      case 4:
        out += pick(2) == 0 ? "true" : "false";
        break;
      default:
        out += "null";
    }
    space(out);
  }
  void corrupt(std::string& out) {
    if (out.empty()) return;
    switch (pick(3)) {
      case 0:
        out.resize(pick(static_cast<unsigned>(out.size())));  // truncated
        break;
      case 1:
        out.insert(out.begin() + pick(static_cast<unsigned>(out.size())), ',');
        break;
      default:
        out[pick(static_cast<unsigned>(out.size()))] = '\x01';
    }
  }

  std::mt19937 random_;
};

TEST_CASE("canonical JSON: random texts, both routes agree") {
  random_json texts(19);
  int taken_by_subset = 0;
  int left_to_dom = 0;
  for (int i = 0; i < 20000; ++i) {
    const std::string text = texts.text();
    CAPTURE(text);
    const auto dom = dom_canonical(text);
    if (const auto subset = subset_canonical(text)) {
      ++taken_by_subset;
      REQUIRE(dom.has_value());
      REQUIRE(*subset == *dom);
    } else {
      ++left_to_dom;
      std::string out;
      const canonical_outcome outcome = write_canonical(text, out);
      REQUIRE((outcome == canonical_outcome::written) == dom.has_value());
      if (dom) REQUIRE(out == *dom);
    }
  }
  // Both routes are exercised.
  CHECK(taken_by_subset > 2000);
  CHECK(left_to_dom > 2000);
}

}  // namespace
}  // namespace loopscope
