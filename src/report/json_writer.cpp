// JSON report v1, documented in docs/report-v1.md. Fields may be added, never renamed.
#include <algorithm>
#include <charconv>
#include <cstdint>
#include <cstring>
#include <map>

#include <nlohmann/json.hpp>

#include "loopscope/formats/registry.hpp"
#include "loopscope/report/aggregate_merge.hpp"
#include "loopscope/report/writers.hpp"

namespace loopscope::report {
namespace {

using json = nlohmann::ordered_json;

json time_or_null(const std::optional<timestamp>& t) {
  return t ? json(format_rfc3339(*t)) : json(nullptr);
}

std::string_view path_of(const report& r, input_index input) {
  return input < r.inputs.size() ? std::string_view(r.inputs[input].stats.path)
                                 : std::string_view("?");
}

json aggregate_json(const aggregates& a) {
  json out;
  out["sessions"] = a.sessions;
  out["sessions_affected"] = a.sessions_affected;
  out["turns"] = a.turns;
  out["turns_affected"] = a.turns_affected;
  out["time_lost_ms"] = a.time_lost_ms;
  out["tokens_lost"] = a.tokens_lost;
  out["findings_with_tokens"] = a.findings_with_tokens;
  out["by_kind"] = json::object();
  for (const auto& [kind, count] : a.by_kind) out["by_kind"][kind] = count;
  out["by_rule"] = json::object();
  for (const auto& [rule, count] : a.by_rule) out["by_rule"][rule] = count;
  json causes = json::array();
  for (const cause_row& row : a.by_root_cause) {
    causes.push_back({{"status", row.status == 0 ? json(nullptr) : json(row.status)},
                      {"path", row.path.empty() ? json(nullptr) : json(row.path)},
                      {"transport", row.transport.empty() ? json(nullptr) : json(row.transport)},
                      {"findings", row.findings},
                      {"time_lost_ms", row.time_lost_ms},
                      {"tokens_lost", row.tokens_lost}});
  }
  out["by_root_cause"] = std::move(causes);
  json offenders = json::array();
  for (const offender& o : a.top_offenders) {
    offenders.push_back({{"session", o.session},
                         {"findings", o.findings},
                         {"time_lost_ms", o.time_lost_ms},
                         {"tokens_lost", o.tokens_lost}});
  }
  out["top_offenders"] = std::move(offenders);
  out["window"] = {{"since", time_or_null(a.window.since)},
                   {"until", time_or_null(a.window.until)},
                   {"sessions_outside", a.sessions_outside_window}};
  return out;
}

// The findings part of a summary: how many, by kind and by severity.
json finding_counts_json(const summary_counts& counts) {
  json out;
  out["findings"] = counts.findings;
  out["by_kind"] = json::object();
  for (const auto& [kind, count] : counts.by_kind) out["by_kind"][kind] = count;
  out["by_severity"] = json::object();
  for (const auto& [level, count] : counts.by_severity) out["by_severity"][level] = count;
  return out;
}

// Sessions and findings counted but not listed (detail limits), with their own figures so that
// merge and --state can add them up again.
json omitted_json(const omitted_details& o) {
  json out;
  out["sessions"] = o.aggregate.sessions;
  out["findings"] = o.summary.findings;
  json summary = finding_counts_json(o.summary);
  summary["loop_time_ms"] = o.summary.loop_time_ms;
  out["summary"] = std::move(summary);
  out["aggregate"] = aggregate_json(o.aggregate);
  return out;
}

}  // namespace

namespace {

json input_json(const input_report& input, const render_options& options) {
  const input_stats& s = input.stats;
  json entry;
  entry["path"] = s.path;
  entry["format"] = format_name(s.format);
  entry["lines"] = s.lines;
  entry["events"] = s.events;
  entry["used"] = s.used;
  entry["skipped"] = s.skipped;
  entry["malformed"] = s.malformed;
  entry["truncated"] = s.truncated;
  entry["unknown_types"] = s.unknown_types;
  entry["bytes"] = s.bytes;
  entry["compression"] = s.compression.empty() ? json(nullptr) : json(s.compression);
  entry["mixed_formats"] = s.mixed_formats;
  entry["status"] = s.status == read_status::complete  ? "complete"
                    : s.status == read_status::partial ? "partial"
                                                       : "unreadable";
  json problems = json::array();
  for (const diagnostic& d : input.problems) {
    problems.push_back({{"line", d.where.line == 0 ? json(nullptr) : json(d.where.line)},
                        {"message", redact_if(d.message, options.redact)}});
  }
  entry["problems"] = std::move(problems);
  return entry;
}

// The id of the member that tells the incident's story.
std::string lead_id(const numbered_incident& n) {
  const auto& members = n.incident.members;
  for (std::size_t k = 0; k < members.size() && k < n.finding_ids.size(); ++k) {
    if (members[k] == n.incident.lead) return n.finding_ids[k];
  }
  return n.finding_ids.front();
}

// The report's top-level object, written member by member and its lists element by element, in
// the layout nlohmann's dump with indent 2 gives a whole document: only one element's tree exists
// at a time, so an archive of thousands of inputs costs no more memory than one input. The text
// goes through a buffer handed to the stream in large pieces: the serializer's stream adapter
// writes (and builds a sentry) for every few bytes.
class document_writer {
 public:
  explicit document_writer(std::ostream& out)
      : out_(out),
        // Invalid UTF-8 in log lines is replaced (U+FFFD) rather than failing the whole report.
        serializer_(nlohmann::detail::output_adapter<char>(buffer_), ' ',
                    json::error_handler_t::replace) {}

