// What Codex prints for humans: `codex exec` stderr ("ERROR: Reconnecting... 2/5",
// "warning: …"), and the TUI and Codex App lines that users paste into bug reports:
//   Reconnecting... 2/5 (6s • esc to interrupt)            TUI status line, timer in parentheses
//     └ Stream disconnected before completion: …          its details, wrapped over lines
//   ⚠ Falling back from WebSockets to HTTPS transport. …   the fallback warning
//   ■ <message>                                            the error that ended the turn
//   ⚠️ stream error: <e>; retrying 1/5 in 199ms…           before ~0.46 (2025), often wrapped
// Reference: codex-rs/exec/src/event_processor_with_human_output.rs and the StreamError messages of
// codex-rs/core (rust-v0.121.0). These lines carry no session or turn id: events get the input's
// key.
//
// A status line and its details arrive on several lines, and continue_record has no sink: the
// event is held until the record is complete and emitted by the next line of this format or
// by finish().
#include <re2/re2.h>

#include <optional>

#include "codex_error_text.hpp"
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

bool starts_with_ci(std::string_view text, std::string_view prefix) {
  if (text.size() < prefix.size()) return false;
  for (std::size_t i = 0; i < prefix.size(); ++i) {
    char a = text[i];
    char b = prefix[i];
    if (a >= 'A' && a <= 'Z') a = static_cast<char>(a - 'A' + 'a');
    if (b >= 'A' && b <= 'Z') b = static_cast<char>(b - 'A' + 'a');
    if (a != b) return false;
  }
  return true;
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
    // The Codex App prints a retry's details unindented under "Reconnecting... n/N". After the
    // last retry (n = N) the same words are the error that ended the turn (openai/codex#14260).
    if (pending_kind_ == record_kind::status_line && pending_text_.empty() && glyph.empty() &&
        pending_ && pending_->attempt < pending_->attempt_limit &&
        starts_with_ci(text, "stream disconnected before completion: ")) {
      pending_text_ = std::string(text);
      pending_kind_ = record_kind::none;
      return {line_outcome::used, false};
    }
    finish(sink);
    auto make = [&](event_kind kind) {
      event e = make_event(kind, format_id::codex_exec_stderr, where, line);
      e.session_key = session_key_;
      return e;
    };
    auto emit = [&](event e) { sink.on_event(std::move(e)); };

    if (line.starts_with("Reading additional input from stdin"))
      return {line_outcome::skipped, false};
    if (line.starts_with("ERROR: ")) {
      const std::string_view error = trim(line.substr(7));
      if (auto notice = parse_reconnecting(error)) {
        emit(retry_event(make, *notice));
      } else {
        event e = make(event_kind::turn_error);
        fill_error(e, error);
        emit(std::move(e));
      }
      return {line_outcome::used, false};
    }
    if (line.starts_with("warning: ") || line.starts_with("WARNING: ")) {
      event e = make(event_kind::warning);
      fill_error(e, trim(line.substr(9)));
      emit(std::move(e));
      return {line_outcome::used, false};
    }

    if (auto notice = parse_reconnecting(text)) {
      // The TUI's parentheses hold its timer ("6s • esc to interrupt"), not details.
      if (notice->details.find("esc to interrupt") != std::string::npos) notice->details.clear();
      pending_ = retry_event(make, *notice);
      pending_kind_ = record_kind::status_line;
      pending_lines_ = 0;
      return {line_outcome::used, false};
    }
    if (text.starts_with("stream error: ")) {
      pending_ = make(event_kind::stream_retry);
      pending_text_ = std::string(text.substr(14));
      pending_kind_ = record_kind::legacy_retry;
      pending_lines_ = 0;
      if (complete_legacy()) finish(sink);
      return {line_outcome::used, false};
    }
    if (text.starts_with("Falling back from WebSockets to HTTPS transport.")) {
      event e = make(event_kind::transport_fallback);
      // The warning says what failed: the WebSocket transport (its details may not name a URL).
      e.http.transport = transport_kind::websocket;
      hold_wrapped(std::move(e), text, line, false);
      return {line_outcome::used, false};
    }
    if (starts_with_ci(text, "stream disconnected before completion: ") ||
        starts_with_ci(text, "unexpected status ") || glyph == "■") {
      hold_wrapped(make(event_kind::turn_error), text, line, glyph == "■");
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
  template <typename Make>
  static event retry_event(Make& make, const reconnecting_notice& notice) {
    event e = make(event_kind::stream_retry);
    e.attempt = notice.attempt;
    e.attempt_limit = notice.limit;
    if (!notice.details.empty()) fill_error(e, notice.details);
    return e;
  }

  // Holds a warning or error until the lines the terminal wrapped it onto have arrived.
  void hold_wrapped(event e, std::string_view text, std::string_view line, bool error_cell) {
    wrapped_unindented_ = error_cell;
    pending_ = std::move(e);
    pending_text_ = std::string(text);
    pending_kind_ = record_kind::wrapped;
    pending_lines_ = 0;
    previous_line_ = std::string(trim(line).substr(0, max_record_bytes));
  }

  // "<error>; retrying 1/5 in 199ms…": true once the suffix has arrived.
  bool complete_legacy() {
    static const RE2 suffix(
        R"(; retrying (\d+)/(\d+) in ([0-9.]+(?:ns|µs|us|ms|s))(?:…|\.\.\.)?\s*$)");
    int attempt = 0;
    int limit = 0;
    std::string delay;
    re2::StringPiece input(pending_text_);
    if (!RE2::PartialMatch(input, suffix, &attempt, &limit, &delay)) return false;
    pending_->attempt = attempt;
    pending_->attempt_limit = limit;
    pending_->delay_ms = parse_rust_duration_ms(delay).value_or(-1);
    pending_text_.resize(pending_text_.rfind("; retrying "));
    return true;
  }

  static void fill_error(event& e, std::string_view text) {
    e.message = std::string(text);
    classify_codex_error(text, e.http, e.error_class);
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
