"""The man page: renders without a warning, and documents every option --help shows.

  python3 check_man_page.py LOOPSCOPE MAN_PAGE

groff is run with -ww (every warning) on the page as written, and `man -l` renders it as a user
would (MANROFFOPT=-ww). Then each command's --help is read (the commands from the top-level
--help, `rules` from its own), and every option and positional it lists must appear in that
command's subsection of the rendered page ("loopscope analyze [OPTIONS] [INPUT...]").
"""
import os
import re
import shutil
import subprocess
import sys


def render(page):
    failures = []
    run = subprocess.run(["groff", "-ww", "-man", "-Tutf8", "-z", page], capture_output=True,
                         text=True, timeout=60)
    if run.returncode != 0 or run.stderr.strip():
        failures.append(f"groff -ww: status {run.returncode}: {run.stderr.strip()}")
    env = dict(os.environ, MANROFFOPT="-ww", MANWIDTH="100", MAN_KEEP_FORMATTING="0",
               LANG="C.UTF-8")
    run = subprocess.run(["man", "-l", page], capture_output=True, text=True, env=env,
                         timeout=60)
    if run.returncode != 0 or run.stderr.strip():
        failures.append(f"man -l: status {run.returncode}: {run.stderr.strip()}")
    # Plain text without overstrikes or escapes, to search in.
    text = subprocess.run(["groff", "-man", "-Tascii", "-P-cbou", page], capture_output=True,
                          text=True, timeout=60).stdout
    return text, failures


def help_of(loopscope, words):
    run = subprocess.run([loopscope] + words + ["--help"], capture_output=True, text=True,
                         timeout=30)
    if run.returncode != 0:
        raise SystemExit(f"{' '.join(words)} --help: status {run.returncode}")
    return run.stdout


def sections(help_text):
    """The names listed under Positionals:, Options: and Subcommands:."""
    found = {"Positionals": [], "Options": [], "Subcommands": []}
    current = None
    for line in help_text.splitlines():
        heading = line.rstrip(":")
        if heading in found and line.endswith(":"):
            current = heading
            continue
        if line and not line.startswith(" "):
            current = None  # another heading (the top level's "OPTIONS of analyze…")
            continue
        if current is None or not line.startswith("  ") or line.startswith("   "):
            continue  # a continuation of a long description
        first = line.split()[0]
        found[current] += first.split(",")
    return found


def command_section(text, path):
    """The rendered text of the page's subsection for `loopscope PATH`."""
    lines = text.splitlines()
    start = None
    for i, line in enumerate(lines):
        if re.match(rf"^   loopscope {re.escape(path)}( |$)", line):
            start = i
            break
    if start is None:
        return None
    end = len(lines)
    for j in range(start + 1, len(lines)):
        if re.match(r"^ {0,3}\S", lines[j]):
            end = j
            break
    return "\n".join(lines[start:end])


def main():
    loopscope, page = sys.argv[1:3]
    if not shutil.which("groff") or not shutil.which("man"):
        print("SKIP: groff or man is not installed")
        return 77
    text, failures = render(page)
    top = sections(help_of(loopscope, []))
    for option in top["Options"]:
        if not re.search(rf"(?<![\w-]){re.escape(option)}(?![\w-])", text):
            failures.append(f"top-level option {option} is not in the man page")
    commands = [[c] for c in top["Subcommands"]]
    checked = 0
    while commands:
        words = commands.pop(0)
        listed = sections(help_of(loopscope, words))
        if listed["Subcommands"]:
            commands += [words + [s] for s in listed["Subcommands"]]
            continue
        section = command_section(text, " ".join(words))
        if section is None:
            failures.append(f"no subsection for `loopscope {' '.join(words)}`")
            continue
        for name in listed["Options"] + listed["Positionals"]:
            if name in ("-h", "--help"):
                continue  # documented once, under GENERAL OPTIONS
            checked += 1
            if not re.search(rf"(?<![\w-]){re.escape(name)}(?![\w-])", section):
                failures.append(f"`loopscope {' '.join(words)}`: {name} is in --help, "
                                f"not in its man page section")
    if checked < 30:
        failures.append(f"only {checked} options found in --help: is the parser of --help broken?")
    for f in failures:
        print(f)
    if not failures:
        print(f"ok: no warnings; {checked} options of {len(top['Subcommands'])} commands documented")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
