#!/usr/bin/env bash
# Peak memory of a streamed run: a generated rollout (or proxy log) of GB gigabytes is piped into
# loopscope and never stored, so only loopscope's own memory is measured. Checks the accounting
# invariant of the report and prints peak RSS against the 64 MiB bound of the ingest issue.
#
#   bash bench/memory.sh [BINARY] [GB] [rollout|proxy]     defaults: build/loopscope 10 rollout
set -euo pipefail
cd "$(dirname "$0")/.."
bin=${1:-build/loopscope}
gb=${2:-10}
kind=${3:-rollout}
[[ -x $bin ]] || { echo "no binary at $bin" >&2; exit 2; }
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
start=$(date +%s)
# Exit status 1 means findings: a normal outcome here.
python3 bench/generate.py stream "$kind" --gb "$gb" |
  /usr/bin/time -f '%M %e' -o "$out/time" "$bin" --format json -o "$out/report.json" - || [[ $? -eq 1 ]]
read -r rss_kb seconds < <(tail -1 "$out/time")
python3 - "$out/report.json" "$rss_kb" "$seconds" "$start" <<'PY'
import json, sys, time
doc = json.load(open(sys.argv[1]))
rss_kb, seconds = int(sys.argv[2]), float(sys.argv[3])
i = doc["inputs"][0]
holds = i["lines"] == i["used"] + i["skipped"] + i["malformed"] + i["truncated"]
s, o = doc["summary"], doc.get("omitted", {})
print(f"read {i['bytes'] / 1e9:.2f} GB, {i['lines']} lines ({i['malformed']} malformed), "
      f"accounting {'holds' if holds else 'BROKEN'}")
print(f"{s['sessions']} sessions, {s['turns']} turns, {s['findings']} findings; listed "
      f"{len(doc['sessions'])} sessions and {len(doc['findings'])} findings, "
      f"{o.get('sessions', 0)} sessions / {o.get('findings', 0)} findings counted only")
print(f"peak RSS {rss_kb / 1024:.1f} MiB (bound 64 MiB: {'met' if rss_kb <= 65536 else 'NOT met'}), "
      f"{seconds:.0f} s for loopscope")
sys.exit(0 if holds and rss_kb <= 65536 else 1)
PY
