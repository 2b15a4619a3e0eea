// What a turn's rules share (detect/turn_view.hpp): signatures written without fmt, interned
// ids, the drawn graph per lane and the tokens inside a span — each checked against the slow,
// obvious way it replaced.
#include <doctest/doctest.h>

#include <fmt/format.h>

#include "detect/finding_parts.hpp"
#include "detect/turn_view.hpp"
#include "loopscope/graph/signature.hpp"
#include "loopscope/graph/turn_graph.hpp"

using namespace loopscope;

namespace {

event make(event_kind kind, format_id source, std::int64_t second) {
  event e;
  e.kind = kind;
  e.source = source;
  e.time = timestamp{second * 1'000'000};
  return e;
}

// The signature as graph::signature_of wrote it with fmt before write_signature.
std::string formatted_signature(const event& e) {
  switch (e.kind) {
    case event_kind::turn_start:
    case event_kind::turn_end:
    case event_kind::session_start:
    case event_kind::token_count:
    case event_kind::reasoning:
    case event_kind::other:
      return {};
    case event_kind::tool_call:
    case event_kind::tool_output:
      return fmt::format("{} {} args#{:016x} out#{:016x}", event_kind_name(e.kind), e.tool_name,
                         e.arguments_hash, e.output_hash);
    case event_kind::web_search:
      return fmt::format("web_search {}", e.text_template);
    case event_kind::user_message:
      return "user_message";
    default:
      break;
  }
  std::string signature(event_kind_name(e.kind));
  if (!e.http.method.empty()) signature += " " + e.http.method;
  if (!e.http.path.empty()) signature += " " + e.http.path;
  if (e.http.status != 0) signature += fmt::format(" {}", e.http.status);
  if (!e.text_template.empty()) signature += " " + e.text_template;
  return signature;
}

// A turn of both lanes: proxy requests and errors, Codex retries and tool calls, token counts.
session::turn mixed_turn() {
  session::turn t;
  t.session_key =
      std::string(1, 's');  // not = "s": GCC 12 warns falsely (-Wrestrict, GCC bug 105329)
  t.index = 1;
  std::int64_t second = 0;
  for (int round = 0; round < 6; ++round) {
    event request = make(event_kind::request, format_id::uvicorn_access, ++second);
    request.http = {"POST", "/v1/responses", round % 3 == 2 ? 200 : 500, transport_kind::http};
    t.events.push_back(request);
    event error = make(event_kind::proxy_error, format_id::litellm_text, ++second);
    error.text_template = "litellm.InternalServerError: <n> retries";
    error.http.status = -1 - round % 2;  // a negative status prints its sign
    t.events.push_back(error);
    event retry = make(event_kind::stream_retry, format_id::codex_trace, ++second);
    retry.text_template = "Reconnecting... <n>/<n>";
    t.events.push_back(retry);
    event call = make(event_kind::tool_call, format_id::codex_trace, ++second);
    call.tool_name = "exec_command";
    call.arguments_hash = 0x1234u + static_cast<std::uint64_t>(round % 2);
    t.events.push_back(call);
    event output = make(event_kind::tool_output, format_id::codex_trace, ++second);
    output.tool_name = "exec_command";
    output.output_hash = 0xfedcba9876543210ULL;
    t.events.push_back(output);
    event tokens = make(event_kind::token_count, format_id::codex_trace, second);
    tokens.tokens = 100 + round;
    t.events.push_back(tokens);
    t.events.push_back(make(event_kind::reasoning, format_id::codex_trace, second));
  }
  event search = make(event_kind::web_search, format_id::codex_trace, ++second);
  search.text_template = "weather <n>";
  t.events.push_back(search);
  t.events.push_back(make(event_kind::user_message, format_id::codex_trace, ++second));
  t.events.push_back(make(event_kind::agent_message, format_id::codex_trace, ++second));
  return t;
}

// The lane's graph as rule_engine drew it before turn_view: Boost's graph of the lane's events.
detect::graph_sketch boost_sketch(const session::turn& t, detect::lane l) {
  session::turn lane_only;
  for (const event& e : t.events) {
    if (detect::lane_of(e.source) == l) lane_only.events.push_back(e);
  }
  const graph::turn_graph g = graph::build_turn_graph(lane_only);
  std::vector<std::pair<std::string, std::uint64_t>> nodes;
  for (std::size_t v = 0; v < boost::num_vertices(g.graph); ++v) {
    nodes.emplace_back(g.graph[v].signature, g.graph[v].visits);
  }
  std::vector<detect::graph_sketch::edge> edges;
  for (auto [it, end] = boost::edges(g.graph); it != end; ++it) {
    edges.push_back({boost::source(*it, g.graph), boost::target(*it, g.graph), g.graph[*it].count});
  }
  return detect::cut_sketch(nodes, edges);
}

}  // namespace

