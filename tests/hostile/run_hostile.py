#!/usr/bin/env python3
"""Hostile inputs against the real binary: each case builds its input at test time (nothing big
is committed), runs `loopscope --format json` with a timeout and checks that it

* ends by itself with exit status 0 or 2 (never a signal, never a hang),
* writes a JSON report whose every inputs[] entry has all accounting fields and keeps
  lines == used + skipped + malformed + truncated,
* says what went wrong where something did (a diagnostic in the input's problems).

  run_hostile.py BINARY CASE [SOURCE_DIR]       (CASE "regressions" replays tests/hostile/regressions)
"""
import datetime
import gzip
import json
import os
import random
import re
import resource
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time

BINARY = None
SOURCE = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
FIELDS = ("path", "format", "lines", "events", "used", "skipped", "malformed", "truncated",
          "unknown_types", "bytes", "compression", "mixed_formats", "status", "problems")


class failure(Exception):
    pass


def check(condition, message):
    if not condition:
        raise failure(message)


def sample(name):
    with open(os.path.join(SOURCE, "samples", "codex-0.121.0", name), "rb") as f:
        return f.read()


def run(args, timeout=120, expect=(0, 2), user=None, stdin_data=None):
    """Runs the binary, returns (status, report)."""
    command = [BINARY, "--format", "json", "--color", "never"] + args
    if user is not None:
        command = ["setpriv", "--reuid=%d" % user, "--regid=%d" % user, "--clear-groups"] + command
    started = time.monotonic()
    try:
        done = subprocess.run(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              timeout=timeout, input=stdin_data)
    except subprocess.TimeoutExpired:
        raise failure("no answer within %d s (hang?)" % timeout)
    took = time.monotonic() - started
    stderr = done.stderr.decode("utf-8", "replace")
    if done.returncode < 0:
        raise failure("killed by signal %s\n%s" % (signal.Signals(-done.returncode).name,
                                                    stderr[-3000:]))
    check(done.returncode in expect,
          "exit status %d, expected one of %s\n%s" % (done.returncode, expect, stderr[-3000:]))
    try:
        report = json.loads(done.stdout)
    except ValueError as e:
        raise failure("the report is not JSON (%s): %r" % (e, done.stdout[:300]))
    for entry in report.get("inputs", []):
        missing = [f for f in FIELDS if f not in entry]
        check(not missing, "inputs[] entry %s lacks %s" % (entry.get("path"), missing))
        total = entry["used"] + entry["skipped"] + entry["malformed"] + entry["truncated"]
        check(entry["lines"] == total,
              "accounting broken for %s: lines %d != used %d + skipped %d + malformed %d + "
              "truncated %d" % (entry["path"], entry["lines"], entry["used"], entry["skipped"],
                                entry["malformed"], entry["truncated"]))
    print("exit %d in %.1f s; inputs: %s" % (done.returncode, took, json.dumps(
        [{k: e[k] for k in ("path", "lines", "used", "skipped", "malformed", "truncated",
                            "status")} for e in report.get("inputs", [])[:5]])))
    return done.returncode, report


def only_input(report):
    check(len(report["inputs"]) == 1, "expected one input, got %d" % len(report["inputs"]))
    return report["inputs"][0]


def problems_text(entry):
    return " | ".join(p["message"] for p in entry["problems"])


# --- cases -----------------------------------------------------------------------------------

def case_random_bytes(tmp):
    path = os.path.join(tmp, "random.bin")
    with open(path, "wb") as f:
        f.write(random.Random(4).randbytes(5 * 1024 * 1024))
    status, report = run([path])
    entry = only_input(report)
    check(entry["bytes"] == 5 * 1024 * 1024 or entry["status"] != "complete",
          "bytes %d of 5 MiB" % entry["bytes"])


