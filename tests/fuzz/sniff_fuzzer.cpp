// Format detection and container-prefix stripping, on the whole input and on each line.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "loopscope/formats/sniff.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace loopscope;
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  formats::format_tally tally;
  std::size_t start = 0;
  while (start <= input.size()) {
    std::size_t end = input.find('\n', start);
    if (end == std::string_view::npos) end = input.size();
    const std::string_view line = input.substr(start, end - start);
    const std::string_view stripped = formats::strip_container_prefix(line);
    // A view into the line, never past it: a container prefix comes off the front, a Markdown
    // list item's backticks ("- `…`") off both ends.
    if (stripped.size() > line.size() || stripped.data() < line.data() ||
        stripped.data() + stripped.size() > line.data() + line.size()) {
      std::abort();
    }
    const format_id id = formats::sniff_line(stripped);
    if (static_cast<unsigned>(id) > static_cast<unsigned>(format_id::uvicorn_access)) std::abort();
    tally.count(id);
    start = end + 1;
  }
  (void)tally.dominant();
  (void)tally.mixed();
  (void)formats::sniff_line(input);
  return 0;
}
