#include "config_hook.hpp"

#include <filesystem>
#include <iostream>

#include <fmt/format.h>
#include <CLI/CLI.hpp>

#include "app/config_file.hpp"

namespace loopscope::cli {
namespace {

// CLI11's messages start with the option's name ("--fail-on: bogus not in {…}"); the config's
// message names the key instead.
std::string without_option_name(const std::string& message, std::string_view option) {
  const std::string prefix = std::string(option) + ": ";
  return message.starts_with(prefix) ? message.substr(prefix.size()) : message;
}

void complain(const std::string& message) {
  std::string line = message;
  for (char& c : line) {
    if (c == '\n') c = ' ';
  }
  std::cerr << "loopscope: " << line << '\n';
}

}  // namespace

int apply_config_file(CLI::App& app, CLI::App* settings_for, app::options& opts) {
  if (settings_for == nullptr) {
    // The command being run: the deepest parsed subcommand ("rules list" -> list).
    settings_for = &app;
    for (std::vector<CLI::App*> parsed = app.get_subcommands(); !parsed.empty();
         parsed = settings_for->get_subcommands()) {
      settings_for = parsed.front();
    }
  }
  app::effective_config& effective = opts.config;
  effective.place = app::locate_config();
  app::config_outcome outcome = app::read_config(effective.place);
  if (!outcome.config) {
    complain(outcome.error);
    return app::exit_trouble;
  }
  const app::config_file& file = *outcome.config;
  effective.file_found = !file.path.empty();
  for (const app::config_key& key : app::config_keys()) {
    app::effective_setting setting;
    setting.key = &key;
    CLI::Option* option =
        key.option.empty() ? nullptr : settings_for->get_option_no_throw(std::string(key.option));
    const app::config_value* value = file.find(key.key);
    if (option != nullptr && option->count() > 0) {
      setting.words = option->results();
      setting.origin = "command line";
      if (value != nullptr) setting.note = "replaces " + file.where(*value);
    } else if (value != nullptr) {
      setting.words = value->words;
      setting.origin = file.where(*value);
      if (key.shape == app::config_shape::path_list) {
        for (const std::string& path : value->words) {
          std::error_code ec;
          if (!std::filesystem::exists(path, ec)) {
            complain(fmt::format("{}: {}: {}: no such file or directory", file.where(*value),
                                 key.key, path));
            return app::exit_trouble;
          }
        }
      }
      if (option != nullptr) {
        try {
          option->add_result(value->words);
          option->run_callback();
        } catch (const CLI::ParseError& e) {
          complain(fmt::format("{}: {}: {}", file.where(*value), key.key,
                               without_option_name(e.what(), key.option)));
          return app::exit_trouble;
        }
      } else if (key.option.empty()) {
        setting.note = "no option uses it yet";
      } else {
        setting.note = fmt::format("not used: loopscope {} has no {} option",
                                   settings_for->get_name(), key.option);
      }
    }
    effective.settings.push_back(std::move(setting));
  }
  return app::exit_clean;
}

}  // namespace loopscope::cli
