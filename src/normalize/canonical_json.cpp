#include "canonical_json.hpp"

#include <algorithm>
#include <array>
#include <bit>
#include <charconv>
#include <cstdint>
#include <iterator>
#include <span>
#include <utility>
#include <vector>

#include "text_masker.hpp"

#if defined(__SSE2__)
#  include <emmintrin.h>
#endif

namespace loopscope::normalize::detail {
namespace {

// The first byte at or after `from` that JSON must escape ('"', '\\', a control), or the text's
// size: sixteen or eight bytes per step (a byte per step was most of canonicalising an argument
// string).
std::size_t next_json_escape(std::string_view text, std::size_t from) {
  std::size_t at = from;
#if defined(__SSE2__)
  // Sixteen at a time with SSE2 (the x86-64 baseline): a control byte is one whose unsigned
  // maximum with 0x1F is 0x1F.
  for (; at + 16 <= text.size(); at += 16) {
    const __m128i block = _mm_loadu_si128(reinterpret_cast<const __m128i*>(text.data() + at));
    const __m128i found_lanes =
        _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(block, _mm_set1_epi8('"')),
                                  _mm_cmpeq_epi8(block, _mm_set1_epi8('\\'))),
                     _mm_cmpeq_epi8(_mm_max_epu8(block, _mm_set1_epi8(0x1F)), _mm_set1_epi8(0x1F)));
    const int found = _mm_movemask_epi8(found_lanes);
    if (found != 0) {
      return at + static_cast<std::size_t>(std::countr_zero(static_cast<unsigned>(found)));
    }
  }
#endif
  for (; at + 8 <= text.size(); at += 8) {
    const std::uint64_t word = word_reader::load(text.data() + at);
    const std::uint64_t found = zero_bytes(word ^ (ones * '"')) | zero_bytes(word ^ (ones * '\\')) |
                                zero_bytes(word & (ones * 0xE0));
    if (found != 0) return at + static_cast<std::size_t>(std::countr_zero(found)) / 8;
  }
  while (at < text.size() && text[at] != '"' && text[at] != '\\' &&
         static_cast<unsigned char>(text[at]) >= 0x20) {
    ++at;
  }
  return at;
}

// An object member as the single pass wrote it: its key (a view into the text) and where its
// `"key":value` lies in the output.
struct written_member {
  std::string_view key;
  std::size_t from;
  std::size_t to;
};

// The single pass of write_canonical_subset. Each object's members are written in the order
// they come, then put in key order in place when they were not (an argument object's keys
// rarely are: exec_command writes cmd, workdir, yield_time_ms, max_output_tokens).
class canonical_subset {
 public:
  canonical_subset(std::string_view text, std::string& out, std::vector<char>& scratch,
                   std::vector<written_member>& members)
      : at_(text.data()),
        end_(text.data() + text.size()),
        out_(out),
        scratch_(scratch),
        members_(members) {}

  bool whole_text() {
    if (!value(0)) return false;
    skip_space();
    return at_ == end_;
  }

 private:
  static constexpr int deepest = 32;

  void skip_space() {
    while (at_ != end_ && (*at_ == ' ' || *at_ == '\n' || *at_ == '\r' || *at_ == '\t')) ++at_;
  }

  bool value(int depth) {
    skip_space();
    if (at_ == end_) return false;
    switch (*at_) {
      case '{':
        return depth < deepest && object(depth + 1);
      case '[':
        return depth < deepest && array(depth + 1);
      case '"':
        return string(escapes::simple);
      case 't':
        return word("true");
      case 'f':
        return word("false");
      case 'n':
        return word("null");
      default:
        return number();
    }
  }

  bool word(std::string_view expected) {
    if (static_cast<std::size_t>(end_ - at_) < expected.size() ||
        std::string_view(at_, expected.size()) != expected) {
      return false;
    }
    out_.append(expected);
    at_ += expected.size();
    return true;
  }

  // An integer as std::to_chars writes it: no leading zero, no '+', no fraction or exponent,
  // at most eighteen digits (within int64), not "-0" (which simdjson reads as a double).
  bool number() {
    const char* start = at_;
    if (*at_ == '-') ++at_;
    const char* digits = at_;
    while (at_ != end_ && *at_ >= '0' && *at_ <= '9') ++at_;
    const auto count = at_ - digits;
    if (count == 0 || count > 18 || (*digits == '0' && (count > 1 || digits != start))) {
      return false;
    }
    if (at_ != end_ && (*at_ == '.' || *at_ == 'e' || *at_ == 'E')) return false;
    out_.append(start, at_);
    return true;
  }

  enum class escapes : unsigned char { simple, none };

