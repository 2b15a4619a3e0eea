#include "cli_model.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <string_view>

#include <CLI/CLI.hpp>

namespace loopscope::cli {
namespace {

// `word` as a whole word: not inside another, and not a possessive ("log's" is no log).
bool has_word(const std::string& text, std::string_view word) {
  for (std::size_t at = text.find(word); at != std::string::npos; at = text.find(word, at + 1)) {
    const bool starts = at == 0 || !std::isalnum(static_cast<unsigned char>(text[at - 1]));
    const std::size_t end = at + word.size();
    const bool ends = end == text.size() ||
                      (!std::isalnum(static_cast<unsigned char>(text[end])) && text[end] != '\'');
    if (starts && ends) return true;
  }
  return false;
}

// IsMember's description in the type name: "TEXT:{dot,json,markdown,text}".
std::vector<std::string> choices_of(const std::string& type_name) {
  std::vector<std::string> words;
  const std::size_t open = type_name.find('{');
  const std::size_t close = type_name.find('}', open);
  if (open == std::string::npos || close == std::string::npos) return words;
  std::string word;
  for (const char c : type_name.substr(open + 1, close - open - 1)) {
    if (c == ',') {
      words.push_back(word);
      word.clear();
    } else {
      word += c;
    }
  }
  if (!word.empty()) words.push_back(word);
  return words;
}

// The value's name, from what the help text calls it ("Write to FILE") or from its type.
std::string metavar_for(const option_doc& doc, const std::string& type_name) {
  if (!doc.choices.empty()) {
    std::string joined;
    for (const std::string& c : doc.choices) joined += (joined.empty() ? "" : "|") + c;
    return joined;
  }
  if (type_name.starts_with("UINT") || type_name.starts_with("INT")) return "N";
  static constexpr std::array<std::string_view, 6> named{"FILE", "PATH", "DIR",
                                                         "ZONE", "DATE", "NAME"};
  for (const std::string_view word : named) {
    if (has_word(doc.description, word)) return std::string(word);
  }
  if (doc.kind == value_kind::input_format) return "NAME";
  if (doc.kind == value_kind::file) return "PATH";
  return "VALUE";
}

value_kind kind_for(const CLI::Option& option, const option_doc& doc) {
  if (option.get_expected_max() == 0 && !doc.positional) return value_kind::none;  // a flag
  if (!doc.choices.empty()) return value_kind::choice;
  if (std::find(doc.names.begin(), doc.names.end(), "--input-format") != doc.names.end()) {
    return value_kind::input_format;
  }
  // Every positional here names files; an option does when its help says so.
  if (doc.positional) return value_kind::file;
  for (const std::string_view word : {"FILE", "file", "files", "directory", "PATH", "log"}) {
    if (has_word(doc.description, word)) return value_kind::file;
  }
  return value_kind::other;
}

option_doc describe_option(const CLI::Option& option) {
  option_doc doc;
  doc.description = option.get_description();
  doc.positional = !option.nonpositional();
  if (doc.positional) {
    doc.names.push_back(option.get_name(true));
  } else {
    for (const std::string& s : option.get_snames()) doc.names.push_back("-" + s);
    for (const std::string& l : option.get_lnames()) doc.names.push_back("--" + l);
  }
  doc.repeatable = option.get_expected_max() > 1 ||
                   option.get_multi_option_policy() == CLI::MultiOptionPolicy::TakeAll;
  doc.required = option.get_required();
  const std::string type_name = option.get_type_name();
  doc.choices = choices_of(type_name);
  doc.kind = kind_for(option, doc);
  if (doc.kind != value_kind::none) doc.metavar = metavar_for(doc, type_name);
  return doc;
}

command_doc describe_command(const CLI::App& command, std::string name, std::string path) {
  command_doc doc;
  doc.name = std::move(name);
  doc.path = std::move(path);
  doc.description = command.get_description();
  const CLI::Option* help = command.get_help_ptr();
  const CLI::Option* help_all = command.get_help_all_ptr();
  const CLI::Option* version = command.get_version_ptr();
  for (const CLI::Option* option : command.get_options()) {
    if (option == help || option == help_all || option == version) continue;
    doc.options.push_back(describe_option(*option));
  }
  // Positionals last, as in a usage line.
  std::stable_partition(doc.options.begin(), doc.options.end(),
                        [](const option_doc& o) { return !o.positional; });
  for (const CLI::App* sub : command.get_subcommands([](const CLI::App*) { return true; })) {
    const std::string& sub_name = sub->get_name();
    doc.subcommands.push_back(
        describe_command(*sub, sub_name, doc.path.empty() ? sub_name : doc.path + " " + sub_name));
  }
  return doc;
}

}  // namespace

// Paths are relative to the program: "rules list".
command_doc describe(const CLI::App& app) {
  return describe_command(app, "", "");
}

}  // namespace loopscope::cli
