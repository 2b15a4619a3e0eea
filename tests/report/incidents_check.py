"""Incidents, honest time and the right cause, over every recorded sample (issue 17).

  python3 incidents_check.py invariants LOOPSCOPE REPO
      For every sample folder (found by expected.json, at any depth under samples/):
      - no root cause, of a finding or an incident, has a 1xx/2xx status;
      - the loop time of the report is at most the session's span, an incident's time too, and
        each turn's breakdown (backoff + failing + other) adds up to its span;
      - every finding belongs to exactly one incident;
      - the cause is never less specific with all the sample's files than with any one of them:
        per turn, the best incident cause of the whole run scores at least the one-file run's.
  python3 incidents_check.py exhausted LOOPSCOPE REPO
      samples/**/http-500-exhausted: one incident, 6 × 5 = 30 POSTs per turn, both turns failed.
  python3 incidents_check.py markdown-size LOOPSCOPE REPO
      The Markdown of the whole samples/ tree, and of a 200-session archive built from the
      samples (fresh ids, in a temporary folder), fits one GitHub comment (65,536 characters).
  python3 incidents_check.py select LOOPSCOPE REPO
      --session ID (a prefix), --turn N and --last keep only what they name.
"""
import glob
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

LIMIT = 65_536
UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


def sample_dirs(repo):
    found = sorted(os.path.dirname(p) for p in
                   glob.glob(os.path.join(repo, "samples", "**", "expected.json"), recursive=True))
    if not found:
        raise SystemExit("no samples found under samples/ (expected.json)")
    return found


def log_files(sample):
    # screen.txt of a TUI sample is a capture of the terminal, not a log this version reads.
    return sorted(p for p in glob.glob(os.path.join(sample, "*"))
                  if os.path.isfile(p) and not p.endswith(".json")
                  and os.path.basename(p) != "screen.txt")


def run_json(loopscope, files):
    run = subprocess.run([loopscope, "--format", "json", "--fail-on", "error"] + files,
                         capture_output=True, timeout=120)
    if run.returncode not in (0, 1):
        raise SystemExit(f"{files}: exit {run.returncode}: {run.stderr.decode(errors='replace')}")
    return json.loads(run.stdout)


def ms(text):
    from datetime import datetime
    return datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp() * 1000


def best_cause_per_turn(report):
    best = {}
    for i in report.get("incidents", []):
        score = (i.get("root_cause") or {}).get("specificity", 0)
        for t in i["turns"]:
            best[t] = max(best.get(t, 0), score)
    return best


def invariants(loopscope, repo):
    problems = []
    for sample in sample_dirs(repo):
        name = os.path.relpath(sample, repo)
        files = log_files(sample)
        whole = run_json(loopscope, files)
        reports = [("all files", whole)] + [(os.path.basename(f), run_json(loopscope, [f]))
                                            for f in files]
        for label, r in reports:
            where = f"{name} ({label})"
            causes = [f.get("root_cause") for f in r["findings"]] + \
                     [i.get("root_cause") for i in r["incidents"]]
            for c in causes:
                if c and c.get("status") and 100 <= c["status"] < 300:
                    problems.append(f"{where}: a cause with status {c['status']}")
            span = 0
            for s in r["sessions"]:
                if s["start"] and s["end"]:
                    span += ms(s["end"]) - ms(s["start"])
            if r["summary"]["loop_time_ms"] > span + 1:
                problems.append(f"{where}: {r['summary']['loop_time_ms']} ms in loops, "
                                f"sessions span {span:.0f} ms")
            if r["aggregate"]["time_lost_ms"] > span + 1:
                problems.append(f"{where}: aggregate time lost above the span")
            owners = {}
            for i in r["incidents"]:
                if i["time_ms"] is not None and i["time_ms"] > span + 1:
                    problems.append(f"{where}: incident {i['id']} {i['time_ms']} ms > span")
                for t in i["turn_times"]:
                    parts = [t[k] for k in ("backoff_ms", "failing_ms", "other_ms")]
                    if t["span_ms"] is not None and None not in parts:
                        if any(p < 0 for p in parts) or sum(parts) != t["span_ms"]:
                            problems.append(f"{where}: turn {t['turn']} breakdown {parts} "
                                            f"does not add up to {t['span_ms']}")
                for fid in i["findings"]:
                    owners.setdefault(fid, []).append(i["id"])
            for f in r["findings"]:
                if len(owners.get(f["id"], [])) != 1:
                    problems.append(f"{where}: finding {f['id']} ({f['kind']}) in "
                                    f"{len(owners.get(f['id'], []))} incidents")
        best_all = best_cause_per_turn(whole)
        for label, r in reports[1:]:
            for turn, score in best_cause_per_turn(r).items():
                if best_all.get(turn, 0) < score:
                    problems.append(f"{name}: turn {turn}: the cause from {label} alone scores "
                                    f"{score}, from all files {best_all.get(turn, 0)}")
    return problems


