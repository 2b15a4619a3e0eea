// The format registry: one table of every input format loopscope reads (name, role, lane, how its
// lines are recognised, which decoder frames them, which message catalogues give them meaning,
// a description and sample lines). It is data: rules/formats/*.yaml, compiled in, overlaid by the
// user's `--formats` files. Every per-format table is sized from it.
#pragma once

#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "loopscope/core/format_id.hpp"
#include "loopscope/formats/catalogue.hpp"

namespace loopscope::formats {

// Which side of the wire a format describes: joining treats the two differently.
enum class source_role : unsigned char { client, proxy };
// The family of sources a rule looks at (a rule counts in the first lane that has events).
enum class format_lane : unsigned char { proxy, trace, exec, rollout };
// How lines of the format are recognised: JSON objects by their shape (C++, formats/sniff.cpp),
// text lines by the `sniff` patterns.
enum class line_shape : unsigned char { text, json };

std::string_view source_role_name(source_role role);
std::optional<source_role> source_role_from_name(std::string_view name);
std::string_view format_lane_name(format_lane lane);
std::optional<format_lane> format_lane_from_name(std::string_view name);
std::string_view line_shape_name(line_shape shape);
std::optional<line_shape> line_shape_from_name(std::string_view name);

struct format_info {
  format_id id = format_id::unknown;
  std::string name;  // stable: reports and --input-format use it
  source_role role = source_role::client;
  format_lane lane = format_lane::exec;
  line_shape shape = line_shape::text;
  std::string decoder;  // the C++ decoder that frames its lines ("lines": the catalogue decoder)
  std::string description;
  std::vector<std::string> sniff;  // RE2, anchored at the start of a line
  std::string line_pattern;        // "lines" decoder: (?P<time>)(?P<level>)(?P<message>)
  std::vector<std::string> catalogues;
  std::vector<std::string> samples;  // each must sniff as this format and give an event
  // Reads the lines no other format claims, and claims only those its catalogues match (the
  // generic reader). At most one format is the fallback.
  bool fallback = false;
  std::string defined_at;  // "file:line"
};

class format_registry {
 public:
  format_registry();
  format_registry(format_registry&&) noexcept;
  format_registry& operator=(format_registry&&) noexcept;
  ~format_registry();

  // One past the largest id: the size of a table indexed by format_id.
  std::size_t table_size() const { return by_id_.size(); }
  // In registry order (which is also the order text sniffing prefers on a tie).
  const std::vector<format_info>& formats() const { return formats_; }
  // Inline: the detectors ask it for the lane of every event, several times (profiled).
  const format_info* info(format_id id) const {
    const auto index = static_cast<std::size_t>(id);
    if (index >= by_id_.size() || by_id_[index] < 0) return nullptr;
    return &formats_[static_cast<std::size_t>(by_id_[index])];
  }
  std::optional<format_id> find(std::string_view name) const;
  const catalogue* catalogue_named(std::string_view name) const;
  const std::vector<catalogue>& catalogues() const { return catalogues_; }
  std::optional<format_id> fallback() const { return fallback_; }

  // The format of one line, from the line alone; `unknown` when no format claims it. `line`
  // must already be without container prefixes (strip_container_prefix).
  format_id sniff(std::string_view line) const;

  // Building (the loader): add or replace by name, then compile() once.
  void put_format(format_info info);
  void put_catalogue(catalogue c);
  void remove_format(std::string_view name);
  enum class catalogue_compile : unsigned char { now, on_first_use };
  std::vector<std::string> compile(catalogue_compile when = catalogue_compile::now);
  // Every format's samples must sniff as it; every catalogue's samples must match their entries.
  std::vector<std::string> check_samples() const;

 private:
  std::string name_in_registry(format_id id) const;

  std::vector<format_info> formats_;
  std::vector<int> by_id_;  // format_id → index in formats_, -1 when none
  std::vector<catalogue> catalogues_;
  std::optional<format_id> fallback_;
  std::vector<format_id> sniff_owner_;  // RE2::Set index → format
  struct compiled_set;                  // RE2::Set, kept out of the header
  std::unique_ptr<compiled_set> sniff_set_;
};

// The registry in use: the built-in one, or the one install_registry() set at start-up (before any
// input is read; it is not swapped while threads read).
const format_registry& registry();
void install_registry(std::shared_ptr<const format_registry> loaded);

struct pack_result {
  std::shared_ptr<format_registry> registry;  // nullptr when errors is not empty
  std::vector<std::string> errors;            // one line each, naming file, line and entry
};

// The built-in formats (rules/formats/*.yaml, compiled in) with `overlays` laid over them in
// order: files or folders of *.yaml. A format with a known name or a catalogue entry with a known
// (catalogue, id) replaces it in place; new entries go before the built-in ones of their catalogue;
// `enabled: false` removes one.
pack_result load_format_pack(const std::vector<std::string>& overlays);
// The same, every pattern compiled and every sample checked now, even with no `paths`: for
// `loopscope formats validate|test` and the test suite.
pack_result load_format_files(const std::vector<std::string>& paths);

}  // namespace loopscope::formats

namespace loopscope {

// Stable identifiers used in reports and by --input-format: "codex-rollout", "generic", …
std::string_view format_name(format_id id);
std::optional<format_id> format_from_name(std::string_view name);
std::vector<format_id> all_formats();  // every registered format but `unknown`

}  // namespace loopscope
