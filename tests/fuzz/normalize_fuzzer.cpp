// Feeds the input, as lines, through one format's normalizer the way event_source does: a line
// no format claims is first offered to the open multi-line record. Built once per format
// (LOOPSCOPE_FUZZ_FORMAT).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <string_view>
#include <vector>

#include "loopscope/formats/sniff.hpp"
#include "loopscope/ingest/line_reader.hpp"
#include "loopscope/normalize/normalizer.hpp"

namespace {

using namespace loopscope;

class counting_sink final : public normalize::event_sink {
 public:
  void on_event(event&& e) override {
    // Evidence must stay bounded whatever the line: the report copies excerpts.
    if (e.excerpt.size() > normalize::excerpt_bytes + 8) std::abort();
    ++events;
  }
  std::size_t events = 0;
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  normalize::input_context context{"input:fuzz", timestamp{0}};
  const auto normalizer = normalize::make_normalizer(LOOPSCOPE_FUZZ_FORMAT, context);
  counting_sink sink;
  // Each line gets its own buffer with the reader's padding after it, so ASan sees any read past
  // the padding the reader promises.
  std::vector<char> buffer;
  std::uint64_t number = 0;
  std::size_t start = 0;
  while (start <= input.size()) {
    std::size_t end = input.find('\n', start);
    if (end == std::string_view::npos) end = input.size();
    if (end == input.size() && start == end && number > 0) break;
    buffer.assign(end - start + ingest::line_padding, '\0');
    std::memcpy(buffer.data(), input.data() + start, end - start);
    const std::string_view line =
        formats::strip_container_prefix(std::string_view(buffer.data(), end - start));
    const origin where{0, ++number};
    normalize::line_result result;
    if (formats::sniff_line(line) != format_id::unknown ||
        !normalizer->continue_record(line, where, result)) {
      result = normalizer->normalize(line, where, sink);
    }
    start = end + 1;
  }
  normalizer->finish(sink);
  return 0;
}
