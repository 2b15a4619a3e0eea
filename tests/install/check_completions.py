"""The completion scripts: parse, load and complete.

  python3 check_completions.py bash|zsh SCRIPT

bash: `bash -n`, then the script is sourced and its function run on command lines (COMP_WORDS)
to check what it offers: subcommands, options, --format and --input-format values, file names.
zsh: `zsh -n`, then the script is loaded after compinit and must register itself for loopscope.
"""
import os
import shutil
import subprocess
import sys
import tempfile


def bash_complete(script, words, cwd):
    """COMPREPLY for the command line `words` (the last one is being completed)."""
    quoted = " ".join("'" + w.replace("'", "'\\''") + "'" for w in words)
    program = (f"source '{script}'\nCOMP_WORDS=({quoted})\nCOMP_CWORD={len(words) - 1}\n"
               "_loopscope\nprintf '%s\\n' \"${COMPREPLY[@]}\"\n")
    run = subprocess.run(["bash", "--norc", "--noprofile", "-c", program], capture_output=True,
                         text=True, cwd=cwd, timeout=30)
    if run.returncode != 0 or run.stderr.strip():
        return None, run.stderr.strip()
    return [l for l in run.stdout.splitlines() if l], ""


def check_bash(script):
    failures = []
    run = subprocess.run(["bash", "-n", script], capture_output=True, text=True, timeout=30)
    if run.returncode != 0:
        return [f"bash -n: {run.stderr.strip()}"]
    with tempfile.TemporaryDirectory() as cwd:
        for name in ("session.jsonl", "proxy.log"):
            open(os.path.join(cwd, name), "w").close()
        # (command line, words that must be offered, words that must not)
        cases = [
            (["loopscope", ""], {"analyze", "rules", "merge", "config", "session.jsonl"}, set()),
            (["loopscope", "--fo"], {"--format"}, {"--fail-on"}),
            (["loopscope", "--format", ""], {"text", "markdown", "json", "dot"}, {"session.jsonl"}),
            (["loopscope", "analyze", "--fail-on", "w"], {"warning"}, {"error"}),
            (["loopscope", "events", "--input-format", "codex-r"], {"codex-rollout"}, set()),
            (["loopscope", "rules", ""], {"list", "validate", "test"}, {"analyze"}),
            (["loopscope", "rules", "validate", "--"], {"--help"}, {"--format"}),
            (["loopscope", "merge", "--"], {"--format", "--fail-on", "--output"}, {"--rules"}),
            (["loopscope", "sessions", "-o", "pro"], {"proxy.log"}, set()),
            (["loopscope", "analyze", "ses"], {"session.jsonl"}, set()),
            (["loopscope", "--completion", ""], {"bash", "zsh"}, set()),
        ]
        for words, wanted, unwanted in cases:
            offered, error = bash_complete(script, words, cwd)
            if offered is None:
                failures.append(f"{words}: the function failed: {error}")
                continue
            if not wanted <= set(offered):
                failures.append(f"{' '.join(words)!r}: missing {sorted(wanted - set(offered))}, "
                                f"offered {offered}")
            if unwanted & set(offered):
                failures.append(f"{' '.join(words)!r}: should not offer "
                                f"{sorted(unwanted & set(offered))}")
    return failures


def check_zsh(script):
    run = subprocess.run(["zsh", "-n", script], capture_output=True, text=True, timeout=30)
    if run.returncode != 0:
        return [f"zsh -n: {run.stderr.strip()}"]
    with tempfile.TemporaryDirectory() as home:
        program = (f"autoload -Uz compinit && compinit -u -D -d {home}/.zcompdump && "
                   f"source '{script}' && print -r -- ${{_comps[loopscope]}} && "
                   "(( ${+functions[_loopscope_rules_list]} )) && print ok")
        run = subprocess.run(["zsh", "-f", "-c", program], capture_output=True, text=True,
                             env=dict(os.environ, HOME=home), timeout=30)
    if run.returncode != 0 or run.stdout.split() != ["_loopscope", "ok"]:
        return [f"zsh did not load it: status {run.returncode}, {run.stdout!r} {run.stderr!r}"]
    return []


def main():
    shell, script = sys.argv[1], os.path.abspath(sys.argv[2])
    if not shutil.which(shell):
        print(f"SKIP: {shell} is not installed (scripts/setup.sh installs it)")
        return 77
    failures = check_bash(script) if shell == "bash" else check_zsh(script)
    for f in failures:
        print(f)
    if not failures:
        print(f"ok: {shell} completion parses, loads and completes")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
