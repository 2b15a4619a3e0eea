// Shared helpers for the JSON-lines normalizers (simdjson DOM on the padded line).
#pragma once

#include <simdjson.h>

#include <string>
#include <string_view>

#include "loopscope/core/event.hpp"
#include "loopscope/ingest/line_reader.hpp"

namespace loopscope::normalize::detail {

static_assert(ingest::line_padding >= simdjson::SIMDJSON_PADDING,
              "the line reader must leave simdjson's padding after each line");

// Parses in place (the reader guarantees readable padding). Returns an error on invalid JSON.
inline simdjson::simdjson_result<simdjson::dom::element> parse_padded(simdjson::dom::parser& parser,
                                                                      std::string_view line) {
  return parser.parse(line.data(), line.size(), /*realloc_if_needed=*/false);
}

inline std::string_view string_field(simdjson::dom::element object, std::string_view key) {
  std::string_view value;
  if (object[key].get_string().get(value) != simdjson::SUCCESS) return {};
  return value;
}

inline std::int64_t integer_field(simdjson::dom::element object, std::string_view key,
                                  std::int64_t fallback = -1) {
  std::int64_t value = 0;
  if (object[key].get_int64().get(value) != simdjson::SUCCESS) return fallback;
  return value;
}

// A bounded copy of the line for evidence.
shared_text make_excerpt(std::string_view line);

// An event stamped with where it came from.
event make_event(event_kind kind, format_id source, origin where, std::string_view line);

}  // namespace loopscope::normalize::detail
