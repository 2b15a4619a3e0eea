#!/usr/bin/env bash
# Batch throughput of loopscope over a zstd archive built from samples/ (issue #9).
#
#   bench/batch.sh [SIZE_MB] [LOOPSCOPE]
#
# Builds, under /tmp and at run time (never committed), an archive YYYY/MM/DD/<copy>-<scenario>/
# of SIZE_MB uncompressed MB (default 1024): each copy of a sample scenario gets new session,
# thread, turn and request ids (every UUID rewritten consistently within the copy), so each copy
# is a distinct session. Then reports MB/s (uncompressed) for --jobs 1 and --jobs 2 beside
# `zstdcat | grep -c` over the same files, and peak RSS from /usr/bin/time -v.
# Targets: --jobs 2 >= 1.8x --jobs 1; peak RSS <= 64 MiB per worker.
set -euo pipefail

size_mb=${1:-1024}
repo=$(cd "$(dirname "$0")/.." && pwd)
loopscope=${2:-}
if [[ -z $loopscope ]]; then
  for candidate in "$repo/build-batch/loopscope" "$repo/build/loopscope"; do
    [[ -x $candidate ]] && { loopscope=$candidate; break; }
  done
fi
[[ -x ${loopscope:-} ]] || { echo "batch.sh: no loopscope binary; build first or pass it" >&2; exit 2; }
for tool in zstd zstdcat python3 /usr/bin/time; do
  command -v "$tool" >/dev/null || { echo "batch.sh: $tool is needed" >&2; exit 2; }
done

work=$(mktemp -d /tmp/loopscope-bench-batch.XXXXXX)
[[ -n ${LOOPSCOPE_BENCH_KEEP:-} ]] || trap 'rm -rf "$work"' EXIT  # keep: to profile by hand
archive=$work/archive