def exhausted(loopscope, repo):
    problems = []
    samples = [s for s in sample_dirs(repo) if os.path.basename(s) == "http-500-exhausted"]
    if not samples:
        return ["no http-500-exhausted sample"]
    for sample in samples:
        r = run_json(loopscope, log_files(sample))
        if len(r["incidents"]) != 1:
            problems.append(f"{sample}: {len(r['incidents'])} incidents, expected 1")
            continue
        i = r["incidents"][0]
        if not (i["amplification"] or "").startswith("6 sampling attempts × 5 requests = 30 POSTs"):
            problems.append(f"{sample}: amplification {i['amplification']!r}")
        if i["failed_turns"] != [1, 2]:
            problems.append(f"{sample}: failed turns {i['failed_turns']}, expected [1, 2]")
        if i["root_cause"]["status"] != 500:
            problems.append(f"{sample}: incident cause {i['root_cause']}")
        layers = [l["layer"] for l in i["layers"]]
        if layers[:3] != ["session_turns", "codex_turn", "codex_request"]:
            problems.append(f"{sample}: layers {layers}")
    return problems


def markdown_size(loopscope, repo):
    problems = []

    def measure(args, label):
        run = subprocess.run([loopscope, "--format", "markdown"] + args, capture_output=True,
                             timeout=300)
        text = run.stdout.decode("utf-8")
        if run.returncode not in (0, 1):
            problems.append(f"{label}: exit {run.returncode}")
        if len(text) > LIMIT:
            problems.append(f"{label}: {len(text)} characters, more than {LIMIT}")
        first = text.splitlines()[0] if text else ""
        if not first.startswith("- **"):
            problems.append(f"{label}: the first line is not a verdict: {first[:80]!r}")
        return text

    measure([os.path.join(repo, "samples")], "samples/")
    samples = sample_dirs(repo)
    with tempfile.TemporaryDirectory() as tmp:
        for n in range(200):
            sample = samples[n % len(samples)]
            leaf = os.path.join(tmp, "2026", "11", f"{n // 28 + 1:02}",
                                f"{n:03}-{os.path.basename(sample)}")
            os.makedirs(leaf)
            for path in log_files(sample):
                if path.endswith(".sqlite"):  # a database, not text: its ids cannot be edited so
                    continue
                with open(path, encoding="utf-8", errors="surrogateescape") as fh:
                    text = fh.read()
                # Fresh ids: every copy is a session of its own.
                text = UUID.sub(lambda m: f"{n:08x}" + m.group(0)[8:], text)
                with open(os.path.join(leaf, os.path.basename(path)), "w", encoding="utf-8",
                          errors="surrogateescape") as fh:
                    fh.write(text)
        text = measure([tmp], "200-session archive")
        sessions = json.loads(subprocess.run([loopscope, "--format", "json", tmp],
                                             capture_output=True, timeout=300).stdout)
        if sessions["summary"]["sessions"] < 200:
            problems.append(f"archive: {sessions['summary']['sessions']} sessions, expected ≥ 200")
        if "omitted to fit one GitHub comment" not in text:
            problems.append("archive: the Markdown does not say what it left out")
    return problems


def select(loopscope, repo):
    """--session ID, --turn N, --last narrow the report to what they name."""
    problems = []
    tree = os.path.join(repo, "samples")
    whole = json.loads(subprocess.run([loopscope, "--format", "json", tree],
                                      capture_output=True, timeout=120).stdout)
    target = next(s["id"] for s in whole["sessions"] if any(
        f["session"] == s["id"] and f["kind"] == "turn_failure" for f in whole["findings"]))

    def run(*args):
        return json.loads(subprocess.run([loopscope, "--format", "json", *args, tree],
                                         capture_output=True, timeout=120).stdout)
    r = run("--session", target[:13])
    if [s["id"] for s in r["sessions"]] != [target]:
        problems.append(f"--session {target[:13]}: sessions {[s['id'] for s in r['sessions']]}")
    r = run("--session", target, "--turn", "2")
    for f in r["findings"]:
        last = f["turn"] + (f["iterations"] - 1 if f["kind"] in ("error_repeat", "monologue") else 0)
        if not (f["turn"] <= 2 <= last):
            problems.append(f"--turn 2: a finding of turn {f['turn']} ({f['kind']})")
    for i in r["incidents"]:
        if 2 not in i["turns"]:
            problems.append(f"--turn 2: an incident of turns {i['turns']}")
    r = run("--last")
    if [s["id"] for s in r["sessions"]] != [whole["sessions"][-1]["id"]]:
        problems.append(f"--last: sessions {[s['id'] for s in r['sessions']]}")
    if r["summary"]["sessions"] != 1:
        problems.append(f"--last: the summary counts {r['summary']['sessions']} sessions")
    return problems


def main():
    mode, loopscope, repo = sys.argv[1:4]
    problems = {"invariants": invariants, "exhausted": exhausted,
                "markdown-size": markdown_size, "select": select}[mode](loopscope, repo)
    for p in problems:
        print(p)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
