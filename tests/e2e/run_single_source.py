"""A proxy log alone and a trace log alone still yield the sample's session and turns.

  python3 run_single_source.py LOOPSCOPE SAMPLE_DIR
With its request headers, the proxy log names Codex's session and turn ids; the trace names them
in its spans. Both must give one session with expected.json's turns, in order.
"""
import json
import os
import subprocess
import sys


def main():
    loopscope, sample = sys.argv[1], sys.argv[2]
    with open(os.path.join(sample, "expected.json"), encoding="utf-8") as fh:
        expected = json.load(fh)
    want_ids = [t["turn_id"] for t in expected["turns"]]
    problems = []
    for name in ("proxy.log", "trace.log"):
        run = subprocess.run([loopscope, "--format", "json", os.path.join(sample, name)],
                             capture_output=True, timeout=120)
        report = json.loads(run.stdout)
        sessions = [s for s in report["sessions"] if s["turns"]]
        if [s["id"] for s in sessions] != [expected["thread_id"]]:
            problems.append(f"{name} alone: sessions {[s['id'] for s in sessions]}, "
                            f"expected [{expected['thread_id']}]")
            continue
        got_ids = [t["id"] for t in sessions[0]["turns"]]
        if got_ids != want_ids:
            problems.append(f"{name} alone: turns {got_ids}, expected {want_ids}")
    for p in problems:
        print(p)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
