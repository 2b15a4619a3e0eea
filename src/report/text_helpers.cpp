#include "text_helpers.hpp"

#include <fmt/format.h>

namespace loopscope::report::detail {

std::string upper(std::string_view text) {
  std::string out(text);
  for (char& c : out) {
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
  }
  return out;
}

std::string human_duration(std::int64_t milliseconds) {
  if (milliseconds < 1000) return fmt::format("{} ms", milliseconds);
  if (milliseconds < 60'000) return fmt::format("{:.1f} s", static_cast<double>(milliseconds) / 1000);
  return fmt::format("{}m{:02}s", milliseconds / 60'000, (milliseconds / 1000) % 60);
}

std::string severity_counts(const summary_counts& summary) {
  if (summary.findings == 0) return "no findings";
  std::string text = fmt::format("{} finding{} (", summary.findings, plural(summary.findings));
  bool first = true;
  for (const char* level : {"error", "warning", "info"}) {
    auto it = summary.by_severity.find(level);
    if (it == summary.by_severity.end()) continue;
    text += fmt::format("{}{} {}", first ? "" : ", ", it->second, level);
    first = false;
  }
  return text + ")";
}

std::string cause_sentence(const detect::root_cause& cause) {
  std::string text;
  if (cause.http.status != 0) {
    text = fmt::format("HTTP {}", cause.http.status);
  } else {
    text = cause.error_class.empty() ? "unidentified error" : cause.error_class;
  }
  if (!cause.http.method.empty() || !cause.http.path.empty()) {
    text += fmt::format(" on {}{}{}", cause.http.method, cause.http.method.empty() ? "" : " ",
                        cause.http.path);
  }
  if (cause.http.transport != transport_kind::unknown) {
    text += fmt::format(" over {}", transport_name(cause.http.transport));
  }
  if (cause.http.status != 0 && !cause.error_class.empty()) text += " (" + cause.error_class + ")";
  text += fmt::format(", seen by {}", detect::cause_source_name(cause.source));
  switch (cause.is_retriable) {
    case detect::retriable::yes: text += "; retriable"; break;
    case detect::retriable::no: text += "; not retriable"; break;
    case detect::retriable::unknown: break;
  }
  if (!cause.message.empty()) text += fmt::format(" — \"{}\"", cause.message);
  return text;
}

std::string wrap(std::string_view text, std::size_t indent, std::size_t width) {
  const std::size_t room = width > indent + 20 ? width - indent : 60;
  std::string out;
  std::string line;
  std::size_t line_columns = 0;
  auto flush = [&] {
    out += std::string(indent, ' ') + line + '\n';
    line.clear();
    line_columns = 0;
  };
  std::size_t pos = 0;
  while (pos < text.size()) {
    std::size_t end = text.find(' ', pos);
    if (end == std::string_view::npos) end = text.size();
    const std::string_view word = text.substr(pos, end - pos);
    std::size_t columns = 0;
    for (const char c : word) columns += (static_cast<unsigned char>(c) & 0xC0) != 0x80 ? 1 : 0;
    if (line_columns > 0 && line_columns + 1 + columns > room) flush();
    if (line_columns > 0) {
      line += ' ';
      ++line_columns;
    }
    line += word;
    line_columns += columns;
    pos = end + 1;
  }
  if (!line.empty()) flush();
  return out;
}

std::string trim_to_width(std::string_view text, std::size_t columns) {
  std::size_t seen = 0;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if ((static_cast<unsigned char>(text[i]) & 0xC0) == 0x80) continue;
    if (seen == columns) return std::string(text.substr(0, i)) + "…";
    ++seen;
  }
  return std::string(text);
}

}  // namespace loopscope::report::detail
