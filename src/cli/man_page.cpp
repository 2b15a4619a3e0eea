// loopscope(1), in man(7) roff. The commands and options come from the CLI11 definition (through
// cli_model), the input formats from the sniffer's table, the config keys from the config file's
// table; the prose around them is here. `groff -ww` must stay silent on the result (tests/install).
#include <cstdint>
#include <string>

#include <fmt/format.h>

#include "app/config_file.hpp"
#include "generated_docs.hpp"
#include "loopscope/core/format_id.hpp"
#include "loopscope/formats/registry.hpp"

namespace loopscope::cli {
namespace {

// Text for roff: backslashes and minus signs escaped, `code` in bold, a leading control
// character neutralised, anything beyond ASCII as a \[uXXXX] glyph (groff reads Latin-1 unless
// preconv runs first, and `groff -man` alone does not run it).
std::string roff(std::string_view text, bool code_spans = true) {
  std::string out;
  bool in_code = false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (c == '\\') {
      out += "\\e";
    } else if (c == '-') {
      out += "\\-";
    } else if (c == '`' && code_spans) {
      out += in_code ? "\\fR" : "\\fB";
      in_code = !in_code;
    } else if ((c == '.' || c == '\'') && (out.empty() || out.back() == '\n')) {
      out += "\\&";
      out += static_cast<char>(c);
    } else if (c >= 0x80) {
      // Decode one UTF-8 sequence; a broken one becomes U+FFFD.
      const int length = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC0 ? 2 : 0;
      std::uint32_t code = length == 4 ? c & 0x07U : length == 3 ? c & 0x0FU : c & 0x1FU;
      bool valid = length > 0 && i + length <= text.size();
      for (int k = 1; valid && k < length; ++k) {
        const auto next = static_cast<unsigned char>(text[i + k]);
        valid = (next & 0xC0U) == 0x80U;
        code = (code << 6U) | (next & 0x3FU);
      }
      if (valid) {
        i += length - 1;
      } else {
        code = 0xFFFD;
      }
      out += fmt::format("\\[u{:04X}]", code);
    } else {
      out += static_cast<char>(c);
    }
  }
  if (in_code) out += "\\fR";
  return out;
}

// The first paragraph of a help text (the root's description also carries a usage line).
std::string first_paragraph(const std::string& text) {
  return text.substr(0, text.find("\n\n"));
}

std::string usage_of(const command_doc& command) {
  std::string usage = "\\fBloopscope " + roff(command.path) + "\\fR";
  bool has_options = false;
  for (const option_doc& o : command.options) has_options = has_options || !o.positional;
  if (has_options) usage += " [\\fIOPTIONS\\fR]";
  for (const option_doc& o : command.options) {
    if (!o.positional) continue;
    std::string name = "\\fI" + roff(o.names.front()) + "\\fR" + (o.repeatable ? "..." : "");
    usage += o.required ? " " + name : " [" + name + "]";
  }
  return usage;
}

void write_option(const option_doc& option, std::ostream& out) {
  out << ".TP\n";
  if (option.positional) {
    out << "\\fI" << roff(option.names.front()) << "\\fR" << (option.repeatable ? "..." : "")
        << '\n';
  } else {
    std::string names;
    for (const std::string& n : option.names) {
      names += (names.empty() ? "" : ", ") + std::string("\\fB") + roff(n) + "\\fR";
    }
    if (!option.metavar.empty()) names += " \\fI" + roff(option.metavar) + "\\fR";
    out << names << '\n';
  }
  std::string text = option.description;
  if (option.repeatable && !option.positional && text.find("repeatable") == std::string::npos) {
    text += " (repeatable)";
  }
  out << roff(text) << '\n';
}

// Leaf commands get a subsection each ("loopscope rules list"); a command with subcommands is
// only their parent.
void write_commands(const command_doc& command, std::ostream& out) {
  if (!command.subcommands.empty()) {
    for (const command_doc& sub : command.subcommands) write_commands(sub, out);
    return;
  }
  out << ".SS \"" << usage_of(command) << "\"\n";
  out << roff(command.description) << ".\n";
  for (const option_doc& option : command.options) write_option(option, out);
}

bool has_option(const command_doc& command, std::string_view name) {
  for (const option_doc& o : command.options) {
    for (const std::string& n : o.names) {
      if (n == name) return true;
    }
  }
  for (const command_doc& sub : command.subcommands) {
    if (has_option(sub, name)) return true;
  }
  return false;
}

void write_synopsis(const command_doc& root, std::ostream& out) {
  out << ".SH SYNOPSIS\n.nf\n\\fBloopscope\\fR [\\fIOPTIONS\\fR] [\\fIINPUT\\fR...]\n";
  for (const command_doc& command : root.subcommands) {
    if (command.subcommands.empty()) {
      out << usage_of(command) << '\n';
    } else {
      for (const command_doc& sub : command.subcommands) out << usage_of(sub) << '\n';
    }
  }
  out << "\\fBloopscope\\fR \\fB\\-\\-help\\fR | \\fB\\-\\-version\\fR\n.fi\n";
}

void write_formats(std::ostream& out) {
  out << R"(.SH INPUT FORMATS
Each line's format is detected from its content, whatever the file is called; gzip and zstd
files are recognised by their content too.
\fB\-\-input\-format\fR \fINAME\fR reads every input as one format instead.
The formats, as \fBloopscope formats\fR lists them:
)";
  for (const formats::format_info& f : formats::registry().formats()) {
    out << ".TP\n.B " << roff(f.name) << '\n'
        << roff(f.description) << ".\n"
        << ".br\nFor example:\n.RS\n.nf\n"
        << roff(f.samples.empty() ? std::string() : f.samples.front(), false) << "\n.fi\n.RE\n";
  }
}

