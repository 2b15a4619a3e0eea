#!/usr/bin/env python3
"""Two loopscope binaries on the same inputs, alternated round by round, so that both see the same
machine: on shared cores the speed of a VM drifts by a factor of two within minutes, and two runs
of run.sh minutes apart do not compare. Prints the median wall time of each and the change as a
Markdown table; each run is `analyze --format json INPUT`, its report written to a file.

  compare.py BEFORE AFTER ROUNDS INPUT...
"""
import os
import statistics
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from measure import run_once  # noqa: E402  (same timing and exit-status rules as run.sh)


def fail(message):
    print("compare.py: " + message, file=sys.stderr)
    sys.exit(2)


def main():
    if len(sys.argv) < 5 or not sys.argv[3].isdigit() or int(sys.argv[3]) < 1:
        fail("usage: compare.py BEFORE AFTER ROUNDS INPUT... (ROUNDS a whole number, 1 or more)")
    before, after, rounds, inputs = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4:]
    for binary in (before, after):
        if not os.access(binary, os.X_OK):
            fail("not an executable: %s" % binary)
    for path in inputs:
        if not os.path.exists(path):
            fail("no such input: %s" % path)
    with tempfile.TemporaryDirectory() as scratch:
        out = os.path.join(scratch, "report.json")
        print("| input | before | after | change |")
        print("|---|---:|---:|---:|")
        for path in inputs:
            times = {before: [], after: []}
            for binary in (before, after):  # warm-up: page cache, first-run costs
                run_once([binary, "analyze", "--format", "json", path], out)
            for _ in range(rounds):
                for binary in (before, after):
                    seconds, _ = run_once([binary, "analyze", "--format", "json", path], out)
                    times[binary].append(seconds)
            old = statistics.median(times[before])
            new = statistics.median(times[after])
            print("| %s | %.3f s | %.3f s | %+.0f %% |"
                  % (os.path.basename(path), old, new, 100.0 * (new - old) / old))
    print("(medians of %d alternated rounds after a warm-up)" % rounds)


if __name__ == "__main__":
    main()
