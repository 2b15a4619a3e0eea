#include "codex_messages.hpp"

#include <array>
#include <bitset>
#include <utility>

#include "loopscope/formats/catalogue.hpp"
#include "loopscope/formats/registry.hpp"

namespace loopscope::normalize::detail {
namespace {

// The catalogue names the data defines (rules/formats/codex-messages.yaml).
constexpr std::string_view errors_catalogue = "codex-errors";
constexpr std::string_view urls_catalogue = "codex-error-urls";
constexpr std::string_view human_catalogue = "codex-human-messages";
constexpr std::string_view trace_catalogue = "codex-trace-messages";

// The human-output tags and the framing each starts: one table, read both ways.
constexpr std::array<std::pair<std::string_view, human_framing>, 4> human_tags{{
    {"status-line", human_framing::status_line},
    {"details", human_framing::details},
    {"legacy-retry", human_framing::legacy_retry},
    {"wrapped", human_framing::wrapped},
}};

const formats::catalogue* named(std::string_view name) {
  return formats::registry().catalogue_named(name);
}

// Each word of a space-separated tag list.
template <typename Fn>
void for_each_word(std::string_view tags, Fn fn) {
  while (!tags.empty()) {
    const std::size_t space = tags.find(' ');
    const std::string_view word = tags.substr(0, space);
    if (!word.empty()) fn(word);
    if (space == std::string_view::npos) break;
    tags.remove_prefix(space + 1);
  }
}

// Which first bytes a message can have for some entry of `c` to match: when every pattern is
// anchored and opens with a plain character ("^connecting…", "^[Ss]tream…" is not plain: the filter
// is then off), a message that starts otherwise is rejected without running RE2. Derived from
// the data once per catalogue, so an overlay's entries are honoured.
class first_byte_filter {
 public:
  bool may_match(const formats::catalogue* c, std::string_view text) {
    if (c != for_ || (c != nullptr && c->entries().data() != entries_)) rebuild(c);
    return !active_ || (!text.empty() && bytes_[static_cast<unsigned char>(text.front())]);
  }

 private:
  void rebuild(const formats::catalogue* c) {
    for_ = c;
    entries_ = c != nullptr ? c->entries().data() : nullptr;
    bytes_.reset();
    active_ = c != nullptr;
    if (!active_) return;
    for (const formats::message_entry& entry : c->entries()) {
      const std::string_view p = entry.pattern;
      const bool plain = p.size() >= 2 && p[0] == '^' &&
                         ((p[1] >= 'a' && p[1] <= 'z') || (p[1] >= 'A' && p[1] <= 'Z') ||
                          (p[1] >= '0' && p[1] <= '9'));
      if (!plain) {
        active_ = false;
        return;
      }
      bytes_.set(static_cast<unsigned char>(p[1]));
    }
  }

  const formats::catalogue* for_ = nullptr;
  const formats::message_entry* entries_ = nullptr;
  std::bitset<256> bytes_;
  bool active_ = false;
};

}  // namespace

human_framing read_human_message(std::string_view text, event& e) {
  const formats::catalogue* human = named(human_catalogue);
  if (human == nullptr) return human_framing::none;
  const formats::match_result got = human->apply(text, e);
  if (got.outcome == formats::match_outcome::none) return human_framing::none;
  if (got.outcome == formats::match_outcome::skip) return human_framing::skip;
  for (const auto& [tag, framing] : human_tags) {
    if (got.entry->tag == tag) return framing;
  }
  return human_framing::event;
}

trace_framing read_trace_message(std::string_view message, event& e) {
  trace_framing framing;
  const formats::catalogue* trace = named(trace_catalogue);
  if (trace == nullptr) return framing;
  // Tracing logs are mostly lines no entry knows: most are rejected by their first byte.
  thread_local first_byte_filter filter;
  if (!filter.may_match(trace, message)) return framing;
  const formats::match_result got = trace->apply(message, e);
  if (got.outcome != formats::match_outcome::event) return framing;
  framing.matched = true;
  for_each_word(got.entry->tag, [&](std::string_view word) {
    framing.ws_line |= word == "ws-line";
    framing.classify |= word == "classify";
    framing.fallback |= word == "fallback";
  });
  return framing;
}

std::optional<reconnecting_notice> read_reconnecting(std::string_view message) {
  event probe;
  probe.kind = event_kind::other;
  const human_framing framing = read_human_message(message, probe);
  if ((framing != human_framing::status_line && framing != human_framing::details) ||
      probe.kind != event_kind::stream_retry) {
    return std::nullopt;
  }
  return reconnecting_notice{probe.attempt, probe.attempt_limit, std::move(probe.message)};
}

bool is_transport_fallback_notice(std::string_view message) {
  event probe;
  probe.kind = event_kind::other;
  read_human_message(message, probe);
  return probe.kind == event_kind::transport_fallback;
}

void classify_codex_error(std::string_view text, event& e) {
  if (text.empty()) return;
  const event_kind kind = e.kind;
  for (const std::string_view name : {urls_catalogue, errors_catalogue}) {
    if (const formats::catalogue* c = named(name)) c->apply(text, e);
  }
  e.kind = kind;
}

}  // namespace loopscope::normalize::detail
