#include "mermaid_diagram.hpp"

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

std::string mermaid_cycle(const detect::finding& f, redaction redact) {
  if (f.cycle.empty()) return {};
  std::string out = "flowchart LR\n";
  for (std::size_t i = 0; i < f.cycle.size(); ++i) {
    out += fmt::format("  n{}[\"{}\"]\n", i, mermaid_label(redact_if(f.cycle[i], redact)));
  }
  // Every edge of the cycle is walked once per iteration; a one-node cycle is a self-loop.
  const std::string count = fmt::format("{} time{}", f.iterations, plural(f.iterations));
  for (std::size_t i = 0; i < f.cycle.size(); ++i) {
    out += fmt::format("  n{} -->|\"{}\"| n{}\n", i, count, (i + 1) % f.cycle.size());
  }
  return out;
}

}  // namespace loopscope::report::detail