  void member(std::string_view key, const json& value) {
    open_member(key);
    write_value(value, indent);
    flush_if_full();
  }

  template <typename Items, typename ToJson>
  void list(std::string_view key, const Items& items, ToJson to_json) {
    streamed_list(key, items, [&](document_writer& d, const auto& item) {
      d.write_value(to_json(item), 2 * indent);
    });
  }

  // A list whose elements are written as they are read (write_item(*this, item)) instead of
  // built as trees first: the findings, the bulk of a report.
  template <typename Items, typename WriteItem>
  void streamed_list(std::string_view key, const Items& items, WriteItem write_item) {
    open_member(key);
    if (items.empty()) {
      buffer_ += "[]";
      return;
    }
    buffer_ += "[\n";
    bool first = true;
    for (const auto& item : items) {
      if (!first) buffer_ += ",\n";
      first = false;
      buffer_.append(2 * indent, ' ');
      base_ = 2 * indent;
      write_item(*this, item);
      flush_if_full();
    }
    buffer_ += '\n';
    buffer_.append(indent, ' ');
    buffer_ += ']';
  }

  // Inside write_item: containers opened and closed around their fields and elements, laid out
  // as write_value lays out the same tree ("{}" for an empty one, one line per child).
  void open_object() { levels_.push_back({'{', '}', false}); }
  void open_array() { levels_.push_back({'[', ']', false}); }
  void close() {
    const level l = levels_.back();
    levels_.pop_back();
    if (!l.any) {
      buffer_ += l.open;
      buffer_ += l.close;
      return;
    }
    buffer_ += '\n';
    buffer_.append(depth_indent(), ' ');
    buffer_ += l.close;
  }
  void field(std::string_view key) {
    next_child();
    write_string(key);
    buffer_ += ": ";
  }
  void element() { next_child(); }
  void text(std::string_view value) { write_string(value); }
  template <typename Number>
  void integer(Number value) {
    write_number(value);
  }
  void null() { buffer_ += "null"; }
  void boolean(bool value) { buffer_ += value ? "true" : "false"; }

  void finish() {
    buffer_ += any_member_ ? "\n}\n" : "{}\n";
    flush();
  }

 private:
  static constexpr unsigned indent = 2;
  static constexpr std::size_t flush_at = 64 * 1024;

  // What serializer_.dump(value, pretty, no ensure_ascii, indent, current_indent) writes, without
  // its per-byte UTF-8 decoding where the text is plain: containers and the common scalars are
  // written here; floats, and strings that are not well-formed UTF-8 (replaced the serializer's
  // way), are left to the serializer.
  void write_value(const json& value, unsigned current_indent) {
    switch (value.type()) {
      case json::value_t::object:
      case json::value_t::array: {
        const bool object = value.is_object();
        if (value.empty()) {
          buffer_ += object ? "{}" : "[]";
          return;
        }
        buffer_ += object ? "{\n" : "[\n";
        const unsigned inner = current_indent + indent;
        bool first = true;
        for (auto it = value.begin(); it != value.end(); ++it) {
          if (!first) buffer_ += ",\n";
          first = false;
          buffer_.append(inner, ' ');
          if (object) {
            write_string(it.key());
            buffer_ += ": ";
          }
          write_value(*it, inner);
        }
        buffer_ += '\n';
        buffer_.append(current_indent, ' ');
        buffer_ += object ? '}' : ']';
        return;
      }
      case json::value_t::string:
        write_string(value.get_ref<const std::string&>());
        return;
      case json::value_t::boolean:
        buffer_ += value.get<bool>() ? "true" : "false";
        return;
      case json::value_t::null:
        buffer_ += "null";
        return;
      case json::value_t::number_integer:
        write_number(value.get<std::int64_t>());
        return;
      case json::value_t::number_unsigned:
        write_number(value.get<std::uint64_t>());
        return;
      default:
        serializer_.dump(value, true, false, indent, current_indent);
        return;
    }
  }

  template <typename Number>
  void write_number(Number n) {
    char text[24];
    const char* end = std::to_chars(text, text + sizeof text, n).ptr;
    buffer_.append(text, static_cast<std::size_t>(end - text));
  }

