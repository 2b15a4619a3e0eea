#include "loopscope/normalize/text_template.hpp"

namespace loopscope::normalize {
namespace {

bool is_digit(char c) {
  return c >= '0' && c <= '9';
}
bool is_hex(char c) {
  return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}
bool is_space(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

}  // namespace

std::string mask_text(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  std::size_t i = 0;
  while (i < text.size()) {
    const char c = text[i];
    if (is_space(c)) {
      while (i < text.size() && is_space(text[i])) ++i;
      if (!out.empty()) out.push_back(' ');
      continue;
    }
    if (is_hex(c) && (i == 0 || !is_hex(text[i - 1]))) {
      // A token of hex digits and dashes (uuid, request id, hash) with at least one digit.
      std::size_t end = i;
      bool has_digit = false;
      std::size_t hex_chars = 0;
      while (end < text.size() && (is_hex(text[end]) || text[end] == '-')) {
        has_digit = has_digit || is_digit(text[end]);
        hex_chars += text[end] == '-' ? 0 : 1;
        ++end;
      }
      const bool word_boundary =
          end == text.size() || !((text[end] >= 'g' && text[end] <= 'z') ||
                                  (text[end] >= 'G' && text[end] <= 'Z') || text[end] == '_');
      if (has_digit && hex_chars >= 8 && word_boundary) {
        out += "<id>";
        i = end;
        continue;
      }
    }
    if (is_digit(c)) {
      while (i < text.size() && (is_digit(text[i]) || (text[i] == '.' && i + 1 < text.size() &&
                                                       is_digit(text[i + 1])))) {
        ++i;
      }
      out += "<n>";
      continue;
    }
    out.push_back(c);
    ++i;
  }
  while (!out.empty() && out.back() == ' ') out.pop_back();
  return out;
}

}  // namespace loopscope::normalize
