#include "json_line.hpp"
#include "loopscope/normalize/normalizer.hpp"

namespace loopscope::normalize::detail {

shared_text make_excerpt(std::string_view line) {
  if (line.size() <= excerpt_bytes) return shared_text(line);
  // Cut on a UTF-8 boundary so the excerpt stays valid where the line was.
  std::size_t cut = excerpt_bytes;
  while (cut > 0 && (static_cast<unsigned char>(line[cut]) & 0xC0) == 0x80) --cut;
  return shared_text::joined(line.substr(0, cut), "…");  // one allocation
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
