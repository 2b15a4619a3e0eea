#include "mermaid_diagram.hpp"

#include <algorithm>

#include <fmt/format.h>

#include "text_helpers.hpp"

namespace loopscope::report::detail {

std::string mermaid_label(std::string_view text) {
  const std::string cut = trim_to_width(one_line(text), mermaid_label_columns);
  std::string out;
  for (std::size_t i = 0; i < cut.size();) {
    const auto c = static_cast<unsigned char>(cut[i]);
    if (c >= 0x80) {
      // printable() left only valid UTF-8: decode one code point and write it as #N;.
      const std::size_t length = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : 2;
      std::uint32_t code = c & (length == 4 ? 0x07 : length == 3 ? 0x0F : 0x1F);
      for (std::size_t k = 1; k < length && i + k < cut.size(); ++k) {
        code = (code << 6) | (static_cast<unsigned char>(cut[i + k]) & 0x3F);
      }
      out += fmt::format("#{};", code);
      i += length;
      continue;
    }
    switch (c) {
      case '"':
        out += "#quot;";
        break;
      case '#':
        out += "#35;";
        break;
      case '&':
        out += "#amp;";
        break;
      case '<':
        out += "#lt;";
        break;
      case '>':
        out += "#gt;";
        break;
      case '`':
        out += "#96;";
        break;
      case '[':
        out += "#91;";
        break;
      case ']':
        out += "#93;";
        break;
      case '{':
        out += "#123;";
        break;
      case '}':
        out += "#125;";
        break;
      case '|':
        out += "#124;";
        break;
      case ';':  // ends a statement in state and sequence diagrams
        out += "#59;";
        break;
      case '\\':
        out += "#92;";
        break;
      default:
        out += static_cast<char>(c);
    }
    ++i;
  }
  // An empty label would read as no label at all; a blank one keeps the node visible.
  return out.empty() ? std::string("(empty)") : out;
}

std::string state_name(std::string_view signature) {
  // The signature starts with the event kind; a status is a three-digit word after it.
  const std::size_t space = signature.find(' ');
  std::string name(signature.substr(0, space));
  static constexpr struct {
    std::string_view kind, shown;
  } names[] = {{"request", "request"},
               {"request_attempt", "attempt"},
               {"ws_connect", "ws_connect"},
               {"ws_error", "ws refused"},
               {"transport_fallback", "fallback to HTTP"},
               {"stream_retry", "backoff, retry"},
               {"proxy_retry", "LiteLLM retry"},
               {"proxy_fallback", "LiteLLM fallback"},
               {"proxy_error", "LiteLLM error"},
               {"turn_error", "turn failed"},
               {"turn_end", "turn end"}};
  bool known = false;
  for (const auto& n : names) {
    if (n.kind == name) {
      name = std::string(n.shown);
      known = true;
    }
  }
  std::size_t pos = space;
  while (pos != std::string_view::npos && pos < signature.size()) {
    const std::size_t next = signature.find(' ', pos + 1);
    const std::string_view word = signature.substr(
        pos + 1, next == std::string_view::npos ? std::string_view::npos : next - pos - 1);
    if (word.size() == 3 && word[0] >= '1' && word[0] <= '5' && word[1] >= '0' && word[1] <= '9' &&
        word[2] >= '0' && word[2] <= '9') {
      return name + " " + std::string(word);
    }
    pos = next;
  }
  if (!known) {
    // An agent-level signature (a tool call, a message): its own words, cut.
    return std::string(signature);
  }
  return name;
}

std::string mermaid_cycle(const detect::finding& f, redaction redact) {
  detect::graph_sketch g = f.turn_graph;
  if (g.nodes.empty()) {
    if (f.cycle.empty()) return {};
    // No graph of the turn (runs of turns, findings read back from JSON): the cycle itself.
    g.nodes = f.cycle;
    for (std::size_t k = 0; k < f.cycle.size(); ++k) {
      g.edges.push_back({k, (k + 1) % f.cycle.size(), static_cast<std::uint64_t>(f.iterations)});
    }
  }
  std::string out = "stateDiagram-v2\n  direction LR\n";
  for (std::size_t k = 0; k < g.nodes.size(); ++k) {
    out += fmt::format("  s{} : {}\n", k, mermaid_label(redact_if(state_name(g.nodes[k]), redact)));
  }
  out += "  [*] --> s0\n";
  std::size_t retries = 0;
  for (const detect::graph_sketch::edge& e : g.edges) {
    if (e.from == e.to) {
      // The same event again: a retry, drawn as a state of its own.
      out += fmt::format("  r{} : again\n  s{} --> r{} : ×{}\n  r{} --> s{}\n", retries, e.from,
                         retries, e.count, retries, e.to);
      ++retries;
      continue;
    }
    out += fmt::format("  s{} --> s{} : ×{}\n", e.from, e.to, e.count);
  }
  // The cycle's states, marked.
  std::vector<std::size_t> in_cycle;
  for (std::size_t k = 0; k < g.nodes.size(); ++k) {
    if (std::find(f.cycle.begin(), f.cycle.end(), g.nodes[k]) != f.cycle.end())
      in_cycle.push_back(k);
  }
  if (!in_cycle.empty()) {
    out += "  classDef loop fill:#fdd,stroke:#c00\n";
    for (const std::size_t k : in_cycle) out += fmt::format("  class s{} loop\n", k);
  }
  return out;
}

std::string mermaid_sequence(const detect::incident& i, redaction redact) {
  if (!i.cause) return {};
  const detect::root_cause& c = *i.cause;
  const bool websocket = c.http.transport == transport_kind::websocket;
  const std::string method = c.http.method.empty() ? (websocket ? "GET" : "POST") : c.http.method;
  const std::string path = c.http.path.empty() ? "/v1/responses" : c.http.path;
  const std::string answer =
      c.http.status != 0 ? fmt::format("{}", c.http.status)
                         : (c.error_class.empty() ? std::string("stream cut") : c.error_class);
  auto per_turn = [&](detect::incident_layer layer) {
    for (const detect::layer_entry& l : i.layers) {
      if (l.layer == layer) return l.per_turn;
    }
    return 0;
  };
  const int ws = per_turn(detect::incident_layer::codex_websocket);
  const int sampling = per_turn(detect::incident_layer::codex_turn);
  const int requests = per_turn(detect::incident_layer::codex_request);
  const int router = per_turn(detect::incident_layer::litellm_router);
  std::string out =
      "sequenceDiagram\n  participant C as Codex\n  participant P as proxy\n"
      "  participant U as upstream\n";
  auto label = [&](const std::string& text) { return mermaid_label(redact_if(text, redact)); };
  if (websocket) {
    out += fmt::format("  loop {} WebSocket attempts\n", ws > 0 ? ws : 1);
    out += fmt::format("    C->>P: {}\n", label(method + " " + path + " (Upgrade: websocket)"));
    out += fmt::format("    P-->>C: {}\n", label(answer));
    out += "  end\n";
    if (c.http.status == 400) {
      out += "  Note over C: a 400 is fatal: no HTTP fallback, the turn fails\n";
    } else {
      out += fmt::format("  C->>P: {}\n", label("POST " + path + " (HTTP fallback)"));
      out += "  P->>U: request\n  U-->>P: 200\n  P-->>C: 200\n";
    }
    return out;
  }
  const bool outer = sampling > 1;
  const bool inner = requests > 1;
  if (outer) out += fmt::format("  loop {} sampling attempts (turn layer)\n", sampling);
  if (inner) out += fmt::format("  loop {} requests per attempt (request layer)\n", requests);
  out += fmt::format("  C->>P: {}\n", label(method + " " + path));
  if (router > 0) out += "  loop LiteLLM router retries\n";
  out += "  P->>U: request\n";
  if (c.http.status != 0) {
    out += fmt::format("  U-->>P: {}\n", label(answer));
  } else {
    out += "  U-->>P: 200, stream starts\n";
    out += fmt::format("  U--xP: {}\n", label(answer));
  }
  if (router > 0) out += "  end\n";
  out += c.http.status != 0 ? fmt::format("  P-->>C: {}\n", label(answer))
                            : fmt::format("  P--xC: {}\n", label(answer));
  if (inner) out += "  end\n";
  if (outer) out += "  end\n";
  if (!i.failed_turns.empty()) out += "  Note over C: the turn fails\n";
  return out;
}

}  // namespace loopscope::report::detail
