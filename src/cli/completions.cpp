// Shell completions for bash and zsh, written from the command tree: subcommands, each command's
// options, the fixed words of choice options (--format, --fail-on, …), the format names of
// --input-format, and file names where an option or INPUT takes a path. Both scripts are
// self-contained (no bash-completion helpers needed); tests/install checks them with bash -n and
// zsh -n.
#include <string>
#include <vector>

#include <fmt/format.h>

#include "generated_docs.hpp"
#include "loopscope/core/format_id.hpp"
#include "loopscope/formats/registry.hpp"

namespace loopscope::cli {
namespace {

std::vector<std::string> format_names() {
  std::vector<std::string> names;
  for (const format_id id : all_formats()) names.emplace_back(format_name(id));
  return names;
}

std::string joined(const std::vector<std::string>& words, std::string_view separator = " ") {
  std::string out;
  for (const std::string& w : words) {
    if (!out.empty()) out += separator;
    out += w;
  }
  return out;
}

std::vector<std::string> values_of(const option_doc& option) {
  if (option.kind == value_kind::choice) return option.choices;
  if (option.kind == value_kind::input_format) return format_names();
  return {};
}

// The leaf commands and the commands that only group others, depth first.
void collect(const command_doc& command, std::vector<const command_doc*>& out) {
  for (const command_doc& sub : command.subcommands) {
    out.push_back(&sub);
    collect(sub, out);
  }
}

const command_doc* find_command(const command_doc& root, std::string_view name) {
  for (const command_doc& sub : root.subcommands) {
    if (sub.name == name) return &sub;
  }
  return nullptr;
}

// ---- bash ----

std::string bash_key(const command_doc& command) {
  std::string key = command.path;
  for (char& c : key) {
    if (c == ' ') c = '/';
  }
  return key;
}

void bash_command_cases(const command_doc& command, std::string_view key, std::ostream& out) {
  std::vector<std::string> flags;
  bool takes_files = false;
  for (const option_doc& o : command.options) {
    if (o.positional) {
      takes_files = true;
      continue;
    }
    for (const std::string& n : o.names) flags.push_back(n);
  }
  flags.emplace_back("--help");
  std::vector<std::string> subs;
  for (const command_doc& sub : command.subcommands) subs.push_back(sub.name);
  out << "    " << (key.empty() ? "''" : std::string(key)) << ")\n"
      << "      flags='" << joined(flags) << "'\n"
      << "      words='" << joined(subs) << "'\n"
      << "      files=" << (takes_files ? 1 : 0) << " ;;\n";
}

void bash_value_cases(const command_doc& command, std::string_view key, std::ostream& out) {
  for (const option_doc& o : command.options) {
    if (o.positional || o.kind == value_kind::none) continue;
    std::string pattern;
    for (const std::string& n : o.names) {
      pattern += fmt::format("{}'{}|{}'", pattern.empty() ? "" : "|", key, n);
    }
    out << "    " << pattern << ")\n";
    if (o.kind == value_kind::file) {
      out << "      compopt -o filenames 2>/dev/null\n"
          << "      mapfile -t COMPREPLY < <(compgen -f -- \"$cur\"); return ;;\n";
    } else if (const std::vector<std::string> values = values_of(o); !values.empty()) {
      out << "      mapfile -t COMPREPLY < <(compgen -W '" << joined(values)
          << "' -- \"$cur\"); return ;;\n";
    } else {
      out << "      return ;;  # a value no shell can guess\n";
    }
  }
}

// ---- zsh ----

// A description inside an _arguments spec, within single quotes: its first clause, with the
// characters _arguments gives a meaning escaped.
std::string zsh_description(const std::string& text) {
  std::string clause = text.substr(0, text.find_first_of("(;:"));
  while (!clause.empty() && (clause.back() == ' ' || clause.back() == '.')) clause.pop_back();
  std::string out;
  for (const char c : clause) {
    if (c == '\'') {
      out += "'\\''";
    } else if (c == '[' || c == ']' || c == ':' || c == '\\') {
      out += '\\';
      out += c;
    } else if (c == '`') {
      continue;
    } else {
      out += c;
    }
  }
  return out;
}

std::string zsh_action(const option_doc& o) {
  if (o.kind == value_kind::file) return "_files";
  if (const std::vector<std::string> values = values_of(o); !values.empty()) {
    return fmt::format("({})", joined(values));
  }
  return " ";
}

std::string zsh_function(const command_doc& command) {
  std::string name = "_loopscope_";
  for (const char c : command.path) name += c == ' ' ? '_' : c;
  return name;
}

void zsh_leaf(const command_doc& command, std::ostream& out) {
  out << zsh_function(command) << "() {\n  _arguments -s -S \\\n"
      << "    '(- *)'{-h,--help}'[Print the help and exit]' \\\n";
  for (const option_doc& o : command.options) {
    const std::string description = zsh_description(o.description);
    if (o.positional) {
      out << "    '" << (o.repeatable ? "*" : "") << ":" << o.names.front() << ":" << zsh_action(o)
          << "' \\\n";
      continue;
    }
    const std::string value =
        o.kind == value_kind::none ? "" : ":" + o.metavar + ":" + zsh_action(o);
    const std::string repeat = o.repeatable ? "*" : "";
    if (o.names.size() == 1) {
      out << "    '" << repeat << o.names.front() << "[" << description << "]" << value << "' \\\n";
    } else {
      // Aliases exclude each other: '(-o --output)'{-o,--output}'[…]:FILE:_files'.
      std::string names;
      for (const std::string& n : o.names) names += (names.empty() ? "" : ",") + n;
      out << "    " << (o.repeatable ? "" : "'(" + joined(o.names) + ")'") << repeat << "{" << names
          << "}'[" << description << "]" << value << "' \\\n";
    }
  }
  out << "\n}\n\n";
}

void zsh_describe_list(const command_doc& command, std::ostream& out) {
  out << "  local -a commands=(\n";
  for (const command_doc& sub : command.subcommands) {
    out << "    '" << sub.name << ":" << zsh_description(sub.description) << "'\n";
  }
  out << "  )\n";
}

void zsh_group(const command_doc& command, std::ostream& out) {
  out << zsh_function(command) << "() {\n";
  zsh_describe_list(command, out);
  out << "  if (( CURRENT == 2 )); then\n"
      << "    _describe -t commands '" << command.path << " command' commands\n"
      << "  elif (( ${+functions[" << zsh_function(command) << "_${words[2]}]} )); then\n"
      << "    local sub=${words[2]}\n"
      << "    shift words; (( CURRENT-- ))\n"
      << "    " << zsh_function(command) << "_$sub\n"
      << "  fi\n}\n\n";
}

}  // namespace

void write_bash_completion(const command_doc& root, std::ostream& out) {
  std::vector<const command_doc*> commands;
  collect(root, commands);
  const command_doc* fallback = find_command(root, "analyze");
  out << R"(# bash completion for loopscope. Generated by `loopscope --completion bash` from its
# command-line definition; do not edit. Install as
# /usr/share/bash-completion/completions/loopscope, or: source <(loopscope --completion bash)
_loopscope() {
  local cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD-1]}
  local cmd='' i
  # The command path so far ("rules/list"); with none, `loopscope INPUT` means analyze.
  for ((i = 1; i < COMP_CWORD; i++)); do
    case "$cmd/${COMP_WORDS[i]}" in
)";
  std::string known;
  for (const command_doc* c : commands) {
    // "$cmd/word": "/analyze" at the top, "rules/list" under rules.
    const std::string key = bash_key(*c);
    const std::string pattern = key.find('/') == std::string::npos ? "/" + key : key;
    known += fmt::format("{}'{}'", known.empty() ? "" : "|", pattern);
  }
  out << "      " << known << ")\n        cmd=${cmd:+$cmd/}${COMP_WORDS[i]} ;;\n    esac\n  done\n"
      << "  local key=${cmd:-" << (fallback != nullptr ? "analyze" : "") << "}\n"
      << "  case \"$key|$prev\" in\n";
  for (const command_doc* c : commands) bash_value_cases(*c, bash_key(*c), out);
  out << "  esac\n  local flags='' words='' files=0\n  case \"$cmd\" in\n";
  {
    // No command yet: the subcommands, the general flags, and analyze's options and files.
    std::vector<std::string> subs;
    for (const command_doc& sub : root.subcommands) subs.push_back(sub.name);
    std::vector<std::string> flags{"--help", "--version", "--completion"};
    if (fallback != nullptr) {
      for (const option_doc& o : fallback->options) {
        if (o.positional) continue;
        for (const std::string& n : o.names) flags.push_back(n);
      }
    }
    out << "    '')\n      flags='" << joined(flags) << "'\n      words='" << joined(subs)
        << "'\n      files=" << (fallback != nullptr ? 1 : 0) << " ;;\n";
  }
  for (const command_doc* c : commands) bash_command_cases(*c, bash_key(*c), out);
  out << R"(  esac
  if [[ $prev == --completion ]]; then
    mapfile -t COMPREPLY < <(compgen -W 'bash zsh' -- "$cur"); return
  fi
  if [[ $cur == -* ]]; then
    mapfile -t COMPREPLY < <(compgen -W "$flags" -- "$cur")
    return
  fi
  mapfile -t COMPREPLY < <(compgen -W "$words" -- "$cur")
  if ((files)); then
    compopt -o filenames 2>/dev/null
    local f
    while IFS= read -r f; do COMPREPLY+=("$f"); done < <(compgen -f -- "$cur")
  fi
}
complete -F _loopscope loopscope
)";
}

