// Reads rules/formats/*.yaml (compiled in) and the user's --formats files into a registry.
#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <array>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "builtin_format_files.hpp"
#include "loopscope/formats/registry.hpp"

namespace loopscope::formats {
namespace {

namespace fs = std::filesystem;

// The formats whose decoders are C++ keep the ids code refers to; others get the next free id.
constexpr std::array<std::pair<std::string_view, format_id>, 8> builtin_ids{{
    {"codex-rollout", format_id::codex_rollout},
    {"codex-exec-jsonl", format_id::codex_exec_jsonl},
    {"codex-trace", format_id::codex_trace},
    {"codex-exec-stderr", format_id::codex_exec_stderr},
    {"litellm-text", format_id::litellm_text},
    {"litellm-json", format_id::litellm_json},
    {"uvicorn-access", format_id::uvicorn_access},
    {"generic", format_id::generic},
}};

enum class layer : unsigned char { builtin, overlay };

class pack_reader {
 public:
  explicit pack_reader(format_registry& target) : target_(target) {
    for (const format_info& f : target_.formats()) {
      next_id_ = std::max(next_id_, static_cast<unsigned>(f.id) + 1);
    }
  }

  void read_text(std::string_view file, std::string_view text, layer where) {
    file_ = std::string(file);
    where_ = where;
    YAML::Node root;
    try {
      root = YAML::Load(std::string(text));
    } catch (const YAML::Exception& e) {
      error(e.mark, fmt::format("not YAML: {}", e.msg));
      return;
    }
    if (!root || root.IsNull()) return;
    if (!root.IsMap()) {
      error(root.Mark(), "expected a map with formats: and/or catalogues:");
      return;
    }
    for (const auto& item : root) {
      const std::string key = item.first.as<std::string>("");
      if (key == "formats") {
        for_each(item.second, "formats", [this](const YAML::Node& n) { read_format(n); });
      } else if (key == "catalogues") {
        for_each(item.second, "catalogues", [this](const YAML::Node& n) { read_catalogue(n); });
      } else {
        error(item.first.Mark(), fmt::format("unknown key '{}' (formats, catalogues)", key));
      }
    }
  }

  void read_path(const std::string& path) {
    std::error_code ec;
    if (fs::is_directory(path, ec)) {
      std::vector<fs::path> files;
      for (const auto& entry : fs::directory_iterator(path, ec)) {
        const std::string ext = entry.path().extension().string();
        if (entry.is_regular_file(ec) && (ext == ".yaml" || ext == ".yml")) {
          files.push_back(entry.path());
        }
      }
      std::sort(files.begin(), files.end());
      if (files.empty()) errors_.push_back(fmt::format("{}: no *.yaml file in this folder", path));
      for (const fs::path& f : files) read_file(f.string());
      return;
    }
    read_file(path);
  }

  std::vector<std::string> take_errors() { return std::move(errors_); }

 private:
  void read_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) {
      std::error_code ec;
      errors_.push_back(fs::exists(path, ec) ? fmt::format("{}: cannot be read", path)
                                             : fmt::format("{}: no such formats file", path));
      return;
    }
    std::ostringstream text;
    text << in.rdbuf();
    read_text(path, text.str(), layer::overlay);
  }

  template <typename Fn>
  void for_each(const YAML::Node& list, std::string_view what, Fn fn) {
    if (!list.IsSequence()) {
      error(list.Mark(), fmt::format("{}: expected a list", what));
      return;
    }
    for (const YAML::Node& n : list) {
      if (!n.IsMap()) {
        error(n.Mark(), fmt::format("{}: expected a map per entry", what));
        continue;
      }
      fn(n);
    }
  }

  void error(const YAML::Mark& mark, std::string what) {
    errors_.push_back(fmt::format("{}:{}: {}", file_, mark.line + 1, what));
  }
  std::string at(const YAML::Node& n) const {
    return fmt::format("{}:{}", file_, n.Mark().line + 1);
  }

  std::optional<std::string> scalar(const YAML::Node& n, std::string_view key) {
    if (!n.IsScalar()) {
      error(n.Mark(), fmt::format("{}: expected a single value", key));
      return std::nullopt;
    }
    return n.Scalar();
  }

