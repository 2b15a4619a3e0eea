"""Batch analysis checks over a compressed copy of samples/ (README "Nightly jobs", "Sharding").

  python3 run_batch.py LOOPSCOPE SAMPLES_DIR CHECK

CHECK is one of:
  jobs_identical       --jobs 1 and --jobs 2 write byte-identical JSON reports
  merge_halves         merge(half A, half B) has the findings and aggregate of the whole, and
                       merge(B, A) is byte-identical to merge(A, B) and to merge(whole)
  state_skips          a second run with --state reads no unchanged file and reports the same;
                       after one file grows, only its group is read again
  parallel_recipe      README's GNU parallel recipe, run locally, equals the whole
  merge_refuses_schema merge refuses a report of another schema: exit 2, one line naming the file
  window               --since/--until keep the sessions inside the window, and say how many not
Exit 0 when the check holds, 77 when a tool it needs is missing, else 1 with the differences.
"""
import gzip
import json
import os
import shutil
import subprocess
import sys
import tempfile


def compressed_copy(samples, root):
    """Each scenario folder copied with its logs compressed, zstd and gzip alternating."""
    if not shutil.which("zstd"):
        sys.exit(77)
    scenarios = sorted(d for d in os.listdir(samples)
                       if os.path.isfile(os.path.join(samples, d, "expected.json")))
    n = 0
    for scenario in scenarios:
        os.makedirs(os.path.join(root, scenario))
        for name in sorted(os.listdir(os.path.join(samples, scenario))):
            if not (name.endswith(".jsonl") or name.endswith(".log")):
                continue
            source = os.path.join(samples, scenario, name)
            target = os.path.join(root, scenario, name)
            if n % 2 == 0:
                subprocess.run(["zstd", "-q", "-o", target + ".zst", source], check=True)
            else:
                with open(source, "rb") as fin, gzip.open(target + ".gz", "wb") as fout:
                    shutil.copyfileobj(fin, fout)
            n += 1
    return scenarios


def run(loopscope, args, cwd, expect=(0, 1)):
    done = subprocess.run([loopscope] + args, cwd=cwd, capture_output=True, timeout=240)
    if done.returncode not in expect:
        print(f"loopscope {' '.join(args)}: exit {done.returncode}: "
              f"{done.stderr.decode('utf-8', 'replace').strip()}")
        sys.exit(1)
    return done


def report(loopscope, args, cwd):
    out = os.path.join(cwd, "report.tmp.json")
    run(loopscope, ["--format", "json", "-o", out] + args, cwd)
    with open(out, "rb") as fh:
        text = fh.read()
    os.remove(out)
    return text


def merged(loopscope, files, cwd):
    return run(loopscope, ["merge"] + files, cwd).stdout


def without_tool(doc):
    doc = dict(doc)
    doc.pop("tool", None)
    return doc


def by_id(findings):
    return sorted(findings, key=lambda f: (f["session"], f["turn"] or 0, f["kind"], f["id"]))


def compare(what, got, want, problems):
    if got != want:
        problems.append(f"{what} differ:\n  got  {json.dumps(got)[:600]}\n  want {json.dumps(want)[:600]}")


