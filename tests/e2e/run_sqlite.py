"""Codex's logs_2.sqlite as an input: a database built from a recorded trace (one row per tracing
line, the schema of codex-rs/state) gives the same sessions, turns and findings as the trace.

  python3 run_sqlite.py LOOPSCOPE SAMPLE_DIR
"""
import json
import os
import re
import sqlite3
import subprocess
import sys
import tempfile
from datetime import datetime, timezone

LINE = re.compile(r"^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)\.(\d+)Z\s+(TRACE|DEBUG|INFO|WARN|ERROR)\s+(.*)$")
TARGET = re.compile(r"([a-z0-9_]+(?:::[a-z0-9_]+)+|codex_otel\.[a-z_]+): ")
THREAD = re.compile(r"thread[._]id=([0-9a-f-]{36})")


def build(trace, db_path):
    db = sqlite3.connect(db_path)
    db.execute("CREATE TABLE logs (id INTEGER PRIMARY KEY, ts INTEGER, ts_nanos INTEGER, level TEXT,"
               " target TEXT, feedback_log_body TEXT, module_path TEXT, file TEXT, line INTEGER,"
               " thread_id TEXT, process_uuid TEXT, estimated_bytes INTEGER)")
    rows = 0
    with open(trace, encoding="utf-8", errors="replace") as fh:
        for text in fh:
            m = LINE.match(text.rstrip("\n"))
            if not m:
                continue
            stamp = datetime.strptime(m.group(1), "%Y-%m-%dT%H:%M:%S").replace(tzinfo=timezone.utc)
            nanos = int((m.group(2) + "000000000")[:9])
            rest = m.group(4)
            targets = list(TARGET.finditer(rest))
            if not targets:
                continue
            last = targets[-1]
            thread = THREAD.search(rest)
            # Spans are not stored in the database: the turn id travels in the body here as the
            # trace's own span text would (the decoder reads turn.id= from it).
            body = rest[last.end():]
            span = rest[:last.start()]
            turn = re.search(r"turn\{[^}]*turn\.id=([0-9a-f-]{36})", span)
            if turn:
                body += f" turn.id={turn.group(1)}"
            db.execute("INSERT INTO logs (ts, ts_nanos, level, target, feedback_log_body, thread_id)"
                       " VALUES (?, ?, ?, ?, ?, ?)",
                       (int(stamp.timestamp()), nanos, m.group(3), last.group(1), body,
                        thread.group(1) if thread else None))
            rows += 1
    db.commit()
    db.close()
    return rows


def main():
    loopscope, sample = sys.argv[1], sys.argv[2]
    with tempfile.TemporaryDirectory() as tmp:
        db_path = os.path.join(tmp, "logs_2.sqlite")
        rows = build(os.path.join(sample, "trace.log"), db_path)
        run = subprocess.run([loopscope, "--format", "json", db_path], capture_output=True, timeout=60)
    report = json.loads(run.stdout)
    problems = []
    inp = report["inputs"][0]
    if inp["format"] != "codex-trace" or inp["lines"] != rows or inp["malformed"]:
        problems.append(f"input read as {inp['format']}, {inp['lines']} lines of {rows}, "
                        f"{inp['malformed']} malformed")
    with open(os.path.join(sample, "expected.json"), encoding="utf-8") as fh:
        expected = json.load(fh)
    sessions = [s for s in report["sessions"] if s["id"] == expected["thread_id"]]
    if not sessions:
        problems.append(f"no session {expected['thread_id']}: {[s['id'] for s in report['sessions']]}")
    kinds = sorted({f["kind"] for f in report["findings"]})
    want = sorted({l["kind"] for l in expected["loops"] if l["kind"] in ("transport_fallback", "stream_retry")})
    if not set(want) <= set(kinds):
        problems.append(f"finding kinds {kinds}, expected at least {want}")
    for p in problems:
        print(p)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
