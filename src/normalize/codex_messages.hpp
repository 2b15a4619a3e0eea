// What Codex's wordings mean, read from the message catalogues of rules/formats/codex-messages.yaml
// (codex-errors, codex-error-urls, codex-human-messages, codex-trace-messages; overlaid by the
// user's --formats files). The Codex decoders take the framing off a line and hand the words here;
// the catalogues' `tag`s tell them what framing a message starts (a held status line, a wrapped
// record, a handshake line), from the one table in codex_messages.cpp.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "loopscope/core/event.hpp"

namespace loopscope::normalize::detail {

// What a human-output message (exec stderr, TUI, Codex App, exec --json, rollout payloads) starts.
enum class human_framing : unsigned char {
  none,         // no entry knows the words
  skip,         // understood, no event ("Reading additional input from stdin…")
  event,        // an event, complete on this line
  status_line,  // the TUI's "Reconnecting... n/N (6s • esc to interrupt)": details follow on "└"
  details,      // "Reconnecting... n/N (<error>)": e.message holds the error being retried
  legacy_retry,  // "stream error: …; retrying n/N in d…" (the suffix may come on a later line)
  wrapped,       // a warning or error the terminal may have wrapped onto more lines
};

// What else a tracing message asks of the decoder (tags may combine: "ws-line classify").
struct trace_framing {
  bool matched = false;
  bool ws_line = false;   // a handshake line: the OTel event of the same handshake is redundant
  bool classify = false;  // e.message (or the whole message when no capture) is an error text
  bool fallback = false;  // the session's transport is HTTP from here on
};

struct reconnecting_notice {
  int attempt = 0;
  int limit = 0;
  std::string details;  // the error in the trailing parentheses, if any (not the TUI's timer)
};

// "Reconnecting... 2/5 (details)", the older "Re-connecting... 2/5", the TUI's status line.
std::optional<reconnecting_notice> read_reconnecting(std::string_view message);

// True when a warning's words are Codex's switch from WebSockets to HTTPS.
bool is_transport_fallback_notice(std::string_view message);

// Reads a human-output message into `e` (kind and fields). `e.kind` is set only when an entry
// matches.
human_framing read_human_message(std::string_view text, event& e);

// Reads a tracing message (after stamp, level, spans and target) into `e`.
trace_framing read_trace_message(std::string_view message, event& e);

// Status, transport, method, path and the error class an error text gives (codex-error-urls, then
// codex-errors); fields already set are kept, and so is `e.kind`: the decoder framed the text
// (a retry's details, a fallback's cause) and knows what event it is.
void classify_codex_error(std::string_view text, event& e);

}  // namespace loopscope::normalize::detail
