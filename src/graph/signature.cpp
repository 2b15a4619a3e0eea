#include "loopscope/graph/signature.hpp"

#include <charconv>
#include <cstdint>
#include <string_view>

namespace loopscope::graph {
namespace {

void append_hex16(std::string& out, std::uint64_t value) {
  static constexpr char digits[] = "0123456789abcdef";
  char text[16];
  for (int i = 15; i >= 0; --i) {
    text[i] = digits[value & 0xF];
    value >>= 4;
  }
  out.append(text, sizeof text);
}

void append_word(std::string& out, std::string_view word) {
  out += ' ';
  out += word;
}

}  // namespace

// Written by hand, not with fmt: this runs for every event of every turn with a finding, and
// the layout ("tool_call name args#%016x out#%016x", "kind method path status template") is
// what reports print, so it must not change.
void write_signature(const event& e, std::string& out) {
  out.clear();
  switch (e.kind) {
    case event_kind::turn_start:
    case event_kind::turn_end:
    case event_kind::session_start:
    case event_kind::token_count:
    case event_kind::reasoning:
    case event_kind::other:
      return;
    case event_kind::tool_call:
    case event_kind::tool_output:
      // Outcome-aware: the same call with a different result is a different node.
      out += event_kind_name(e.kind);
      append_word(out, std::string_view(e.tool_name));
      out += " args#";
      append_hex16(out, e.arguments_hash);
      out += " out#";
      append_hex16(out, e.output_hash);
      return;
    case event_kind::web_search:
      out += "web_search";
      append_word(out, std::string_view(e.text_template));
      return;
    // The user's words are theirs: never part of a signature (signatures are printed).
    case event_kind::user_message:
      out += "user_message";
      return;
    default:
      break;
  }
  out += event_kind_name(e.kind);
  if (!std::string_view(e.http.method).empty()) append_word(out, std::string_view(e.http.method));
  if (!std::string_view(e.http.path).empty()) append_word(out, std::string_view(e.http.path));
  if (e.http.status != 0) {
    char text[16];
    const char* end = std::to_chars(text, text + sizeof text, e.http.status).ptr;
    out += ' ';
    out.append(text, static_cast<std::size_t>(end - text));
  }
  if (!std::string_view(e.text_template).empty()) {
    append_word(out, std::string_view(e.text_template));
  }
}

std::string signature_of(const event& e) {
  std::string signature;
  write_signature(e, signature);
  return signature;
}

}  // namespace loopscope::graph
