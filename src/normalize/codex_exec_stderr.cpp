// What Codex prints for humans: `codex exec` stderr ("ERROR: Reconnecting... 2/5",
// "warning: …"), and the TUI and Codex App lines that users paste into bug reports:
//   Reconnecting... 2/5 (6s • esc to interrupt)            TUI status line, timer in parentheses
//     └ Stream disconnected before completion: …          its details, wrapped over lines
//   ⚠ Falling back from WebSockets to HTTPS transport. …   the fallback warning
//   ■ <message>                                            the error that ended the turn
//   ⚠️ stream error: <e>; retrying 1/5 in 199ms…           before ~0.46 (2025), often wrapped
// Reference: codex-rs/exec/src/event_processor_with_human_output.rs and the StreamError messages of
// codex-rs/core (rust-v0.121.0). These lines carry no session or turn id: events get the input's
// key. This file keeps the framing (prefixes, glyphs, held records); what the words mean is data:
// the codex-human-messages and codex-errors catalogues (rules/formats/codex-messages.yaml).
//
// A status line and its details arrive on several lines, and continue_record has no sink: the
// event is held until the record is complete and emitted by the next line of this format or
// by finish().
#include <optional>

#include "codex_messages.hpp"
#include "codex_trace_line.hpp"
#include "json_line.hpp"
#include "loopscope/normalize/normalizer.hpp"
#include "loopscope/normalize/text_template.hpp"
#include "normalizers.hpp"

namespace loopscope::normalize::detail {
namespace {

// Bounds on a held record, so that a stray paste cannot grow one without limit.
constexpr std::size_t max_continuation_lines = 16;
constexpr std::size_t max_record_bytes = 16 * 1024;

std::string_view trim(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t' || text.back() == '\r')) {
    text.remove_suffix(1);
  }
  return text;
}

// The TUI's leading glyph, if any: "⚠️", "⚠", "◦", "•", "■", "└".
std::string_view strip_glyph(std::string_view text, std::string_view& glyph) {
  static constexpr std::string_view glyphs[] = {"⚠️", "⚠", "◦", "•", "■", "└"};
  text = trim(text);
  for (const std::string_view g : glyphs) {
    if (text.starts_with(g)) {
      glyph = g;
      return trim(text.substr(g.size()));
    }
  }
  glyph = {};
  return text;
}

enum class record_kind : unsigned char {
  none,
  status_line,   // "Reconnecting... n/N" awaiting its "└ details" lines
  legacy_retry,  // "stream error: …" awaiting its "; retrying n/N in d…" suffix
  wrapped,       // a warning or error whose text the terminal may have wrapped onto more lines
};

// How a wrapped record goes on. The TUI wraps a warning's rest with a two-space indent and an
// error cell's ("■") without one, at word boundaries (openai/codex#42564: "… url:" /
// "https://…"); a terminal that soft-wraps cuts anywhere, mid-word too, and a copy from it keeps
// the cut (openai/codex#19743: "… your organiz" / "ation (Reader, …"). Such a cut is at the
// terminal's full width: a long line that ends in a letter and a rest that goes on in lower case
// are joined without a space.
bool continues_mid_word(std::string_view previous, std::string_view line) {
  constexpr std::size_t min_terminal_width = 100;
  if (previous.size() < min_terminal_width || line.empty()) return false;
  const char last = previous.back();
  const char first = line.front();
  const bool letter = (last >= 'a' && last <= 'z') || (last >= 'A' && last <= 'Z');
  return letter && first >= 'a' && first <= 'z';
}

class codex_exec_stderr_normalizer final : public format_normalizer {
 public:
  explicit codex_exec_stderr_normalizer(const input_context& context)
      : session_key_(context.input_key) {}

  line_result normalize(std::string_view line, origin where, event_sink& sink) override {
    std::string_view glyph;
    const std::string_view text = strip_glyph(line, glyph);
    auto make = [&](event_kind kind) {
      event e = make_event(kind, format_id::codex_exec_stderr, where, line);
      e.session_key = session_key_;
      return e;
    };
    event e = make(event_kind::other);
    // `codex exec`'s own prefixes: "ERROR: " is the error that ended the turn or a retry notice,
    // "warning: " a warning; the words after them are read like any other.
    std::string_view prefix;
    for (const std::string_view p : {"ERROR: ", "warning: ", "WARNING: "}) {
      if (line.starts_with(p)) prefix = p;
    }
    const std::string_view words = prefix.empty() ? text : trim(line.substr(prefix.size()));
    const human_framing framing = read_human_message(words, e);

    // The Codex App prints a retry's details unindented under "Reconnecting... n/N". After the
    // last retry (n = N) the same words are the error that ended the turn (openai/codex#14260).
    if (pending_kind_ == record_kind::status_line && pending_text_.empty() && glyph.empty() &&
        prefix.empty() && pending_->attempt < pending_->attempt_limit &&
        framing == human_framing::wrapped && e.kind == event_kind::turn_error) {
      pending_text_ = std::string(text);
      pending_kind_ = record_kind::none;
      return {line_outcome::used, false};
    }
    finish(sink);
    if (framing == human_framing::skip) return {line_outcome::skipped, false};
    const bool retry =
        (framing == human_framing::status_line || framing == human_framing::details) &&
        e.kind == event_kind::stream_retry;

    if (prefix == "ERROR: ") {
      if (retry) {
        complete_retry(e);
      } else {
        e.kind = event_kind::turn_error;
        fill_error(e, words);
      }
      sink.on_event(std::move(e));
      return {line_outcome::used, false};
    }
    if (!prefix.empty()) {
      e.kind = event_kind::warning;
      fill_error(e, words);
      sink.on_event(std::move(e));
      return {line_outcome::used, false};
    }

    switch (framing) {
      case human_framing::status_line:
      case human_framing::details:
        if (!retry) break;
        complete_retry(e);
        hold(std::move(e), record_kind::status_line, {}, line);
        return {line_outcome::used, false};
      case human_framing::legacy_retry: {
        std::string error = std::move(e.message);  // without "stream error: " and the suffix
        e.message.clear();
        if (e.attempt > 0) {  // the whole notice on one line
          fill_error(e, error);
          sink.on_event(std::move(e));
          return {line_outcome::used, false};
        }
        hold(std::move(e), record_kind::legacy_retry, error, line);
        return {line_outcome::used, false};
      }
      case human_framing::wrapped:
        hold(std::move(e), record_kind::wrapped, text, line, glyph == "■");
        return {line_outcome::used, false};
      case human_framing::event:
        fill_error(e, text);
        sink.on_event(std::move(e));
        return {line_outcome::used, false};
      case human_framing::none:
      case human_framing::skip:
        break;
    }
    if (glyph == "■") {  // the TUI's rendering of the error that ended a turn, whatever it says
      e.kind = event_kind::turn_error;
      hold(std::move(e), record_kind::wrapped, text, line, true);
      return {line_outcome::used, false};
    }
    return {line_outcome::skipped, true};
  }

