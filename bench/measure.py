#!/usr/bin/env python3
"""Times loopscope against grep, jq, zstdcat and cat on the same inputs, in the same run, and
prints the ratios of issue 19's targets as a Markdown table (also written as JSON).

Plain Python: each command is run RUNS times (after one warm-up) with its output sent to a file
(GNU grep with stdout on /dev/null stops at the first match), its wall time measured, and its peak
RSS taken from GNU time when installed (else from os.wait4's rusage), so nothing beyond python3 is
needed. A baseline tool that is
missing (jq, zstd) leaves its row out and says so; nothing is installed by this script.

  measure.py BINARY DIR ROLLOUT PROXY ONE_TURN MANY_DIR RUNS STREAM_GB
"""
import json
import os
import shutil
import statistics
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


# GNU time reports the measured program's own peak RSS. Without it, os.wait4's figure is used:
# Linux counts there the memory of the forked Python before exec, so it cannot go below Python's
# own size (about 15 MiB); a note says so.
GNU_TIME = "/usr/bin/time" if os.access("/usr/bin/time", os.X_OK) else None


def run_once(argv, stdout_path, stdin=None):
    rss_file = stdout_path + ".rss"
    measured = ([GNU_TIME, "-f", "%M", "-o", rss_file] + argv) if GNU_TIME else argv
    with open(stdout_path, "wb") as out:
        start = time.perf_counter()
        proc = subprocess.Popen(measured, stdout=out, stdin=stdin, stderr=subprocess.DEVNULL)
        _, status, usage = os.wait4(proc.pid, 0)
        seconds = time.perf_counter() - start
    code = os.waitstatus_to_exitcode(status)
    # loopscope exits 1 when it has findings: a normal outcome here. Anything else is a failure.
    if code not in (0, 1):
        sys.exit("failed (%d): %s" % (code, " ".join(argv)))
    rss = usage.ru_maxrss  # KiB on Linux
    if GNU_TIME:
        with open(rss_file) as f:
            rss = int(f.read().split()[-1])
    return seconds, rss


def timed(argv, out, runs):
    run_once(argv, out)  # warm-up: page cache, first-run costs
    samples = [run_once(argv, out) for _ in range(runs)]
    times = [s for s, _ in samples]
    return {"min": min(times), "median": statistics.median(times),
            "rss_kib": max(r for _, r in samples), "runs": runs}


