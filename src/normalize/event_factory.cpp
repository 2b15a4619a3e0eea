#include "json_line.hpp"
#include "loopscope/normalize/normalizer.hpp"

namespace loopscope::normalize::detail {

std::string make_excerpt(std::string_view line) {
  if (line.size() <= excerpt_bytes) return std::string(line);
  // Cut on a UTF-8 boundary so the excerpt stays valid where the line was.
  std::size_t cut = excerpt_bytes;
  while (cut > 0 && (static_cast<unsigned char>(line[cut]) & 0xC0) == 0x80) --cut;
  std::string excerpt;
  excerpt.reserve(cut + 3);  // one allocation: the cut line and the ellipsis
  excerpt.append(line.substr(0, cut));
  excerpt.append("…");
  return excerpt;
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
