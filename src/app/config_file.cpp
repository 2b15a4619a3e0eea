#include "config_file.hpp"

#include <algorithm>
#include <array>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <fmt/format.h>
#include <toml++/toml.h>

namespace loopscope::app {
namespace {

namespace fs = std::filesystem;

// One row per key; `loopscope config` and the man page list them in this order.
constexpr std::array<config_key, 6> keys{{
    {"proxy_logs", config_shape::path_list, "--proxy-log", "none",
     "Proxy logs (LiteLLM, uvicorn) read with every run"},
    {"proxy_tz", config_shape::word, "--proxy-tz", "UTC",
     "Time zone of the proxy logs' time stamps that carry none"},
    {"fail_on", config_shape::word, "--fail-on", "error",
     "Exit 1 when a finding has at least this severity"},
    {"rules", config_shape::path_list, "--rules", "none, the built-in pack only",
     "Rule files or folders laid over the built-in pack"},
    {"formats", config_shape::path_list, "--formats", "none, the built-in formats only",
     "Formats files or folders laid over the built-in formats and wordings"},
    {"color", config_shape::word, "--color", "auto", "Colors: auto, always, never"},
}};

std::string env(const char* name) {
  const char* value = std::getenv(name);
  return value != nullptr ? std::string(value) : std::string();
}

// `~/x` is $HOME/x; a relative path is relative to the config file's folder, so a config file
// means the same wherever loopscope runs.
std::string resolve_path(const std::string& written, const fs::path& config_path) {
  if (written == "~" || written.starts_with("~/")) {
    const std::string home = env("HOME");
    if (!home.empty())
      return (fs::path(home) / written.substr(std::min<std::size_t>(2, written.size()))).string();
  }
  const fs::path path(written);
  if (path.is_absolute()) return written;
  return (config_path.parent_path() / path).lexically_normal().string();
}

int line_of(const toml::node& node) {
  return static_cast<int>(node.source().begin.line);
}

std::string known_keys() {
  std::string names;
  for (const config_key& k : keys) names += (names.empty() ? "" : ", ") + std::string(k.key);
  return names;
}

// The value of one key, or an error message located at its line.
std::optional<std::string> read_value(const config_key& key, const toml::node& node,
                                      const fs::path& path, config_value& out) {
  out.key = &key;
  out.line = line_of(node);
  if (key.shape == config_shape::word) {
    const auto* text = node.as_string();
    if (text == nullptr) return fmt::format("{} must be a string", key.key);
    out.words.push_back(text->get());
    return std::nullopt;
  }
  // A list key also takes a single string: `rules = "~/rules"`.
  if (const auto* text = node.as_string()) {
    out.words.push_back(resolve_path(text->get(), path));
    return std::nullopt;
  }
  const auto* list = node.as_array();
  if (list == nullptr) return fmt::format("{} must be a list of strings", key.key);
  for (const toml::node& item : *list) {
    const auto* text = item.as_string();
    if (text == nullptr) {
      out.line = line_of(item);
      return fmt::format("{} must be a list of strings", key.key);
    }
    out.words.push_back(resolve_path(text->get(), path));
  }
  return std::nullopt;
}

}  // namespace

std::span<const config_key> config_keys() {
  return keys;
}

const config_value* config_file::find(std::string_view key) const {
  const auto it = std::find_if(values.begin(), values.end(),
                               [&](const config_value& v) { return v.key->key == key; });
  return it != values.end() ? &*it : nullptr;
}

std::string config_file::where(const config_value& value) const {
  return value.line > 0 ? fmt::format("{}:{}", path, value.line) : path;
}

config_place locate_config() {
  if (const std::string named = env("LOOPSCOPE_CONFIG"); !named.empty()) {
    // Absolute, so that its relative paths mean the same from any working directory.
    std::error_code ec;
    const fs::path absolute = fs::absolute(named, ec);
    return {ec ? named : absolute.lexically_normal().string(), "LOOPSCOPE_CONFIG", true};
  }
  // The XDG base directory spec: a relative $XDG_CONFIG_HOME is invalid and ignored.
  if (const std::string xdg = env("XDG_CONFIG_HOME"); !xdg.empty() && fs::path(xdg).is_absolute()) {
    return {(fs::path(xdg) / "loopscope" / "config.toml").string(), "$XDG_CONFIG_HOME", false};
  }
  if (const std::string home = env("HOME"); !home.empty()) {
    return {(fs::path(home) / ".config" / "loopscope" / "config.toml").string(), "~/.config",
            false};
  }
  return {};
}

config_outcome read_config(const config_place& place) {
  if (place.path.empty()) return {config_file{}, ""};
  std::error_code ec;
  const fs::file_status status = fs::status(place.path, ec);
  if (!fs::exists(status)) {
    if (!place.must_exist) return {config_file{}, ""};
    return {std::nullopt, fmt::format("{}={}: no such file", place.found_by, place.path)};
  }
  if (fs::is_directory(status)) {
    return {std::nullopt, fmt::format("config file {} is a directory", place.path)};
  }
  std::ifstream in(place.path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  if (!in) return {std::nullopt, fmt::format("config file {}: cannot read it", place.path)};
  return parse_config(text.str(), place.path, place.found_by);
}

config_outcome parse_config(std::string_view text, const std::string& path,
                            const std::string& found_by) {
  config_file config;
  config.path = path;
  config.found_by = found_by;
  toml::table table;
  try {
    table = toml::parse(text, path);
  } catch (const toml::parse_error& e) {
    return {std::nullopt, fmt::format("{}:{}: {}", path, e.source().begin.line, e.description())};
  }
  for (const auto& [name, node] : table) {
    const std::string_view key_name = name.str();
    const auto key = std::find_if(keys.begin(), keys.end(),
                                  [&](const config_key& k) { return k.key == key_name; });
    if (key == keys.end()) {
      return {std::nullopt, fmt::format("{}:{}: unknown key '{}' (known: {})", path,
                                        name.source().begin.line, key_name, known_keys())};
    }
    config_value value;
    if (auto error = read_value(*key, node, fs::path(path), value)) {
      return {std::nullopt, fmt::format("{}:{}: {}", path, value.line, *error)};
    }
    config.values.push_back(std::move(value));
  }
  // The table iterates in key order; keep the values in the keys' table order for reports.
  std::sort(config.values.begin(), config.values.end(),
            [](const config_value& a, const config_value& b) { return a.key < b.key; });
  return {std::move(config), ""};
}

namespace {

std::string toml_string(const std::string& text) {
  std::string out = "\"";
  for (const char c : text) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (static_cast<unsigned char>(c) < 0x20) {
      out += fmt::format("\\u{:04X}", static_cast<unsigned char>(c));
    } else {
      out += c;
    }
  }
  return out + "\"";
}

}  // namespace

void write_effective_config(const effective_config& config, std::ostream& out) {
  if (config.place.path.empty()) {
    out << "# no config file: neither LOOPSCOPE_CONFIG, XDG_CONFIG_HOME nor HOME is set\n";
  } else if (config.file_found) {
    out << fmt::format("# config file: {} (from {})\n", config.place.path, config.place.found_by);
  } else {
    out << fmt::format("# no config file at {} (from {})\n", config.place.path,
                       config.place.found_by);
  }
  for (const effective_setting& s : config.settings) {
    if (s.words.empty() && s.origin.empty()) {
      out << fmt::format("# {} is not set (default: {})\n", s.key->key, s.key->default_text);
      continue;
    }
    std::string value;
    if (s.key->shape == config_shape::word) {
      value = toml_string(s.words.empty() ? std::string() : s.words.front());
    } else {
      for (const std::string& w : s.words) value += (value.empty() ? "" : ", ") + toml_string(w);
      value = "[" + value + "]";
    }
    out << fmt::format("{} = {}  # {}{}\n", s.key->key, value, s.origin,
                       s.note.empty() ? "" : "; " + s.note);
  }
}

}  // namespace loopscope::app