  // A string literal copied as it stands: its escapes, if allowed, are only those the canonical
  // form writes the same way.
  bool string(escapes allowed) {
    const std::string_view rest(at_, static_cast<std::size_t>(end_ - at_));
    std::size_t i = 1;
    for (;;) {
      i = next_json_escape(rest, i);
      if (i == rest.size()) return false;
      const char c = rest[i];
      if (c == '"') break;
      if (c != '\\' || allowed == escapes::none || i + 1 == rest.size()) return false;
      const char escaped = rest[i + 1];
      if (escaped != '"' && escaped != '\\' && escaped != 'n' && escaped != 'r' && escaped != 't') {
        return false;
      }
      i += 2;
    }
    out_.append(rest.substr(0, i + 1));
    at_ += i + 1;
    return true;
  }

  // An array's items or an object's members, from the opening bracket (at at_) to the closing
  // one: each read by `item`, the commas between them written.
  template <typename Item>
  bool comma_list(char close, Item&& item) {
    ++at_;
    skip_space();
    if (at_ != end_ && *at_ == close) {
      ++at_;
      return true;
    }
    for (;;) {
      if (!item()) return false;
      skip_space();
      if (at_ == end_) return false;
      if (*at_ == close) {
        ++at_;
        return true;
      }
      if (*at_ != ',') return false;
      ++at_;
      out_.push_back(',');
    }
  }

  bool array(int depth) {
    out_.push_back('[');
    if (!comma_list(']', [&] { return value(depth); })) return false;
    out_.push_back(']');
    return true;
  }

  bool object(int depth) {
    out_.push_back('{');
    const std::size_t first = members_.size();
    const std::size_t written_from = out_.size();
    if (!comma_list('}', [&] { return member(depth); })) return false;
    put_in_key_order(first, written_from);
    members_.resize(first);
    out_.push_back('}');
    return true;
  }

  // `"key":value`, noted in members_ for put_in_key_order.
  bool member(int depth) {
    skip_space();
    if (at_ == end_ || *at_ != '"') return false;
    const char* key = at_ + 1;
    const std::size_t member_start = out_.size();
    if (!string(escapes::none)) return false;
    const std::string_view key_text(key, static_cast<std::size_t>(at_ - 1 - key));
    skip_space();
    if (at_ == end_ || *at_ != ':') return false;
    ++at_;
    out_.push_back(':');
    if (!value(depth)) return false;
    members_.push_back({key_text, member_start, out_.size()});
    return true;
  }

  // Sorts this object's members (from `first` in members_) by key, stably, as the DOM route
  // does, and rewrites them in that order when it changed.
  void put_in_key_order(std::size_t first, std::size_t written_from) {
    const auto these = std::span(members_).subspan(first);
    const auto by_key = [](const written_member& a, const written_member& b) {
      return a.key < b.key;
    };
    if (std::is_sorted(these.begin(), these.end(), by_key)) return;
    std::stable_sort(these.begin(), these.end(), by_key);
    scratch_.assign(out_.begin() + static_cast<std::ptrdiff_t>(written_from), out_.end());
    out_.resize(written_from);
    for (std::size_t k = 0; k < these.size(); ++k) {
      if (k > 0) out_.push_back(',');
      out_.append(scratch_.data() + (these[k].from - written_from), these[k].to - these[k].from);
    }
  }

  const char* at_;
  const char* end_;
  std::string& out_;
  std::vector<char>& scratch_;
  std::vector<written_member>& members_;
};

}  // namespace

void append_json_string(std::string& out, std::string_view text) {
  out.push_back('"');
  for (std::size_t i = 0; i < text.size(); ++i) {
    // Most bytes need no escape: append them a run at a time.
    const std::size_t run = next_json_escape(text, i);
    if (run > i) {
      out.append(text.substr(i, run - i));
      i = run;
      if (i == text.size()) break;
    }
    const char c = text[i];
    switch (c) {
      case '"':
        out.append("\\\"");
        break;
      case '\\':
        out.append("\\\\");
        break;
      case '\n':
        out.append("\\n");
        break;
      case '\r':
        out.append("\\r");
        break;
      case '\t':
        out.append("\\t");
        break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          static constexpr char hex[] = "0123456789abcdef";
          out.append("\\u00");
          out.push_back(hex[(c >> 4) & 0xF]);
          out.push_back(hex[c & 0xF]);
        } else {
          out.push_back(c);
        }
    }
  }
  out.push_back('"');
}

