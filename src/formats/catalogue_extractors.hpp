// The named C++ helpers a catalogue entry may run after its pattern (`then:` / `always:`): what
// a regular expression cannot say well, such as the class of a Python exception named somewhere in
// a message, or the join ids inside a header dump.
#pragma once

#include <array>
#include <cstdint>
#include <string_view>

#include "loopscope/core/event.hpp"
#include "loopscope/formats/catalogue.hpp"

namespace loopscope::formats::detail {

// The texts the extractors search a message for. The scan that picks a catalogue's candidate
// entries looks for them too (pattern_set::add_needles), so that a search for a text the scan did
// not see is not made: most messages hold none of a header dump's keys, and the searches were a
// fifth of a proxy log's decoding (profiled).
enum class needle : unsigned char {
  litellm_dot,
  no_deployments,
  status_code,
  code,
  error_code,
  status_colon,
  retried,
  max_retries,
  received_model_group,
  client_request_id,
  litellm_call_id,
  litellm_call_id_header,
  session_id,
  turn_id,
  method,
  path,
  model,
  websocket,
  upgrade,
};
// One table: each needle's text, in the enum's order.
inline constexpr std::array<std::string_view, 19> needle_texts{
    "litellm.",
    "No deployments available",
    "status_code",
    "code",
    "Error code: ",
    "Status: ",
    "LiteLLM Retried: ",
    "LiteLLM Max Retries: ",
    "Received Model Group=",
    "x-client-request-id",
    "litellm_call_id",
    "x-litellm-call-id",
    "session_id",
    "turn_id",
    "method",
    "path",
    "model",
    "websocket",
    "upgrade",
};
static_assert(needle_texts.size() <= 32, "the scan reports needles as the bits of a word");

// What an extractor is given besides the message: the record's context and which needles the
// message may hold (bit i for needle i; every bit when the message was not scanned).
struct extractor_input {
  const match_context& context;
  std::uint32_t needles_seen = ~std::uint32_t{0};
  bool may_hold(needle n) const { return ((needles_seen >> static_cast<unsigned>(n)) & 1U) != 0; }
};

using extractor_fn = void (*)(std::string_view text, const extractor_input& in, event& e);

// nullptr when the name is not an extractor.
extractor_fn find_extractor(std::string_view name);

// std::string_view::find's answer for `needle` in `text` from `from`, found faster where the
// needle's first byte is common (the extractors' key searches).
std::size_t find_text(std::string_view text, std::string_view needle, std::size_t from = 0);

// "{'model': 'model1'}" → "model1"; "gpt-4" → "gpt-4" (the `model_name` template filter).
std::string model_group_name(std::string_view value);

}  // namespace loopscope::formats::detail
