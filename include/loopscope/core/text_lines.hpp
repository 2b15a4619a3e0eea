// Small text helpers shared by the stages that read messages.
#pragma once

#include <algorithm>
#include <string_view>

namespace loopscope {

// The text from `from` up to the end of its line (\n or \r), trailing blanks removed.
inline std::string_view rest_of_line(std::string_view text, std::size_t from = 0) {
  std::string_view rest = text.substr(std::min(from, text.size()));
  if (const std::size_t end = rest.find('\n'); end != std::string_view::npos) {
    rest = rest.substr(0, end);
  }
  if (const std::size_t end = rest.find('\r'); end != std::string_view::npos) {
    rest = rest.substr(0, end);
  }
  while (!rest.empty() && (rest.back() == ' ' || rest.back() == '\t')) rest.remove_suffix(1);
  return rest;
}

// The longest prefix of `text` of at most `limit` bytes that does not end inside a UTF-8
// sequence: how every stage cuts a text it shows or keeps, so that the cut text stays valid where
// the whole one was.
inline std::string_view utf8_prefix(std::string_view text, std::size_t limit) {
  if (text.size() <= limit) return text;
  std::size_t cut = limit;
  while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80) --cut;
  return text.substr(0, cut);
}

}  // namespace loopscope
