#!/usr/bin/env bash
# Throughput and peak memory of the whole `analyze` against grep, jq, zstdcat and cat on the same
# inputs, in the same run (issue 19's table). Generated data goes under $BENCH_DIR (default
# /tmp/loopscope-bench), regenerated only when missing (the generator is seeded); nothing here is
# committed. Needs python3 and grep; jq and zstd add their rows when installed
# (`apt-get install jq zstd`); timing is plain Python (bench/measure.py), no hyperfine.
#
#   bash bench/run.sh [BINARY]        BINARY defaults to build/loopscope
#   BENCH_MB=300 BENCH_PROXY_MB=100 BENCH_FILES=10000 BENCH_STREAM_GB=1 BENCH_RUNS=3 bash bench/run.sh
#
# Targets (issue 19): rollout <= 2.5x grep -c, proxy log <= 5x, .zst >= 80% of zstdcat's speed,
# 10,000 files <= 3x `cat dir/* | grep -c` and <= 64 MiB, one 1 GB turn <= 64 MiB with the same
# findings as its first 10 MB.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
bin=${1:-$root/build/loopscope}
dir=${BENCH_DIR:-/tmp/loopscope-bench}
mb=${BENCH_MB:-300}
proxy_mb=${BENCH_PROXY_MB:-100}
files=${BENCH_FILES:-10000}
stream_gb=${BENCH_STREAM_GB:-1}
runs=${BENCH_RUNS:-3}
[[ -x $bin ]] || { echo "run.sh: no binary at $bin (build it: cmake --build build)" >&2; exit 2; }
command -v python3 >/dev/null || { echo "run.sh: python3 is needed" >&2; exit 2; }
mkdir -p "$dir"

rollout=$dir/rollout-${mb}mb.jsonl
proxy=$dir/proxy-${proxy_mb}mb.log
one_turn=$dir/one-turn-${mb}mb.jsonl
many=$dir/many-${files}
[[ -s $rollout ]] || python3 bench/generate.py rollout "$rollout" --mb "$mb"
[[ -s $proxy ]] || python3 bench/generate.py proxy "$proxy" --mb "$proxy_mb"
[[ -s $one_turn ]] || python3 bench/generate.py rollout "$one_turn" --mb "$mb" --one-turn
# Every session starting at the same time: the hardest case for a merge in time order.
[[ -d $many ]] || python3 bench/generate.py many "$many" --files "$files" --overlap
if command -v zstd >/dev/null; then
  [[ -s $rollout.zst ]] || zstd -q -3 -f "$rollout" -o "$rollout.zst"
fi

python3 bench/measure.py "$bin" "$dir" "$rollout" "$proxy" "$one_turn" "$many" "$runs" "$stream_gb"