  // Quoted and escaped as the serializer does without ensure_ascii: \b \t \n \f \r \" \\, other
  // control characters as \u00xx, everything else (UTF-8 included) as it is. A string that is
  // not well-formed UTF-8 is left to the serializer, which replaces what it cannot decode.
  void write_string(std::string_view text) {
    const std::size_t rollback = buffer_.size();
    const std::size_t n = text.size();
    buffer_ += '"';
    std::size_t plain = 0;  // start of the bytes not yet copied
    std::size_t i = 0;
    while (i < n) {
      // Eight bytes at a time while none needs a look (the bulk of a log line).
      while (i + 8 <= n && !needs_look(load8(text.data() + i))) i += 8;
      if (i >= n) break;
      const auto c = static_cast<unsigned char>(text[i]);
      if (c >= 0x80) {
        const std::size_t length = utf8_sequence(text, i);
        if (length == 0) {
          buffer_.resize(rollback);
          serializer_.dump(json(std::string(text)), true, false, indent, 0);
          return;
        }
        i += length;
        continue;
      }
      if (c >= 0x20 && c != '"' && c != '\\') {
        ++i;
        continue;
      }
      buffer_.append(text.substr(plain, i - plain));
      plain = ++i;
      write_escape(c);
    }
    buffer_.append(text.substr(plain));
    buffer_ += '"';
  }

  void write_escape(unsigned char c) {
    switch (c) {
      case '\b':
        buffer_ += "\\b";
        return;
      case '\t':
        buffer_ += "\\t";
        return;
      case '\n':
        buffer_ += "\\n";
        return;
      case '\f':
        buffer_ += "\\f";
        return;
      case '\r':
        buffer_ += "\\r";
        return;
      case '"':
        buffer_ += "\\\"";
        return;
      case '\\':
        buffer_ += "\\\\";
        return;
      default: {
        static constexpr char digits[] = "0123456789abcdef";
        buffer_ += "\\u00";
        buffer_ += digits[c >> 4];
        buffer_ += digits[c & 0xF];
        return;
      }
    }
  }

  static std::uint64_t load8(const char* p) {
    std::uint64_t word = 0;
    std::memcpy(&word, p, sizeof word);
    return word;
  }

  // Whether any of the eight bytes is a control character, '"', '\\' or not ASCII.
  static bool needs_look(std::uint64_t word) {
    constexpr std::uint64_t ones = 0x0101010101010101ULL;
    constexpr std::uint64_t highs = 0x8080808080808080ULL;
    auto has_zero = [&](std::uint64_t x) { return (x - ones) & ~x & highs; };
    const std::uint64_t control = (word - ones * 0x20) & ~word & highs;  // bytes below 0x20
    return ((word & highs) | control | has_zero(word ^ (ones * '"')) |
            has_zero(word ^ (ones * '\\'))) != 0;
  }

  // The length of the well-formed UTF-8 sequence at `i` (Unicode Table 3-7, what the
  // serializer's decoder accepts), or 0.
  static std::size_t utf8_sequence(std::string_view text, std::size_t i) {
    auto at = [&](std::size_t k) { return static_cast<unsigned char>(text[k]); };
    const unsigned char c = at(i);
    std::size_t length = 0;
    unsigned char low = 0x80, high = 0xBF;  // the second byte's range
    if (c >= 0xC2 && c <= 0xDF) {
      length = 2;
    } else if (c >= 0xE0 && c <= 0xEF) {
      length = 3;
      if (c == 0xE0) low = 0xA0;
      if (c == 0xED) high = 0x9F;
    } else if (c >= 0xF0 && c <= 0xF4) {
      length = 4;
      if (c == 0xF0) low = 0x90;
      if (c == 0xF4) high = 0x8F;
    } else {
      return 0;
    }
    if (i + length > text.size()) return 0;
    if (at(i + 1) < low || at(i + 1) > high) return 0;
    for (std::size_t k = 2; k < length; ++k) {
      if (at(i + k) < 0x80 || at(i + k) > 0xBF) return 0;
    }
    return length;
  }

  struct level {
    char open;
    char close;
    bool any;  // a child written
  };

  // The indent of the children of the innermost open container.
  unsigned depth_indent() const { return base_ + static_cast<unsigned>(levels_.size()) * indent; }
  void next_child() {
    level& l = levels_.back();
    if (l.any) {
      buffer_ += ",\n";
    } else {
      buffer_ += l.open;
      buffer_ += '\n';
      l.any = true;
    }
    buffer_.append(depth_indent(), ' ');
  }

  void open_member(std::string_view key) {
    buffer_ += any_member_ ? ",\n" : "{\n";
    buffer_.append(indent, ' ');
    buffer_ += '"';
    buffer_ += key;
    buffer_ += "\": ";
    any_member_ = true;
  }

  void flush_if_full() {
    if (buffer_.size() >= flush_at) flush();
  }
  void flush() {
    out_.write(buffer_.data(), static_cast<std::streamsize>(buffer_.size()));
    buffer_.clear();
  }