  std::vector<std::string> strings(const YAML::Node& n, std::string_view key) {
    std::vector<std::string> out;
    if (n.IsScalar()) {
      out.push_back(n.Scalar());
      return out;
    }
    if (!n.IsSequence()) {
      error(n.Mark(), fmt::format("{}: expected a list of strings", key));
      return out;
    }
    for (const YAML::Node& item : n) {
      if (auto s = scalar(item, key)) out.push_back(std::move(*s));
    }
    return out;
  }

  bool enabled(const YAML::Node& n) {
    const YAML::Node flag = n["enabled"];
    if (!flag) return true;
    return flag.as<bool>(true);
  }

  void read_format(const YAML::Node& n) {
    const YAML::Node name_node = n["name"];
    if (!name_node || !name_node.IsScalar()) {
      error(n.Mark(), "format without a name");
      return;
    }
    const std::string name = name_node.Scalar();
    const std::optional<format_id> existing = target_.find(name);
    if (!enabled(n)) {
      if (where_ == layer::builtin) error(n.Mark(), "enabled: false is for overlays");
      disabled_formats_.push_back(name);
      return;
    }
    format_info f;
    if (existing) {
      f = *target_.info(*existing);  // an overlay changes what it names, keeps the rest
    } else {
      f.name = name;
      f.id = id_for(name, n);
    }
    f.defined_at = at(n);
    for (const auto& item : n) {
      const std::string key = item.first.as<std::string>("");
      const YAML::Node& v = item.second;
      if (key == "name" || key == "enabled") continue;
      if (key == "role") {
        if (auto s = scalar(v, key)) {
          if (auto r = source_role_from_name(*s))
            f.role = *r;
          else
            error(v.Mark(), fmt::format("role '{}': client or proxy", *s));
        }
      } else if (key == "lane") {
        if (auto s = scalar(v, key)) {
          if (auto l = format_lane_from_name(*s))
            f.lane = *l;
          else
            error(v.Mark(), fmt::format("lane '{}': proxy, trace, exec or rollout", *s));
        }
      } else if (key == "shape") {
        if (auto s = scalar(v, key)) {
          if (auto l = line_shape_from_name(*s))
            f.shape = *l;
          else
            error(v.Mark(), fmt::format("shape '{}': text or json", *s));
        }
      } else if (key == "decoder") {
        if (auto s = scalar(v, key)) f.decoder = *s;
      } else if (key == "description") {
        if (auto s = scalar(v, key)) f.description = *s;
      } else if (key == "sniff") {
        f.sniff = strings(v, key);
      } else if (key == "line") {
        if (auto s = scalar(v, key)) f.line_pattern = *s;
      } else if (key == "catalogues") {
        f.catalogues = strings(v, key);
      } else if (key == "samples") {
        f.samples = strings(v, key);
      } else if (key == "fallback") {
        f.fallback = v.as<bool>(false);
      } else if (key == "source") {
        // where the format is documented; informative
      } else {
        error(
            item.first.Mark(),
            fmt::format("format '{}': unknown key '{}' (name, role, lane, shape, decoder, "
                        "description, sniff, line, catalogues, samples, fallback, source, enabled)",
                        name, key));
      }
    }
    if (f.decoder.empty()) error(n.Mark(), fmt::format("format '{}': no decoder", name));
    if (f.samples.empty()) error(n.Mark(), fmt::format("format '{}': no samples", name));
    if (f.shape == line_shape::text && f.sniff.empty() && !f.fallback) {
      error(n.Mark(), fmt::format("format '{}': a text format needs sniff patterns", name));
    }
    target_.put_format(std::move(f));
  }

  format_id id_for(std::string_view name, const YAML::Node& n) {
    for (const auto& [builtin, id] : builtin_ids) {
      if (builtin == name) return id;
    }
    if (next_id_ < first_data_format) next_id_ = first_data_format;
    if (next_id_ >= max_formats) {
      error(n.Mark(), "too many formats");
      return format_id::unknown;
    }
    return static_cast<format_id>(next_id_++);
  }

