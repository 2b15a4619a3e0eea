#!/usr/bin/env bash
# Builds the libFuzzer targets (clang, ASan + UBSan) in build-fuzz and runs each for a given time,
# one at a time and at low priority, seeded from samples/ and tests/data/corpus/.
#
#   bash scripts/fuzz.sh [SECONDS_PER_TARGET] [TARGET…]     default 600 s, every target
#   FUZZ_BUILD=dir FUZZ_WORK=dir bash scripts/fuzz.sh 60 fuzz_sniff
#   FUZZ_JOBS=2 runs two targets at a time; FUZZ_SKIP_BUILD=1 uses the binaries already built.
#
# Crashes land in $FUZZ_WORK/<target>/ as crash-*/leak-*/timeout-*; a summary line per target
# gives executions and time. Turn a crash into a regression test by copying it to
# tests/hostile/regressions/<target>-<name> (replayed by the hostile ctest).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
seconds=${1:-600}
shift || true
build=${FUZZ_BUILD:-$root/build-fuzz}
work=${FUZZ_WORK:-/tmp/loopscope-fuzz}

if [[ ${FUZZ_SKIP_BUILD:-0} != 1 ]]; then
cmake -S "$root" -B "$build" -DCMAKE_CXX_COMPILER=clang++ -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DLOOPSCOPE_BUILD_TESTS=OFF -DLOOPSCOPE_FUZZ=ON -U CMAKE_PROJECT_INCLUDE >/dev/null
nice -n 19 cmake --build "$build" -j2 >/dev/null
fi
jobs=${FUZZ_JOBS:-1}

targets=("$@")
if [[ ${#targets[@]} -eq 0 ]]; then
  mapfile -t targets < <(cd "$build/fuzz" && ls fuzz_* | sort)
fi

# Seeds: whole files for the reader and the pipeline; single lines are in them too.
seeds=$work/seeds
mkdir -p "$seeds"
find "$root/samples" "$root/tests/data/corpus" -type f \
  \( -name '*.jsonl' -o -name '*.log' -o -name '*.txt' -o -name '*.json' \) -size -200k \
  -exec cp -t "$seeds" --backup=numbered {} + 2>/dev/null || true
# Compressed seeds, so the reader's gzip and zstd paths start covered.
for f in "$root"/samples/codex-0.121.0/healthy/*.jsonl; do
  gzip -c "$f" >"$seeds/$(basename "$f").gz"
  zstd -q -c "$f" >"$seeds/$(basename "$f").zst"
done

run_target() {
  local target=$1 corpus=$work/$1/corpus log=$work/$1/fuzz.log max_len=32768
  # A database is made of 4 KiB pages: its seed (a recorded trace) needs more room.
  [[ $target == fuzz_sqlite_logs ]] && max_len=262144
  mkdir -p "$corpus"
  # -rss_limit_mb: the pipeline must stay small. -max_len 32 KiB: long enough for many lines of
  # every format, short enough that each execution stays fast.
  (cd "$work/$target" && nice -n 19 "$build/fuzz/$target" "$corpus" "$seeds" \
      -max_total_time="$seconds" -max_len="$max_len" -rss_limit_mb=2048 -timeout=30 \
      -print_final_stats=1 >"$log" 2>&1)
  local rc=$?
  local runs took crashes
  runs=$(awk '/stat::number_of_executed_units/ {print $NF}' "$log")
  took=$(grep -Eo 'Done [0-9]+ runs in [0-9]+ second\(s\)' "$log" | tail -1)
  crashes=$(find "$work/$target" -maxdepth 1 \( -name 'crash-*' -o -name 'leak-*' \
    -o -name 'timeout-*' -o -name 'oom-*' \) | wc -l)
  echo "$target: ${runs:-?} executions, ${seconds}s budget, exit $rc, ${crashes} crash files (${took:-see $log})"
  return $rc
}

# A logs_2.sqlite of a real trace (Codex's schema, built as the sqlite e2e test builds it), so the
# database reader starts from a valid file and the fuzzer corrupts its pages.
rm -f "$seeds/logs_2.sqlite"  # a second run into the same work folder builds it afresh
python3 -c 'import sys; sys.path.insert(0, sys.argv[1]); import run_sqlite; run_sqlite.build(sys.argv[2], sys.argv[3])' \
  "$root/tests/e2e" "$root/samples/codex-0.121.0/http-429/trace.log" "$seeds/logs_2.sqlite" >/dev/null

status=0
pids=()
for target in "${targets[@]}"; do
  run_target "$target" &
  pids+=($!)
  if (( ${#pids[@]} >= jobs )); then
    wait "${pids[0]}" || status=1
    pids=("${pids[@]:1}")
  fi
done
for pid in "${pids[@]}"; do wait "$pid" || status=1; done
exit $status