  bool continue_record(std::string_view line, origin, line_result& result) override {
    if (pending_kind_ == record_kind::none) return false;
    const std::string_view text = trim(line);
    if (text.empty() || text.starts_with("```") || ++pending_lines_ > max_continuation_lines ||
        pending_text_.size() + text.size() > max_record_bytes) {
      pending_kind_ = record_kind::none;  // the record ends here; it is emitted by finish()
      return false;
    }
    if (pending_kind_ == record_kind::wrapped) {
      const bool indented = line.starts_with(" ") || line.starts_with("\t");
      if (!indented && !wrapped_unindented_ && !continues_mid_word(previous_line_, text)) {
        pending_kind_ = record_kind::none;
        return false;
      }
      if (!continues_mid_word(previous_line_, text)) {
        pending_text_.push_back(' ');
      }
      pending_text_.append(text);
      previous_line_ = std::string(text);
      result = {line_outcome::used, false};
      return true;
    }
    if (pending_kind_ == record_kind::status_line) {
      // "└ Stream disconnected …", then the wrapped rest of it, indented.
      std::string_view glyph;
      const std::string_view detail = strip_glyph(line, glyph);
      const bool indented = line.starts_with(" ") || line.starts_with("\t");
      if (glyph != "└" && !(indented && !pending_text_.empty())) {
        pending_kind_ = record_kind::none;
        return false;
      }
      if (!pending_text_.empty()) pending_text_.push_back(' ');
      pending_text_.append(detail);
    } else {
      pending_text_.push_back(' ');
      pending_text_.append(text);
      if (complete_legacy()) pending_kind_ = record_kind::none;
    }
    result = {line_outcome::used, false};
    return true;
  }

  void finish(event_sink& sink) override {
    if (!pending_) return;
    event e = std::move(*pending_);
    pending_.reset();
    pending_kind_ = record_kind::none;
    if (!pending_text_.empty()) {
      fill_error(e, pending_text_);
      pending_text_.clear();
    }
    sink.on_event(std::move(e));
  }

 private:
  // A retry notice's details (the error in its parentheses), classified.
  static void complete_retry(event& e) {
    if (!e.message.empty()) fill_error(e, std::string(e.message));
  }

  // Holds a record until the lines that complete it (└ details, a wrapped rest, the legacy
  // "; retrying n/N in d…" suffix) have arrived. An error cell ("■") goes on unindented.
  void hold(event e, record_kind kind, std::string_view text, std::string_view line,
            bool error_cell = false) {
    wrapped_unindented_ = error_cell;
    pending_ = std::move(e);
    pending_text_ = std::string(text);
    pending_kind_ = kind;
    pending_lines_ = 0;
    previous_line_ = std::string(trim(line).substr(0, max_record_bytes));
  }

  // "stream error: <error>; retrying 1/5 in 199ms…": true once the suffix has arrived (the
  // catalogue's legacy-retry-suffix entry then gives the numbers and the error before them).
  bool complete_legacy() {
    event probe;
    probe.kind = event_kind::other;
    read_human_message(pending_text_, probe);
    if (probe.kind != event_kind::stream_retry || probe.attempt == 0) return false;
    pending_->attempt = probe.attempt;
    pending_->attempt_limit = probe.attempt_limit;
    pending_->delay_ms = probe.delay_ms;
    pending_text_ = std::move(probe.message);
    pending_->message.clear();
    return true;
  }

  static void fill_error(event& e, std::string_view text) {
    e.message = std::string(text);
    classify_codex_error(text, e);
    e.text_template = mask_text(text);
  }

  std::string session_key_;
  std::optional<event> pending_;
  std::string pending_text_;
  record_kind pending_kind_ = record_kind::none;
  std::size_t pending_lines_ = 0;
  std::string previous_line_;        // a wrapped record's last line, for continues_mid_word
  bool wrapped_unindented_ = false;  // the record goes on without indent (an error cell)
};

}  // namespace

std::unique_ptr<format_normalizer> make_codex_exec_stderr_normalizer(const input_context& context) {
  return std::make_unique<codex_exec_stderr_normalizer>(context);
}

}  // namespace loopscope::normalize::detail
