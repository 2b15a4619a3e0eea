#!/usr/bin/env python3
"""Tests of `loopscope watch` (issue 20), one check per run:

  replay      a recorded sample (trace, proxy log, rollout) written line by line, in time order,
              with its original spacing compressed: the alert comes within 1 s of the line after
              which `analyze` first finds the incident, and before the turn's last line; the report
              at the end (SIGINT) is byte-identical to `analyze` of the complete files
  poll        the same with --poll (no inotify), over the sample's first turn
  rotate      rotation (rename + new file) and truncation mid-session: the report at the end equals
              `analyze` of what was written, read once (nothing lost, nothing read twice)
  idle        the same with files released while quiet (descriptors, decoder threads)
  tee         `loopscope --tee` and `watch --tee -`: stdout is the input byte for byte (CRLF,
              invalid UTF-8, no final newline); alerts and the report on stderr
  on_alert    --on-alert gets each alert as valid JSON on stdin, run without a shell; a slow
              command does not delay the alerts
  codex_home  no PATH: $CODEX_HOME/log/codex-tui.log and rollouts appearing under sessions/ are
              followed (one there before is not read); the report equals analyze of those files
  sqlite      $CODEX_HOME/logs_2.sqlite: rows added while watching are read, older ones not
  soak        one hour of generated log time written in ~7 s: RSS at the end stays within a small
              margin of RSS at 25 %

usage: run_watch.py LOOPSCOPE SAMPLE_DIR CHECK
"""
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import uuid

LOOPSCOPE, SAMPLE, CHECK = sys.argv[1], sys.argv[2], sys.argv[3]
FILES = ["trace.log", "proxy.log", "rollout.jsonl"]
ENV = dict(os.environ, TZ="UTC", COLUMNS="100", NO_COLOR="1")

RFC3339 = re.compile(rb"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?)Z")
CLOCK = re.compile(rb"^(\d\d):(\d\d):(\d\d)\b")


def fail(message):
    print("FAIL:", message)
    sys.exit(1)


def seconds_of(stamp):
    import datetime
    text = stamp.decode()
    whole, _, fraction = text.partition(".")
    t = datetime.datetime.strptime(whole, "%Y-%m-%dT%H:%M:%S").replace(
        tzinfo=datetime.timezone.utc).timestamp()
    return t + (float("0." + fraction) if fraction else 0.0)


def timed_lines(directory):
    """Every line of the sample's files with its time, merged in time order (stable)."""
    day = None
    with open(os.path.join(directory, "trace.log"), "rb") as f:
        for line in f:
            m = RFC3339.search(line)
            if m:
                import datetime
                day = seconds_of(m.group(1)[:10] + b"T00:00:00")
                break
    merged = []
    for order, name in enumerate(FILES):
        with open(os.path.join(directory, name), "rb") as f:
            lines = f.read().split(b"\n")
        if lines and lines[-1] == b"":
            lines.pop()
        last = None
        stamped = []
        for line in lines:
            t = None
            if name == "proxy.log":
                m = CLOCK.match(line)
                if m:
                    t = day + int(m.group(1)) * 3600 + int(m.group(2)) * 60 + int(m.group(3))
            else:
                m = RFC3339.search(line[:200])
                if m:
                    t = seconds_of(m.group(1))
            if t is not None:
                last = t
            stamped.append([last, name, line])
        first = next((s[0] for s in stamped if s[0] is not None), 0.0)
        for s in stamped:
            if s[0] is None:
                s[0] = first
        merged += [(s[0], order, i, s[1], s[2]) for i, s in enumerate(stamped)]
    merged.sort()
    return [(t, name, line) for t, _, _, name, line in merged]


def analyze(paths, *extra, cwd=None):
    return subprocess.run([LOOPSCOPE, "analyze", *extra, *paths], capture_output=True, env=ENV,
                          cwd=cwd)


def write_prefix(lines, count, directory):
    os.makedirs(directory, exist_ok=True)
    for name in FILES:
        with open(os.path.join(directory, name), "wb") as f:
            for _, n, line in lines[:count]:
                if n == name:
                    f.write(line + b"\n")


