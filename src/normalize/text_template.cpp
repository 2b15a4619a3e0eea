#include "loopscope/normalize/text_template.hpp"

#include <array>

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

// What mask_text must look at: a byte of none of these classes is copied as it is.
enum byte_class : unsigned char { plain = 0, space = 1, digit = 2, hex_letter = 4 };

constexpr std::array<unsigned char, 256> byte_classes = [] {
  std::array<unsigned char, 256> classes{};
  for (const char c : {' ', '\t', '\n', '\r'}) classes[static_cast<unsigned char>(c)] = space;
  for (char c = '0'; c <= '9'; ++c) classes[static_cast<unsigned char>(c)] = digit;
  for (char c = 'a'; c <= 'f'; ++c) classes[static_cast<unsigned char>(c)] = hex_letter;
  for (char c = 'A'; c <= 'F'; ++c) classes[static_cast<unsigned char>(c)] = hex_letter;
  return classes;
}();

unsigned char class_of(char c) {
  return byte_classes[static_cast<unsigned char>(c)];
}

}  // namespace

shared_text mask_text(std::string_view text) {
  // Written through a pointer: "<n>" for a one-digit number is the most a byte can grow to. The
  // thread's space only grows, so it is cleared only when it does; a text too large to keep the
  // space for gets space of its own.
  constexpr std::size_t kept_space = std::size_t{1} << 20;
  thread_local std::string kept;
  std::string own;
  std::string& out = text.size() * 3 <= kept_space ? kept : own;
  if (out.size() < text.size() * 3) out.resize(text.size() * 3);
  char* const begin = out.data();
  char* dst = begin;
  const auto put = [&dst](std::string_view s) {
    for (const char c : s) *dst++ = c;
  };
  std::size_t i = 0;
  while (i < text.size()) {
    const char c = text[i];
    const unsigned char k = class_of(c);
    // Most bytes are decided by their class alone; a hex letter inside a hex token (only a
    // token's first byte can start an id) is copied too.
    if (k == plain ||
        (k == hex_letter && i > 0 && (class_of(text[i - 1]) & (digit | hex_letter)) != 0)) {
      *dst++ = c;
      ++i;
      continue;
    }
    if (k == space) {
      while (i < text.size() && is_space(text[i])) ++i;
      if (dst != begin) *dst++ = ' ';
      continue;
    }
    if (i == 0 || !is_hex(text[i - 1])) {
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
        put("<id>");
        i = end;
        continue;
      }
    }
    if (k == digit) {
      while (i < text.size() && (is_digit(text[i]) || (text[i] == '.' && i + 1 < text.size() &&
                                                       is_digit(text[i + 1])))) {
        ++i;
      }
      put("<n>");
      continue;
    }
    *dst++ = c;
    ++i;
  }
  while (dst != begin && dst[-1] == ' ') --dst;
  return shared_text(std::string_view(begin, static_cast<std::size_t>(dst - begin)));
}

}  // namespace loopscope::normalize
