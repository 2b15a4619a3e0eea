#!/usr/bin/env bash
# One turn of 200,000 events over 60 distinct signatures in random order: many elementary cycles,
# no real loop. Shows that graph building and cycle detection stay fast and bounded.
#   bash bench/turn_graph.sh [EVENTS] [BINARY]
set -euo pipefail
cd "$(dirname "$0")/.."
events=${1:-200000}
binary=${2:-build/loopscope}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
python3 - "$events" > "$work/turn.jsonl" <<'PY'
import json, random, sys
random.seed(7)
n = int(sys.argv[1])
print(json.dumps({"type": "thread.started", "thread_id": "bench-thread-0001"}))
print(json.dumps({"type": "turn.started"}))
for i in range(n // 2):
    k = random.randrange(60)
    cmd = f"bash -lc 'step {k}'"
    print(json.dumps({"type": "item.started", "item": {"id": f"i{i}", "type": "command_execution", "command": cmd, "aggregated_output": "", "exit_code": None, "status": "in_progress"}}))
    print(json.dumps({"type": "item.completed", "item": {"id": f"i{i}", "type": "command_execution", "command": cmd, "aggregated_output": f"output {random.randrange(1000000)}", "exit_code": 0, "status": "completed"}}))
print(json.dumps({"type": "turn.completed", "usage": {"input_tokens": 1, "cached_input_tokens": 0, "output_tokens": 1}}))
PY
echo "input: $(wc -l < "$work/turn.jsonl") lines, $(du -h "$work/turn.jsonl" | cut -f1)"
/usr/bin/time -v "$binary" --format json -o "$work/report.json" "$work/turn.jsonl" 2> "$work/time.txt" || true
grep -E "Elapsed|Maximum resident" "$work/time.txt"
python3 -c "import json,sys; r=json.load(open(sys.argv[1])); print('findings:', r['summary']['findings'], r['summary']['by_kind'])" "$work/report.json"