echo "building a ${size_mb} MB archive under $archive ..." >&2
python3 - "$repo/samples/codex-0.121.0" "$archive" "$size_mb" <<'PY'
import os, re, sys
samples, archive, size_mb = sys.argv[1], sys.argv[2], int(sys.argv[3])
uuid = re.compile(rb"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
scenarios = []
for name in sorted(os.listdir(samples)):
    folder = os.path.join(samples, name)
    if not os.path.isfile(os.path.join(folder, "expected.json")):
        continue
    files = {f: open(os.path.join(folder, f), "rb").read()
             for f in sorted(os.listdir(folder)) if f.endswith((".jsonl", ".log"))}
    scenarios.append((name, files))
target = size_mb * 1_000_000
written, copy = 0, 0
while written < target:
    copy += 1
    # 28 copies a day: an archive of many leaf directories, as YYYY/MM/DD keeps Codex's sessions.
    day = 1 + (copy // 28) % 28
    month = 1 + (copy // (28 * 28)) % 12
    for name, files in scenarios:
        # The copy number goes into the last 12 hex digits of every UUID: the same UUID gets the
        # same new value in every file of the copy, so the copy joins like the original.
        def renumber(m, copy=copy):
            text = m.group(0)
            return text[:24] + b"%012x" % ((int(text[24:], 16) + copy * 0x1000003) & 0xFFFFFFFFFFFF)
        leaf = os.path.join(archive, "2026", f"{month:02}", f"{day:02}", f"{copy:05}-{name}")
        os.makedirs(leaf, exist_ok=True)
        for fname, data in files.items():
            out = uuid.sub(renumber, data)
            with open(os.path.join(leaf, fname), "wb") as fh:
                fh.write(out)
            written += len(out)
        if written >= target:
            break
print(f"{written / 1e6:.1f} MB in {copy} copies", file=sys.stderr)
with open(os.path.join(archive, "..", "plain_bytes"), "w") as fh:
    fh.write(str(written))
PY
plain_bytes=$(cat "$work/plain_bytes")
zstd -q -r --rm -3 -T0 "$archive"
files=$(find "$archive" -type f | wc -l)
compressed=$(du -sb "$archive" | cut -f1)
plain_mb=$(python3 -c "print(f'{$plain_bytes / 1e6:.1f}')")
echo "archive: $files zstd files, $plain_mb MB uncompressed, $(python3 -c "print(f'{$compressed / 1e6:.1f}')") MB compressed" >&2

# Runs "$@" under /usr/bin/time -v; prints "seconds peak_kib cpu_seconds" (user + sys: on a shared
# machine the wall clock also measures the neighbours; CPU time shows what the run itself cost).
measure() {
  local log=$work/time.log
  /usr/bin/time -v "$@" >/dev/null 2>"$log" || true
  local wall rss
  wall=$(awk -F': ' '/Elapsed \(wall clock\)/ {print $2}' "$log")
  rss=$(awk -F': ' '/Maximum resident set size/ {print $2}' "$log")
  user=$(awk -F': ' '/User time/ {print $2}' "$log")
  sys=$(awk -F': ' '/System time/ {print $2}' "$log")
  python3 - "$wall" "$rss" "$user" "$sys" <<'PY'
import sys
parts = [float(p) for p in sys.argv[1].split(":")]
seconds = sum(p * 60 ** i for i, p in enumerate(reversed(parts)))
print(f"{seconds:.2f} {sys.argv[2]} {float(sys.argv[3]) + float(sys.argv[4]):.2f}")
PY
}

rate() { python3 -c "print(f'{$plain_bytes / 1e6 / max($1, 0.001):.1f}')"; }

read -r grep_s grep_rss grep_cpu < <(measure sh -c "find '$archive' -name '*.zst' -print0 | xargs -0 zstdcat | grep -c Reconnecting")
read -r one_s one_rss one_cpu < <(measure "$loopscope" --format json -o "$work/one.json" --jobs 1 "$archive")
read -r two_s two_rss two_cpu < <(measure "$loopscope" --format json -o "$work/two.json" --jobs 2 "$archive")

same=$(python3 - "$work/one.json" "$work/two.json" <<'PY'
import json, sys
a, b = (json.load(open(p)) for p in sys.argv[1:3])
print("identical" if a["findings"] == b["findings"] and a["aggregate"] == b["aggregate"] else "DIFFERENT")
# Totals from the summary: the lists stop at --max-sessions/--max-findings.
print(f"{a['summary']['sessions']} sessions, {a['summary']['findings']} findings "
      f"({len(a['sessions'])} and {len(a['findings'])} listed)", file=sys.stderr)
PY
)

printf '%-22s %8s %9s %8s %13s %12s\n' "run" "seconds" "MB/s" "CPU s" "MB per CPU s" "peak RSS MiB"
row() { printf '%-22s %8s %9s %8s %13s %12s\n' "$1" "$2" "$(rate "$2")" "$3" "$(rate "$3")" "$(($4 / 1024))"; }
row "zstdcat | grep -c" "$grep_s" "$grep_cpu" "$grep_rss"
row "loopscope --jobs 1" "$one_s" "$one_cpu" "$one_rss"
row "loopscope --jobs 2" "$two_s" "$two_cpu" "$two_rss"
echo "load average at the end: $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) cores"
python3 - "$one_s" "$two_s" "$two_rss" "$one_cpu" "$two_cpu" <<PY
import sys
one, two, rss = float(sys.argv[1]), float(sys.argv[2]), int(sys.argv[3])
one_cpu, two_cpu = float(sys.argv[4]), float(sys.argv[5])
print(f"speed-up jobs 2 / jobs 1 (wall clock): {one / max(two, 0.001):.2f}x (target >= 1.8x)")
print(f"CPU time jobs 2 / jobs 1: {two_cpu / max(one_cpu, 0.001):.2f} (1.00: no cost for the "
      f"second worker; the best wall-clock speed-up on 2 idle cores is then ~2x)")
print(f"peak RSS per worker at --jobs 2: {rss / 1024 / 2:.1f} MiB (target <= 64 MiB)")
PY
echo "findings --jobs 1 vs --jobs 2: $same"
echo "($files files, $plain_mb MB uncompressed; $(nproc) cores, shared)"
