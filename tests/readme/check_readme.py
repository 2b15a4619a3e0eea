"""README's examples are the tool's real output: every ```console block of README.md is run.

A block is one or more commands, each a line starting with "$ ", followed by the output it must
print (stdout, then stderr, as a terminal would show them; exit status not shown). Commands run
with bash in the repository folder, with the built loopscope first on PATH, COLUMNS=100, no
colours, TZ=UTC, and stdin at /dev/null.

  python3 check_readme.py LOOPSCOPE REPO            compare
  python3 check_readme.py LOOPSCOPE REPO --update   rewrite the outputs in README.md (read the diff!)
"""
import difflib
import os
import re
import subprocess
import sys

BLOCK = re.compile(r"```console\n(.*?)```", re.S)


def run(command, loopscope, repo):
    env = dict(os.environ, COLUMNS="100", NO_COLOR="1", TZ="UTC",
               PATH=os.path.dirname(loopscope) + os.pathsep + os.environ.get("PATH", ""))
    r = subprocess.run(["bash", "-c", command], cwd=repo, env=env, capture_output=True,
                       stdin=subprocess.DEVNULL, timeout=120)
    return (r.stdout + r.stderr).decode("utf-8", "replace").replace(os.path.abspath(repo), "<repo>")


def split(block):
    """[(command, expected output)] of one block."""
    pairs = []
    for line in block.splitlines(keepends=True):
        if line.startswith("$ "):
            pairs.append([line[2:].rstrip("\n"), ""])
        elif pairs:
            pairs[-1][1] += line
    return pairs


def main():
    loopscope, repo = os.path.abspath(sys.argv[1]), os.path.abspath(sys.argv[2])
    update = "--update" in sys.argv[3:]
    path = os.path.join(repo, "README.md")
    with open(path, encoding="utf-8") as fh:
        text = fh.read()
    failures = []
    count = 0

    def replace(match):
        nonlocal count
        out = ""
        for command, expected in split(match.group(1)):
            count += 1
            actual = run(command, loopscope, repo)
            if actual != expected and not update:
                diff = difflib.unified_diff(expected.splitlines(), actual.splitlines(),
                                            "README", "actual", lineterm="")
                failures.append(f"$ {command}\n" + "\n".join(list(diff)[:40]))
            out += f"$ {command}\n{actual}"
        return "```console\n" + out + "```"

    new_text = BLOCK.sub(replace, text)
    if update and new_text != text:
        with open(path, "w", encoding="utf-8") as fh:
            fh.write(new_text)
        print(f"updated {path}")
    for f in failures:
        print(f)
    if count == 0:
        failures.append("README.md has no ```console example")
        print(failures[-1])
    print(f"{count} README commands, {len(failures)} differ")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
