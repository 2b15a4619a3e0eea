// Canonical JSON: object keys sorted (stably), no insignificant whitespace, strings escaped only
// where JSON must escape them. Equal tool-call arguments give equal text, whatever their key
// order or spacing, so their hash compares repeated calls.
#pragma once

#include <simdjson.h>

#include <string>
#include <string_view>

namespace loopscope::normalize::detail {

enum class canonical_outcome : unsigned char { written, not_json };

// Appends the canonical form of the JSON `text` to `out`, or returns not_json (and leaves `out`
// as it was) when `text` is not one JSON value.
//
// Most arguments are read by a single pass over the text (canonical_subset below), which writes
// the canonical form straight from the text; the rest go through simdjson's DOM. Both give the
// same bytes: the single pass takes only what it can write exactly as the DOM route would.
canonical_outcome write_canonical(std::string_view text, std::string& out);

// The DOM route: the canonical form of a parsed value (depth beyond 64 is left out).
void append_canonical(std::string& out, simdjson::dom::element value, int depth = 0);

// A JSON string literal of `text`, quotes included, escaping '"', '\\' and control bytes.
void append_json_string(std::string& out, std::string_view text);

// The single pass: writes the canonical form of `text` and returns written when the text uses
// only what the pass can copy as it stands: valid UTF-8; strings whose escapes are \" \\ \n \r \t
// (the ones the canonical form writes the same way) and object keys without escapes (so that
// their order is the order of their bytes); integers of up to eighteen digits, not -0 (simdjson
// writes those as they are written); true, false, null; nesting up to 32 deep. Anything else
// (a fraction, \u00e9, a key with an escape, invalid JSON) returns not_json with `out` as it
// was, and write_canonical takes the DOM route. Exposed for the test that holds the two routes
// to the same bytes.
canonical_outcome write_canonical_subset(std::string_view text, std::string& out);

}  // namespace loopscope::normalize::detail
