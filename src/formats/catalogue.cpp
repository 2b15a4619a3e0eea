#include "loopscope/formats/catalogue.hpp"

#include <fmt/format.h>
#include <re2/re2.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <utility>

#include "catalogue_extractors.hpp"
#include "loopscope/core/enum_names.hpp"
#include "pattern_set.hpp"

namespace loopscope::formats {
namespace {

// One table: each field's data name.
constexpr std::array<std::pair<event_field, std::string_view>, 19> field_names{{
    {event_field::status, "status"},
    {event_field::method, "method"},
    {event_field::path, "path"},
    {event_field::url, "url"},
    {event_field::transport, "transport"},
    {event_field::attempt, "attempt"},
    {event_field::attempt_limit, "attempt_limit"},
    {event_field::delay_ms, "delay_ms"},
    {event_field::delay_s, "delay_s"},
    {event_field::model, "model"},
    {event_field::model_group, "model_group"},
    {event_field::error_class, "error_class"},
    {event_field::request_id, "request_id"},
    {event_field::session_key, "session_key"},
    {event_field::turn_key, "turn_key"},
    {event_field::client, "client"},
    {event_field::tool_name, "tool_name"},
    {event_field::message, "message"},
    {event_field::phase, "phase"},
}};

// Values are bounded: a capture can be as long as the message.
constexpr std::size_t value_bytes = 256;

std::optional<int> parse_int(std::string_view text) {
  int value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return value;
}

// "0.88" → 880 (ms); at most millisecond precision, no locale.
std::optional<std::int64_t> parse_seconds_as_ms(std::string_view text) {
  std::int64_t whole = 0;
  std::size_t i = 0;
  for (; i < text.size() && text[i] >= '0' && text[i] <= '9' && i < 12; ++i) {
    whole = whole * 10 + (text[i] - '0');
  }
  if (i == 0 && (text.empty() || text[0] != '.')) return std::nullopt;
  std::int64_t ms = whole * 1000;
  if (i < text.size() && text[i] == '.') {
    std::int64_t scale = 100;
    for (++i; i < text.size() && text[i] >= '0' && text[i] <= '9'; ++i) {
      ms += (text[i] - '0') * scale;
      scale /= 10;
    }
  }
  if (i != text.size()) return std::nullopt;
  return ms;
}

void set_string(shared_text& target, std::string_view value) {
  if (target.empty() && !value.empty()) target = std::string(value.substr(0, value_bytes));
}

// A URL Codex or a proxy printed: transport from the scheme (a WebSocket upgrade is an HTTP GET),
// path without query or fragment (query values can hold keys).
bool fill_url(event& e, std::string_view url) {
  transport_kind transport = transport_kind::unknown;
  if (url.starts_with("ws://") || url.starts_with("wss://")) {
    transport = transport_kind::websocket;
  } else if (url.starts_with("http://") || url.starts_with("https://")) {
    transport = transport_kind::http;
  } else if (url.starts_with("/")) {
    set_string(e.http.path, url.substr(0, url.find_first_of("?#")));
    return true;
  } else {
    return false;
  }
  if (e.http.transport == transport_kind::unknown) e.http.transport = transport;
  if (transport == transport_kind::websocket) set_string(e.http.method, "GET");
  const std::size_t scheme_end = url.find("://");
  const std::size_t path_start = url.find('/', scheme_end + 3);
  const std::string_view path =
      path_start == std::string_view::npos ? std::string_view("/") : url.substr(path_start);
  set_string(e.http.path, path.substr(0, path.find_first_of("?#")));
  return true;
}

}  // namespace

std::optional<event_field> event_field_from_name(std::string_view name) {
  return value_in(field_names, name);
}

std::string_view event_field_name(event_field field) {
  return name_in(field_names, field, "?");
}

std::string event_field_value(const event& e, event_field field) {
  const auto number = [](auto v, auto unset) {
    return v == unset ? std::string() : fmt::format("{}", v);
  };
  switch (field) {
    case event_field::status:
      return number(e.http.status, 0);
    case event_field::method:
      return e.http.method;
    case event_field::path:
    case event_field::url:
      return e.http.path;
    case event_field::transport:
      return e.http.transport == transport_kind::unknown
                 ? std::string()
                 : std::string(transport_name(e.http.transport));
    case event_field::attempt:
      return number(e.attempt, 0);
    case event_field::attempt_limit:
      return number(e.attempt_limit, 0);
    case event_field::delay_ms:
    case event_field::delay_s:
      return number(e.delay_ms, std::int64_t{-1});
    case event_field::model:
      return e.model;
    case event_field::model_group:
      return e.model_group;
    case event_field::error_class:
      return e.error_class;
    case event_field::request_id:
      return e.request_id;
    case event_field::session_key:
      return e.session_key;
    case event_field::turn_key:
      return e.turn_key;
    case event_field::client:
      return e.client;
    case event_field::tool_name:
      return e.tool_name;
    case event_field::message:
      return e.message;
    case event_field::phase:
      return e.phase == stream_phase::unknown ? std::string()
                                              : std::string(stream_phase_name(e.phase));
  }
  return {};
}

bool fill_event_field(event& e, event_field field, std::string_view value) {
  const auto fill_int = [&](int& target) {
    const auto v = parse_int(value);
    if (!v) return false;
    if (target == 0) target = *v;
    return true;
  };
  switch (field) {
    case event_field::status: {
      const auto v = parse_int(value);
      if (!v || *v < 100 || *v > 599) return false;
      if (e.http.status == 0) e.http.status = *v;
      return true;
    }
    case event_field::method:
      set_string(e.http.method, value);
      return true;
    case event_field::path:
      set_string(e.http.path, value.substr(0, value.find_first_of("?#")));
      return true;
    case event_field::url:
      return fill_url(e, value);
    case event_field::transport: {
      const auto t = transport_from_name(value);
      if (!t) return false;
      if (e.http.transport == transport_kind::unknown) e.http.transport = *t;
      return true;
    }
    case event_field::attempt:
      return fill_int(e.attempt);
    case event_field::attempt_limit:
      return fill_int(e.attempt_limit);
    case event_field::delay_ms: {
      const auto v = parse_int(value);
      if (!v) return false;
      if (e.delay_ms < 0) e.delay_ms = *v;
      return true;
    }
    case event_field::delay_s: {
      const auto v = parse_seconds_as_ms(value);
      if (!v) return false;
      if (e.delay_ms < 0) e.delay_ms = *v;
      return true;
    }
    case event_field::model:
      set_string(e.model, value);
      return true;
    case event_field::model_group:
      set_string(e.model_group, value);
      return true;
    case event_field::error_class:
      set_string(e.error_class, value);
      return true;
    case event_field::request_id:
      set_string(e.request_id, value);
      return true;
    case event_field::session_key:
      set_string(e.session_key, value);
      return true;
    case event_field::turn_key:
      set_string(e.turn_key, value);
      return true;
    case event_field::client:
      set_string(e.client, value);
      return true;
    case event_field::tool_name:
      set_string(e.tool_name, value);
      return true;
    case event_field::message:
      if (e.message.empty()) e.message = std::string(value);
      return true;
    case event_field::phase: {
      const auto phase = stream_phase_from_name(value);
      if (!phase) return false;
      if (e.phase == stream_phase::unknown) e.phase = *phase;
      return true;
    }
  }
  return false;
}

// An entry's compiled form: its RE2, which captures fill which field directly, and the names of
// all captures (for templates).
struct catalogue::compiled_entry {
  const re2::RE2* re = nullptr;  // owned by the catalogue's pattern_set
  std::vector<std::pair<event_field, int>> direct;
  std::map<std::string, int> groups;
  std::vector<detail::extractor_fn> extractors;
  int captures = 0;
};

struct catalogue::compiled_set {
  detail::pattern_set set;
};

catalogue::catalogue(std::string name, std::string source, std::vector<message_entry> entries,
                     std::vector<std::string> always)
    : name_(std::move(name)),
      source_(std::move(source)),
      entries_(std::move(entries)),
      always_(std::move(always)) {}
catalogue::catalogue(catalogue&&) noexcept = default;
catalogue& catalogue::operator=(catalogue&&) noexcept = default;
catalogue::~catalogue() = default;

namespace {

// "{group}" / "{group|filter}" / constant text.
std::optional<std::string> expand(std::string_view text, const std::map<std::string, int>& groups,
                                  const std::vector<re2::StringPiece>& captured,
                                  std::string* error) {
  std::string out;
  std::size_t i = 0;
  while (i < text.size()) {
    if (text[i] != '{') {
      out.push_back(text[i++]);
      continue;
    }
    const std::size_t close = text.find('}', i);
    if (close == std::string_view::npos) {
      if (error) *error = "unclosed '{'";
      return std::nullopt;
    }
    std::string_view ref = text.substr(i + 1, close - i - 1);
    std::string_view filter;
    if (const std::size_t bar = ref.find('|'); bar != std::string_view::npos) {
      filter = ref.substr(bar + 1);
      ref = ref.substr(0, bar);
    }
    const auto group = groups.find(std::string(ref));
    if (group == groups.end()) {
      if (error) *error = fmt::format("no capture named '{}'", ref);
      return std::nullopt;
    }
    std::string_view value;
    if (static_cast<std::size_t>(group->second) < captured.size() &&
        captured[group->second].data() != nullptr) {
      value = std::string_view(captured[group->second].data(), captured[group->second].size());
    }
    if (filter.empty()) {
      out.append(value);
    } else if (filter == "model_name") {
      out.append(detail::model_group_name(value));
    } else if (filter == "trim") {
      while (!value.empty() && (value.back() == ' ' || value.back() == '.')) value.remove_suffix(1);
      out.append(value);
    } else {
      if (error) *error = fmt::format("unknown filter '{}' (model_name, trim)", filter);
      return std::nullopt;
    }
    i = close + 1;
  }
  return out;
}

}  // namespace

std::vector<std::string> catalogue::compile() {
  std::vector<std::string> errors;
  const auto fail = [&](const message_entry& entry, std::string what) {
    errors.push_back(
        fmt::format("{}: catalogue '{}' entry '{}': {}", entry.defined_at, name_, entry.id, what));
  };
  compiled_.clear();
  re2::RE2::Options options;
  options.set_log_errors(false);
  options.set_max_mem(8 << 20);
  auto set = std::make_unique<compiled_set>(compiled_set{detail::pattern_set(options)});
  for (const message_entry& entry : entries_) {
    compiled_entry c;
    if (std::string error; !set->set.add(entry.pattern, &error)) {
      fail(entry, fmt::format("pattern does not compile: {}", error));
    } else {
      c.re = &set->set.pattern(set->set.size() - 1);
      c.captures = c.re->NumberOfCapturingGroups();
      for (const auto& [group, index] : c.re->NamedCapturingGroups()) {
        c.groups.emplace(group, index);
        if (const auto field = event_field_from_name(group)) c.direct.emplace_back(*field, index);
      }
      std::sort(c.direct.begin(), c.direct.end(),
                [](const auto& a, const auto& b) { return a.second < b.second; });
    }
    for (const field_template& t : entry.fields) {
      std::string error;
      if (!expand(t.text, c.groups, {}, &error)) fail(entry, fmt::format("fields: {}", error));
    }
    for (const std::string& name : entry.extractors) {
      if (const auto fn = detail::find_extractor(name)) {
        c.extractors.push_back(fn);
      } else {
        fail(entry, fmt::format("unknown extractor '{}' in then:", name));
      }
    }
    for (const std::string& name : always_) {
      if (const auto fn = detail::find_extractor(name)) c.extractors.push_back(fn);
    }
    for (const field_template& t : entry.defaults) {
      event probe;
      if (!fill_event_field(probe, t.field, t.text)) {
        fail(entry, fmt::format("set: '{}' is not a valid {}", t.text, event_field_name(t.field)));
      }
    }
    compiled_.push_back(std::move(c));
  }
  for (const std::string& name : always_) {
    if (!detail::find_extractor(name)) {
      errors.push_back(
          fmt::format("catalogue '{}': unknown extractor '{}' in always:", name_, name));
    }
  }
  if (!errors.empty()) return errors;
  if (!entries_.empty()) {
    // The extractors' keys are looked for in the scan that picks the candidates (one pass).
    const bool extracts = !always_.empty() ||
                          std::any_of(entries_.begin(), entries_.end(),
                                      [](const message_entry& m) { return !m.extractors.empty(); });
    if (extracts) {
      set->set.add_needles({detail::needle_texts.begin(), detail::needle_texts.end()});
    }
    if (!set->set.compile()) {
      errors.push_back(
          fmt::format("catalogue '{}': the patterns together exceed RE2's memory", name_));
      return errors;
    }
    set_ = std::move(set);
  }
  return errors;
}

void catalogue::compile_on_first_use() {
  lazy_ = std::make_unique<std::once_flag>();
}

match_result catalogue::apply(std::string_view text, event& e, const match_context& context,
                              extraction_time extraction) const {
  if (lazy_) {
    // Once, from whichever thread gets here first; the others wait for it.
    std::call_once(*lazy_, [this] { const_cast<catalogue*>(this)->compile(); });
  }
  if (!set_) return {};
  // The first entry in order that matches wins; the literal prefilter leaves most texts to no RE2.
  std::uint32_t needles_seen = ~std::uint32_t{0};
  thread_local std::vector<re2::StringPiece> captured;
  const int first = set_->set.first_match(text, &needles_seen, &captured);
  if (first < 0) return {};
  const message_entry& entry = entries_[first];
  const compiled_entry& c = compiled_[first];
  if (!entry.kind) return {match_outcome::skip, &entry};
  e.kind = *entry.kind;
  if (c.captures > 0) {
    // The groups come from the run that found the entry, unless the prefilter was passed over.
    bool matched = !captured.empty();
    if (!matched) {
      captured.assign(c.captures + 1, re2::StringPiece());
      matched = c.re->Match(re2::StringPiece(text.data(), text.size()), 0, text.size(),
                            re2::RE2::UNANCHORED, captured.data(), c.captures + 1);
    }
    if (matched) {
      for (const auto& [field, index] : c.direct) {
        if (captured[index].data() != nullptr && !captured[index].empty()) {
          fill_event_field(e, field,
                           std::string_view(captured[index].data(), captured[index].size()));
        }
      }
      for (const field_template& t : entry.fields) {
        if (const auto value = expand(t.text, c.groups, captured, nullptr)) {
          fill_event_field(e, t.field, *value);
        }
      }
    }
  } else {
    for (const field_template& t : entry.fields) fill_event_field(e, t.field, t.text);
  }
  const pending_extraction rest{this, static_cast<std::uint32_t>(first), needles_seen};
  if (extraction == extraction_time::later && (!c.extractors.empty() || !entry.defaults.empty())) {
    return {match_outcome::event, &entry, rest};
  }
  complete(rest, text, context, e);
  return {match_outcome::event, &entry, std::nullopt};
}

void catalogue::complete(const pending_extraction& pending, std::string_view text,
                         const match_context& context, event& e) const {
  const message_entry& entry = entries_[pending.entry];
  const compiled_entry& c = compiled_[pending.entry];
  const detail::extractor_input extractor_in{context, pending.needles_seen};
  for (const detail::extractor_fn fn : c.extractors) fn(text, extractor_in, e);
  for (const field_template& t : entry.defaults) fill_event_field(e, t.field, t.text);
}

std::vector<std::string> catalogue::check_samples() const {
  std::vector<std::string> errors;
  for (const message_entry& entry : entries_) {
    for (const message_sample& sample : entry.samples) {
      const auto fail = [&](std::string what) {
        errors.push_back(fmt::format("{}: catalogue '{}' entry '{}': sample {}: {}",
                                     entry.defined_at, name_, entry.id, sample.line, what));
      };
      event e;
      const match_result got = apply(sample.text, e);
      if (set_ &&
          set_->set.first_match(sample.text) != set_->set.first_match_unfiltered(sample.text)) {
        fail("the literal prefilter and the full pattern set disagree (a defect of the prefilter)");
      }
      if (got.entry != &entry) {
        fail(got.entry == nullptr ? std::string("matches no entry")
                                  : fmt::format("is taken first by entry '{}'", got.entry->id));
        continue;
      }
      for (const auto& [key, want] : sample.expect) {
        std::string have;
        if (key == "event") {
          have = got.outcome == match_outcome::skip ? "skip" : std::string(event_kind_name(e.kind));
        } else if (const auto field = event_field_from_name(key)) {
          have = event_field_value(e, *field);
        } else {
          fail(fmt::format("expects unknown field '{}'", key));
          continue;
        }
        if (have != want) fail(fmt::format("{} is '{}', expected '{}'", key, have, want));
      }
    }
  }
  return errors;
}

}  // namespace loopscope::formats