  void read_catalogue(const YAML::Node& n) {
    const YAML::Node name_node = n["name"];
    if (!name_node || !name_node.IsScalar()) {
      error(n.Mark(), "catalogue without a name");
      return;
    }
    const std::string name = name_node.Scalar();
    const catalogue* existing = target_.catalogue_named(name);
    std::string source = existing ? existing->source() : std::string();
    std::vector<std::string> always = existing ? existing->always() : std::vector<std::string>();
    std::vector<message_entry> added;
    std::vector<message_entry> entries =
        existing ? existing->entries() : std::vector<message_entry>();
    for (const auto& item : n) {
      const std::string key = item.first.as<std::string>("");
      const YAML::Node& v = item.second;
      if (key == "name") continue;
      if (key == "source") {
        if (auto s = scalar(v, key)) source = *s;
      } else if (key == "always") {
        always = strings(v, key);
      } else if (key == "messages") {
        for_each(v, "messages", [&](const YAML::Node& m) {
          const std::string id = m["id"] && m["id"].IsScalar() ? m["id"].Scalar() : std::string();
          auto same = std::find_if(entries.begin(), entries.end(),
                                   [&](const message_entry& e) { return e.id == id; });
          const bool in_added = std::any_of(added.begin(), added.end(),
                                            [&](const message_entry& e) { return e.id == id; });
          if (in_added || (same != entries.end() && where_ == layer::builtin)) {
            error(m.Mark(), fmt::format("catalogue '{}': entry '{}' is defined twice", name, id));
            return;
          }
          if (!enabled(m)) {
            if (same != entries.end()) {
              entries.erase(same);
            } else {
              error(m.Mark(), fmt::format("catalogue '{}': no entry '{}' to disable", name, id));
            }
            return;
          }
          std::optional<message_entry> entry = read_message(name, m);
          if (!entry) return;
          if (same != entries.end()) {
            *same = std::move(*entry);  // replaced in place: it keeps its rank
          } else {
            added.push_back(std::move(*entry));
          }
        });
      } else {
        error(item.first.Mark(), fmt::format("catalogue '{}': unknown key '{}' (name, source, "
                                             "always, messages)",
                                             name, key));
      }
    }
    // A user's new wording is more specific than the built-in ones: it is tried first.
    if (where_ == layer::overlay) {
      added.insert(added.end(), std::make_move_iterator(entries.begin()),
                   std::make_move_iterator(entries.end()));
      entries = std::move(added);
    } else {
      entries.insert(entries.end(), std::make_move_iterator(added.begin()),
                     std::make_move_iterator(added.end()));
    }
    target_.put_catalogue(
        catalogue(name, std::move(source), std::move(entries), std::move(always)));
  }