def first_crossing(lines, scratch):
    """The number of lines after which `analyze` first finds the finding that the complete
    sample has first in turn 1 (same session, same rule)."""
    def findings(count):
        d = os.path.join(scratch, f"prefix-{count}")
        write_prefix(lines, count, d)
        r = analyze([os.path.join(d, n) for n in FILES], "--format", "json")
        return json.loads(r.stdout)["findings"]
    complete = [f for f in findings(len(lines)) if f["turn"] == 1]
    if not complete:
        fail("analyze finds nothing in turn 1 of the complete sample")
    target = (complete[0]["session"], complete[0]["rule"])

    def found(count):
        return any(f["turn"] == 1 and (f["session"], f["rule"]) == target
                   for f in findings(count))
    lo, hi = 1, len(lines)
    while lo < hi:
        mid = (lo + hi) // 2
        if found(mid):
            hi = mid
        else:
            lo = mid + 1
    return lo


class Reader(threading.Thread):
    """Collects a stream's lines with the time each arrived."""

    def __init__(self, stream):
        super().__init__(daemon=True)
        self.stream, self.lines = stream, []

    def run(self):
        for line in iter(self.stream.readline, b""):
            self.lines.append((time.monotonic(), line))


def start_watch(args, env=None, **kwargs):
    p = subprocess.Popen([LOOPSCOPE, "watch", *args], stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, stdin=subprocess.DEVNULL, env=env or ENV,
                         **kwargs)
    out, err = Reader(p.stdout), Reader(p.stderr)
    out.start()
    err.start()
    return p, out, err


def stop_watch(p, out, err, timeout=20):
    p.send_signal(signal.SIGINT)
    try:
        p.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        p.kill()
        fail("watch did not end within %d s of SIGINT" % timeout)
    out.join(5)
    err.join(5)
    return p.returncode


def check_replay(extra, turns=3):
    """`turns`: replay the sample's first turns only (the polling variant: 1, to save time)."""
    scratch = tempfile.mkdtemp(prefix="loopscope-watch-")
    try:
        lines = timed_lines(SAMPLE)
        # The turn's last line: the rollout's first task_complete (turn 1 ends there).
        ends = [i for i, (_, n, line) in enumerate(lines)
                if n == "rollout.jsonl" and b'"task_complete"' in line]
        end = ends[0]
        if turns < len(ends):
            lines = lines[:ends[turns - 1] + 1]
        crossing = first_crossing(lines, scratch)
        if end <= crossing:
            fail(f"the sample's turn 1 ends (line {end}) before its threshold (line {crossing})")
        live = os.path.join(scratch, "live")
        os.makedirs(live)
        paths = [os.path.join(live, n) for n in FILES]
        report_path = os.path.join(scratch, "final.txt")
        p, out, err = start_watch(["--format", "jsonl", *extra, "-o", report_path, *paths])
        time.sleep(0.5)  # the watcher is up: the files appear after it started
        handles = {}
        written_at = []
        factor, cap = 0.2, 0.3  # 5x faster, and no pause longer than 0.3 s
        previous = lines[0][0]
        for t, name, line in lines:
            time.sleep(min(max(t - previous, 0.0) * factor, cap))
            previous = t
            if name not in handles:
                handles[name] = open(os.path.join(live, name), "ab", buffering=0)
            handles[name].write(line + b"\n")
            written_at.append(time.monotonic())
        for h in handles.values():
            h.close()
        time.sleep(0.5)
        status = stop_watch(p, out, err)
        alerts = [(at, json.loads(line)) for at, line in out.lines]
        first = next(((at, a) for at, a in alerts if a["type"] == "alert" and a["turn"] == 1),
                     None)
        if first is None:
            fail("no alert for turn 1; stdout: %r stderr: %r" % (out.lines, err.lines))
        crossed_at = written_at[crossing - 1]
        delay = first[0] - crossed_at
        print(f"threshold crossed by line {crossing} of {len(lines)}; turn 1 ends at line "
              f"{end + 1}; alert {delay:+.3f} s after the crossing line, "
              f"{written_at[end] - first[0]:.3f} s before the turn's last line")
        if delay > 1.0:
            fail(f"the alert came {delay:.3f} s after the line that crossed the threshold")
        if first[0] >= written_at[end]:
            fail("the alert came after the turn's last line was written")
        a = first[1]
        for key in ("schema", "type", "alert", "time", "session", "turn", "verdict", "cause"):
            if key not in a:
                fail(f"alert without {key}: {a}")
        if a["schema"] != "loopscope-watch/1" or "405" not in a["verdict"]:
            fail(f"unexpected alert: {a}")
        ids = {x["alert"] for _, x in alerts}
        opened = [x for _, x in alerts if x["type"] == "alert"]
        if len(opened) != len(ids):
            fail(f"an incident was alerted more than once: {[x['alert'] for x in opened]}")
        closed = [x for _, x in alerts if x["type"] == "closed"]
        if sorted(x["turn"] for x in closed) != list(range(1, turns + 1)) or any(
                x["outcome"] != "fell back" for x in closed):
            fail(f"expected a 'fell back' closing line per turn, got {closed}")
        # The report at the end is analyze's on the same files, byte for byte.
        expected = analyze(paths)
        with open(report_path, "rb") as f:
            got = f.read()
        if got != expected.stdout:
            fail("the report at the end differs from analyze:\n--- watch\n%s\n--- analyze\n%s" %
                 (got.decode(errors="replace"), expected.stdout.decode(errors="replace")))
        if status != expected.returncode:
            fail(f"exit status {status}, analyze gives {expected.returncode}")
        print(f"OK: {len(alerts)} alert lines; report identical ({len(got)} bytes); status {status}")
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def open_files_under(pid, folder):
    found = []
    for fd in os.listdir(f"/proc/{pid}/fd"):
        try:
            target = os.readlink(f"/proc/{pid}/fd/{fd}")
        except OSError:
            continue
        if target.startswith(folder):
            found.append(target)
    return found


