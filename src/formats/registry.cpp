#include "loopscope/formats/registry.hpp"

#include <fmt/format.h>
#include <re2/re2.h>
#include <re2/set.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <utility>

#include "json_shape.hpp"
#include "loopscope/core/enum_names.hpp"

namespace loopscope::formats {
namespace {

constexpr std::array<std::pair<source_role, std::string_view>, 2> role_names{{
    {source_role::client, "client"},
    {source_role::proxy, "proxy"},
}};
constexpr std::array<std::pair<format_lane, std::string_view>, 4> lane_names{{
    {format_lane::proxy, "proxy"},
    {format_lane::trace, "trace"},
    {format_lane::exec, "exec"},
    {format_lane::rollout, "rollout"},
}};
constexpr std::array<std::pair<line_shape, std::string_view>, 2> shape_names{{
    {line_shape::text, "text"},
    {line_shape::json, "json"},
}};

// Markers sit at the start of a line: a long line is not searched past its head.
constexpr std::size_t sniff_head_bytes = 512;

}  // namespace

std::string_view source_role_name(source_role role) {
  return name_in(role_names, role, "?");
}
std::optional<source_role> source_role_from_name(std::string_view name) {
  return value_in(role_names, name);
}
std::string_view format_lane_name(format_lane lane) {
  return name_in(lane_names, lane, "?");
}
std::optional<format_lane> format_lane_from_name(std::string_view name) {
  return value_in(lane_names, name);
}
std::string_view line_shape_name(line_shape shape) {
  return name_in(shape_names, shape, "?");
}
std::optional<line_shape> line_shape_from_name(std::string_view name) {
  return value_in(shape_names, name);
}

struct format_registry::compiled_set {
  re2::RE2::Set set;
};

format_registry::format_registry() = default;
format_registry::format_registry(format_registry&&) noexcept = default;
format_registry& format_registry::operator=(format_registry&&) noexcept = default;
format_registry::~format_registry() = default;

std::optional<format_id> format_registry::find(std::string_view name) const {
  for (const format_info& f : formats_) {
    if (f.name == name) return f.id;
  }
  return std::nullopt;
}

const catalogue* format_registry::catalogue_named(std::string_view name) const {
  for (const catalogue& c : catalogues_) {
    if (c.name() == name) return &c;
  }
  return nullptr;
}

void format_registry::put_format(format_info f) {
  for (format_info& existing : formats_) {
    if (existing.name == f.name) {
      f.id = existing.id;
      existing = std::move(f);
      return;
    }
  }
  formats_.push_back(std::move(f));
}

void format_registry::remove_format(std::string_view name) {
  std::erase_if(formats_, [&](const format_info& f) { return f.name == name; });
}

void format_registry::put_catalogue(catalogue c) {
  for (catalogue& existing : catalogues_) {
    if (existing.name() == c.name()) {
      existing = std::move(c);
      return;
    }
  }
  catalogues_.push_back(std::move(c));
}

std::vector<std::string> format_registry::compile(catalogue_compile when) {
  std::vector<std::string> errors;
  by_id_.clear();
  fallback_.reset();
  for (const format_info& f : formats_) {
    const auto index = static_cast<std::size_t>(f.id);
    if (by_id_.size() <= index) by_id_.resize(index + 1, -1);
    by_id_[index] = static_cast<int>(&f - formats_.data());
    if (f.fallback) {
      if (fallback_) {
        errors.push_back(
            fmt::format("{}: format '{}': only one format can be the fallback ('{}' is)",
                        f.defined_at, f.name, name_in_registry(*fallback_)));
      }
      fallback_ = f.id;
    }
    if (!f.line_pattern.empty()) {
      re2::RE2::Options line_options;
      line_options.set_log_errors(false);
      const re2::RE2 line(f.line_pattern, line_options);
      if (!line.ok()) {
        errors.push_back(fmt::format("{}: format '{}': line pattern does not compile: {}",
                                     f.defined_at, f.name, line.error()));
      }
    }
    for (const std::string& name : f.catalogues) {
      if (catalogue_named(name) == nullptr) {
        errors.push_back(
            fmt::format("{}: format '{}': no catalogue named '{}'", f.defined_at, f.name, name));
      }
    }
  }
  for (catalogue& c : catalogues_) {
    if (when == catalogue_compile::on_first_use) {
      c.compile_on_first_use();
      continue;
    }
    for (std::string& e : c.compile()) errors.push_back(std::move(e));
  }
  re2::RE2::Options options;
  options.set_log_errors(false);
  options.set_max_mem(16 << 20);
  auto set =
      std::make_unique<compiled_set>(compiled_set{re2::RE2::Set(options, re2::RE2::ANCHOR_START)});
  sniff_owner_.clear();
  for (const format_info& f : formats_) {
    for (const std::string& pattern : f.sniff) {
      std::string error;
      if (set->set.Add(pattern, &error) < 0) {
        errors.push_back(fmt::format("{}: format '{}': sniff pattern '{}' does not compile: {}",
                                     f.defined_at, f.name, pattern, error));
        continue;
      }
      sniff_owner_.push_back(f.id);
    }
  }
  if (!errors.empty()) return errors;
  sniff_set_.reset();
  if (!sniff_owner_.empty()) {
    if (!set->set.Compile()) {
      errors.push_back("the formats' sniff patterns together exceed RE2's memory");
      return errors;
    }
    sniff_set_ = std::move(set);
  }
  return errors;
}

std::string format_registry::name_in_registry(format_id id) const {
  const format_info* f = info(id);
  return f ? f->name : "?";
}

format_id format_registry::sniff(std::string_view line) const {
  if (line.empty()) return format_id::unknown;
  if (line.front() == '{') {
    const format_id json = detail::sniff_json(line);
    if (json != format_id::unknown && info(json) != nullptr) return json;
  }
  if (!sniff_set_) return format_id::unknown;
  const std::string_view head = line.substr(0, sniff_head_bytes);
  thread_local std::vector<int> hits;
  hits.clear();
  if (!sniff_set_->set.Match(re2::StringPiece(head.data(), head.size()), &hits) || hits.empty()) {
    return format_id::unknown;
  }
  return sniff_owner_[static_cast<std::size_t>(*std::min_element(hits.begin(), hits.end()))];
}

std::vector<std::string> format_registry::check_samples() const {
  std::vector<std::string> errors;
  for (const format_info& f : formats_) {
    for (const std::string& sample : f.samples) {
      const format_id got = sniff(sample);
      if (got != f.id && !(f.fallback && got == format_id::unknown)) {
        errors.push_back(fmt::format(
            "{}: format '{}': sample is read as '{}': {}", f.defined_at, f.name,
            got == format_id::unknown ? "unknown" : name_in_registry(got), sample.substr(0, 120)));
      }
    }
  }
  for (const catalogue& c : catalogues_) {
    for (std::string& e : c.check_samples()) errors.push_back(std::move(e));
  }
  return errors;
}

namespace {

// The registry in use, read on every event (roles, lanes): one pointer load on the fast path.
// Both registries live until exit; install_registry runs before any input is read.
std::atomic<const format_registry*> current{nullptr};
std::shared_ptr<const format_registry> installed_registry;

const format_registry* load_builtin() {
  static const std::shared_ptr<const format_registry> builtin = [] {
    pack_result pack = load_format_pack({});
    if (!pack.registry) {
      // The built-in pack is checked by the build's tests; failing here is a build defect.
      for (const std::string& e : pack.errors) {
        fmt::print(stderr, "loopscope: built-in formats: {}\n", e);
      }
      std::abort();
    }
    return std::shared_ptr<const format_registry>(std::move(pack.registry));
  }();
  return builtin.get();
}

}  // namespace

const format_registry& registry() {
  if (const format_registry* r = current.load(std::memory_order_acquire)) return *r;
  const format_registry* builtin = load_builtin();
  const format_registry* expected = nullptr;
  current.compare_exchange_strong(expected, builtin, std::memory_order_acq_rel);
  return *current.load(std::memory_order_acquire);
}

void install_registry(std::shared_ptr<const format_registry> loaded) {
  installed_registry = std::move(loaded);
  current.store(installed_registry ? installed_registry.get() : load_builtin(),
                std::memory_order_release);
}

}  // namespace loopscope::formats

namespace loopscope {

std::string_view format_name(format_id id) {
  if (id == format_id::unknown) return "unknown";
  const formats::format_info* f = formats::registry().info(id);
  return f ? std::string_view(f->name) : std::string_view("unknown");
}

std::optional<format_id> format_from_name(std::string_view name) {
  if (name == "unknown") return format_id::unknown;
  return formats::registry().find(name);
}

std::vector<format_id> all_formats() {
  std::vector<format_id> ids;
  for (const formats::format_info& f : formats::registry().formats()) ids.push_back(f.id);
  return ids;
}

}  // namespace loopscope
