"""Reports do not depend on file modification times or the user's time zone (issue 14).

A proxy log's LiteLLM stamps carry only HH:MM:SS. Beside Codex logs they take their date from
those logs; alone they take it from --proxy-date, else the file's modification day (today for
stdin), and the input's line says which.

  python3 run_dates.py LOOPSCOPE SAMPLES_DIR

1. Every sample (a folder with expected.json, at any depth) and the whole tree are analyzed from a
   copy with its files' modification times as checked out, 400 days later and 400 days earlier,
   under TZ=UTC, America/Los_Angeles and Asia/Kolkata: text and JSON reports must be
   byte-identical to the first copy's under UTC.
2. A proxy log alone: its note names the modification day; --proxy-date and --proxy-tz move its
   times; piped, it says it was dated today.
"""
import calendar
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

DAY = 86400
ZONES = ["UTC", "America/Los_Angeles", "Asia/Kolkata"]


def run(loopscope, args, cwd, tz="UTC", stdin=None):
    env = dict(os.environ, TZ=tz, COLUMNS="100", NO_COLOR="1")
    r = subprocess.run([loopscope] + args, cwd=cwd, env=env, capture_output=True,
                       stdin=stdin or subprocess.DEVNULL, timeout=120)
    return r.returncode, r.stdout


def shift_mtimes(root, seconds):
    for folder, _, files in os.walk(root):
        for name in files:
            path = os.path.join(folder, name)
            st = os.stat(path)
            os.utime(path, (st.st_atime + seconds, st.st_mtime + seconds))


def sample_dirs(root):
    found = []
    for folder, _, files in os.walk(root):
        if "expected.json" in files:
            found.append(os.path.relpath(folder, root))
    return sorted(found)


def check_independence(loopscope, samples, work, failures):
    copies = {}
    for label, shift in (("as-checked-out", 0), ("+400d", 400 * DAY), ("-400d", -400 * DAY)):
        root = os.path.join(work, label)
        shutil.copytree(samples, os.path.join(root, "samples"))
        shift_mtimes(root, shift)
        copies[label] = root
    targets = [os.path.join("samples", d) for d in sample_dirs(samples)] + ["samples"]
    if len(targets) < 2:
        failures.append(f"no samples found under {samples}")
    for target in targets:
        for fmt in ("text", "json"):
            args = ["analyze", "--format", fmt, target]
            baseline = run(loopscope, args, copies["as-checked-out"])
            for label, root in copies.items():
                for tz in ZONES:
                    got = run(loopscope, args, root, tz)
                    if got != baseline:
                        failures.append(f"{target} --format {fmt}: mtimes {label}, TZ={tz} differs "
                                        f"from the checked-out copy under UTC")
    return len(targets)


def proxy_report(loopscope, args, cwd, tz="UTC", stdin=None):
    status, out = run(loopscope, ["analyze", "--format", "json"] + args, cwd, tz, stdin)
    return status, json.loads(out)


def notes(report):
    return [p["message"] for i in report["inputs"] for p in i["problems"]]


def first_start(report):
    starts = [t["start"] for s in report["sessions"] for t in s["turns"] if t.get("start")]
    return min(starts) if starts else None


def check_proxy_alone(loopscope, samples, work, failures):
    proxies = [os.path.join(samples, d, "proxy.log") for d in sample_dirs(samples)
               if os.path.exists(os.path.join(samples, d, "proxy.log"))]
    if not proxies:
        failures.append("no sample has a proxy.log")
        return
    folder = os.path.join(work, "alone")
    os.makedirs(folder)
    log = os.path.join(folder, "proxy.log")
    shutil.copyfile(proxies[0], log)
    # 2025-03-04T12:00:00Z
    mtime = 1741089600
    os.utime(log, (mtime, mtime))

    for tz in ZONES:
        _, report = proxy_report(loopscope, ["proxy.log"], folder, tz)
        wanted = "time-only stamps dated from the file's modification time (2025-03-04)"
        if not any(wanted in n for n in notes(report)):
            failures.append(f"TZ={tz}: proxy log alone: no note '{wanted}' in {notes(report)}")
        start = first_start(report)
        if not start or not start.startswith("2025-03-04"):
            failures.append(f"TZ={tz}: proxy log alone: first turn starts {start}, not on 2025-03-04")

    _, given = proxy_report(loopscope, ["--proxy-date", "2024-02-29", "proxy.log"], folder)
    if not any("time-only stamps dated 2024-02-29 (--proxy-date)" in n for n in notes(given)):
        failures.append(f"--proxy-date: no note naming it in {notes(given)}")
    start = first_start(given)
    if not start or not start.startswith("2024-02-29"):
        failures.append(f"--proxy-date 2024-02-29: first turn starts {start}")

    # The same wall clock at +05:30 is 5.5 h earlier in UTC.
    _, zoned = proxy_report(loopscope, ["--proxy-date", "2024-02-29", "--proxy-tz", "+05:30",
                                        "proxy.log"], folder)
    if given["sessions"] and zoned["sessions"]:
        def seconds(stamp):
            return calendar.timegm(time.strptime(stamp[:19], "%Y-%m-%dT%H:%M:%S"))
        delta = seconds(first_start(given)) - seconds(first_start(zoned))
        if delta != 5.5 * 3600:
            failures.append(f"--proxy-tz +05:30 moved the first turn by {delta} s, not 19800 s")
    else:
        failures.append("proxy log alone gave no session")

    with open(log, "rb") as piped:
        _, report = proxy_report(loopscope, ["-"], folder, stdin=piped)
    if not any("time-only stamps dated today (" in n for n in notes(report)):
        failures.append(f"stdin: no note saying it was dated today in {notes(report)}")

    for bad in (["--proxy-date", "2024-02-30"], ["--proxy-tz", "Mars/Olympus"]):
        status, _ = run(loopscope, bad + ["proxy.log"], folder)
        if status != 2:
            failures.append(f"{' '.join(bad)}: exit {status}, expected 2")


def main():
    loopscope, samples = os.path.abspath(sys.argv[1]), os.path.abspath(sys.argv[2])
    failures = []
    with tempfile.TemporaryDirectory(prefix="loopscope-dates-") as work:
        count = check_independence(loopscope, samples, work, failures)
        check_proxy_alone(loopscope, samples, work, failures)
    for f in failures:
        print(f)
    print(f"{count} targets x 2 formats x 3 mtime shifts x {len(ZONES)} zones; "
          f"{len(failures)} failures")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