TEST_CASE("signatures are written as fmt wrote them") {
  const session::turn t = mixed_turn();
  std::string buffer = "left over from the last event";
  for (const event& e : t.events) {
    graph::write_signature(e, buffer);
    CHECK(buffer == formatted_signature(e));
    CHECK(graph::signature_of(e) == formatted_signature(e));
  }
  CHECK(graph::signature_of(t.events[3]) ==
        "tool_call exec_command args#0000000000001234 out#0000000000000000");
  CHECK(graph::signature_of(t.events[1]) ==
        "proxy_error -1 litellm.InternalServerError: <n> retries");
}

TEST_CASE("a turn's interned signatures: equal ids for equal strings, kind names for cycle steps") {
  const session::turn t = mixed_turn();
  detect::turn_view view(t);
  for (std::size_t i = 0; i < t.events.size(); ++i) {
    const std::string expected = formatted_signature(t.events[i]);
    const std::uint32_t id = view.signature_at(i);
    CHECK((id == detect::turn_view::no_signature) == expected.empty());
    if (!expected.empty()) CHECK(view.name(id) == expected);
    const std::string step =
        expected.empty() ? std::string(event_kind_name(t.events[i].kind)) : expected;
    CHECK(view.name(view.step_at(i)) == step);
    for (std::size_t j = 0; j < i; ++j) {
      const bool same = formatted_signature(t.events[j]) == expected;
      CHECK((view.signature_at(j) == id) == same);
    }
  }
}

TEST_CASE("the drawn graph of each lane is the one Boost's graph of the lane gave") {
  const session::turn t = mixed_turn();
  detect::turn_view view(t);
  for (const detect::lane l : {detect::lane::proxy, detect::lane::trace, detect::lane::rollout}) {
    const detect::graph_sketch expected = boost_sketch(t, l);
    const detect::graph_sketch& drawn = view.sketch(l);
    CHECK(drawn.nodes == expected.nodes);
    REQUIRE(drawn.edges.size() == expected.edges.size());
    for (std::size_t k = 0; k < drawn.edges.size(); ++k) {
      CHECK(drawn.edges[k].from == expected.edges[k].from);
      CHECK(drawn.edges[k].to == expected.edges[k].to);
      CHECK(drawn.edges[k].count == expected.edges[k].count);
    }
  }
  CHECK(!view.sketch(detect::lane::proxy).nodes.empty());
  CHECK(view.sketch(detect::lane::rollout).nodes.empty());
}

TEST_CASE("tokens within a span, ends included, none when no count falls inside") {
  const session::turn t = mixed_turn();
  detect::turn_view view(t);
  // Token counts stand at seconds 5, 10, …, 30 with 100 … 105 tokens.
  CHECK(view.tokens_within(timestamp{5'000'000}, timestamp{10'000'000}) == 201);
  CHECK(view.tokens_within(timestamp{0}, timestamp{100'000'000}) == 615);
  CHECK(view.tokens_within(timestamp{30'000'000}, timestamp{30'000'000}) == 105);
  CHECK(!view.tokens_within(timestamp{6'000'000}, timestamp{9'000'000}));
}