def check_rotate(idle=False):
    """idle: files quiet for 150 ms give back their descriptors and decoder threads (10 minutes
    outside tests), and are rotated and truncated while released."""
    scratch = tempfile.mkdtemp(prefix="loopscope-watch-")
    try:
        lines = timed_lines(SAMPLE)
        trace = [line for _, n, line in lines if n == "trace.log"]
        rollout = [line for _, n, line in lines if n == "rollout.jsonl"]
        proxy = [line for _, n, line in lines if n == "proxy.log"]
        live = os.path.join(scratch, "live")
        folder = os.path.join(live, "proxy")
        os.makedirs(folder)
        trace_path = os.path.join(live, "trace.log")
        rollout_path = os.path.join(live, "rollout.jsonl")
        proxy_path = os.path.join(folder, "proxy.log")
        with open(trace_path, "wb") as f:
            f.write(b"old content, before watch started: not read\n")
        report_path = os.path.join(scratch, "final.json")
        env = dict(ENV, LOOPSCOPE_WATCH_IDLE_MS="150") if idle else ENV
        p, out, err = start_watch(["--report-format", "json", "-o", report_path, trace_path,
                                   rollout_path, folder], env=env)
        time.sleep(0.5)
        third = len(trace) // 3
        written = {"trace": b"", "rollout": b"", "proxy": b""}

        def write(path, key, chunk, mode="ab"):
            with open(path, mode) as f:
                for line in chunk:
                    f.write(line + b"\n")
                    f.flush()
                    written[key] += line + b"\n"
                    time.sleep(0.001)

        write(trace_path, "trace", trace[:third])
        write(rollout_path, "rollout", rollout[:len(rollout) // 2])
        write(proxy_path, "proxy", proxy[:len(proxy) // 2])
        time.sleep(0.3)
        if idle:
            time.sleep(0.3)
            still = open_files_under(p.pid, live)
            if still:
                fail(f"quiet files still open: {still}")
        # Rotation: renamed away, a new file in its place at once. In the folder, the old file
        # keeps a name that passes as a log: it is followed already, not read again.
        os.rename(trace_path, trace_path + ".1")
        os.rename(proxy_path, os.path.join(folder, "proxy-2026-11-29.log"))
        write(trace_path, "trace", trace[third:2 * third], "wb")
        write(proxy_path, "proxy", proxy[len(proxy) // 2:], "wb")
        time.sleep(0.3)
        # Truncation (copytruncate): emptied in place, then written again, longer than before
        # so only its first bytes tell it was rewritten.
        with open(rollout_path, "r+b") as f:
            f.truncate(0)
        write(rollout_path, "rollout", rollout[len(rollout) // 2:])
        write(trace_path, "trace", trace[2 * third:])
        time.sleep(0.5)
        status = stop_watch(p, out, err)
        # What was written after watch started, read once: the same report as analyze of it.
        shutil.move(live, os.path.join(scratch, "moved"))
        os.makedirs(folder)
        for path, key in ((trace_path, "trace"), (rollout_path, "rollout"), (proxy_path, "proxy")):
            with open(path, "wb") as f:
                f.write(written[key])
        expected = analyze([trace_path, rollout_path, folder], "--format", "json")
        with open(report_path, "rb") as f:
            got = f.read()
        report = json.loads(got)
        counts = {i["path"]: i["lines"] for i in report["inputs"]}
        want = {path: written[key].count(b"\n") for path, key in
                ((trace_path, "trace"), (rollout_path, "rollout"), (proxy_path, "proxy"))}
        if counts != want:
            fail(f"lines read {counts}, written {want}; stderr {err.lines}")
        if got != expected.stdout:
            fail("the report differs from analyze of what was written:\n%s\n---\n%s" %
                 (got.decode()[:3000], expected.stdout.decode()[:3000]))
        print(f"OK: rotation (a file, a file in a folder) and truncation{' while released' if idle else ''}: "
              f"{sorted(want.values())} lines read once each; report identical; status {status}")
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def check_tee():
    with open(os.path.join(SAMPLE, "exec.jsonl"), "rb") as f:
        data = f.read()
    # CRLF, invalid UTF-8, a NUL and no final newline: passed through untouched.
    data += b'{"type":"weird"}\r\n\xff\xfe not utf-8 \x00\n{"type":"unfinished'
    for argv in ([LOOPSCOPE, "--tee"], [LOOPSCOPE, "watch", "--tee", "-"]):
        r = subprocess.run(argv, input=data, capture_output=True, env=ENV, timeout=30)
        if r.stdout != data:
            fail(f"{argv[1:]}: stdout differs from the input ({len(r.stdout)} vs {len(data)} bytes)")
        err = r.stderr.decode(errors="replace")
        if "turn 1: The proxy refuses the WebSocket upgrade" not in err:
            fail(f"{argv[1:]}: no alert on stderr: {err}")
        if "Session 01a224fb-4073-7b20-90ea-06623faa6737" not in err:
            fail(f"{argv[1:]}: no report on stderr: {err}")
        if r.returncode != 0:
            fail(f"{argv[1:]}: exit status {r.returncode}: {err}")
    print(f"OK: --tee passed {len(data)} bytes through unchanged; alerts and report on stderr")


def check_on_alert():
    scratch = tempfile.mkdtemp(prefix="loopscope-watch-")
    try:
        record = os.path.join(os.path.dirname(os.path.abspath(__file__)), "record_alert.py")
        got = os.path.join(scratch, "got.jsonl")
        trap = os.path.join(scratch, "pwned")
        # A slow command (0.3 s per alert), and a word a shell would run: neither may matter.
        command = f"{sys.executable} -S {record} {got} 0.3 '$(touch {trap})' \"a b\""
        with open(os.path.join(SAMPLE, "exec.jsonl"), "rb") as f:
            data = f.read()
        started = time.monotonic()
        p = subprocess.Popen([LOOPSCOPE, "watch", "--format", "jsonl", "--no-report",
                              "--on-alert", command, "-"], stdin=subprocess.PIPE,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=ENV)
        out = Reader(p.stdout)
        out.start()
        p.stdin.write(data)
        p.stdin.close()
        p.wait(timeout=60)
        out.join(5)
        shown = [json.loads(line) for _, line in out.lines]
        last_alert_at = max(at for at, _ in out.lines) - started
        if not shown:
            fail("no alert printed")
        # The alerts were printed before the slow commands were done with them (a watcher that
        # waited for them would print the last of 6 alerts after 1.5 s or more).
        if last_alert_at > 0.75:
            fail(f"alerts were held up by the command ({last_alert_at:.2f} s)")
        if os.path.exists(trap):
            fail("the command was run by a shell")
        with open(got, encoding="utf-8") as f:
            calls = [json.loads(line) for line in f]
        if len(calls) != len(shown):
            fail(f"{len(calls)} commands for {len(shown)} alerts")
        for call in calls:
            if call["argv"] != [f"$(touch {trap})", "a b"]:
                fail(f"argv not passed as words: {call['argv']}")
            if call["alert"]["schema"] != "loopscope-watch/1":
                fail(f"not an alert: {call['alert']}")
        if [c["alert"] for c in calls] != shown:
            fail("the commands got other JSON than was printed")
        print(f"OK: {len(calls)} commands got valid alert JSON on stdin; alerts printed within "
              f"{last_alert_at:.2f} s although each command takes 0.3 s")
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def check_codex_home():
    """No PATH: what Codex writes under $CODEX_HOME — its TUI log and rollouts that appear under
    sessions/ — from now on (a rollout there before is not read)."""
    scratch = tempfile.mkdtemp(prefix="loopscope-watch-")
    try:
        home = os.path.join(scratch, "codex")
        old = os.path.join(home, "sessions", "2026", "11", "28", "rollout-old.jsonl")
        os.makedirs(os.path.dirname(old))
        shutil.copy(os.path.join(os.path.dirname(SAMPLE), "http-429", "rollout.jsonl"), old)
        log = os.path.join(home, "log", "codex-tui.log")
        rollout = os.path.join(home, "sessions", "2026", "11", "29", "rollout-2026-11-29T01-46-16-x.jsonl")
        report_path = os.path.join(scratch, "final.txt")
        p, out, err = start_watch(["--format", "jsonl", "-o", report_path],
                                  env=dict(ENV, CODEX_HOME=home))
        time.sleep(0.5)
        os.makedirs(os.path.dirname(log))
        os.makedirs(os.path.dirname(rollout))
        handles = {"trace.log": open(log, "ab", buffering=0),
                   "rollout.jsonl": open(rollout, "ab", buffering=0)}
        for _, name, line in timed_lines(SAMPLE):
            if name in handles:
                handles[name].write(line + b"\n")
                time.sleep(0.002)
        for h in handles.values():
            h.close()
        time.sleep(0.6)
        status = stop_watch(p, out, err)
        alerts = [json.loads(line) for _, line in out.lines]
        opened = [a for a in alerts if a["type"] == "alert"]
        if len(opened) != 1 or "405" not in opened[0]["verdict"] or opened[0]["session"] != \
                "01a224fb-4073-7b20-90ea-06623faa6737":
            fail(f"expected one alert for the ws-405 session, got {opened}; stderr {err.lines}")
        expected = analyze([log, rollout])
        with open(report_path, "rb") as f:
            got = f.read()
        if got != expected.stdout:
            fail("the report differs from analyze of the files Codex wrote:\n%s\n---\n%s" %
                 (got.decode()[:3000], expected.stdout.decode()[:3000]))
        if b"rollout-old" in got:
            fail("a rollout that was there before watch started was read")
        said = b"".join(line for _, line in err.lines).decode()
        if "watching " + log not in said:
            fail(f"watch did not say what it follows: {said}")
        print(f"OK: $CODEX_HOME followed by default; 1 alert; report identical; status {status}")
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def trace_rows(trace_lines):
    """The trace's lines as rows of Codex's logs table (tests/e2e/run_sqlite.py builds them the
    same way: the schema of codex-rs/state)."""
    import datetime
    line_re = re.compile(r"^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)\.(\d+)Z\s+(TRACE|DEBUG|INFO|WARN|ERROR)\s+(.*)$")
    target_re = re.compile(r"([a-z0-9_]+(?:::[a-z0-9_]+)+|codex_otel\.[a-z_]+): ")
    thread_re = re.compile(r"thread[._]id=([0-9a-f-]{36})")
    rows = []
    for raw in trace_lines:
        m = line_re.match(raw.decode("utf-8", "replace"))
        if not m:
            continue
        targets = list(target_re.finditer(m.group(4)))
        if not targets:
            continue
        stamp = datetime.datetime.strptime(m.group(1), "%Y-%m-%dT%H:%M:%S").replace(
            tzinfo=datetime.timezone.utc)
        rest, last = m.group(4), targets[-1]
        body = rest[last.end():]
        turn = re.search(r"turn\{[^}]*turn\.id=([0-9a-f-]{36})", rest[:last.start()])
        if turn:
            body += f" turn.id={turn.group(1)}"
        thread = thread_re.search(rest)
        rows.append((int(stamp.timestamp()), int((m.group(2) + "000000000")[:9]), m.group(3),
                     last.group(1), body, thread.group(1) if thread else None))
    return rows


def make_logs_db(path, rows):
    import sqlite3
    db = sqlite3.connect(path)
    db.execute("CREATE TABLE logs (id INTEGER PRIMARY KEY, ts INTEGER, ts_nanos INTEGER, level TEXT,"
               " target TEXT, feedback_log_body TEXT, module_path TEXT, file TEXT, line INTEGER,"
               " thread_id TEXT, process_uuid TEXT, estimated_bytes INTEGER)")
    insert_rows(db, rows)
    return db


def insert_rows(db, rows):
    db.executemany("INSERT INTO logs (ts, ts_nanos, level, target, feedback_log_body, thread_id)"
                   " VALUES (?, ?, ?, ?, ?, ?)", rows)
    db.commit()


def check_sqlite():
    """$CODEX_HOME/logs_2.sqlite (Codex's tracing database) followed by default: rows added while
    watching are read (those there before are not), the alert comes from them, and the report has
    the findings analyze gives on a database of those rows."""
    scratch = tempfile.mkdtemp(prefix="loopscope-watch-")
    try:
        home = os.path.join(scratch, "codex")
        os.makedirs(home)
        path = os.path.join(home, "logs_2.sqlite")
        with open(os.path.join(os.path.dirname(SAMPLE), "http-429", "trace.log"), "rb") as f:
            old_rows = trace_rows(f.read().split(b"\n"))
        db = make_logs_db(path, old_rows)
        lines = timed_lines(SAMPLE)
        new_rows = trace_rows([line for _, n, line in lines if n == "trace.log"])
        rollout = os.path.join(home, "sessions", "2026", "11", "29", "rollout-x.jsonl")
        report_path = os.path.join(scratch, "final.json")
        p, out, err = start_watch(["--format", "jsonl", "--report-format", "json", "-o",
                                   report_path], env=dict(ENV, CODEX_HOME=home))
        time.sleep(0.5)
        os.makedirs(os.path.dirname(rollout))
        with open(rollout, "ab", buffering=0) as f:
            for _, n, line in lines:
                if n == "rollout.jsonl":
                    f.write(line + b"\n")
        for k in range(0, len(new_rows), 10):
            insert_rows(db, new_rows[k:k + 10])
            time.sleep(0.01)
        db.close()
        time.sleep(0.6)
        stop_watch(p, out, err)
        alerts = [json.loads(line) for _, line in out.lines]
        opened = [a for a in alerts if a["type"] == "alert"]
        if len(opened) != 1 or "405" not in opened[0]["verdict"]:
            fail(f"expected one alert for the ws-405 session, got {opened}; stderr {err.lines}")
        with open(report_path, "rb") as f:
            report = json.load(f)
        database = next(i for i in report["inputs"] if i["path"] == path)
        if database["lines"] != len(new_rows) or database["format"] != "codex-trace":
            fail(f"database read as {database}; {len(new_rows)} rows were added")
        only_new = os.path.join(scratch, "new.sqlite")
        make_logs_db(only_new, new_rows).close()
        expected = json.loads(analyze([only_new, rollout], "--format", "json").stdout)
        # Finding ids hash the input's path: the same findings, named by the other path.
        ids = {f["id"]: e["id"] for f, e in zip(report["findings"], expected["findings"])}
        for key in ("sessions", "findings", "incidents"):
            got = json.dumps(report[key]).replace(path, only_new)
            for mine, theirs in ids.items():
                got = got.replace(f'"{mine}"', f'"{theirs}"')
            if got != json.dumps(expected[key]):
                fail(f"{key} differ from analyze of a database of the new rows:\n{got[:1500]}\n"
                     f"---\n{json.dumps(expected[key])[:1500]}")
        print(f"OK: logs_2.sqlite followed: {len(new_rows)} new rows read, {len(old_rows)} old "
              f"ones not; 1 alert; sessions, findings and incidents as analyze gives them")
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def rss_kib(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def check_soak():
    scratch = tempfile.mkdtemp(prefix="loopscope-watch-")
    try:
        with open(os.path.join(SAMPLE, "trace.log"), "rb") as f:
            template = f.read().split(b"\n")
        template = [line for line in template if line]
        stamps = [RFC3339.search(line[:64]) for line in template]
        times = [seconds_of(m.group(1)) if m else None for m in stamps]
        base = next(t for t in times if t is not None)
        span = max(t for t in times if t is not None) - base + 20.0  # a pause between sessions
        ids = sorted(set(re.findall(rb"01a224fb-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}",
                                    b"\n".join(template))))
        hour = 3600.0
        copies = int(hour // span) + 1
        path = os.path.join(scratch, "trace.log")
        p, out, err = start_watch(["--format", "jsonl", "--no-report", path])
        time.sleep(0.5)
        import datetime
        wall = 7.0  # seconds for the hour
        started = time.monotonic()
        samples = {}
        lines_written = 0
        with open(path, "ab", buffering=0) as f:
            for k in range(copies):
                mapping = {old: str(uuid.UUID(int=(k << 64) + i)).encode()
                           for i, old in enumerate(ids)}
                shift = k * span
                chunk = []
                for line, t in zip(template, times):
                    for old, new in mapping.items():
                        line = line.replace(old, new)
                    if t is not None:
                        stamp = datetime.datetime.fromtimestamp(
                            t + shift, datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%f")
                        line = RFC3339.sub(stamp.encode() + b"Z", line, count=1)
                    chunk.append(line + b"\n")
                f.write(b"".join(chunk))
                lines_written += len(chunk)
                # Keep to the compressed clock: copy k ends at (k+1)/copies of the wall budget.
                ahead = started + wall * (k + 1) / copies - time.monotonic()
                if ahead > 0:
                    time.sleep(ahead)
                done = (k + 1) / copies
                for mark in (0.25, 0.5, 0.75, 1.0):
                    if mark not in samples and done >= mark:
                        time.sleep(0.3)  # the watcher has caught up
                        samples[mark] = rss_kib(p.pid)
        status = stop_watch(p, out, err, timeout=60)
        alerts = [json.loads(line) for _, line in out.lines]
        opened = [a for a in alerts if a["type"] == "alert"]
        print(f"{copies} sessions, {lines_written} lines, {copies * span / 3600:.2f} h of log time "
              f"in {time.monotonic() - started:.1f} s; RSS at 25/50/75/100 %: "
              f"{'/'.join(str(samples[m]) for m in (0.25, 0.5, 0.75, 1.0))} KiB; "
              f"{len(opened)} alerts; status {status}")
        if len(opened) != copies:
            fail(f"{len(opened)} alerts for {copies} sessions with the same loop")
        if samples[1.0] > samples[0.25] * 1.10 + 2048:
            fail("RSS grew: %d KiB -> %d KiB" % (samples[0.25], samples[1.0]))
        print("OK: RSS flat")
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


checks = {
    "replay": lambda: check_replay([]),
    "poll": lambda: check_replay(["--poll"], turns=1),
    "rotate": check_rotate,
    "idle": lambda: check_rotate(idle=True),
    "tee": check_tee,
    "on_alert": check_on_alert,
    "soak": check_soak,
    "codex_home": check_codex_home,
    "sqlite": check_sqlite,
}
checks[CHECK]()