def main():
    loopscope, samples, check = os.path.abspath(sys.argv[1]), sys.argv[2], sys.argv[3]
    problems = []
    with tempfile.TemporaryDirectory(prefix="loopscope-batch-") as tmp:
        root = os.path.join(tmp, "archive")
        scenarios = compressed_copy(samples, root)
        whole_text = report(loopscope, ["archive"], tmp)
        whole = json.loads(whole_text)
        if not whole["findings"] or len(whole["sessions"]) < len(scenarios):
            problems.append(f"whole: {len(whole['findings'])} findings, {len(whole['sessions'])} "
                            f"sessions for {len(scenarios)} scenarios")
        half_a = [os.path.join("archive", s) for s in scenarios[: len(scenarios) // 2]]
        half_b = [os.path.join("archive", s) for s in scenarios[len(scenarios) // 2:]]

        if check == "jobs_identical":
            one = report(loopscope, ["--jobs", "1", "archive"], tmp)
            two = report(loopscope, ["--jobs", "2", "archive"], tmp)
            if one != two:
                problems.append("--jobs 1 and --jobs 2 reports differ")
            if json.loads(one)["findings"] != whole["findings"]:
                problems.append("--jobs 1 findings differ from the default run's")

        elif check == "merge_halves":
            for name, args in (("a.json", half_a), ("b.json", half_b), ("whole.json", ["archive"])):
                with open(os.path.join(tmp, name), "wb") as fh:
                    fh.write(report(loopscope, args, tmp))
            ab = merged(loopscope, ["a.json", "b.json"], tmp)
            ba = merged(loopscope, ["b.json", "a.json"], tmp)
            canonical_whole = merged(loopscope, ["whole.json"], tmp)
            if ab != ba:
                problems.append("merge a b and merge b a differ")
            compare("merge(a, b) and merge(whole)", without_tool(json.loads(ab)),
                    without_tool(json.loads(canonical_whole)), problems)
            doc = json.loads(ab)
            compare("aggregates of merge(a, b) and of the whole", doc["aggregate"],
                    whole["aggregate"], problems)
            compare("findings of merge(a, b) and of the whole", by_id(doc["findings"]),
                    by_id(whole["findings"]), problems)
            # Associative: merging a merged report with nothing new changes nothing.
            with open(os.path.join(tmp, "ab.json"), "wb") as fh:
                fh.write(ab)
            if merged(loopscope, ["ab.json", "a.json"], tmp) != ab:
                problems.append("merge(merge(a, b), a) differs from merge(a, b)")

        elif check == "state_skips":
            inputs = len(whole["inputs"])
            first = json.loads(report(loopscope, ["--state", "state.json", "archive"], tmp))
            second = json.loads(report(loopscope, ["--state", "state.json", "archive"], tmp))
            if first["summary"]["inputs_skipped_unchanged"] != 0:
                problems.append(f"first run skipped {first['summary']['inputs_skipped_unchanged']}")
            if second["summary"]["inputs_skipped_unchanged"] != inputs:
                problems.append(f"second run skipped {second['summary']['inputs_skipped_unchanged']} "
                                f"of {inputs} unchanged inputs")
            second["summary"]["inputs_skipped_unchanged"] = 0
            compare("second --state run and a plain run", without_tool(second),
                    without_tool(whole), problems)
            # A file grows: its group alone is read again.
            grown_dir = os.path.join(root, scenarios[0])
            grown = os.path.join(grown_dir, sorted(os.listdir(grown_dir))[0])
            # A blank line, as one more gzip member or zstd frame: the file grows, nothing else.
            blank = (gzip.compress(b"\n") if grown.endswith(".gz") else
                     subprocess.run(["zstd", "-q", "-c"], input=b"\n", capture_output=True,
                                    check=True).stdout)
            with open(grown, "ab") as fh:
                fh.write(blank)
            third = json.loads(report(loopscope, ["--state", "state.json", "archive"], tmp))
            group_size = len(os.listdir(grown_dir))
            if third["summary"]["inputs_skipped_unchanged"] != inputs - group_size:
                problems.append(f"after one file grew: {third['summary']['inputs_skipped_unchanged']} "
                                f"skipped, expected {inputs - group_size}")
            compare("aggregate after a blank line was appended", third["aggregate"],
                    whole["aggregate"], problems)

        elif check == "parallel_recipe":
            if not shutil.which("parallel"):
                sys.exit(77)
            os.makedirs(os.path.join(tmp, "out"))
            # README "Sharding", without --sshlogin: every shard on this host.
            subprocess.run(["parallel", "--will-cite", "-j2", loopscope, "--format", "json", "-o",
                            "out/{#}.json", "{}", ":::"] + [os.path.join("archive", s) for s in scenarios],
                           cwd=tmp, check=False, capture_output=True, timeout=240)
            shards = sorted(os.path.join("out", f) for f in os.listdir(os.path.join(tmp, "out")))
            if len(shards) != len(scenarios):
                problems.append(f"{len(shards)} shard reports for {len(scenarios)} shards")
            doc = json.loads(merged(loopscope, shards, tmp))
            compare("aggregates of the merged shards and of the whole", doc["aggregate"],
                    whole["aggregate"], problems)
            compare("findings of the merged shards and of the whole", by_id(doc["findings"]),
                    by_id(whole["findings"]), problems)

        elif check == "detail_limits":
            # Past --max-sessions/--max-findings a report lists less and counts the same.
            limits = ["--max-sessions", "4", "--max-findings", "6"]
            for jobs in ("1", "2"):
                doc = json.loads(report(loopscope, limits + ["--jobs", jobs, "archive"], tmp))
                omitted = doc.get("omitted")
                if not omitted:
                    problems.append(f"--jobs {jobs}: nothing omitted")
                    continue
                if len(doc["sessions"]) > 4 or len(doc["findings"]) > 6:
                    problems.append(f"--jobs {jobs}: {len(doc['sessions'])} sessions, "
                                    f"{len(doc['findings'])} findings listed")
                if len(doc["sessions"]) + omitted["sessions"] != len(whole["sessions"]):
                    problems.append(f"--jobs {jobs}: listed + omitted sessions != all sessions")
                listed = {s["id"] for s in doc["sessions"]}
                if any(f["session"] not in listed for f in doc["findings"]):
                    problems.append(f"--jobs {jobs}: a finding of an unlisted session")
                compare(f"--jobs {jobs} limited summary and the whole's", doc["summary"],
                        whole["summary"], problems)
                compare(f"--jobs {jobs} limited aggregate and the whole's", doc["aggregate"],
                        whole["aggregate"], problems)
            # Nothing listed, everything counted: the exit status still sees every finding.
            done = run(loopscope, ["--max-sessions", "0", "--max-findings", "0", "--fail-on",
                                   "info", "archive"], tmp, expect=(0, 1))
            if done.returncode != 1:
                problems.append(f"--max-findings 0 --fail-on info: exit {done.returncode}, not 1")
            # Limited halves merged, and a limited --state run reused: the same figures.
            for name, args in (("a.json", half_a), ("b.json", half_b)):
                with open(os.path.join(tmp, name), "wb") as fh:
                    fh.write(report(loopscope, limits + args, tmp))
            doc = json.loads(merged(loopscope, ["a.json", "b.json"], tmp))
            compare("aggregate of limited halves merged", doc["aggregate"], whole["aggregate"],
                    problems)
            report(loopscope, limits + ["--state", "state.json", "archive"], tmp)
            again = json.loads(report(loopscope, limits + ["--state", "state.json", "archive"], tmp))
            compare("aggregate of a limited --state rerun", again["aggregate"], whole["aggregate"],
                    problems)

        elif check == "merge_refuses_schema":
            with open(os.path.join(tmp, "good.json"), "wb") as fh:
                fh.write(whole_text)
            with open(os.path.join(tmp, "other.json"), "w", encoding="utf-8") as fh:
                json.dump(dict(whole, schema="loopscope/report/v2"), fh)
            done = run(loopscope, ["merge", "good.json", "other.json"], tmp, expect=(2,))
            lines = [l for l in done.stderr.decode("utf-8", "replace").splitlines() if l.strip()]
            if len(lines) != 1 or "other.json" not in lines[0]:
                problems.append(f"refusal should be one line naming other.json: {lines}")

        elif check == "window":
            starts = sorted(s["start"] for s in whole["sessions"] if s["start"])
            if len(starts) < 2:
                problems.append("samples have fewer than two timed sessions")
            else:
                since = starts[-1]
                doc = json.loads(report(loopscope, ["--since", since, "archive"], tmp))
                kept = [s["id"] for s in doc["sessions"]]
                want = [s["id"] for s in whole["sessions"]
                        if (s["end"] or s["start"]) and (s["end"] or s["start"]) >= since]
                compare("sessions kept by --since", kept, want, problems)
                if doc["aggregate"]["window"]["sessions_outside"] != len(whole["sessions"]) - len(kept):
                    problems.append(f"window: {doc['aggregate']['window']}")
                if any(f["session"] not in kept for f in doc["findings"]):
                    problems.append("a finding of a session outside the window was kept")
                day = starts[0][:10]
                doc = json.loads(report(loopscope, ["--until", "2000-01-01", "archive"], tmp))
                if doc["sessions"] or doc["findings"]:
                    problems.append("--until 2000-01-01 kept sessions")
                run(loopscope, ["--since", "last-tuesday", "archive"], tmp, expect=(2,))
                run(loopscope, ["--since", "5x", "archive"], tmp, expect=(2,))
                # Ages count back from now; the archive's sessions are all in the past, so an
                # age of 0 s keeps none and one of a million days keeps them all.
                doc = json.loads(report(loopscope, ["--since", "1000000d", "archive"], tmp))
                timed = [s for s in doc["sessions"] if s["start"] or s["end"]]
                if len(timed) != len(starts):
                    problems.append(f"--since 1000000d kept {len(timed)} of {len(starts)} timed sessions")
                for args in (["--since", "0s"], ["--until", "1000000d"]):
                    doc = json.loads(report(loopscope, args + ["archive"], tmp))
                    if any(s["start"] or s["end"] for s in doc["sessions"]):
                        problems.append(f"{' '.join(args)} kept timed sessions of the past")
                doc = json.loads(report(loopscope, ["--since", day, "--until", day, "archive"], tmp))
                if not doc["sessions"]:
                    problems.append(f"--since {day} --until {day} kept no session")
        else:
            problems.append(f"unknown check {check}")
    for p in problems:
        print(p)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
