// The human-readable reporters: widths, colors, lanes, and escaping for Markdown, Mermaid, DOT.
#include <doctest/doctest.h>

#include <sstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "loopscope/report/writers.hpp"
#include "report/markdown_escape.hpp"
#include "report/mermaid_diagram.hpp"
#include "report/text_helpers.hpp"

namespace lr = loopscope::report;
using loopscope::detect::finding;

namespace {

lr::report sample_report() {
  lr::report r;
  r.tool_version = "0.0.0";
  lr::input_report trace;
  trace.stats.path = "/logs/trace.log";
  trace.stats.format = loopscope::format_id::codex_trace;
  lr::input_report proxy;
  proxy.stats.path = "/logs/proxy.log";
  proxy.stats.format = loopscope::format_id::litellm_text;
  r.inputs = {trace, proxy};
  loopscope::session::session_summary s;
  s.id = "sess-1";
  s.sources = {0, 1};
  s.turns.resize(1);
  s.turns[0].index = 1;
  s.cli_version = "0.121.0";
  s.originator = "codex_exec";
  s.provider = "litellm";
  s.model = "gpt-5";
  r.sessions = {s};
  finding f;
  f.rule = "test.rule";
  f.kind = loopscope::detect::finding_kind::transport_fallback;
  f.level = loopscope::detect::severity::warning;
  f.session = "sess-1";
  f.turn = 1;
  f.iterations = 7;
  f.start = loopscope::timestamp{1'796'000'000'000'000};
  f.end = loopscope::timestamp{1'796'000'005'500'000};
  f.cycle = {"ws_connect GET /v1/responses", "ws_error \"405\" <Method Not Allowed> | #x `y`"};
  f.evidence = {
      {{0, 20},
       "ERROR failed to connect to websocket: HTTP error: 405 Method Not "
       "Allowed, url: ws://127.0.0.1:41709/v1/responses " +
           std::string(200, 'x'),
       {}},
      {{1, 3}, "INFO: 127.0.0.1:53808 - \"GET /v1/responses HTTP/1.1\" 405 \x1b[31mred", {}},
      {{0, 21}, "authorization: Bearer sk-test-0123456789abcdef", {}}};
  loopscope::detect::root_cause cause;
  cause.http = {"GET", "/v1/responses", 405, loopscope::transport_kind::websocket};
  f.cause = cause;
  f.summary = "Codex fell back to HTTP after 7 WebSocket attempts answered 405";
  f.advice = "Set supports_websockets = false";
  r.findings.push_back({{}, f});
  lr::finalize(r);
  return r;
}

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

std::string render(void (*writer)(const lr::report&, std::ostream&, const lr::render_options&),
                   const lr::report& r, lr::render_options options = {}) {
  std::ostringstream out;
  writer(r, out, options);
  return out.str();
}

}  // namespace

TEST_CASE("the text report fits the width, without colors unless asked") {
  const lr::report r = sample_report();
  for (const std::size_t width : {40U, 60U, 100U, 160U}) {
    CAPTURE(width);
    lr::render_options options;
    options.width = width;
    const std::string text = render(lr::write_text, r, options);
    CHECK(text.find('\x1b') == std::string::npos);
    for (const std::string& line : lines_of(text)) {
      CAPTURE(line);
      CHECK(lr::detail::columns_of(line) <= width);
    }
  }
  lr::render_options colored;
  colored.color = lr::color_mode::always;
  const std::string text = render(lr::write_text, r, colored);
  CHECK(text.find("\x1b[1;33mWARNING") != std::string::npos);
  // The log's own escape sequence is neutralized even when loopscope paints.
  CHECK(text.find("\x1b[31mred") == std::string::npos);
}

TEST_CASE("the text report shows span, cause, advice, evidence and the two lanes") {
  const std::string text = render(lr::write_text, sample_report());
  CHECK(text.find("Session sess-1 — 1 turn, 1 finding (1 warning), 5.5 s in loops") !=
        std::string::npos);
  CHECK(text.find("transport_fallback · turn 1 · 7 iterations · ") != std::string::npos);
  CHECK(text.find("(5.5 s)") != std::string::npos);
  // Verdict first: the incident's sentence with its fix opens the report; the finding below it
  // does not repeat the fix.
  CHECK(text.starts_with("WARNING Codex fell back to HTTP after 7 WebSocket attempts"));
  std::string flat;  // the verdict wraps; its words stay in order
  for (const std::string& line : lines_of(text)) {
    const auto first = line.find_first_not_of(' ');
    if (first != std::string::npos) flat += line.substr(first) + ' ';
  }
  CHECK(flat.find("Fix: Set supports_websockets = false") != std::string::npos);
  CHECK(text.find("fix:   Set supports_websockets = false") == std::string::npos);
  CHECK(text.find("Incident 1 · turn 1 · 1 finding · 5.5 s in loops") != std::string::npos);
  CHECK(text.find("trace.log:20  ERROR failed") != std::string::npos);
  CHECK(text.find("sk-test-0123456789abcdef") == std::string::npos);
  CHECK(text.find("turn 1 timeline") != std::string::npos);
  bool proxy_on_the_right = false, codex_on_the_left = false;
  for (const std::string& line : lines_of(text)) {
    const auto bar = line.find("│");
    if (bar == std::string::npos) continue;
    if (line.find("proxy.log:3") != std::string::npos)
      proxy_on_the_right = line.find("proxy.log:3") > bar;
    if (line.find("trace.log:20") != std::string::npos)
      codex_on_the_left = line.find("trace.log:20") < bar;
  }
  CHECK(proxy_on_the_right);
  CHECK(codex_on_the_left);
}

TEST_CASE("no findings, no sessions: the text report says so") {
  lr::report r;
  r.tool_version = "0.0.0";
  lr::input_report read;  // an input with recognised lines and nothing wrong in them
  read.stats.path = "rollout.jsonl";
  read.stats.lines = read.stats.used = 3;
  r.inputs.push_back(read);
  lr::finalize(r);
  CHECK(render(lr::write_text, r).find("No loops or failed turns found.") != std::string::npos);
}

TEST_CASE("nothing recognised is never reported as healthy") {
  lr::report r;
  r.tool_version = "0.0.0";
  lr::input_report junk;
  junk.stats.path = "junk.bin";
  junk.stats.lines = junk.stats.skipped = 4;
  r.inputs.push_back(junk);
  lr::finalize(r);
  CHECK(r.summary.inputs_unrecognised == 1);
  for (const auto writer : {lr::write_text, lr::write_markdown}) {
    const std::string text = render(writer, r);
    CHECK(text.find("No loops") == std::string::npos);
    CHECK(text.find("Nothing was analyzed") != std::string::npos);
  }
}

TEST_CASE("mermaid labels escape everything that could end or change them") {
  using lr::detail::mermaid_label;
  CHECK(mermaid_label("a\"b") == "a#quot;b");
  CHECK(mermaid_label("x#y") == "x#35;y");
  CHECK(mermaid_label("<b>") == "#lt;b#gt;");
  CHECK(mermaid_label("[a]|{b}") == "#91;a#93;#124;#123;b#125;");
  CHECK(mermaid_label("`code`") == "#96;code#96;");
  CHECK(mermaid_label("a\nb") == "a b");
  CHECK(mermaid_label("…×") == "#8230;#215;");
  CHECK(mermaid_label("🚀") == "#128640;");
  CHECK(mermaid_label("") == "(empty)");
  const std::string long_label = mermaid_label(std::string(500, 'a'));
  CHECK(long_label.size() < 80);
  CHECK(long_label.ends_with("#8230;"));
  for (const char c : mermaid_label("\"#<>`[]{}|\\&é\n\t")) {
    CAPTURE(c);
    CHECK(std::string("\"<>`[]{}|\\\n").find(c) == std::string::npos);
    CHECK(static_cast<unsigned char>(c) < 0x80);
  }
}

TEST_CASE("the markdown report: environment, findings table, mermaid, evidence") {
  const std::string md = render(lr::write_markdown, sample_report());
  CHECK(md.find("| `sess-1` | `0.121.0` | `codex_exec` | `litellm` | `gpt-5` | yes: `proxy.log` "
                "(litellm-text) |") != std::string::npos);
  CHECK(md.starts_with("- **warning**: Codex fell back to HTTP after 7 WebSocket attempts"));
  CHECK(md.find("### Incidents") != std::string::npos);
  CHECK(md.find("#### Incident 1 — warning, turn 1, 5.5 s") != std::string::npos);
  // The turn as a state diagram with the cycle's edges and counts; no state loops to itself.
  CHECK(md.find("```mermaid\nstateDiagram-v2\n") != std::string::npos);
  CAPTURE(md);
  CHECK(md.find("  s0 : ws_connect\n  s1 : ws refused\n") != std::string::npos);
  CHECK(md.find("s0 --> s1 : ×7") != std::string::npos);
  CHECK(md.find("s1 --> s0 : ×7") != std::string::npos);
  for (const std::string& line : lines_of(md)) {
    CAPTURE(line);
    CHECK(!(line.starts_with("  s0 --> s0") || line.starts_with("  s1 --> s1")));
  }
  // One iteration of the incident across Codex, the proxy and the upstream.
  CHECK(md.find("```mermaid\nsequenceDiagram\n") != std::string::npos);
  CHECK(md.find("C->>P: GET /v1/responses (Upgrade: websocket)") != std::string::npos);
  CHECK(md.find("<details><summary>Evidence (3 lines)</summary>") != std::string::npos);
  CHECK(md.find("sk-test-0123456789abcdef") == std::string::npos);
  CHECK(md.find('\x1b') == std::string::npos);
}

TEST_CASE("markdown escaping") {
  using namespace lr::detail;
  CHECK(markdown_text("a|b *c* <d> [e](f) #g") == "a\\|b \\*c\\* \\<d\\> \\[e\\](f) \\#g");
  CHECK(markdown_code("plain") == "`plain`");
  CHECK(markdown_code("a`b") == "``a`b``");
  CHECK(markdown_code("`x`") == "`` `x` ``");
  CHECK(markdown_code("a|b") == "`a\\|b`");
  CHECK(html_text("<a & b>") == "&lt;a &amp; b&gt;");
  CHECK(markdown_fence("no ticks") == "```");
  CHECK(markdown_fence("x ```` y") == "`````");
}

TEST_CASE("an evidence line with a fence cannot close the evidence block") {
  lr::report r = sample_report();
  r.findings[0].finding.evidence.push_back({{0, 30}, "```` four ticks\n```", {}});
  const std::string md = render(lr::write_markdown, r);
  CHECK(md.find("`````text\n") != std::string::npos);
}

TEST_CASE("the dot report quotes and escapes labels") {
  lr::report r = sample_report();
  r.findings[0].finding.cycle.push_back("back\\slash \"quote\"\nnewline");
  const std::string dot = render(lr::write_dot, r);
  CHECK(dot.starts_with("digraph loopscope {\n"));
  CHECK(dot.find("subgraph cluster_0 {") != std::string::npos);
  CHECK(dot.find(R"(label="back\\slash \"quote\" newline")") != std::string::npos);
  CHECK(dot.find("[label=\"×7\"") != std::string::npos);
  CHECK(dot.ends_with("}\n"));
}

TEST_CASE("time spans print the time of day when both ends share a day") {
  using lr::detail::time_span;
  const loopscope::timestamp a{1'796'000'000'000'000}, b{1'796'000'005'500'000};
  CHECK(time_span(a, b) == "00:53:20.000–00:53:25.500");
  CHECK(time_span(a, a) == "00:53:20.000");
  CHECK(time_span(std::nullopt, std::nullopt).empty());
  CHECK(time_span(a, std::nullopt).starts_with("2026-"));
}

// json_writer.cpp writes the text itself (containers, strings, integers) where it used to hand
// whole trees to nlohmann's serializer: the bytes must be the serializer's, escapes included.
TEST_CASE("the JSON report is byte for byte what nlohmann's dump gives for the same document") {
  lr::report r = sample_report();
  finding& f = r.findings.front().finding;
  const std::string invalid = "bad \xff byte, cut \xe2\x82 sequence, surrogate \xed\xa0\x80 end";
  f.evidence.push_back({{0, 22},
                        std::string("tab\there \"quoted\" back\\slash \x01\x1f\x7f nul:") +
                            std::string(1, '\0') + " é ✓ 😀 \b\f\r\n",
                        loopscope::timestamp{1'796'000'001'000'000}});
  f.evidence.push_back({{1, 4}, invalid, {}});
  f.recurs_in_turns = {1, 2, 3};
  f.tokens = 1234;
  finding empty;
  empty.rule = "empty.rule";
  empty.session = "sess-1";
  r.findings.push_back({"F2", empty});  // empty lists, nulls, no cause, no profile
  r.sessions.front().turns_omitted = 3;
  r.sessions.push_back({});  // no id, no sources, no turns
  for (const lr::redaction mode : {lr::redaction::on, lr::redaction::off}) {
    lr::render_options options;
    options.redact = mode;
    const std::string written = render(lr::write_json, r, options);
    const auto parsed = nlohmann::ordered_json::parse(written);
    CHECK(written ==
          parsed.dump(2, ' ', false, nlohmann::ordered_json::error_handler_t::replace) + "\n");
    // Text that is not UTF-8 is replaced as the serializer replaces it.
    const std::string replaced = nlohmann::ordered_json(invalid).dump(
        -1, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
    CHECK(written.find(replaced) != std::string::npos);
    CHECK(written.find("\\u0001\\u001f\x7f nul:\\u0000 é ✓ 😀 \\b\\f\\r\\n") != std::string::npos);
  }
}
