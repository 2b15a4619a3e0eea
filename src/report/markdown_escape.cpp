#include "markdown_escape.hpp"

#include <algorithm>

#include "text_helpers.hpp"

namespace loopscope::report::detail {
namespace {

std::size_t longest_backtick_run(std::string_view text) {
  std::size_t longest = 0, run = 0;
  for (const char c : text) {
    run = c == '`' ? run + 1 : 0;
    longest = std::max(longest, run);
  }
  return longest;
}

}  // namespace

std::string markdown_text(std::string_view text) {
  std::string out;
  for (const char c : one_line(text)) {
    switch (c) {
      case '\\':
      case '`':
      case '*':
      case '_':
      case '[':
      case ']':
      case '<':
      case '>':
      case '|':
      case '~':
      case '&':
      case '#':
      case '!':
        out += '\\';
        out += c;
        break;
      default:
        out += c;
    }
  }
  return out;
}

std::string markdown_code(std::string_view text) {
  std::string body;
  for (const char c : one_line(text)) {
    if (c == '|') body += '\\';
    body += c;
  }
  if (body.empty()) return "` `";
  const std::string fence(longest_backtick_run(body) + 1, '`');
  // A space on each side keeps a leading or trailing backtick from joining the fence.
  const bool pad = body.front() == '`' || body.back() == '`';
  return fence + (pad ? " " : "") + body + (pad ? " " : "") + fence;
}

std::string html_text(std::string_view text) {
  std::string out;
  for (const char c : one_line(text)) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

std::string markdown_fence(std::string_view body) {
  return std::string(std::max<std::size_t>(3, longest_backtick_run(body) + 1), '`');
}

}  // namespace loopscope::report::detail
