"""End-to-end test of one recorded sample: loopscope's JSON findings against expected.json.

  python3 run_sample.py LOOPSCOPE SAMPLE_DIR

Compares, as samples/README.md's counting conventions define them:
- exactly one session, with the expected number of turns;
- the findings, as a multiset of (kind, turn), equal the expected loops plus one turn_failure per
  expected failure;
- per finding: iterations, and the root cause's status, method, path and transport where the
  expected value is not null.
Exit 0 when all hold; otherwise one line per difference and exit 1.
"""
import collections
import glob
import json
import os
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "golden"))
import report_schema  # noqa: E402


def main():
    loopscope, sample = sys.argv[1], sys.argv[2]
    with open(os.path.join(sample, "expected.json"), encoding="utf-8") as fh:
        expected = json.load(fh)
    inputs = sorted(glob.glob(os.path.join(sample, "*.jsonl")) + glob.glob(os.path.join(sample, "*.log")) +
                    glob.glob(os.path.join(sample, "*.sqlite")))
    run = subprocess.run([loopscope, "--format", "json", "--fail-on", "error"] + inputs,
                         capture_output=True, timeout=120)
    problems = []
    if run.returncode not in (0, 1):
        problems.append(f"exit status {run.returncode}: {run.stderr.decode('utf-8', 'replace').strip()}")
    try:
        report = json.loads(run.stdout)
    except json.JSONDecodeError as e:
        print(f"output is not JSON: {e}")
        return 1
    problems += report_schema.check(report)

    for inp in report["inputs"]:
        if inp["malformed"] or inp["format"] == "unknown":
            problems.append(f"input {os.path.basename(inp['path'])}: format {inp['format']}, "
                            f"{inp['malformed']} malformed lines")

    # A TUI session also runs helper threads (0.171: the thread title) against the same proxy:
    # their requests are counted in expected.json, and their sessions and findings are theirs.
    helpers = expected["counts"].get("proxy_requests_other_threads", 0)
    sessions = report["sessions"]
    if helpers:
        sessions = [s for s in sessions if s["id"] == expected["thread_id"]]
    if len(sessions) != 1:
        problems.append(f"{len(sessions)} sessions, expected 1: {[s['id'] for s in sessions]}")
    elif len(sessions[0]["turns"]) != len(expected["turns"]):
        problems.append(f"{len(sessions[0]['turns'])} turns, expected {len(expected['turns'])}")
    else:
        for got_turn, want_turn in zip(sessions[0]["turns"], expected["turns"]):
            where = f"turn {want_turn['index']}"
            if got_turn["id"] != want_turn["turn_id"]:
                problems.append(f"{where}: id {got_turn['id']}, expected {want_turn['turn_id']}")
            if got_turn["status"] != want_turn["status"]:
                problems.append(f"{where}: status {got_turn['status']}, expected {want_turn['status']}")
            if got_turn["requests"] != want_turn["proxy_requests"]:
                problems.append(f"{where}: {got_turn['requests']} proxy requests joined, "
                                f"expected {want_turn['proxy_requests']}")

    wanted = [dict(kind=l["kind"], turn=l["turn"], iterations=l["iterations"],
                   cause=l.get("root_cause")) for l in expected["loops"]]
    wanted += [dict(kind="turn_failure", turn=f["turn"], iterations=1,
                    cause={"status": f.get("status")}) for f in expected["failures"]]
    got = [f for f in report["findings"] if not helpers or f.get("session") == expected["thread_id"]]
    want_keys = collections.Counter((w["kind"], w["turn"]) for w in wanted)
    got_keys = collections.Counter((f["kind"], f["turn"]) for f in got)
    for key in sorted((want_keys - got_keys).elements()):
        problems.append(f"missing finding {key[0]} in turn {key[1]}")
    for key in sorted((got_keys - want_keys).elements()):
        problems.append(f"unexpected finding {key[0]} in turn {key[1]}")

    by_key = collections.defaultdict(list)
    for f in got:
        by_key[(f["kind"], f["turn"])].append(f)
    for w in wanted:
        candidates = by_key.get((w["kind"], w["turn"]))
        if not candidates:
            continue
        f = candidates.pop(0)
        where = f"{w['kind']} turn {w['turn']}"
        if w["kind"] != "turn_failure" and f["iterations"] != w["iterations"]:
            problems.append(f"{where}: {f['iterations']} iterations, expected {w['iterations']}")
        want_cause = w["cause"] or {}
        got_status = (f.get("root_cause") or {}).get("status")
        if got_status is not None and 100 <= got_status < 300:
            problems.append(f"{where}: a {got_status} answer named as the root cause")
        # expected.json records what the transport answered; a 1xx/2xx answer (a stream cut or
        # stalled after 200) is never the cause, so its request line is not compared.
        if want_cause.get("status") is not None and 100 <= want_cause["status"] < 300:
            want_cause = {}
        for field, value in want_cause.items():
            if value is None or field not in ("status", "method", "path", "transport"):
                continue
            actual = (f.get("root_cause") or {}).get(field)
            if actual != value:
                problems.append(f"{where}: root_cause.{field} = {actual!r}, expected {value!r}")
    for line in problems:
        print(line)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