void write_configuration(const command_doc& root, std::ostream& out) {
  out << R"(.SH CONFIGURATION
A TOML file holds what would otherwise be typed on every run.
loopscope reads the file named by \fBLOOPSCOPE_CONFIG\fR, else
\fB$XDG_CONFIG_HOME/loopscope/config.toml\fR, else \fB~/.config/loopscope/config.toml\fR.
A missing file at the default place is no error; a missing \fBLOOPSCOPE_CONFIG\fR file,
a syntax error, an unknown key or a bad value is: one line naming the file and line, exit status 2.
An option given on the command line replaces the file's value, lists included.
Paths may start with \fB~/\fR; a relative path is relative to the file's folder.
\fBloopscope config\fR prints the settings in effect and where each came from.
The keys:
)";
  for (const app::config_key& key : app::config_keys()) {
    const bool list = key.shape == app::config_shape::path_list;
    out << ".TP\n\\fB" << roff(key.key)
        << "\\fR = " << (list ? "[\\fIPATH\\fR, ...]" : "\\fIWORD\\fR") << '\n'
        << roff(key.meaning) << "; default: " << roff(key.default_text) << ".\n";
    if (key.option.empty()) {
      out << "Read and reported by \\fBloopscope config\\fR; no option uses it yet.\n";
    } else if (has_option(root, key.option)) {
      out << "Stands for \\fB" << roff(key.option) << "\\fR.\n";
    } else {
      out << "Stands for \\fB" << roff(key.option)
          << "\\fR, which this version does not have yet: read and reported by "
             "\\fBloopscope config\\fR only.\n";
    }
  }
  out << R"(.PP
For example:
.RS
.nf
proxy_logs = ["/var/log/litellm/proxy.log"]
fail_on = "warning"
rules = ["~/loopscope\-rules"]
color = "never"
.fi
.RE
)";
}