def main():
    binary, d, rollout, proxy, one_turn, many, runs, stream_gb = sys.argv[1:]
    runs = int(runs)
    out = os.path.join(d, "out")
    os.makedirs(out, exist_ok=True)
    report = lambda name: [binary, "--format", "json", "-o", os.path.join(out, name + ".json")]
    rows, notes = [], []
    if not GNU_TIME:
        notes.append("/usr/bin/time not installed: peak RSS below ~15 MiB reads as Python's size")

    def row(label, path_bytes, tool, base_name, base, ratio_kind, target):
        rows.append({"input": label, "bytes": path_bytes, "loopscope": tool, "baseline_name":
                     base_name, "baseline": base, "kind": ratio_kind, "target": target})

    size = os.path.getsize
    grep_out = os.path.join(out, "grep.out")
    ls = timed(report("rollout") + [rollout], os.path.join(out, "stdout"), runs)
    gr = timed(["grep", "-c", "function_call", rollout], grep_out, runs)
    row("rollout JSONL", size(rollout), ls, "grep -c", gr, "time", 2.5)
    if shutil.which("jq"):
        jq = timed(["jq", "-c", ".type", rollout], os.path.join(out, "jq.out"), runs)
        row("rollout JSONL", size(rollout), ls, "jq -c .type", jq, "time", None)
    else:
        notes.append("jq not installed: its row is left out")

    lp = timed(report("proxy") + [proxy], os.path.join(out, "stdout"), runs)
    gp = timed(["grep", "-c", "Router", proxy], grep_out, runs)
    row("proxy text log", size(proxy), lp, "grep -c", gp, "time", 5)

    if os.path.exists(rollout + ".zst") and shutil.which("zstdcat"):
        lz = timed(report("zstd") + [rollout + ".zst"], os.path.join(out, "stdout"), runs)
        zc = timed(["zstdcat", rollout + ".zst"], os.path.join(out, "zstdcat.out"), runs)
        row("rollout .zst", size(rollout), lz, "zstdcat", zc, "speed", 0.8)
    else:
        notes.append("zstd not installed: the .zst row is left out")

    files = sorted(os.listdir(many))
    total = sum(size(os.path.join(many, f)) for f in files)
    lm = timed(report("many") + [many], os.path.join(out, "stdout"), runs)
    cat = ["bash", "-c", 'cat "$0"/* | grep -c function_call', many]
    cm = timed(cat, grep_out, runs)
    row("%d rollout files in one directory" % len(files), total, lm, "cat dir/* \\| grep -c", cm,
        "time", 3)

    lo = timed(report("one-turn") + [one_turn], os.path.join(out, "stdout"), runs)
    go = timed(["grep", "-c", "function_call", one_turn], grep_out, runs)
    row("one turn that never ends", size(one_turn), lo, "grep -c", go, "time", 2.5)

    # A turn of STREAM_GB streamed (never stored): peak RSS, and its findings against those of its
    # first 10 MB (the same rules, kinds and root causes).
    stream = None
    if float(stream_gb) > 0:
        findings = {}
        for gb, name in ((0.01, "stream-10mb"), (float(stream_gb), "stream")):
            gen = subprocess.Popen([sys.executable, os.path.join(ROOT, "bench", "generate.py"),
                                    "stream", "rollout", "--gb", str(gb), "--one-turn"],
                                   stdout=subprocess.PIPE)
            seconds, rss = run_once(report(name) + ["-"], os.path.join(out, "stdout"), gen.stdout)
            gen.wait()
            doc = json.load(open(os.path.join(out, name + ".json")))
            findings[name] = sorted({(f["rule"], f["kind"], (f.get("root_cause") or {}).get(
                "error_class") or "") for f in doc["findings"]})
            stream = {"gb": float(stream_gb), "rss_kib": rss, "seconds": seconds,
                      "findings": len(doc["findings"]), "summary": doc["summary"]}
        stream["same_findings_as_first_10mb"] = findings["stream"] == findings["stream-10mb"]

    with open(os.path.join(d, "results.json"), "w") as f:
        json.dump({"rows": rows, "stream": stream, "notes": notes}, f, indent=1)

    print("| input | size | loopscope | MB/s | peak RSS | baseline | baseline s | ratio | target |")
    print("|---|---:|---:|---:|---:|---|---:|---:|---|")
    for r in rows:
        t, b = r["loopscope"]["median"], r["baseline"]["median"]
        mbs = r["bytes"] / 1e6 / t
        if r["kind"] == "time":
            ratio = "%.1f×" % (t / b)
            target = "≤ %g×" % r["target"] if r["target"] else ""
            met = r["target"] is None or t / b <= r["target"]
        else:
            ratio = "%.0f %%" % (100 * b / t)
            target = "≥ %.0f %%" % (100 * r["target"])
            met = b / t >= r["target"]
        rss = r["loopscope"]["rss_kib"] / 1024
        print("| %s | %.0f MB | %.2f s | %.0f | %.1f MiB | `%s` | %.3f s | %s | %s%s |" % (
            r["input"], r["bytes"] / 1e6, t, mbs, rss, r["baseline_name"], b, ratio, target,
            "" if not target else (" met" if met else " **not met**")))
    if stream:
        print()
        print("one turn streamed, %.2f GB: peak RSS %.1f MiB (bound 64 MiB: %s), %.0f s, %d findings;"
              " same rules and causes as its first 10 MB: %s" % (
                  stream["gb"], stream["rss_kib"] / 1024,
                  "met" if stream["rss_kib"] <= 65536 else "NOT met", stream["seconds"],
                  stream["findings"], "yes" if stream["same_findings_as_first_10mb"] else "NO"))
    for n in notes:
        print("note:", n)
    print("(median of %d runs after a warm-up; loopscope's times include writing its JSON report)"
          % runs)


if __name__ == "__main__":
    main()
