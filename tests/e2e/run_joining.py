"""Joining without join keys: the proxy log's request headers are stripped and its clock shifted
by +37 s; every proxy request must still land in the turn that sent it.

  python3 run_joining.py LOOPSCOPE SAMPLE_DIR [--shift SECONDS]

The expected per-turn request counts are those of expected.json (measured with the headers).
"""
import json
import os
import re
import subprocess
import sys
import tempfile

STAMP = re.compile(r"^(\d\d):(\d\d):(\d\d)( - LiteLLM)")
HEADERS = re.compile(r" headers=\{.*\}\s*$")


def shift(line, seconds):
    m = STAMP.match(line)
    if not m:
        return line
    total = (int(m.group(1)) * 3600 + int(m.group(2)) * 60 + int(m.group(3)) + seconds) % 86400
    return f"{total // 3600:02}:{total // 60 % 60:02}:{total % 60:02}{m.group(4)}" + line[m.end():]


def main():
    loopscope, sample = sys.argv[1], sys.argv[2]
    seconds = int(sys.argv[sys.argv.index("--shift") + 1]) if "--shift" in sys.argv else 37
    with open(os.path.join(sample, "expected.json"), encoding="utf-8") as fh:
        expected = json.load(fh)
    with tempfile.TemporaryDirectory() as tmp:
        proxy = os.path.join(tmp, "proxy.log")
        with open(os.path.join(sample, "proxy.log"), encoding="utf-8", errors="surrogateescape") as src, \
                open(proxy, "w", encoding="utf-8", errors="surrogateescape") as dst:
            for line in src:
                line = HEADERS.sub("", line.rstrip("\n"))
                if "x-codex-turn-metadata" in line or "session_id" in line:
                    print("header stripping left a join key in: " + line[:120])
                    return 1
                dst.write(shift(line, seconds) + "\n")
        inputs = [os.path.join(sample, name) for name in ("rollout.jsonl", "exec.jsonl", "trace.log")]
        run = subprocess.run([loopscope, "--format", "json"] + inputs + [proxy],
                             capture_output=True, timeout=120)
    report = json.loads(run.stdout)
    problems = []
    sessions = [s for s in report["sessions"] if s["turns"]]
    if len(sessions) != 1:
        problems.append(f"{len(sessions)} sessions with turns, expected 1: {[s['id'] for s in sessions]}")
    else:
        turns = sessions[0]["turns"]
        if len(turns) != len(expected["turns"]):
            problems.append(f"{len(turns)} turns, expected {len(expected['turns'])}")
        for got, want in zip(turns, expected["turns"]):
            if got["requests"] != want["proxy_requests"]:
                problems.append(f"turn {want['index']}: {got['requests']} proxy requests joined, "
                                f"expected {want['proxy_requests']}")
    notes = [p["message"] for i in report["inputs"] for p in i["problems"] if "clock" in p["message"]]
    if seconds and not notes:
        problems.append("no clock alignment reported for the shifted proxy log")
    for p in problems:
        print(p)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
