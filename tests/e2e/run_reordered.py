"""A rollout whose lines have their keys reordered, unknown keys added and unknown line types
inserted reads as the original: the same events, and the unknown types counted.

  python3 run_reordered.py LOOPSCOPE ROLLOUT

Detection is by structure (issue 15): Codex 0.171 put an "ordinal" key between "timestamp" and
"type"; a later release may reorder or add more. Each line of ROLLOUT is rewritten with its
top-level and payload keys in reverse order and an unknown key added to both; after every fifth
line an envelope of an unknown type and an event_msg of an unknown payload type are inserted.
Exit 0 when `loopscope events` gives the same events (line numbers and excerpts aside) and the
report counts exactly the inserted lines as unknown types; otherwise one line per difference.
"""
import json
import os
import subprocess
import sys
import tempfile

# Fields that name where an event came from, not what it is.
PLACE = ("line", "path", "excerpt")


def reorder(obj):
    out = {"x_future_key": {"nested": [1, "two", None]}}
    for key in reversed(list(obj)):
        out[key] = obj[key]
    return out


def rewrite(src, dst):
    inserted = 0
    with open(src, encoding="utf-8") as fh, open(dst, "w", encoding="utf-8") as out:
        for n, line in enumerate(fh, 1):
            if not line.strip():
                continue
            record = json.loads(line)
            if isinstance(record.get("payload"), dict):
                record["payload"] = reorder(record["payload"])
            out.write(json.dumps(reorder(record), ensure_ascii=False) + "\n")
            if n % 5 == 0:
                stamp = record.get("timestamp")
                out.write(json.dumps({"payload": {"anything": n}, "type": "future_line_type",
                                      "timestamp": stamp, "ordinal": 10_000 + n}) + "\n")
                out.write(json.dumps({"type": "event_msg", "timestamp": stamp,
                                      "payload": {"type": "future_event", "n": n}}) + "\n")
                inserted += 2
    return inserted


def events(loopscope, path):
    run = subprocess.run([loopscope, "events", path], capture_output=True, timeout=120, check=True)
    out = []
    for line in run.stdout.decode("utf-8").splitlines():
        e = json.loads(line)
        out.append({k: v for k, v in e.items() if k not in PLACE})
    return out


def unknown_types(loopscope, path):
    run = subprocess.run([loopscope, "--format", "json", path], capture_output=True, timeout=120)
    report = json.loads(run.stdout)
    (entry,) = report["inputs"]
    return entry["format"], entry["unknown_types"], entry["malformed"]


def main():
    loopscope, rollout = sys.argv[1], sys.argv[2]
    problems = []
    with tempfile.TemporaryDirectory() as tmp:
        changed = os.path.join(tmp, "rollout-reordered.jsonl")
        inserted = rewrite(rollout, changed)
        want, got = events(loopscope, rollout), events(loopscope, changed)
        if len(want) != len(got):
            problems.append(f"{len(got)} events, expected {len(want)}")
        for i, (w, g) in enumerate(zip(want, got)):
            if w != g:
                problems.append(f"event {i}: {json.dumps(g)[:300]} != {json.dumps(w)[:300]}")
                break
        fmt, unknown, malformed = unknown_types(loopscope, changed)
        _fmt0, unknown0, _m0 = unknown_types(loopscope, rollout)
        if fmt != "codex-rollout":
            problems.append(f"reordered rollout read as {fmt}")
        if malformed:
            problems.append(f"{malformed} malformed lines")
        if unknown != unknown0 + inserted:
            problems.append(f"{unknown} unknown types, expected {unknown0} + {inserted} inserted")
        if not want:
            problems.append("the original rollout gave no events")
    for p in problems:
        print(p)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
