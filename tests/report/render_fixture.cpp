// Renders a hand-built report whose labels hold everything that needs escaping (quotes, brackets,
// pipes, '#', '<', '>', backticks, newlines, non-ASCII, control characters, very long labels)
// and planted secrets. check_mermaid.mjs and `dot -Tsvg` then prove the output still parses.
//   loopscope_render_fixture markdown|dot|text|json
#include <iostream>
#include <string_view>

#include "loopscope/report/writers.hpp"

namespace lr = loopscope::report;

int main(int argc, char** argv) {
  if (argc != 2) {
    std::cerr << "usage: loopscope_render_fixture markdown|dot|text|json\n";
    return 2;
  }
  lr::report r;
  r.tool_version = "0.0.0-fixture";
  lr::input_report trace;
  trace.stats.path = "logs/tr|ace `x` <y>.log";
  trace.stats.format = loopscope::format_id::codex_trace;
  trace.stats.lines = 3;
  lr::input_report proxy;
  proxy.stats.path = "logs/proxy.log";
  proxy.stats.format = loopscope::format_id::litellm_text;
  proxy.stats.lines = 2;
  r.inputs = {trace, proxy};

  loopscope::session::session_summary s;
  s.id = "0199-session|`id`";
  s.sources = {0, 1};
  s.turns.resize(2);
  s.turns[0].index = 1;
  s.turns[1].index = 2;
  s.cli_version = "0.121.0";
  s.originator = "codex_exec";
  s.provider = "lite|llm";
  s.model = "gpt-5 <mini>";
  r.sessions = {s};

  loopscope::detect::finding f;
  f.rule = "fixture.loop";
  f.kind = loopscope::detect::finding_kind::transport_fallback;
  f.level = loopscope::detect::severity::warning;
  f.session = s.id;
  f.turn = 1;
  f.iterations = 7;
  f.start = loopscope::timestamp{1'796'000'000'000'000};
  f.end = loopscope::timestamp{1'796'000'005'500'000};
  f.cycle = {
      R"(ws_connect GET /v1/responses "quoted" [bracket] {brace} (paren))",
      "ws_error 405 | pipe # hash <angle> & `backtick` ```fence``` \\ backslash",
      "newline\nin\r\nlabel\tand\x1b[31mescape",
      "non-ASCII: Reconnecting… ×7 — ünïcødé 日本語 🚀",
      "authorization: Bearer sk-fixture-SECRET-0123456789 and ?token=fixture-query-secret",
      std::string(300, 'L') + " very long label",
      "end",
      "graph TD; click n0 callback; style n0 fill:#f00",
  };
  f.cause = loopscope::detect::root_cause{};
  f.cause->http.status = 405;
  f.cause->http.method = "GET";
  f.cause->http.path = "/v1/responses";
  f.cause->http.transport = loopscope::transport_kind::websocket;
  f.cause->message = R"({"detail":"Method Not Allowed"} | *bold* _it_ <script>alert(1)</script>)";
  f.evidence = {
      {{0, 10},
       "2026-11-29T01:46:16Z ERROR ``` fence ```` longer | <details> authorization: "
       "Bearer sk-fixture-SECRET-0123456789",
       {}},
      {{1, 2},
       "{'cookie': 'sid=fixture-cookie-secret', 'x-api-key': 'fixture-xapikey-secret'}",
       {}},
  };
  f.summary = "Codex fell back 7 times: <b>not bold</b> | [link](http://x) # heading @someone";
  f.advice = "Set `supports_websockets = false` * or * upgrade the proxy";
  r.findings.push_back({{}, f});

  loopscope::detect::finding g = f;
  g.kind = loopscope::detect::finding_kind::turn_failure;
  g.level = loopscope::detect::severity::error;
  g.turn = 2;
  g.iterations = 1;
  g.cycle = {"single node self-loop"};
  g.evidence = {{{1, 1}, "x", {}}};
  r.findings.push_back({{}, g});

  lr::finalize(r);
  lr::render_options options;
  const std::string_view format = argv[1];
  if (format == "markdown")
    lr::write_markdown(r, std::cout, options);
  else if (format == "dot")
    lr::write_dot(r, std::cout, options);
  else if (format == "text")
    lr::write_text(r, std::cout, options);
  else if (format == "json")
    lr::write_json(r, std::cout, options);
  else
    return 2;
  return 0;
}
