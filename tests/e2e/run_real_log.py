"""One real excerpt (tests/data/corpus/real-logs) against the attribution its INDEX line states.

  python3 run_real_log.py LOOPSCOPE EXCERPT_FILE EXPECTATIONS_JSON
"""
import json
import os
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "golden"))
import report_schema  # noqa: E402


def main():
    loopscope, path, table = sys.argv[1:4]
    with open(table, encoding="utf-8") as fh:
        want = json.load(fh)[os.path.basename(path)]
    run = subprocess.run([loopscope, "--format", "json", path], capture_output=True, timeout=60)
    report = json.loads(run.stdout)
    problems = report_schema.check(report)  # includes the accounting invariant per input
    inp = report["inputs"][0]
    if "format" in want and inp["format"] != want["format"]:
        problems.append(f"read as {inp['format']}, expected {want['format']}")
    if inp["malformed"] != want.get("malformed", 0):
        problems.append(f"{inp['malformed']} malformed lines, expected {want.get('malformed', 0)}")
    kinds = sorted({f["kind"] for f in report["findings"]})
    if kinds != sorted(want["kinds"]):
        problems.append(f"finding kinds {kinds}, expected {sorted(want['kinds'])}")
    if report["findings"] and want["kinds"]:
        first = report["findings"][0]
        cause = first["root_cause"] or {}
        for field in ("status", "transport", "retriable"):
            if field in want and cause.get(field) != want[field]:
                problems.append(f"root_cause.{field} = {cause.get(field)!r}, expected {want[field]!r}")
        if "error_class" in want and want["error_class"] not in (cause.get("error_class") or ""):
            problems.append(f"root_cause.error_class = {cause.get('error_class')!r}, "
                            f"expected it to contain {want['error_class']!r}")
        if "severity" in want and first["severity"] != want["severity"]:
            problems.append(f"severity {first['severity']}, expected {want['severity']}")
        if first["iterations"] < want.get("iterations_at_least", 1):
            problems.append(f"{first['iterations']} iterations, expected at least {want['iterations_at_least']}")
    for p in problems:
        print(p)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
