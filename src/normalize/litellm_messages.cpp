#include "litellm_messages.hpp"

#include <array>
#include <cstring>

#include "loopscope/core/text_lines.hpp"

namespace loopscope::normalize::detail {
namespace {

// Messages are kept as written, but a DEBUG dump can be megabytes long: the event keeps the head,
// the excerpt keeps the evidence.
constexpr std::size_t message_bytes = 4096;

bool is_digit(char c) {
  return c >= '0' && c <= '9';
}

// The text cut to `limit` bytes on a character boundary, an ellipsis after it when cut: made as
// the event's text at once (a std::string first was one more allocation and copy per record).
shared_text cut_utf8(std::string_view text, std::size_t limit) {
  if (text.size() <= limit) return shared_text(text);
  return shared_text::joined(utf8_prefix(text, limit), "…");
}

// "path=/v1/responses?key=…" → "path=/v1/responses": query values can hold keys.
std::string without_query_strings(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '?' && i > 0 && text[i - 1] != ' ') {
      while (i + 1 < text.size() && text[i + 1] != ' ') ++i;
      continue;
    }
    out.push_back(text[i]);
  }
  return out;
}

}  // namespace

std::string strip_ansi(std::string_view text) {
  std::string out;
  return std::string(strip_ansi(text, out));
}

std::string_view strip_ansi(std::string_view text, std::string& out) {
  // Every code holds a '[': a line without one is returned as it is.
  if (text.find('[') == std::string_view::npos) return text;
  out.clear();
  out.reserve(text.size());
  std::size_t copied = 0;  // text[copied, i) is still to be appended: copied in runs, not bytes
  std::size_t i = 0;
  while (i < text.size()) {
    const char c = text[i];
    if (c == '\x1b' || c == '[') {
      // ESC "[" params "m", or the same without the ESC byte.
      std::size_t pos = i + (c == '\x1b' ? 1 : 0);
      if (pos < text.size() && text[pos] == '[') {
        ++pos;
        const std::size_t params = pos;
        while (pos < text.size() && pos - params < 8 && (is_digit(text[pos]) || text[pos] == ';')) {
          ++pos;
        }
        if (pos < text.size() && text[pos] == 'm' && (pos > params || c == '\x1b')) {
          out.append(text.substr(copied, i - copied));
          i = pos + 1;
          copied = i;
          continue;
        }
      }
    }
    ++i;
  }
  if (copied == 0) return text;
  out.append(text.substr(copied));
  return out;
}

classification classify_litellm_message(const catalogue_chain& catalogues, std::string_view text,
                                        std::string_view traceback_exception, event& e,
                                        formats::extraction_time extraction) {
  const formats::match_result match =
      catalogues.apply(text, e, formats::match_context{traceback_exception}, extraction);
  if (match.outcome != formats::match_outcome::event) return {};
  // The fallback fold's steps are the data's tags.
  const fallback_step step = match.entry->tag == "trying"         ? fallback_step::trying
                             : match.entry->tag == "falling_back" ? fallback_step::falling_back
                                                                  : fallback_step::none;
  if (e.kind == event_kind::request) {
    // The header dump stays out of the message: only the ids are kept from it.
    std::string_view head = rest_of_line(text);
    head = head.substr(0, head.find(" headers="));
    head = head.substr(0, head.find('{'));
    while (!head.empty() && (head.back() == ' ' || head.back() == ':')) head.remove_suffix(1);
    e.message = cut_utf8(without_query_strings(head), message_bytes);
  } else {
    e.message = cut_utf8(text, message_bytes);
  }
  // The template is made once the event is delivered (fallback_fold): a record's head is
  // classified again when continuation lines follow it.
  return {true, step, match.pending};
}

namespace {

// The packed text's head: fixed-size fields, then the three texts' sizes.
struct packed_head {
  formats::pending_extraction pending;
  std::uint32_t session_bytes;
  std::uint32_t traceback_bytes;
};

}  // namespace

deferred_fields::deferred_fields(std::string& buffer, const formats::pending_extraction& pending,
                                 std::string_view fallback_session,
                                 std::string_view traceback_exception, std::string_view text)
    : packed_(buffer) {
  const packed_head head{pending, static_cast<std::uint32_t>(fallback_session.size()),
                         static_cast<std::uint32_t>(traceback_exception.size())};
  packed_.clear();
  packed_.append(reinterpret_cast<const char*>(&head), sizeof head);
  packed_.append(fallback_session);
  packed_.append(traceback_exception);
  packed_.append(text);
}

void deferred_fields::complete(std::string_view packed, event& e) {
  packed_head head;
  std::memcpy(&head, packed.data(), sizeof head);
  std::string_view rest = packed.substr(sizeof head);
  const std::string_view session = rest.substr(0, head.session_bytes);
  rest.remove_prefix(head.session_bytes);
  const std::string_view traceback = rest.substr(0, head.traceback_bytes);
  rest.remove_prefix(head.traceback_bytes);
  head.pending.from->complete(head.pending, rest, formats::match_context{traceback}, e);
  if (e.session_key.empty()) e.session_key = session;
}

std::string_view last_exception_line(std::string_view traceback) {
  std::string_view found;
  std::size_t start = 0;
  while (start < traceback.size()) {
    std::size_t end = traceback.find('\n', start);
    if (end == std::string_view::npos) end = traceback.size();
    std::string_view line = traceback.substr(start, end - start);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (!line.empty() && line.front() != ' ' && line.front() != '\t' &&
        !line.starts_with("Traceback (most recent call last)") &&
        !line.starts_with("During handling of the above exception") &&
        !line.starts_with("The above exception was the direct cause")) {
      found = line;
    }
    start = end + 1;
  }
  return found;
}

bool looks_like_record_part(std::string_view line) {
  if (line.empty()) return true;
  if (line.front() == ' ' || line.front() == '\t') return true;
  static constexpr std::array prefixes{
      std::string_view("Traceback (most recent call last)"),
      std::string_view("During handling of the above exception"),
      std::string_view("The above exception was the direct cause"),
      std::string_view("Debug Information:"),
      std::string_view("Received Model Group="),
      std::string_view("Available Model Group Fallbacks="),
      std::string_view("LiteLLM Retried:"),
      std::string_view("litellm."),
  };
  for (const std::string_view prefix : prefixes) {
    if (line.starts_with(prefix)) return true;
  }
  return false;
}

void fallback_fold::push(event&& e, fallback_step step, event_sink& sink,
                         const deferred_fields* later) {
  const auto deliver = [&](event&& delivered) {
    if (later != nullptr) {
      sink.on_event_completed_masking(std::move(delivered), later->packed(),
                                      &deferred_fields::complete);
    } else {
      sink.on_event_masking_message(std::move(delivered));
    }
  };
  if (holding_) {
    holding_ = false;
    if (step == fallback_step::falling_back) {
      // One fallback: the "Falling back" line names the group and stands for both.
      deliver(std::move(e));
      return;
    }
    sink.on_event_masking_message(std::move(held_));
  }
  if (step == fallback_step::trying) {
    held_ = std::move(e);
    holding_ = true;
    return;
  }
  deliver(std::move(e));
}

void fallback_fold::flush(event_sink& sink) {
  if (!holding_) return;
  holding_ = false;
  sink.on_event_masking_message(std::move(held_));
}

}  // namespace loopscope::normalize::detail