constexpr std::string_view man_prose_tail = R"(.SH EXIT STATUS
.TP
.B 0
Analyzed; no finding at or above \fB\-\-fail\-on\fR; every input read whole.
.TP
.B 1
At least one finding at or above \fB\-\-fail\-on\fR (default \fBerror\fR); every input read whole.
.TP
.B 2
A usage error (unknown option, bad value, unwritable \fB\-o\fR, a malformed config file);
nothing to analyze (no input had a recognised log line); or an input could not be read whole
(missing, unreadable, truncated or corrupt archive) and no finding reached \fB\-\-fail\-on\fR.
.TP
.B 3
Findings at or above \fB\-\-fail\-on\fR, and some input could not be read whole.
.PP
With \fB\-\-partial\-ok\fR, inputs read only in part do not change the status (0 or 1).
The report of what was read is written in every case but a usage error.
A mistake gets one line on standard error naming the option or file.
.SH ENVIRONMENT
.TP
.B CODEX_HOME
Codex's home (default \fB~/.codex\fR): with no input at a terminal, loopscope reads the newest
session under \fB$CODEX_HOME/sessions\fR.
.TP
.B LOOPSCOPE_CONFIG
The config file to read instead of the default one.
.TP
.B XDG_CONFIG_HOME
Where the default config file is looked for (default \fB~/.config\fR).
.TP
.B NO_COLOR
When set and not empty, \fB\-\-color auto\fR prints no colours.
.TP
.B COLUMNS
The width of text reports when standard output is not a terminal.
.SH FILES
.TP
.B $CODEX_HOME/sessions/YYYY/MM/DD/rollout\-*.jsonl
Codex session files (the \fBcodex\-rollout\fR format).
.TP
.B $CODEX_HOME/log/codex\-tui.log
The log of the interactive Codex TUI (\fBcodex\-trace\fR).
.TP
.B $CODEX_HOME/logs_2.sqlite
Codex's tracing log database, read like its trace lines.
.TP
.B ~/.config/loopscope/config.toml
The config file (see \fBCONFIGURATION\fR).
.TP
.B /usr/share/loopscope/rules/
The built-in rule pack, as installed: an installed loopscope (\fIPREFIX\fB/bin/loopscope\fR)
reads its rules from \fIPREFIX\fB/share/loopscope/rules\fR, and uses the copy compiled into it when
that folder is missing.
\fB\-\-rules\fR and the config's \fBrules\fR lay more files over it (a rule with the same id
replaces the built-in one).
.TP
.B /usr/share/bash\-completion/completions/loopscope
.TQ
.B /usr/share/zsh/vendor\-completions/_loopscope
Shell completions; \fBloopscope \-\-completion bash\fR (or \fBzsh\fR) prints them.
.SH EXAMPLES
Pipe a Codex session into it:
.PP
.RS
.nf
codex exec \-\-json "fix the tests" | loopscope
.fi
.RE
.PP
A Markdown report of a session and its proxy log, for a bug report:
.PP
.RS
.nf
loopscope \-\-format markdown \-o report.md rollout.jsonl trace.log proxy.log
.fi
.RE
.PP
A nightly job over an archive that fails on warnings and reads only what changed:
.PP
.RS
.nf
loopscope \-\-format json \-\-fail\-on warning \-\-state /var/lib/loopscope/state.json \e
          \-o nightly.json /archive/
.fi
.RE
.PP
The normalized events of a trace, and the sessions found in an archive:
.PP
.RS
.nf
loopscope events trace.log | jq .
loopscope sessions /archive/
.fi
.RE
.PP
Check your own rules, then use them:
.PP
.RS
.nf
loopscope rules validate my\-rules/ && loopscope rules test my\-rules/
loopscope \-\-rules my\-rules/ logs/
.fi
.RE
.SH SEE ALSO
.BR jq (1),
.BR parallel (1)
)";

}  // namespace

void write_man_page(const command_doc& root, std::string_view version, std::ostream& out) {
  out << ".\\\" Generated by `loopscope --help-man` from its command-line definition. Do not "
         "edit.\n"
      << ".TH LOOPSCOPE 1 \"\" \"loopscope " << roff(version) << "\" \"User Commands\"\n"
      << ".nh\n.ad l\n"
      << ".SH NAME\nloopscope \\- find retry and fallback loops in Codex CLI and LiteLLM proxy "
         "logs\n";
  write_synopsis(root, out);
  out << ".SH DESCRIPTION\n"
      << roff(first_paragraph(root.description)) << '\n'
      << R"(.PP
loopscope reads the logs of OpenAI Codex CLI sessions (session files, \fBcodex exec \-\-json\fR
output, tracing logs, \fBlogs_2.sqlite\fR) and of the LLM proxies they run through (LiteLLM behind
uvicorn), rebuilds each turn, and reports with the log lines as evidence whether a session went
round in a retry or fallback loop, how often, what it cost, and which error started it.
.PP
\fIINPUT\fR is a file, a directory (read recursively, in sorted order) or \fB\-\fR for standard
input.
With no \fIINPUT\fR, loopscope reads piped standard input, or at a terminal the newest Codex session.
The command \fBanalyze\fR is the default: \fBloopscope\fR \fIINPUT\fR means
\fBloopscope analyze\fR \fIINPUT\fR.
Secrets (API keys, bearer tokens, cookies) are redacted in every output unless
\fB\-\-no\-redact\fR is given.
.SH GENERAL OPTIONS
.TP
\fB\-h\fR, \fB\-\-help\fR
Print the help of loopscope, or of the command it follows, and exit.
.TP
\fB\-\-version\fR
Print the version and exit.
.TP
\fB\-\-completion\fR \fIbash\fR|\fIzsh\fR
Print the completion script for the shell and exit.
.SH COMMANDS
)";
  write_commands(root, out);
  write_formats(out);
  write_configuration(root, out);
  out << man_prose_tail;
}

}  // namespace loopscope::cli
