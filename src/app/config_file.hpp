// The user's config file: what a user would otherwise type on every run (proxy logs and their
// time zone, --fail-on, extra rule folders, colour). TOML, read with toml++ (Debian's
// libtomlplusplus3). This file knows the keys and their shapes; cli/config_hook.cpp lays the values
// under the command line (a flag given there wins) and records where each setting came from.
#pragma once

#include <optional>
#include <ostream>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace loopscope::app {

enum class config_shape : unsigned char { word, path_list };

// One key of the config file and the option it stands for. `option` is empty while loopscope has
// no such option yet: the value is read, checked and reported by `loopscope config`, no more.
struct config_key {
  std::string_view key;
  config_shape shape;
  std::string_view option;
  std::string_view default_text;  // what applies when neither the file nor a flag says
  std::string_view meaning;
};
std::span<const config_key> config_keys();

// A value as written, with the line it is on. Paths are already resolved: `~/` against $HOME, a
// relative path against the config file's folder.
struct config_value {
  const config_key* key = nullptr;
  std::vector<std::string> words;  // a word is one entry; a list its items, in order
  int line = 0;
};

struct config_file {
  std::string path;      // empty: no config file (none at the default place)
  std::string found_by;  // "LOOPSCOPE_CONFIG", "$XDG_CONFIG_HOME" or "~/.config"
  std::vector<config_value> values;

  const config_value* find(std::string_view key) const;
  // "FILE:LINE", for messages and `loopscope config`.
  std::string where(const config_value& value) const;
};

struct config_outcome {
  std::optional<config_file> config;  // empty: `error` says why (one line, no "loopscope: ")
  std::string error;
};

// Where the config file is looked for, from the environment (LOOPSCOPE_CONFIG, XDG_CONFIG_HOME,
// HOME), and how that place was chosen.
struct config_place {
  std::string path;  // empty: nowhere to look (no HOME)
  std::string found_by;
  bool must_exist = false;  // a file named by LOOPSCOPE_CONFIG must be there
};
config_place locate_config();

// Reads the config file at `place`; a missing optional file is an empty config.
config_outcome read_config(const config_place& place);
// Parses `text` as the config file `path` (for tests and read_config).
config_outcome parse_config(std::string_view text, const std::string& path,
                            const std::string& found_by);

// One setting as the run uses it, for `loopscope config`.
struct effective_setting {
  const config_key* key = nullptr;
  std::vector<std::string> words;  // empty: not set, the default applies
  std::string origin;              // "FILE:LINE", "command line", or empty for the default
  std::string note;                // why a value is not used, if it is not
};

struct effective_config {
  config_place place;
  bool file_found = false;
  std::vector<effective_setting> settings;  // in config_keys() order
};

// Writes the settings as TOML, each with where it came from in a comment.
void write_effective_config(const effective_config& config, std::ostream& out);

}  // namespace loopscope::app
