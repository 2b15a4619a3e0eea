"""Plain `loopscope` (no arguments, stdin a terminal) reads the newest session under $CODEX_HOME.

  python3 run_codex_home.py LOOPSCOPE SAMPLE_DIR

Builds a fake $CODEX_HOME holding only SAMPLE_DIR's rollout.jsonl, named and placed as Codex
does (sessions/YYYY/MM/DD/rollout-<local time>-<thread id>.jsonl), runs loopscope without
arguments on a pseudo-terminal and checks that it read that file as a Codex rollout of the
sample's cli_version and found the loops the rollout alone shows (tool_repeat,
web_search_repeat, monologue; the transport loops need the logs) with expected.json's turns and
iterations. Exit 0 when all hold; otherwise one line per difference.
"""
import json
import os
import pty
import re
import shutil
import subprocess
import sys
import tempfile

ROLLOUT_KINDS = ("tool_repeat", "web_search_repeat", "monologue")


def main():
    loopscope, sample = sys.argv[1], sys.argv[2]
    with open(os.path.join(sample, "expected.json"), encoding="utf-8") as fh:
        expected = json.load(fh)
    with open(os.path.join(sample, "rollout.jsonl"), encoding="utf-8") as fh:
        first = json.loads(fh.readline())
    stamp = first["timestamp"]  # 2026-12-01T21:22:00.123Z
    day = stamp[:10].split("-")
    name = "rollout-%s-%s.jsonl" % (stamp[:19].replace(":", "-"), expected["thread_id"])
    problems = []
    with tempfile.TemporaryDirectory() as home:
        folder = os.path.join(home, "sessions", *day)
        os.makedirs(folder)
        shutil.copyfile(os.path.join(sample, "rollout.jsonl"), os.path.join(folder, name))
        master, slave = pty.openpty()
        try:
            run = subprocess.run([loopscope], stdin=slave, capture_output=True, timeout=120,
                                 env={"PATH": os.environ.get("PATH", "/usr/bin:/bin"),
                                      "CODEX_HOME": home, "HOME": os.path.join(home, "no-home"),
                                      "NO_COLOR": "1"})
        finally:
            os.close(master)
            os.close(slave)
    out = run.stdout.decode("utf-8", "replace")
    err = run.stderr.decode("utf-8", "replace")
    if run.returncode not in (0, 1):
        problems.append(f"exit status {run.returncode}: {err.strip()}")
    if name not in err:
        problems.append(f"did not say it analyzes {name}: {err.strip()}")
    if "— codex-rollout," not in out:
        problems.append("the session file was not read as a Codex rollout")
    if f"Session {expected['thread_id']}" not in out:
        problems.append(f"no session {expected['thread_id']} in the report")
    if f"codex {expected['cli_version']}" not in out:
        problems.append(f"the report does not name codex {expected['cli_version']}")
    wanted = [l for l in expected["loops"] if l["kind"] in ROLLOUT_KINDS]
    if not wanted:
        problems.append("the sample shows no loop in its rollout: choose another sample")
    for loop in wanted:
        pattern = r"\b%s · turn %d · %d iterations\b" % (loop["kind"], loop["turn"], loop["iterations"])
        if not re.search(pattern, out):
            problems.append(f"missing: {loop['kind']} in turn {loop['turn']} x{loop['iterations']}")
    for p in problems:
        print(p)
    if problems:
        print(out[:2000])
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
