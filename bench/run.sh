#!/usr/bin/env bash
# Throughput and memory of the whole analyze against grep, jq and zstdcat on the same files, in
# the same run. Generated data goes under $BENCH_DIR (default /tmp/loopscope-bench); nothing here
# is committed.
#
#   bash bench/run.sh [BINARY]        BINARY defaults to build-perf/loopscope
#   BENCH_MB=300 BENCH_PROXY_MB=300 BENCH_RUNS=5 bash bench/run.sh
#
# Targets (issue 4): rollout >= 1 GB/s (<= 2.5x grep -c), text logs >= 500 MB/s, zstd input >=
# 80% of zstdcat, peak RSS <= 64 MiB.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
bin=${1:-$root/build-perf/loopscope}
dir=${BENCH_DIR:-/tmp/loopscope-bench}
mb=${BENCH_MB:-300}
proxy_mb=${BENCH_PROXY_MB:-$mb}
runs=${BENCH_RUNS:-5}
mkdir -p "$dir"
[[ -x $bin ]] || { echo "no binary at $bin (build: cmake --build build-perf)" >&2; exit 2; }
for tool in hyperfine jq zstd /usr/bin/time; do
  command -v "$tool" >/dev/null || { echo "missing: $tool" >&2; exit 2; }
done

rollout=$dir/rollout-${mb}mb.jsonl
proxy=$dir/proxy-${proxy_mb}mb.log
# Regenerated only when missing: the generator is deterministic (seeded).
[[ -s $rollout ]] || python3 bench/generate.py rollout "$rollout" --mb "$mb"
[[ -s $proxy ]] || python3 bench/generate.py proxy "$proxy" --mb "$proxy_mb"
[[ -s $rollout.zst ]] || zstd -q -3 -f "$rollout" -o "$rollout.zst"

# Warm the page cache so the first timed run does not pay for the disk.
cat "$rollout" "$proxy" "$rollout.zst" >/dev/null

# exit status 1 (findings) is a normal outcome here: -i ignores it.
hf() { hyperfine -N -i --warmup 1 --runs "$runs" --style basic --export-json "$@"; }

echo "== rollout JSONL ($(stat -c %s "$rollout") B)"
hf "$dir/rollout.json" \
  -n loopscope "$bin --format json $rollout" \
  -n grep --output=pipe "grep -c function_call $rollout" \
  -n jq "bash -c 'jq -c .type $rollout > /dev/null'"
echo "== proxy text log ($(stat -c %s "$proxy") B)"
hf "$dir/proxy.json" \
  -n loopscope "$bin --format json $proxy" \
  -n grep --output=pipe "grep -c Router $proxy"
echo "== rollout, zstd ($(stat -c %s "$rollout.zst") B compressed)"
hf "$dir/zstd.json" \
  -n loopscope "$bin --format json $rollout.zst" \
  -n zstdcat --output=pipe "zstdcat $rollout.zst"

rss() {  # peak RSS in KiB of one run
  /usr/bin/time -v "$@" 2>&1 >/dev/null | awk -F': ' '/Maximum resident set size/ {print $2}'
}

python3 - "$dir" "$rollout" "$proxy" \
  "$(rss "$bin" --format json "$rollout")" "$(rss "$bin" --format json "$proxy")" \
  "$(rss "$bin" --format json "$rollout.zst")" <<'EOF'
import json, os, sys
d, rollout, proxy, rss_r, rss_p, rss_z = sys.argv[1:]
def medians(name):
    with open(os.path.join(d, name)) as f:
        return {r["command"]: r["median"] for r in json.load(f)["results"]}
size_r, size_p = os.path.getsize(rollout), os.path.getsize(proxy)
r, p, z = medians("rollout.json"), medians("proxy.json"), medians("zstd.json")
mbs = lambda size, s: size / 1e6 / s
print()
print("%-34s %9s %9s   %s" % ("", "median s", "MB/s", "target"))
rows = [
  ("rollout: loopscope", r["loopscope"], size_r, ">= 1000 MB/s"),
  ("rollout: grep -c", r["grep"], size_r, ""),
  ("rollout: jq -c .type", r["jq"], size_r, ""),
  ("proxy log: loopscope", p["loopscope"], size_p, ">= 500 MB/s"),
  ("proxy log: grep -c", p["grep"], size_p, ""),
  ("rollout.zst: loopscope", z["loopscope"], size_r, ""),
  ("rollout.zst: zstdcat", z["zstdcat"], size_r, ""),
]
for name, s, size, target in rows:
    print("%-34s %9.3f %9.0f   %s" % (name, s, mbs(size, s), target))
print()
print("rollout: loopscope / grep -c time   %.2fx  (target <= 2.5x)" % (r["loopscope"] / r["grep"]))
print("rollout: jq / loopscope time        %.2fx" % (r["jq"] / r["loopscope"]))
print("proxy:   loopscope / grep -c time   %.2fx" % (p["loopscope"] / p["grep"]))
print("zstd:    loopscope speed / zstdcat  %.0f%%  (target >= 80%%)" % (100 * z["zstdcat"] / z["loopscope"]))
print()
for name, kib in (("rollout", rss_r), ("proxy log", rss_p), ("rollout.zst", rss_z)):
    print("peak RSS %-12s %7.1f MiB  (target <= 64 MiB)" % (name, int(kib) / 1024))
EOF