def case_gzip_cut(tmp):
    data = gzip.compress(sample("tool-repeat/rollout.jsonl") * 20)
    path = os.path.join(tmp, "cut.jsonl.gz")
    with open(path, "wb") as f:
        f.write(data[:len(data) // 2])
    status, report = run([path])
    entry = only_input(report)
    check(status == 2, "a cut gzip file must exit 2, got %d" % status)
    check(entry["status"] == "partial", "status %s, expected partial" % entry["status"])
    check("truncated" in problems_text(entry), "no diagnostic: %s" % problems_text(entry))
    check(entry["lines"] > 0, "the lines before the cut must be read")


def case_zstd_bomb(tmp):
    if shutil.which("zstd") is None:
        print("SKIP: no zstd CLI")
        return
    # One 64 MiB frame of a repeated 1 MiB line compresses to a few KiB; 64 copies of the frame
    # (concatenated frames are one stream) expand to 4 GiB from well under 1 MiB.
    line = b"A" * (1024 * 1024 - 1) + b"\n"
    frame = subprocess.run(["zstd", "-19", "-c"], input=line * 64, stdout=subprocess.PIPE,
                           check=True).stdout
    path = os.path.join(tmp, "bomb.zst")
    with open(path, "wb") as f:
        f.write(frame * 64)
    check(os.path.getsize(path) < 1024 * 1024, "bomb is %d bytes" % os.path.getsize(path))
    status, report = run([path], timeout=120)
    entry = only_input(report)
    check(status == 2, "a decompression bomb must exit 2, got %d" % status)
    check(entry["status"] == "partial", "status %s" % entry["status"])
    check(entry["bytes"] < 2 * 1024 ** 3, "read %d bytes of the bomb" % entry["bytes"])
    check("decompressed" in problems_text(entry), "no diagnostic: %s" % problems_text(entry))


def case_long_line(tmp):
    path = os.path.join(tmp, "long.jsonl")
    with open(path, "wb") as f:
        f.write(b'{"timestamp":"2026-11-29T01:46:05.141Z","type":"response_item","payload":'
                b'{"type":"reasoning","encrypted_content":"')
        f.write(b"QUJD" * (60 * 1000 * 1000 // 4))
        f.write(b'"}}\n')
        f.write(sample("healthy/rollout.jsonl"))
    status, report = run([path])
    entry = only_input(report)
    check(entry["truncated"] == 0, "a 60 MB line is under the 64 MiB cap")
    check(entry["lines"] == 1 + sample("healthy/rollout.jsonl").count(b"\n"), "line count")


def case_deep_nesting(tmp):
    depth = 200000
    deep = b"[" * depth + b"]" * depth
    deep_object = b'{"a":' * depth + b"1" + b"}" * depth
    lines = [
        b'{"timestamp":"2026-11-29T01:46:05.141Z","type":"event_msg","payload":' + deep + b"}",
        b'{"timestamp":"2026-11-29T01:46:05.141Z","type":"response_item","payload":{"type":'
        b'"function_call","name":"x","call_id":"c","arguments":"' + b"[" * depth + b'"}}',
        b'{"type":"item.completed","item":' + deep_object + b"}",
        b'{"message": "x", "level": "INFO", "extra":' + deep + b"}",
        b'{"type":"stream_error","message":' + deep + b"}",
        deep,
        deep_object,
    ]
    path = os.path.join(tmp, "deep.jsonl")
    with open(path, "wb") as f:
        f.write(b"\n".join(lines) + b"\n")
    status, report = run([path])
    check(only_input(report)["lines"] == len(lines), "line count")


def case_nul_bytes(tmp):
    rng = random.Random(7)
    data = bytearray(sample("http-500-exhausted/rollout.jsonl") + sample("http-500-exhausted/proxy.log")
                     + sample("ws-405-fallback/trace.log") + sample("http-500-exhausted/exec.jsonl"))
    for _ in range(len(data) // 50):
        data[rng.randrange(len(data))] = 0
    data += b"\0" * 4096 + b"\n" + b"\0\n" * 100
    path = os.path.join(tmp, "nul.log")
    with open(path, "wb") as f:
        f.write(bytes(data))
    # The surviving lines still tell of 500s (a turn that only proxy lines show fails on its last
    # one): findings, exit 1, are a normal outcome; a crash or a hang is not.
    run([path], expect=(0, 1, 2))


INVALID = [b"\xff\xfe", b"\xc0\xaf", b"\xed\xa0\x80", b"\xe2\x82", b"ok\x80", b"\xf8\x88\x80\x80\x80"]


def poison_json(line, rng):
    """The line with every string value (and key) replaced by invalid UTF-8, written raw."""
    try:
        value = json.loads(line)
    except ValueError:
        return line

    def walk(v):
        if isinstance(v, dict):
            return {k: walk(x) for k, x in v.items()}
        if isinstance(v, list):
            return [walk(x) for x in v]
        if isinstance(v, str):
            return "\udcff" + v[:40] + "\udcfe"  # surrogate escapes: raw bytes after encoding
        return v

    text = json.dumps(walk(value), ensure_ascii=False)
    out = text.encode("utf-8", "surrogateescape")
    return out.replace(b"\xff", rng.choice(INVALID))


def case_invalid_utf8(tmp):
    rng = random.Random(3)
    out = []
    for name in ("http-500-exhausted/rollout.jsonl", "http-500-exhausted/exec.jsonl",
                 "ws-405-fallback/rollout.jsonl"):
        for line in sample(name).splitlines():
            out.append(poison_json(line, rng))
    # Text formats: invalid bytes inside every token of the proxy log and the trace.
    for name in ("http-500-exhausted/proxy.log", "ws-405-fallback/trace.log",
                 "ws-405-fallback/proxy.log"):
        for line in sample(name).splitlines():
            out.append(line.replace(b" ", b" " + rng.choice(INVALID)).replace(b"'", b"'\xff"))
    path = os.path.join(tmp, "invalid-utf8.log")
    with open(path, "wb") as f:
        f.write(b"\n".join(out) + b"\n")
    run([path])
    # The text report too: it must not die on what it prints.
    done = subprocess.run([BINARY, "--color", "never", path], stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE, timeout=120)
    check(done.returncode in (0, 1, 2), "text report: exit %d" % done.returncode)


def case_symlink_loop(tmp):
    d = os.path.join(tmp, "logs")
    os.makedirs(os.path.join(d, "sub"))
    shutil.copy(os.path.join(SOURCE, "samples", "codex-0.121.0", "healthy", "rollout.jsonl"), d)
    os.symlink("b", os.path.join(d, "a"))        # a -> b -> a
    os.symlink("a", os.path.join(d, "b"))
    os.symlink("..", os.path.join(d, "sub", "up"))  # a directory loop
    os.symlink("missing", os.path.join(d, "dangling"))
    os.mkfifo(os.path.join(d, "fifo"))           # opening it would block: must be passed over
    locked = os.path.join(d, "locked.jsonl")
    shutil.copy(os.path.join(SOURCE, "samples", "codex-0.121.0", "healthy", "rollout.jsonl"), locked)
    os.chmod(locked, 0)
    user = None
    if os.geteuid() == 0:
        # root ignores mode 000: run as nobody so the file is really unreadable.
        if shutil.which("setpriv") is None:
            print("note: root without setpriv; the mode-000 file is readable to root")
        else:
            user = 65534
            os.chmod(tmp, 0o755)
            for root, dirs, files in os.walk(tmp):
                for x in dirs:
                    os.chmod(os.path.join(root, x), 0o755)
    status, report = run([d], user=user)
    check(status == 2, "unreadable entries must exit 2, got %d" % status)
    paths = [e["path"] for e in report["inputs"]]
    check(any(p.endswith("rollout.jsonl") for p in paths), "the readable file must be read")
    if user is not None:
        locked_entry = [e for e in report["inputs"] if e["path"].endswith("locked.jsonl")]
        check(locked_entry and locked_entry[0]["status"] == "unreadable",
              "mode-000 file: %s" % locked_entry)


def case_empty_file(tmp):
    path = os.path.join(tmp, "empty.jsonl")
    open(path, "wb").close()
    status, report = run([path])
    entry = only_input(report)
    check(entry["lines"] == 0 and entry["status"] == "complete", "empty: %s" % entry)
    status, report = run(["-"], stdin_data=b"")  # an empty pipe
    check(only_input(report)["lines"] == 0, "empty stdin")


def case_growing_file(tmp):
    path = os.path.join(tmp, "growing.jsonl")
    chunk = sample("tool-repeat/rollout.jsonl")
    with open(path, "wb") as f:
        f.write(chunk * 200)
    stop = threading.Event()

    def grow():
        with open(path, "ab") as f:
            while not stop.is_set():
                f.write(chunk)
                f.write(b'{"timestamp":"2026-11-29T01:4')  # a line cut mid-write at times
                f.flush()
                f.write(b'9:00.000Z","type":"event_msg","payload":{"type":"token_count"}}\n')
                time.sleep(0.001)

    writer = threading.Thread(target=grow)
    writer.start()
    try:
        run([path])
    finally:
        stop.set()
        writer.join()


def case_clock_jumps(tmp):
    rng = random.Random(11)
    rollout = []
    for i, line in enumerate(sample("healthy/rollout.jsonl").splitlines()):
        if line.startswith(b'{"timestamp":"') and i % 2:
            year = rng.choice([b"1970", b"2001", b"2099", b"2026"])
            line = b'{"timestamp":"' + year + line[18:]
        rollout.append(line)
    proxy = []
    for i, line in enumerate(sample("healthy/proxy.log").splitlines()):
        if line[:2].isdigit() and line[2:3] == b":":
            line = b"%02d" % ((23 - i) % 24) + line[2:]  # hours running backwards
        proxy.append(line)
    a = os.path.join(tmp, "rollout.jsonl")
    b = os.path.join(tmp, "proxy.log")
    with open(a, "wb") as f:
        f.write(b"\n".join(rollout) + b"\n")
    with open(b, "wb") as f:
        f.write(b"\n".join(proxy) + b"\n")
    run([a, b], expect=(0, 1, 2))  # findings (1) may come from the odd times; crashes may not


def instrumented():
    """ASan builds keep freed memory in quarantine: RSS bounds do not apply to them."""
    with open(BINARY, "rb") as f:
        return b"__asan_init" in f.read()


def case_clock_jumps_memory(tmp):
    """Sessions streamed newest day first (the clock jumps back a day at each one): ended turns
    must still be let go, so memory stays bounded by a turn, not by the stream."""
    template = sample("healthy/rollout.jsonl")
    check(b"2026-11-29T" in template, "the sample's date changed")
    ids = sorted(set(re.findall(rb"01a2[0-9a-f]{4}-", template)))
    check(ids, "no ids in the sample")
    passes = 1500
    day0 = datetime.date(2026, 11, 29)
    chunks = []
    for i in range(passes):
        day = (day0 - datetime.timedelta(days=i)).isoformat().encode()
        data = template.replace(b"2026-11-29", day)
        chunks.append(re.sub(rb"01a2([0-9a-f]{4})-", b"%08x-" % (i + 0x10000000), data))
    path = os.path.join(tmp, "newest-first.jsonl")
    with open(path, "wb") as f:
        f.write(b"".join(chunks))
    del chunks
    status, report = run([path], expect=(0, 1, 2))
    check(len(report["sessions"]) == passes, "sessions: %d" % len(report["sessions"]))
    if instrumented():
        print("note: sanitizer build, RSS bound not checked")
        return
    if not os.path.exists("/usr/bin/time"):
        print("note: no /usr/bin/time, RSS bound not checked")
        return
    # Measured on the binary alone (a forked Python child would count Python's own pages).
    done = subprocess.run(["/usr/bin/time", "-f", "%M", BINARY, "--format", "json", "-o",
                           os.path.join(tmp, "report.json"), path],
                          stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, timeout=300)
    peak_mib = int(done.stderr.decode().strip().splitlines()[-1]) / 1024
    print("peak RSS %.1f MiB for %d sessions (%d MB)" % (peak_mib, passes,
                                                         os.path.getsize(path) // 10 ** 6))
    check(peak_mib < 48, "peak RSS %.1f MiB (bound 48 MiB)" % peak_mib)


def case_one_turn_gb(tmp):
    """One turn that never ends, 1 GB on stdin (issue 19): the session stage keeps a window of
    it and the rules running summaries, so peak RSS stays under 64 MiB, and the findings are
    those of the stream's first 10 MB (same rules and turn), with counts that grow with it. The
    stream repeats a 10 MB block of bench/generate.py --one-turn with fresh call ids and
    advancing stamps (the generator itself writes 5 MB/s: too slow for a test)."""
    block_path = os.path.join(tmp, "block.jsonl")
    with open(block_path, "wb") as out:
        subprocess.run([sys.executable, os.path.join(SOURCE, "bench", "generate.py"), "stream",
                        "rollout", "--gb", "0.01", "--one-turn"], stdout=out, check=True,
                       timeout=120)
    status, small = run([block_path], expect=(0, 1))
    check(len(small["sessions"]) == 1 and len(small["sessions"][0]["turns"]) == 1,
          "the block is not one turn")
    check(small["findings"], "the block has no findings")
    with open(block_path, "rb") as f:
        lines = f.read().splitlines(keepends=True)
    stamp = re.compile(rb'^\{"timestamp":"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3})Z"')
    call = re.compile(rb"call_[0-9a-f]{8}")
    header = (b'"type":"session_meta"', b'"type":"turn_context"', b'"type":"task_started"',
              b'"type":"user_message"')

    def micros(text):
        when = datetime.datetime.strptime(text.decode(), "%Y-%m-%dT%H:%M:%S.%f")
        return int(when.replace(tzinfo=datetime.timezone.utc).timestamp() * 1000) * 1000

    body = []  # (stamp offset in ms, line after the stamp split at call ids)
    first = None
    for line in lines:
        m = stamp.match(line)
        if m is None or any(h in line[:200] for h in header):
            continue
        at = micros(m.group(1)) // 1000
        first = at if first is None else first
        body.append((at - first, call.split(line[m.end():])))
    span_ms = body[-1][0] + 1000
    epoch = datetime.datetime(1970, 1, 1, tzinfo=datetime.timezone.utc)
    target = 10 ** 9
    limit_kib = 64 * 1024
    command = ["/usr/bin/time", "-f", "%M", BINARY, "--format", "json", "-o",
               os.path.join(tmp, "big.json"), "-"]
    proc = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE)
    written = 0
    try:
        proc.stdin.write(b"".join(lines))
        written += sum(len(l) for l in lines)
        k = 1
        while written < target:
            base = first + k * span_ms
            marker = b"call_%08x" % (0x80000000 + k)
            chunk = []
            for offset, parts in body:
                ms = base + offset
                text = (epoch + datetime.timedelta(milliseconds=ms)).strftime("%Y-%m-%dT%H:%M:%S")
                chunk.append(b'{"timestamp":"%s.%03dZ"' % (text.encode(), ms % 1000))
                chunk.append(marker.join(parts))
            data = b"".join(chunk)
            proc.stdin.write(data)
            written += len(data)
            k += 1
        proc.stdin.close()
        err = proc.stderr.read()
        proc.wait(timeout=600)
    except BaseException:
        proc.kill()
        raise
    check(proc.returncode in (0, 1), "exit status %d\n%s" % (proc.returncode, err[-2000:]))
    with open(os.path.join(tmp, "big.json")) as f:
        big = json.load(f)
    turns = big["sessions"][0]["turns"] if len(big["sessions"]) == 1 else []
    check(len(big["sessions"]) == 1 and len(turns) == 1,
          "sessions/turns: %s" % [len(s["turns"]) for s in big["sessions"]])
    small_turn = small["sessions"][0]["turns"][0]
    check(turns[0]["events"] > 50 * small_turn["events"],
          "events: %d (the block had %d)" % (turns[0]["events"], small_turn["events"]))
    key = lambda f: (f["rule"], f["turn"])
    check(sorted(map(key, big["findings"])) == sorted(map(key, small["findings"])),
          "findings %s, the first 10 MB: %s" % (sorted(map(key, big["findings"])),
                                                 sorted(map(key, small["findings"]))))
    for f in big["findings"]:
        before = [g for g in small["findings"] if key(g) == key(f)][0]
        if f["iterations"] > 1:
            check(f["iterations"] > 10 * before["iterations"],
                  "%s: %d iterations, the first 10 MB %d" % (f["rule"], f["iterations"],
                                                             before["iterations"]))
    peak_kib = int(err.decode().strip().splitlines()[-1])
    print("%d MB in one turn (%d events): peak RSS %.1f MiB" % (written // 10 ** 6,
                                                               turns[0]["events"], peak_kib / 1024))
    if instrumented():
        print("note: sanitizer build, RSS bound not checked")
        return
    check(peak_kib < limit_kib, "peak RSS %.1f MiB (bound 64 MiB)" % (peak_kib / 1024))


def case_many_sessions(tmp):
    d = os.path.join(tmp, "sessions")
    os.makedirs(d)
    template = sample("healthy/rollout.jsonl")
    ids = set()
    for line in template.splitlines():
        if b'"type":"session_meta"' in line:
            start = line.index(b'"id":"') + 6
            ids.add(line[start:start + 36])
    for i in range(10000):
        data = template
        for j, old in enumerate(sorted(ids)):
            data = data.replace(old, b"%08x-0000-7000-8000-%012x" % (i, j))
        with open(os.path.join(d, "rollout-%05d.jsonl" % i), "wb") as f:
            f.write(data)
    status, report = run([d], timeout=600)
    check(len(report["inputs"]) == 10000, "inputs: %d" % len(report["inputs"]))
    check(all(e["status"] == "complete" for e in report["inputs"]), "an input was not read")


def case_regressions(tmp):
    """Inputs that once crashed a fuzz target (tests/hostile/regressions), through the binary."""
    folder = os.path.join(SOURCE, "tests", "hostile", "regressions")
    names = sorted(n for n in os.listdir(folder) if not n.startswith(".") and n != "README.md")
    for name in names:
        print("replaying", name)
        # Findings (exit 1) are a normal outcome: the input only has to be read to the end.
        run([os.path.join(folder, name)], expect=(0, 1, 2))


def main():
    global BINARY, SOURCE
    BINARY = os.path.abspath(sys.argv[1])
    case = sys.argv[2]
    if len(sys.argv) > 3:
        SOURCE = sys.argv[3]
    tmp = tempfile.mkdtemp(prefix="loopscope-hostile-")
    try:
        globals()["case_" + case](tmp)
    except failure as e:
        print("FAIL %s: %s" % (case, e))
        return 1
    finally:
        # The unreadable-file case leaves mode 000 behind; rmtree as root does not mind.
        shutil.rmtree(tmp, ignore_errors=True)
    print("ok", case)
    return 0


if __name__ == "__main__":
    sys.exit(main())
