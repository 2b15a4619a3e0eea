#include "json_line.hpp"
#include "loopscope/core/text_lines.hpp"
#include "loopscope/normalize/normalizer.hpp"

namespace loopscope::normalize::detail {

shared_text make_excerpt(std::string_view line) {
  if (line.size() <= excerpt_bytes) return shared_text(line);
  return shared_text::joined(utf8_prefix(line, excerpt_bytes), "…");  // one allocation
}

event make_event(event_kind kind, format_id source, origin where, std::string_view line) {
  event e;
  e.kind = kind;
  e.source = source;
  e.where = where;
  e.excerpt = make_excerpt(line);
  return e;
}

}  // namespace loopscope::normalize::detail
