#include "prose.hpp"
#include "loopscope/core/text_lines.hpp"

#include <algorithm>

#include <fmt/format.h>

namespace loopscope::detect {
namespace {

bool advice_fits(const advice_rule& a, const finding& f) {
  const root_cause* c = f.cause ? &*f.cause : nullptr;
  const int status = c ? c->http.status : 0;
  if (!a.statuses.empty() &&
      std::find(a.statuses.begin(), a.statuses.end(), status) == a.statuses.end()) {
    return false;
  }
  if (a.has_status && (status != 0) != *a.has_status) return false;
  if (a.transport && (c == nullptr || c->http.transport != *a.transport)) return false;
  if (a.retriable) {
    if (c == nullptr || c->is_retriable == retriable::unknown) return false;
    if ((c->is_retriable == retriable::yes) != *a.retriable) return false;
  }
  if (!a.error_classes.empty() &&
      (c == nullptr || std::find(a.error_classes.begin(), a.error_classes.end(), c->error_class) ==
                           a.error_classes.end())) {
    return false;
  }
  return true;
}

// The failure's words without Codex's wrapping: "Reconnecting... 2/5 (stream disconnected before
// completion: idle timeout waiting for SSE)" says "idle timeout waiting for SSE".
std::string short_message(std::string_view message) {
  std::string_view text = message;
  if (const auto open = text.find(" ("); text.starts_with("Reconnecting") && open != text.npos) {
    text = text.substr(open + 2);
    if (text.ends_with(")")) text.remove_suffix(1);
  }
  for (const std::string_view prefix : {"stream disconnected before completion: "}) {
    if (text.starts_with(prefix)) text.remove_prefix(prefix.size());
  }
  const std::string_view head = utf8_prefix(text, 100);
  std::string out(head);
  if (head.size() < text.size()) out += "…";
  return out;
}

}  // namespace

std::string fill_template(const std::string& text, const finding& f, std::string_view lane_text) {
  std::string out;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '{') {
      out += text[i];
      continue;
    }
    const std::size_t close = text.find('}', i);
    if (close == std::string::npos) {
      out += text.substr(i);
      break;
    }
    const std::string name = text.substr(i + 1, close - i - 1);
    const root_cause* c = f.cause ? &*f.cause : nullptr;
    std::string value;
    if (name == "iterations") {
      value = fmt::format("{}", f.iterations);
    } else if (name == "turn") {
      value = fmt::format("{}", f.turn);
    } else if (name == "status") {
      value = c && c->http.status ? fmt::format("{}", c->http.status) : "an unknown status";
    } else if (name == "method") {
      value = c && !c->http.method.empty() ? c->http.method : "?";
    } else if (name == "path") {
      value = c && !c->http.path.empty() ? c->http.path : "?";
    } else if (name == "transport") {
      value = c ? std::string(transport_name(c->http.transport)) : "unknown";
    } else if (name == "error_class") {
      value = c && !c->error_class.empty() ? c->error_class : "an unidentified error";
    } else if (name == "retriable") {
      value = !c || c->is_retriable == retriable::unknown ? "of unknown retriability"
              : c->is_retriable == retriable::yes         ? "retriable"
                                                          : "not retriable";
    } else if (name == "cause") {
      // "HTTP 503 (UnexpectedStatus) on POST /v1/responses", or what is known of it.
      if (c == nullptr) {
        value = "an unidentified error";
      } else {
        value = c->http.status ? fmt::format("HTTP {}", c->http.status) : "";
        if (!c->error_class.empty()) {
          value += value.empty() ? c->error_class : fmt::format(" ({})", c->error_class);
        }
        // Without status or class, the failure's own words ("idle timeout waiting for SSE").
        if (value.empty() && !c->message.empty())
          value = fmt::format("\"{}\"", short_message(c->message));
        if (value.empty()) value = "an unidentified error";
        if (!c->http.method.empty() || !c->http.path.empty()) {
          value += fmt::format(" on {}{}{}", c->http.method, c->http.method.empty() ? "" : " ",
                               c->http.path);
        }
      }
    } else if (name == "lane") {
      value = std::string(lane_text);
    } else if (name == "period") {
      value = fmt::format("{}", f.cycle.size());
    } else if (name == "duration") {
      const auto ms = f.duration_ms();
      value = ms ? fmt::format("{:.1f} s", static_cast<double>(*ms) / 1000) : "an unknown time";
    } else {
      value = "{" + name + "}";
    }
    out += value;
    i = close;
  }
  return out;
}

void write_prose(const rule& r, finding& f, std::string_view lane_text) {
  f.summary = r.summary.empty() ? r.title : fill_template(r.summary, f, lane_text);
  const std::string* advice = &r.advice;
  for (const advice_rule& a : r.advice_rules) {
    if (advice_fits(a, f)) {
      advice = &a.advice;
      break;
    }
  }
  f.advice = fill_template(*advice, f, lane_text);
  f.headline = r.headline.empty() ? std::string() : fill_template(r.headline, f, lane_text);
}

}  // namespace loopscope::detect