  std::optional<message_entry> read_message(const std::string& catalogue_name,
                                            const YAML::Node& m) {
    message_entry entry;
    entry.defined_at = at(m);
    bool ok = true;
    const auto fail = [&](const YAML::Node& where, std::string what) {
      error(where.Mark(), fmt::format("catalogue '{}' entry '{}': {}", catalogue_name,
                                      entry.id.empty() ? "?" : entry.id, what));
      ok = false;
    };
    if (const YAML::Node id = m["id"]; id && id.IsScalar()) {
      entry.id = id.Scalar();
    } else {
      fail(m, "no id");
      return std::nullopt;
    }
    bool skip = false;
    for (const auto& item : m) {
      const std::string key = item.first.as<std::string>("");
      const YAML::Node& v = item.second;
      if (key == "id" || key == "enabled") continue;
      if (key == "match") {
        if (auto s = scalar(v, key)) entry.pattern = *s;
      } else if (key == "event") {
        if (auto s = scalar(v, key)) {
          if (auto k = event_kind_from_name(*s))
            entry.kind = *k;
          else
            fail(v, fmt::format("event '{}' is not an event kind", *s));
        }
      } else if (key == "skip") {
        skip = v.as<bool>(false);
      } else if (key == "set" || key == "fields") {
        if (!v.IsMap()) {
          fail(v, fmt::format("{}: expected a map of field: value", key));
          continue;
        }
        for (const auto& f : v) {
          const std::string field_name = f.first.as<std::string>("");
          const auto field = event_field_from_name(field_name);
          if (!field) {
            fail(f.first, fmt::format("{}: '{}' is not an event field", key, field_name));
            continue;
          }
          if (!f.second.IsScalar()) {
            fail(f.second, fmt::format("{}: '{}' needs a single value", key, field_name));
            continue;
          }
          (key == "set" ? entry.defaults : entry.fields).push_back({*field, f.second.Scalar()});
        }
      } else if (key == "then") {
        entry.extractors = strings(v, key);
      } else if (key == "tag") {
        if (auto s = scalar(v, key)) entry.tag = *s;
      } else if (key == "samples") {
        if (!v.IsSequence()) {
          fail(v, "samples: expected a list");
          continue;
        }
        for (const YAML::Node& s : v) {
          message_sample sample;
          sample.line = static_cast<int>(s.Mark().line) + 1;
          if (s.IsScalar()) {
            sample.text = s.Scalar();
          } else if (s.IsMap() && s["text"] && s["text"].IsScalar()) {
            sample.text = s["text"].Scalar();
            if (const YAML::Node expect = s["expect"]) {
              if (!expect.IsMap()) {
                fail(expect, "expect: expected a map");
                continue;
              }
              for (const auto& x : expect) {
                sample.expect[x.first.as<std::string>("")] = x.second.as<std::string>("");
              }
            }
          } else {
            fail(s, "a sample is a string, or text: with expect:");
            continue;
          }
          entry.samples.push_back(std::move(sample));
        }
      } else {
        fail(item.first, fmt::format("unknown key '{}' (id, match, event, skip, set, fields, then, "
                                     "tag, samples, enabled)",
                                     key));
      }
    }
    if (entry.pattern.empty()) fail(m, "no match pattern");
    if (skip == entry.kind.has_value()) fail(m, "give either event: KIND or skip: true");
    if (entry.samples.empty()) fail(m, "no samples (every wording carries a real line)");
    if (!ok) return std::nullopt;
    return entry;
  }

 public:
  std::vector<std::string> disabled_formats_;

 private:
  format_registry& target_;
  std::string file_;
  layer where_ = layer::builtin;
  std::vector<std::string> errors_;
  unsigned next_id_ = 1;
};

enum class sample_check : unsigned char { run, skip };

pack_result finish(std::shared_ptr<format_registry> registry, std::vector<std::string> errors,
                   sample_check samples) {
  if (errors.empty()) {
    errors = registry->compile(samples == sample_check::run
                                   ? format_registry::catalogue_compile::now
                                   : format_registry::catalogue_compile::on_first_use);
  }
  if (errors.empty() && samples == sample_check::run) errors = registry->check_samples();
  if (!errors.empty()) return {nullptr, std::move(errors)};
  return {std::move(registry), {}};
}

}  // namespace

namespace {

pack_result load_pack(const std::vector<std::string>& overlays, sample_check samples) {
  auto registry = std::make_shared<format_registry>();
  std::vector<std::string> errors;
  {
    pack_reader reader(*registry);
    for (const auto& [name, text] : detail::builtin_format_files()) {
      reader.read_text(fmt::format("rules/formats/{}", name), text, layer::builtin);
    }
    errors = reader.take_errors();
  }
  for (const std::string& path : overlays) {
    pack_reader reader(*registry);
    reader.read_path(path);
    for (std::string& e : reader.take_errors()) errors.push_back(std::move(e));
    for (const std::string& name : reader.disabled_formats_) registry->remove_format(name);
  }
  return finish(std::move(registry), std::move(errors), samples);
}

}  // namespace

pack_result load_format_pack(const std::vector<std::string>& overlays) {
  // The built-in pack alone is checked by the test suite on every build (load_format_files):
  // at start-up its catalogues compile on first use and its samples are not re-run. With an
  // overlay everything is checked, since a new entry can take a built-in sample.
  return load_pack(overlays, overlays.empty() ? sample_check::skip : sample_check::run);
}

pack_result load_format_files(const std::vector<std::string>& paths) {
  return load_pack(paths, sample_check::run);
}

}  // namespace loopscope::formats
