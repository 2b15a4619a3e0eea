"""Golden command-line tests: runs loopscope as a user would and compares its output.

Each case is a folder tests/golden/cases/<name>/ with
  case.json     {"args": [...], "stdin": "path or null", "exit": N, "schema": "report-v1" (optional)}
  expected.out  stdout, with the repository path replaced by <repo>
Paths in args are relative to the repository. Run one case:
  python3 run_golden.py LOOPSCOPE REPO CASE_DIR
Rewrite expected.out after an intended change (then read the diff!):
  python3 run_golden.py LOOPSCOPE REPO CASE_DIR --update
"""
import difflib
import json
import os
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import report_schema  # noqa: E402


def main():
    loopscope, repo, case_dir = sys.argv[1:4]
    update = "--update" in sys.argv[4:]
    with open(os.path.join(case_dir, "case.json"), encoding="utf-8") as fh:
        case = json.load(fh)
    stdin = None
    if case.get("stdin"):
        stdin = open(os.path.join(repo, case["stdin"]), "rb")
    env = dict(os.environ, COLUMNS="100", NO_COLOR="1")
    run = subprocess.run([loopscope] + case["args"], cwd=repo, stdin=stdin or subprocess.DEVNULL,
                         capture_output=True, env=env, timeout=120)
    out = run.stdout.decode("utf-8", "replace").replace(os.path.abspath(repo), "<repo>")
    failures = []
    if run.returncode != case.get("exit", 0):
        failures.append(f"exit status {run.returncode}, expected {case.get('exit', 0)}; "
                        f"stderr: {run.stderr.decode('utf-8', 'replace').strip()}")
    if case.get("stderr_lines") is not None:
        lines = [l for l in run.stderr.decode("utf-8", "replace").splitlines() if l.strip()]
        if len(lines) != case["stderr_lines"]:
            failures.append(f"stderr has {len(lines)} lines, expected {case['stderr_lines']}: {lines}")
    if case.get("schema") == "report-v1":
        try:
            failures += report_schema.check(json.loads(out))
        except json.JSONDecodeError as e:
            failures.append(f"stdout is not JSON: {e}")
    expected_path = os.path.join(case_dir, "expected.out")
    if update:
        with open(expected_path, "w", encoding="utf-8") as fh:
            fh.write(out)
        print(f"updated {expected_path}")
    elif os.path.exists(expected_path):
        with open(expected_path, encoding="utf-8") as fh:
            expected = fh.read()
        if out != expected:
            diff = difflib.unified_diff(expected.splitlines(), out.splitlines(), "expected", "actual",
                                        lineterm="")
            failures.append("stdout differs from expected.out:\n" + "\n".join(list(diff)[:80]))
    for f in failures:
        print(f)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
