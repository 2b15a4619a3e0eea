// uvicorn access and WebSocket lines in front of LiteLLM: "INFO:     127.0.0.1:50412 - \"POST
// /v1/responses HTTP/1.1\" 200 OK". uvicorn pads "LEVEL:" to 9 characters plus a space and prints
// no timestamp, so these events carry no time; they belong to the input's session.
#include "json_line.hpp"
#include "litellm_messages.hpp"
#include "loopscope/normalize/normalizer.hpp"
#include "normalizers.hpp"
#include "uvicorn_messages.hpp"

namespace loopscope::normalize::detail {
namespace {

bool is_upper(char c) {
  return c >= 'A' && c <= 'Z';
}

class uvicorn_access_normalizer final : public format_normalizer {
 public:
  explicit uvicorn_access_normalizer(const input_context& context)
      : session_key_(context.input_key) {}

  line_result normalize(std::string_view raw_line, origin where, event_sink& sink) override {
    const std::string_view line = unwrap_inline_code(raw_line);
    if (line.empty()) return {line_outcome::skipped, false};
    // "LEVEL:" then padding; the message starts after the spaces.
    std::size_t colon = 0;
    while (colon < line.size() && colon < 9 && is_upper(line[colon])) ++colon;
    if (colon == 0 || colon >= line.size() || line[colon] != ':' || colon + 1 >= line.size() ||
        line[colon + 1] != ' ') {
      // A forced format sends traceback lines here rather than to continue_record.
      line_result result;
      if (continue_record(line, where, result)) return result;
      return {line_outcome::malformed, false};
    }
    const std::string_view level = line.substr(0, colon);
    const std::string_view message = line.substr(colon + 1);

    event e = make_event(event_kind::other, format_id::uvicorn_access, where, line);
    const uvicorn_outcome outcome = decode_uvicorn_message(message, e);
    // uvicorn logs "Exception in ASGI application" at ERROR with a traceback after it.
    in_traceback_ = level == "ERROR";
    traceback_started_ = false;
    if (outcome == uvicorn_outcome::malformed) return {line_outcome::malformed, false};
    if (outcome == uvicorn_outcome::skipped) return {line_outcome::skipped, false};
    if (e.http.transport != transport_kind::unknown) {
      e.excerpt = make_excerpt(without_query(line));
    }
    e.session_key = session_key_;
    sink.on_event_masking_message(std::move(e));
    return {line_outcome::used, false};
  }

  bool continue_record(std::string_view line, origin, line_result& result) override {
    if (!in_traceback_) return false;
    result = {line_outcome::skipped, false};
    if (line.starts_with("Traceback (most recent call last)")) {
      traceback_started_ = true;
      return true;
    }
    if (line.empty() || line.front() == ' ' || line.front() == '\t') return true;
    if (traceback_started_ && looks_like_record_part(line)) return true;
    if (traceback_started_) {
      // The exception line ends the traceback.
      in_traceback_ = false;
      return true;
    }
    in_traceback_ = false;
    return false;
  }

 private:
  std::string session_key_;
  bool in_traceback_ = false;
  bool traceback_started_ = false;
};

}  // namespace

std::unique_ptr<format_normalizer> make_uvicorn_access_normalizer(const input_context& context) {
  return std::make_unique<uvicorn_access_normalizer>(context);
}

}  // namespace loopscope::normalize::detail