void write_zsh_completion(const command_doc& root, std::ostream& out) {
  out << R"(#compdef loopscope
# zsh completion for loopscope. Generated by `loopscope --completion zsh` from its command-line
# definition; do not edit. Install as _loopscope in a folder of $fpath.

)";
  std::vector<const command_doc*> commands;
  collect(root, commands);
  for (const command_doc* c : commands) {
    if (c->subcommands.empty()) {
      zsh_leaf(*c, out);
    } else {
      zsh_group(*c, out);
    }
  }
  out << "_loopscope() {\n";
  zsh_describe_list(root, out);
  out << R"(  if (( CURRENT > 2 )) && (( ${+functions[_loopscope_${words[2]}]} )); then
    local sub=${words[2]}
    shift words; (( CURRENT-- ))
    _loopscope_$sub
  elif (( CURRENT == 2 )) && [[ $PREFIX != -* ]]; then
    # `loopscope INPUT` means `loopscope analyze INPUT`: offer both.
    _describe -t commands 'loopscope command' commands
    _files
  elif [[ ${words[2]} == --completion ]]; then
    _values 'shell' bash zsh
  else
    _loopscope_analyze
  fi
}

if [[ $zsh_eval_context[-1] == loadautofunc ]]; then
  _loopscope "$@"
else
  compdef _loopscope loopscope
fi
)";
}

}  // namespace loopscope::cli