  std::ostream& out_;
  std::string buffer_;  // declared before serializer_, which keeps a reference to it
  nlohmann::detail::serializer<json> serializer_;
  bool any_member_ = false;
  unsigned base_ = 0;  // where the streamed element starts
  std::vector<level> levels_;
};

void time_field(document_writer& doc, std::string_view key, const std::optional<timestamp>& t) {
  doc.field(key);
  if (t) {
    doc.text(format_rfc3339(*t));
  } else {
    doc.null();
  }
}

// A text that is null when empty, not redacted (ids, versions, names).
void id_field(document_writer& doc, std::string_view key, std::string_view value) {
  doc.field(key);
  if (value.empty()) {
    doc.null();
  } else {
    doc.text(value);
  }
}

// A member whose value is a text, written as it is given.
void text_field(document_writer& doc, std::string_view key, std::string_view value) {
  doc.field(key);
  doc.text(value);
}

template <typename Number>
void integer_field(document_writer& doc, std::string_view key, Number value) {
  doc.field(key);
  doc.integer(value);
}

void boolean_field(document_writer& doc, std::string_view key, bool value) {
  doc.field(key);
  doc.boolean(value);
}

// A text that is null when empty, redacted when the options say so (messages, advice).
void text_or_null_field(document_writer& doc, std::string_view key, std::string_view value,
                        const render_options& options) {
  doc.field(key);
  if (value.empty()) {
    doc.null();
  } else {
    doc.text(redact_if(value, options.redact));
  }
}

void integer_or_null_field(document_writer& doc, std::string_view key, bool present,
                           std::int64_t value) {
  doc.field(key);
  if (present) {
    doc.integer(value);
  } else {
    doc.null();
  }
}

// A duration in milliseconds, null when unknown (negative).
void ms_field(document_writer& doc, std::string_view key, std::int64_t ms) {
  integer_or_null_field(doc, key, ms >= 0, ms);
}

void retriable_field(document_writer& doc, std::string_view key, detect::retriable r) {
  doc.field(key);
  if (r == detect::retriable::unknown) {
    doc.null();
  } else {
    doc.boolean(r == detect::retriable::yes);
  }
}

template <typename Items, typename WriteItem>
void array_field(document_writer& doc, std::string_view key, const Items& items,
                 WriteItem write_item) {
  doc.field(key);
  doc.open_array();
  for (const auto& item : items) {
    doc.element();
    write_item(item);
  }
  doc.close();
}

// The root cause of a finding or an incident, its fields in the order of report v1. Written
// field by field, as the findings are: building each as a tree first was a fifth of writing a
// proxy log's report (profiled).
void write_cause(document_writer& doc, const detect::root_cause& cause,
                 const render_options& options) {
  doc.open_object();
  text_field(doc, "source", detect::cause_source_name(cause.source));
  doc.field("transport");
  if (cause.http.transport == transport_kind::unknown) {
    doc.null();
  } else {
    doc.text(transport_name(cause.http.transport));
  }
  id_field(doc, "method", cause.http.method.view());
  id_field(doc, "path", cause.http.path.view());
  integer_or_null_field(doc, "status", cause.http.status != 0, cause.http.status);
  text_or_null_field(doc, "error_class", cause.error_class, options);
  text_or_null_field(doc, "message", cause.message, options);
  retriable_field(doc, "retriable", cause.is_retriable);
  doc.field("retried_by");
  doc.open_object();
  retriable_field(doc, "codex_request", cause.codex_request_layer);
  retriable_field(doc, "codex_turn", cause.codex_turn_layer);
  retriable_field(doc, "litellm_router", cause.litellm_router);
  doc.close();
  integer_field(doc, "specificity", detect::cause_specificity(cause));
  doc.close();
}

void cause_field(document_writer& doc, const std::optional<detect::root_cause>& cause,
                 const render_options& options) {
  doc.field("root_cause");
  if (cause) {
    write_cause(doc, *cause, options);
  } else {
    doc.null();
  }
}

void write_profile(document_writer& doc, const detect::turn_profile& p) {
  doc.open_object();
  ms_field(doc, "span_ms", p.span_ms);
  ms_field(doc, "loop_ms", p.loop_ms);
  ms_field(doc, "backoff_ms", p.backoff_ms);
  integer_field(doc, "websocket_attempts", p.websocket_attempts);
  integer_field(doc, "sampling_attempts", p.sampling_attempts);
  integer_field(doc, "posts", p.posts);
  integer_field(doc, "failed_posts", p.failed_posts);
  integer_field(doc, "router_retries", p.router_retries);
  boolean_field(doc, "failed", p.failed);
  doc.close();
}

void write_incident(document_writer& doc, const numbered_incident& n,
                    const render_options& options) {
  const detect::incident& i = n.incident;
  doc.open_object();
  text_field(doc, "id", n.id);
  text_field(doc, "session", i.session);
  text_field(doc, "severity", detect::severity_name(i.level));
  text_field(doc, "verdict", redact_if(i.verdict, options.redact));
  cause_field(doc, i.cause, options);
  array_field(doc, "findings", n.finding_ids, [&](const std::string& id) { doc.text(id); });
  doc.field("lead");
  if (n.finding_ids.empty()) {
    doc.null();
  } else {
    doc.text(lead_id(n));
  }
  array_field(doc, "turns", i.turns, [&](int turn) { doc.integer(turn); });
  array_field(doc, "failed_turns", i.failed_turns, [&](int turn) { doc.integer(turn); });
  array_field(doc, "layers", i.layers, [&](const detect::layer_entry& l) {
    doc.open_object();
    text_field(doc, "layer", detect::incident_layer_name(l.layer));
    integer_field(doc, "per_turn", l.per_turn);
    text_field(doc, "what", l.what);
    doc.close();
  });
  id_field(doc, "amplification", i.amplification);
  integer_or_null_field(doc, "upstream_calls_per_turn", i.upstream_calls_per_turn > 0,
                        i.upstream_calls_per_turn);
  ms_field(doc, "time_ms", i.time_ms);
  array_field(doc, "turn_times", i.turn_times, [&](const detect::turn_time& t) {
    doc.open_object();
    integer_field(doc, "turn", t.turn);
    ms_field(doc, "span_ms", t.span_ms);
    ms_field(doc, "backoff_ms", t.backoff_ms);
    ms_field(doc, "failing_ms", t.failing_ms);
    ms_field(doc, "other_ms", t.other_ms);
    boolean_field(doc, "failed", t.failed);
    doc.close();
  });
  text_or_null_field(doc, "advice", i.advice, options);
  doc.close();
}

// One session, its fields in the order of report v1 (docs/report-v1.md).
void write_session(document_writer& doc, const report& r, const session::session_summary& s) {
  doc.open_object();
  text_field(doc, "id", s.id);
  array_field(doc, "sources", s.sources, [&](input_index source) { doc.text(path_of(r, source)); });
  array_field(doc, "turns", s.turns, [&](const session::turn_summary& t) {
    doc.open_object();
    integer_field(doc, "index", t.index);
    id_field(doc, "id", t.id);
    time_field(doc, "start", t.start);
    time_field(doc, "end", t.end);
    text_field(doc, "status", turn_outcome_name(t.outcome));
    integer_field(doc, "requests", t.requests);
    doc.field("joined");
    doc.open_object();
    integer_field(doc, "header", t.joined.by_header);
    integer_field(doc, "id", t.joined.by_id);
    integer_field(doc, "time", t.joined.by_time);
    doc.close();
    integer_field(doc, "events", t.events);
    doc.close();
  });
  // Only a session longer than the kept turn summaries has it.
  if (s.turns_omitted > 0) {
    integer_field(doc, "turns_omitted", s.turns_omitted);
  }
  boolean_field(doc, "proxy_only", s.proxy_only);
  integer_field(doc, "proxy_requests_outside_turns", s.proxy_requests_outside_turns);
  doc.field("codex");
  doc.open_object();
  id_field(doc, "cli_version", s.cli_version);
  id_field(doc, "originator", s.originator);
  id_field(doc, "provider", s.provider);
  id_field(doc, "model", s.model);
  doc.close();
  time_field(doc, "start", s.start);
  time_field(doc, "end", s.end);
  doc.close();
}

// One finding, written as finding_json would have built it: the fields in the same order.
void write_finding(document_writer& doc, const report& r, const numbered_finding& n,
                   const render_options& options) {
  const detect::finding& f = n.finding;
  doc.open_object();
  text_field(doc, "id", n.id);
  text_field(doc, "rule", f.rule);
  text_field(doc, "kind", detect::finding_kind_name(f.kind));
  text_field(doc, "severity", detect::severity_name(f.level));
  text_field(doc, "session", f.session);
  integer_or_null_field(doc, "turn", f.turn != 0, f.turn);
  id_field(doc, "turn_id", f.turn_id);
  integer_field(doc, "iterations", f.iterations);
  time_field(doc, "start", f.start);
  time_field(doc, "end", f.end);
  const auto duration = f.duration_ms();
  integer_or_null_field(doc, "duration_ms", duration.has_value(), duration.value_or(0));
  integer_or_null_field(doc, "tokens", f.tokens >= 0, f.tokens);
  array_field(doc, "cycle", f.cycle, [&](const std::string& signature) {
    doc.text(redact_if(signature, options.redact));
  });
  cause_field(doc, f.cause, options);
  array_field(doc, "recurs_in_turns", f.recurs_in_turns, [&](int turn) { doc.integer(turn); });
  array_field(doc, "evidence", f.evidence, [&](const detect::evidence_line& line) {
    doc.open_object();
    text_field(doc, "path", path_of(r, line.where.input));
    time_field(doc, "time", line.time);
    integer_field(doc, "line", line.where.line);
    text_field(doc, "text", redact_if(line.text, options.redact));
    doc.close();
  });
  integer_field(doc, "evidence_omitted", f.evidence_omitted);
  text_field(doc, "summary", redact_if(f.summary, options.redact));
  text_or_null_field(doc, "advice", f.advice, options);
  text_or_null_field(doc, "headline", f.headline, options);
  doc.field("turn_profile");
  if (f.profile) {
    write_profile(doc, *f.profile);
  } else {
    doc.null();
  }
  doc.close();
}

}  // namespace

void write_json(const report& r, std::ostream& out, const render_options& options) {
  document_writer doc(out);
  doc.member("schema", "loopscope/report/v1");
  doc.member("tool", {{"name", "loopscope"}, {"version", r.tool_version}});
  doc.list("inputs", r.inputs,
           [&](const input_report& input) { return input_json(input, options); });
  doc.streamed_list(
      "sessions", r.sessions,
      [&](document_writer& d, const session::session_summary& s) { write_session(d, r, s); });
  doc.streamed_list("findings", r.findings, [&](document_writer& d, const numbered_finding& n) {
    write_finding(d, r, n, options);
  });
  doc.streamed_list("incidents", r.incidents, [&](document_writer& d, const numbered_incident& n) {
    write_incident(d, n, options);
  });

  json summary = finding_counts_json(r.summary);
  // Listed and omitted alike: the summary counts everything read.
  summary["sessions"] = r.aggregate.sessions;
  summary["turns"] = r.aggregate.turns;
  summary["loop_time_ms"] = r.summary.loop_time_ms;
  summary["inputs_skipped_unchanged"] = r.summary.inputs_skipped_unchanged;
  summary["inputs_partial"] = r.summary.inputs_partial;
  summary["inputs_unreadable"] = r.summary.inputs_unreadable;
  summary["inputs_unrecognised"] = r.summary.inputs_unrecognised;
  doc.member("summary", summary);
  doc.member("aggregate", aggregate_json(r.aggregate));
  if (r.omitted.any()) doc.member("omitted", omitted_json(r.omitted));
  doc.finish();
}

// The reading side: the same field names, back into the model (merge, --state).
namespace {

using any_json = nlohmann::json;

std::string text_of(const any_json& obj, const char* key) {
  const auto it = obj.find(key);
  return it != obj.end() && it->is_string() ? it->get<std::string>() : std::string();
}

template <typename Number>
Number number_of(const any_json& obj, const char* key, Number fallback = 0) {
  const auto it = obj.find(key);
  return it != obj.end() && it->is_number() ? it->get<Number>() : fallback;
}

bool flag_of(const any_json& obj, const char* key) {
  const auto it = obj.find(key);
  return it != obj.end() && it->is_boolean() && it->get<bool>();
}

std::optional<timestamp> time_of(const any_json& obj, const char* key) {
  const std::string text = text_of(obj, key);
  return text.empty() ? std::nullopt : parse_rfc3339(text);
}

const any_json& array_of(const any_json& obj, const char* key) {
  static const any_json empty = any_json::array();
  const auto it = obj.find(key);
  return it != obj.end() && it->is_array() ? *it : empty;
}

const any_json& object_of(const any_json& obj, const char* key) {
  static const any_json empty = any_json::object();
  const auto it = obj.find(key);
  return it != obj.end() && it->is_object() ? *it : empty;
}

template <typename Enum, std::size_t N, typename Namer>
std::optional<Enum> enum_named(std::string_view name, const Enum (&values)[N], Namer namer) {
  for (const Enum value : values) {
    if (namer(value) == name) return value;
  }
  return std::nullopt;
}

constexpr detect::finding_kind all_kinds[] = {
    detect::finding_kind::transport_fallback, detect::finding_kind::stream_retry,
    detect::finding_kind::request_retry,      detect::finding_kind::proxy_retry,
    detect::finding_kind::proxy_fallback,     detect::finding_kind::tool_repeat,
    detect::finding_kind::web_search_repeat,  detect::finding_kind::monologue,
    detect::finding_kind::error_repeat,       detect::finding_kind::turn_failure};
constexpr turn_outcome all_outcomes[] = {turn_outcome::none, turn_outcome::completed,
                                         turn_outcome::failed, turn_outcome::aborted};
constexpr detect::cause_source all_sources[] = {
    detect::cause_source::codex, detect::cause_source::proxy, detect::cause_source::model};
constexpr transport_kind all_transports[] = {transport_kind::http, transport_kind::websocket};

// The report printed times to the millisecond and durations as whole milliseconds of the
// exact times; place start within its millisecond so that end − start gives that duration again.
void restore_duration(detect::finding& f, const any_json& entry) {
  const auto it = entry.find("duration_ms");
  if (!f.start || !f.end || it == entry.end() || !it->is_number_integer()) return;
  const auto wanted = it->get<std::int64_t>();
  for (const std::int64_t nudge : {0, 1, 999, -1, -999}) {
    const timestamp start{f.start->micros + nudge};
    if (format_rfc3339(start) != format_rfc3339(*f.start)) continue;
    if ((f.end->micros - start.micros) / 1000 == wanted) {
      f.start = start;
      return;
    }
  }
}

// An object of name → count ({"stream_retry": 3, …}); entries that are not counts are skipped.
std::map<std::string, std::size_t> counts_of(const any_json& obj, const char* key) {
  std::map<std::string, std::size_t> counts;
  for (const auto& [name, count] : object_of(obj, key).items()) {
    if (count.is_number_unsigned()) counts[name] = count.get<std::size_t>();
  }
  return counts;
}

aggregates aggregate_of(const any_json& obj) {
  aggregates a;
  a.sessions = number_of<std::size_t>(obj, "sessions");
  a.sessions_affected = number_of<std::size_t>(obj, "sessions_affected");
  a.turns = number_of<std::size_t>(obj, "turns");
  a.turns_affected = number_of<std::size_t>(obj, "turns_affected");
  a.time_lost_ms = number_of<std::int64_t>(obj, "time_lost_ms");
  a.tokens_lost = number_of<std::int64_t>(obj, "tokens_lost");
  a.findings_with_tokens = number_of<std::size_t>(obj, "findings_with_tokens");
  a.by_kind = counts_of(obj, "by_kind");
  a.by_rule = counts_of(obj, "by_rule");
  for (const any_json& row : array_of(obj, "by_root_cause")) {
    a.by_root_cause.push_back({number_of<int>(row, "status"), text_of(row, "path"),
                               text_of(row, "transport"), number_of<std::size_t>(row, "findings"),
                               number_of<std::int64_t>(row, "time_lost_ms"),
                               number_of<std::int64_t>(row, "tokens_lost")});
  }
  for (const any_json& row : array_of(obj, "top_offenders")) {
    a.top_offenders.push_back({text_of(row, "session"), number_of<std::size_t>(row, "findings"),
                               number_of<std::int64_t>(row, "time_lost_ms"),
                               number_of<std::int64_t>(row, "tokens_lost")});
  }
  a.sessions_outside_window = number_of<std::size_t>(object_of(obj, "window"), "sessions_outside");
  return a;
}

}  // namespace

std::string json_report_schema(std::string_view text) {
  const any_json doc = any_json::parse(text, nullptr, false);
  if (doc.is_discarded() || !doc.is_object()) return {};
  return text_of(doc, "schema");
}

std::string read_json_report(std::string_view text, report& out) {
  const any_json doc = any_json::parse(text, nullptr, false);
  if (doc.is_discarded() || !doc.is_object()) return "not a JSON report";
  const std::string schema = text_of(doc, "schema");
  if (schema != report_schema_v1) {
    return schema.empty() ? "not a loopscope report (no schema)"
                          : "schema " + schema + ", expected " + std::string(report_schema_v1);
  }
  out = {};
  out.tool_version = text_of(object_of(doc, "tool"), "version");

  std::map<std::string, input_index> index_of_path;
  for (const any_json& entry : array_of(doc, "inputs")) {
    input_report input;
    input_stats& s = input.stats;
    s.path = text_of(entry, "path");
    s.format = format_from_name(text_of(entry, "format")).value_or(format_id::unknown);
    s.lines = number_of<std::uint64_t>(entry, "lines");
    s.events = number_of<std::uint64_t>(entry, "events");
    s.used = number_of<std::uint64_t>(entry, "used");
    s.skipped = number_of<std::uint64_t>(entry, "skipped");
    s.malformed = number_of<std::uint64_t>(entry, "malformed");
    s.truncated = number_of<std::uint64_t>(entry, "truncated");
    s.unknown_types = number_of<std::uint64_t>(entry, "unknown_types");
    s.bytes = number_of<std::uint64_t>(entry, "bytes");
    s.compression = text_of(entry, "compression");
    s.mixed_formats = flag_of(entry, "mixed_formats");
    const std::string status = text_of(entry, "status");
    s.status = status == "partial"      ? read_status::partial
               : status == "unreadable" ? read_status::unreadable
                                        : read_status::complete;
    const auto index = static_cast<input_index>(out.inputs.size());
    for (const any_json& problem : array_of(entry, "problems")) {
      input.problems.push_back({diagnostic_level::warning,
                                {index, number_of<std::uint64_t>(problem, "line")},
                                text_of(problem, "message")});
    }
    index_of_path.emplace(s.path, index);
    out.inputs.push_back(std::move(input));
  }
  // A path no input names (a hand-edited report) gets an input of its own, so nothing dangles.
  auto index_for = [&](const std::string& path) {
    if (const auto it = index_of_path.find(path); it != index_of_path.end()) return it->second;
    input_report input;
    input.stats.path = path;
    input.stats.status = read_status::unreadable;
    const auto index = static_cast<input_index>(out.inputs.size());
    out.inputs.push_back(std::move(input));
    index_of_path.emplace(path, index);
    return index;
  };

  for (const any_json& entry : array_of(doc, "sessions")) {
    session::session_summary s;
    s.id = text_of(entry, "id");
    for (const any_json& source : array_of(entry, "sources")) {
      if (source.is_string()) s.sources.insert(index_for(source.get<std::string>()));
    }
    for (const any_json& t : array_of(entry, "turns")) {
      session::turn_summary turn;
      turn.index = number_of<int>(t, "index");
      turn.id = text_of(t, "id");
      turn.start = time_of(t, "start");
      turn.end = time_of(t, "end");
      turn.outcome = enum_named(text_of(t, "status"), all_outcomes, turn_outcome_name)
                         .value_or(turn_outcome::none);
      turn.requests = number_of<std::uint64_t>(t, "requests");
      const any_json& joined = object_of(t, "joined");
      turn.joined.by_header = number_of<std::uint64_t>(joined, "header");
      turn.joined.by_id = number_of<std::uint64_t>(joined, "id");
      turn.joined.by_time = number_of<std::uint64_t>(joined, "time");
      turn.events = number_of<std::uint64_t>(t, "events");
      s.turns.push_back(std::move(turn));
    }
    s.turns_omitted = number_of<std::uint64_t>(entry, "turns_omitted");
    s.proxy_only = flag_of(entry, "proxy_only");
    s.proxy_requests_outside_turns =
        number_of<std::uint64_t>(entry, "proxy_requests_outside_turns");
    const any_json& codex = object_of(entry, "codex");
    s.cli_version = text_of(codex, "cli_version");
    s.originator = text_of(codex, "originator");
    s.provider = text_of(codex, "provider");
    s.model = text_of(codex, "model");
    s.start = time_of(entry, "start");
    s.end = time_of(entry, "end");
    out.sessions.push_back(std::move(s));
  }

  for (const any_json& entry : array_of(doc, "findings")) {
    numbered_finding n;
    n.id = text_of(entry, "id");
    detect::finding& f = n.finding;
    f.rule = text_of(entry, "rule");
    const std::string kind = text_of(entry, "kind");
    const auto parsed_kind = enum_named(kind, all_kinds, detect::finding_kind_name);
    if (!parsed_kind) return "finding " + n.id + ": unknown kind '" + kind + "'";
    f.kind = *parsed_kind;
    f.level =
        detect::severity_from_name(text_of(entry, "severity")).value_or(detect::severity::info);
    f.session = text_of(entry, "session");
    f.turn = number_of<int>(entry, "turn");
    f.turn_id = text_of(entry, "turn_id");
    f.iterations = number_of<int>(entry, "iterations");
    f.start = time_of(entry, "start");
    f.end = time_of(entry, "end");
    restore_duration(f, entry);
    f.tokens = number_of<std::int64_t>(entry, "tokens", -1);
    for (const any_json& signature : array_of(entry, "cycle")) {
      if (signature.is_string()) f.cycle.push_back(signature.get<std::string>());
    }
    for (const any_json& turn : array_of(entry, "recurs_in_turns")) {
      if (turn.is_number_integer()) f.recurs_in_turns.push_back(turn.get<int>());
    }
    if (const auto it = entry.find("root_cause"); it != entry.end() && it->is_object()) {
      detect::root_cause cause;
      cause.source = enum_named(text_of(*it, "source"), all_sources, detect::cause_source_name)
                         .value_or(detect::cause_source::codex);
      cause.http.transport = enum_named(text_of(*it, "transport"), all_transports, transport_name)
                                 .value_or(transport_kind::unknown);
      cause.http.method = text_of(*it, "method");
      cause.http.path = text_of(*it, "path");
      cause.http.status = number_of<int>(*it, "status");
      cause.error_class = text_of(*it, "error_class");
      cause.message = text_of(*it, "message");
      auto read_flag = [](const json& holder, const char* key) {
        const auto found = holder.find(key);
        if (found == holder.end() || !found->is_boolean()) return detect::retriable::unknown;
        return found->get<bool>() ? detect::retriable::yes : detect::retriable::no;
      };
      cause.is_retriable = read_flag(*it, "retriable");
      if (const auto layers = it->find("retried_by"); layers != it->end() && layers->is_object()) {
        cause.codex_request_layer = read_flag(*layers, "codex_request");
        cause.codex_turn_layer = read_flag(*layers, "codex_turn");
        cause.litellm_router = read_flag(*layers, "litellm_router");
      }
      f.cause = std::move(cause);
    }
    for (const any_json& line : array_of(entry, "evidence")) {
      f.evidence.push_back(
          {{index_for(text_of(line, "path")), number_of<std::uint64_t>(line, "line")},
           text_of(line, "text"),
           time_of(line, "time")});
    }
    f.evidence_omitted = number_of<std::size_t>(entry, "evidence_omitted");
    f.summary = text_of(entry, "summary");
    f.advice = text_of(entry, "advice");
    f.headline = text_of(entry, "headline");
    if (const auto it = entry.find("turn_profile"); it != entry.end() && it->is_object()) {
      detect::turn_profile p;
      p.span_ms = number_of<std::int64_t>(*it, "span_ms", -1);
      p.loop_ms = number_of<std::int64_t>(*it, "loop_ms", -1);
      p.backoff_ms = number_of<std::int64_t>(*it, "backoff_ms", -1);
      p.websocket_attempts = number_of<int>(*it, "websocket_attempts");
      p.sampling_attempts = number_of<int>(*it, "sampling_attempts");
      p.posts = number_of<int>(*it, "posts");
      p.failed_posts = number_of<int>(*it, "failed_posts");
      p.router_retries = number_of<int>(*it, "router_retries");
      p.failed = flag_of(*it, "failed");
      f.profile = p;
    }
    out.findings.push_back(std::move(n));
  }
  out.summary.inputs_skipped_unchanged =
      number_of<std::size_t>(object_of(doc, "summary"), "inputs_skipped_unchanged");
  if (const any_json& omitted = object_of(doc, "omitted"); !omitted.empty()) {
    const any_json& summary = object_of(omitted, "summary");
    out.omitted.summary.findings = number_of<std::size_t>(summary, "findings");
    out.omitted.summary.by_kind = counts_of(summary, "by_kind");
    out.omitted.summary.by_severity = counts_of(summary, "by_severity");
    out.omitted.summary.loop_time_ms = number_of<std::int64_t>(summary, "loop_time_ms");
    out.omitted.aggregate = aggregate_of(object_of(omitted, "aggregate"));
  }
  // Sessions this report left out for its window stay counted when it is merged or reused.
  out.omitted.aggregate.sessions_outside_window =
      number_of<std::size_t>(object_of(object_of(doc, "aggregate"), "window"), "sessions_outside");
  return {};
}

}  // namespace loopscope::report
