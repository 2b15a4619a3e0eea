#!/usr/bin/env python3
"""What changed between two recorded Codex versions, per file kind: line types and keys.

    drift.py SAMPLES_DIR NEW_VERSION [OLD_VERSION]

Compares samples/codex-NEW/*/ with samples/codex-OLD/*/ (OLD: the newest recorded version
before NEW). For the JSON files (rollout.jsonl, exec.jsonl) it lists the line types (rollout:
the envelope type, event_msg / response_item payload types; exec: the event and item types) and,
per type, the keys that appear or disappear; for the tracing logs (trace.log, codex-tui.log) the
targets. Then, when LOOPSCOPE is set to a loopscope binary, it runs it over every new sample
file and prints per file its format, malformed lines and unknown types: a drift that loopscope
does not read shows here, not in a user's "No loops".

Python 3 standard library only. Exit status 0 (this reports; the tests judge).
"""
import collections
import glob
import json
import os
import re
import subprocess
import sys

RE_TRACE = re.compile(r"^\S+Z\s+(?:TRACE|DEBUG|INFO|WARN|ERROR)\s+(.*)$")
RE_TARGET = re.compile(r"(?:^|[:} ])([a-z0-9_]+(?:::[a-z0-9_]+)+|codex_otel\.[a-z_]+|feedback_tags): ")


def version_key(v):
    return tuple(int(x) for x in re.findall(r"\d+", v))


def json_shapes(path, kind):
    """{type name: set of keys} for one JSON-lines file."""
    shapes = collections.defaultdict(set)
    with open(path, encoding="utf-8", errors="replace") as fh:
        for line in fh:
            try:
                obj = json.loads(line)
            except json.JSONDecodeError:
                shapes["<not JSON>"].add("")
                continue
            if not isinstance(obj, dict):
                continue
            t = obj.get("type", "<no type>")
            shapes[t].update(obj.keys())
            payload = obj.get("payload") if kind == "rollout" else obj.get("item")
            if isinstance(payload, dict):
                sub = payload.get("type") or payload.get("role") or ""
                name = f"{t}/{sub}" if sub else f"{t}/*"
                shapes[name].update(payload.keys())
    return shapes


def trace_targets(path):
    shapes = collections.defaultdict(set)
    with open(path, encoding="utf-8", errors="replace") as fh:
        for line in fh:
            m = RE_TRACE.match(line)
            if not m:
                continue
            found = RE_TARGET.findall(m.group(1))
            if found:
                shapes["target"].add(found[-1] if found[-1].startswith("codex_otel") else found[0])
    return shapes


FILES = {"rollout.jsonl": lambda p: json_shapes(p, "rollout"),
         "exec.jsonl": lambda p: json_shapes(p, "exec"),
         "trace.log": trace_targets,
         "codex-tui.log": trace_targets}


def collect(version_dir, scenarios):
    out = {name: collections.defaultdict(set) for name in FILES}
    for name, read in FILES.items():
        for path in sorted(os.path.join(version_dir, sc, name) for sc in scenarios):
            if not os.path.isfile(path):
                continue
            for t, keys in read(path).items():
                out[name][t] |= keys
    return out


def main(argv):
    if len(argv) < 2:
        print(__doc__, file=sys.stderr)
        return 2
    root, new = argv[0], argv[1]
    versions = sorted((d[len("codex-"):] for d in os.listdir(root) if d.startswith("codex-")), key=version_key)
    if new not in versions:
        print(f"drift.py: no samples/codex-{new}/ (record it first: bash samples/record.sh --version {new})",
              file=sys.stderr)
        return 2
    older = [v for v in versions if version_key(v) < version_key(new)]
    old = argv[2] if len(argv) > 2 else (older[-1] if older else None)
    if old is None:
        print(f"drift.py: no recorded version older than {new} to compare with", file=sys.stderr)
        return 2
    old_dir, new_dir = os.path.join(root, f"codex-{old}"), os.path.join(root, f"codex-{new}")
    # Only the scenarios both versions recorded: a TUI sample persists more than an exec one.
    common = sorted(set(os.listdir(old_dir)) & set(os.listdir(new_dir)))
    a, b = collect(old_dir, common), collect(new_dir, common)
    print(f"== Codex {old} -> {new}: line types and keys ({len(common)} scenarios in both)")
    for name in FILES:
        before, after = a[name], b[name]
        lines = []
        for t in sorted(set(after) - set(before)):
            lines.append(f"  + type {t}: {', '.join(sorted(after[t])) or '-'}")
        for t in sorted(set(before) - set(after)):
            lines.append(f"  - type {t} (no longer written)")
        for t in sorted(set(before) & set(after)):
            added, gone = sorted(after[t] - before[t]), sorted(before[t] - after[t])
            if added:
                lines.append(f"  ~ {t}: + {', '.join(added)}")
            if gone:
                lines.append(f"  ~ {t}: - {', '.join(gone)}")
        if lines:
            print(f"{name}:")
            print("\n".join(lines))
    loopscope = os.environ.get("LOOPSCOPE")
    if loopscope:
        print(f"== loopscope over samples/codex-{new}/ (files read as unknown, without events, with malformed lines or unknown types)")
        checked = drifted = 0
        for sample in sorted(glob.glob(os.path.join(root, f"codex-{new}", "*"))):
            files = sorted(f for f in glob.glob(os.path.join(sample, "*"))
                           if f.endswith((".jsonl", ".log", ".sqlite")))
            if not files:
                continue
            run = subprocess.run([loopscope, "--format", "json"] + files, capture_output=True, timeout=300)
            try:
                report = json.loads(run.stdout)
            except json.JSONDecodeError:
                print(f"  {os.path.basename(sample)}: loopscope failed: {run.stderr.decode()[:200]}")
                continue
            for entry in report["inputs"]:
                checked += 1
                silent = entry["lines"] > 0 and entry["events"] == 0  # read, but nothing understood
                if entry["format"] == "unknown" or entry["malformed"] or entry["unknown_types"] or silent:
                    drifted += 1
                    print(f"  {os.path.relpath(entry['path'], root)}: {entry['format']}, {entry['lines']} lines, "
                          f"{entry['events']} events, {entry['malformed']} malformed, "
                          f"{entry['unknown_types']} unknown types  <-- drift")
        print(f"  {checked} files read, {drifted} with an unknown format, no events, malformed lines or "
              f"unknown types")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