void append_canonical(std::string& out, simdjson::dom::element value, int depth) {
  if (depth > 64) return;  // simdjson bounds depth too; this only keeps the recursion honest
  switch (value.type()) {
    case simdjson::dom::element_type::OBJECT: {
      simdjson::dom::object object;
      if (value.get_object().get(object) != simdjson::SUCCESS) return;
      // A few keys, as a call's arguments hold, are sorted in place on the stack, by insertion
      // (stable, as std::stable_sort, whose buffer and vector were two allocations per call).
      using field_entry = std::pair<std::string_view, simdjson::dom::element>;
      constexpr std::size_t few = 16;
      std::array<field_entry, few> on_stack;
      std::vector<field_entry> many;
      std::size_t count = 0;
      for (const auto field : object) {
        if (count < few) {
          on_stack[count] = field_entry(field.key, field.value);
        } else {
          if (many.empty()) many.assign(on_stack.begin(), on_stack.end());
          many.emplace_back(field.key, field.value);
        }
        ++count;
      }
      const std::span<field_entry> fields =
          count <= few ? std::span<field_entry>(on_stack.data(), count) : std::span(many);
      if (count <= few) {
        for (std::size_t i = 1; i < fields.size(); ++i) {
          for (std::size_t j = i; j > 0 && fields[j].first < fields[j - 1].first; --j) {
            std::swap(fields[j], fields[j - 1]);
          }
        }
      } else {
        std::stable_sort(fields.begin(), fields.end(),
                         [](const auto& a, const auto& b) { return a.first < b.first; });
      }
      out.push_back('{');
      for (std::size_t i = 0; i < fields.size(); ++i) {
        if (i > 0) out.push_back(',');
        append_json_string(out, fields[i].first);
        out.push_back(':');
        append_canonical(out, fields[i].second, depth + 1);
      }
      out.push_back('}');
      return;
    }
    case simdjson::dom::element_type::ARRAY: {
      simdjson::dom::array array;
      if (value.get_array().get(array) != simdjson::SUCCESS) return;
      out.push_back('[');
      bool first = true;
      for (const auto item : array) {
        if (!first) out.push_back(',');
        first = false;
        append_canonical(out, item, depth + 1);
      }
      out.push_back(']');
      return;
    }
    case simdjson::dom::element_type::STRING: {
      std::string_view text;
      if (value.get_string().get(text) == simdjson::SUCCESS) append_json_string(out, text);
      return;
    }
    case simdjson::dom::element_type::INT64:
    case simdjson::dom::element_type::UINT64: {
      // As simdjson::to_string writes them, without its string.
      char digits[24];
      const auto written = value.type() == simdjson::dom::element_type::INT64
                               ? std::to_chars(std::begin(digits), std::end(digits),
                                               value.get_int64().value_unsafe())
                               : std::to_chars(std::begin(digits), std::end(digits),
                                               value.get_uint64().value_unsafe());
      out.append(digits, static_cast<std::size_t>(written.ptr - digits));
      return;
    }
    case simdjson::dom::element_type::BOOL:
      out.append(value.get_bool().value_unsafe() ? "true" : "false");
      return;
    case simdjson::dom::element_type::NULL_VALUE:
      out.append("null");
      return;
    default:
      out.append(simdjson::to_string(value));
      return;
  }
}

canonical_outcome write_canonical_subset(std::string_view text, std::string& out) {
  // The pass's working space, kept by the thread (arguments are completed on either thread).
  thread_local std::vector<char> scratch;
  thread_local std::vector<written_member> members;
  const std::size_t before = out.size();
  members.clear();
  const bool taken = simdjson::validate_utf8(text.data(), text.size()) &&
                     canonical_subset(text, out, scratch, members).whole_text();
  if (scratch.capacity() > (std::size_t{1} << 20)) scratch = std::vector<char>();
  if (!taken) {
    out.resize(before);
    return canonical_outcome::not_json;
  }
  return canonical_outcome::written;
}

canonical_outcome write_canonical(std::string_view text, std::string& out) {
  if (write_canonical_subset(text, out) == canonical_outcome::written) {
    return canonical_outcome::written;
  }
  // simdjson reads from a copy with its padding: the text is a view into a line or a batch.
  thread_local simdjson::dom::parser parser;
  thread_local std::string padded;
  padded.assign(text);
  padded.append(simdjson::SIMDJSON_PADDING, '\0');
  simdjson::dom::element value;
  const bool parsed =
      parser.parse(padded.data(), text.size(), false).get(value) == simdjson::SUCCESS;
  if (parsed) append_canonical(out, value, 0);
  // A buffer that grew for one exceptional call is not kept.
  if (padded.capacity() > (std::size_t{1} << 20)) padded = std::string();
  return parsed ? canonical_outcome::written : canonical_outcome::not_json;
}

}  // namespace loopscope::normalize::detail
