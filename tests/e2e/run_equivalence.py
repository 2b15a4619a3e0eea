"""The same input read whole, through stdin in 1-byte and 7-byte writes, gzipped and zstd'd gives
identical events (`loopscope events`, the path aside).

  python3 run_equivalence.py LOOPSCOPE FILE
"""
import gzip
import json
import os
import shutil
import subprocess
import sys
import tempfile


# Time-only proxy stamps read alone are dated from the file's modification day, or today for
# stdin (README, "Dates and time zones"): every way of reading gets the same given day, so that a
# run across midnight, or a copy with a new mtime, compares how bytes arrive and nothing else.
DAY = "2026-01-01"


def events(cmd, feed=None, piece=None):
    proc = subprocess.Popen(cmd, stdin=subprocess.PIPE if feed is not None else subprocess.DEVNULL,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    if feed is not None:
        for i in range(0, len(feed), piece):
            proc.stdin.write(feed[i:i + piece])
            proc.stdin.flush()
        proc.stdin.close()
    out = proc.stdout.read()
    proc.wait(timeout=300)
    lines = []
    for line in out.decode("utf-8", "replace").splitlines():
        e = json.loads(line)
        e.pop("path", None)
        e["session"] = e["session"] if not e["session"].startswith("input:") else "input:"
        lines.append(json.dumps(e, sort_keys=True))
    return lines


def main():
    loopscope, path = sys.argv[1], sys.argv[2]
    data = open(path, "rb").read()
    whole = events([loopscope, "events", "--proxy-date", DAY, path])
    if not whole:
        print("no events at all: nothing to compare")
        return 1
    problems = []
    with tempfile.TemporaryDirectory() as tmp:
        gz = os.path.join(tmp, "copy.gz")
        with gzip.open(gz, "wb") as fh:
            fh.write(data)
        variants = {"gzip": events([loopscope, "events", "--proxy-date", DAY, gz])}
        if shutil.which("zstd"):
            zst = os.path.join(tmp, "copy.bin")  # no telling extension: detected by magic bytes
            subprocess.run(["zstd", "-q", "-f", path, "-o", zst], check=True)
            variants["zstd"] = events([loopscope, "events", "--proxy-date", DAY, zst])
        variants["stdin, 7-byte writes"] = events([loopscope, "events", "--proxy-date", DAY, "-"], data, 7)
        for name, got in variants.items():
            if got != whole:
                problems.append(f"{name}: {len(got)} events vs {len(whole)} read whole")
        # 1-byte writes cost a system call per byte: a prefix of at most 200 kB, cut at a line end,
        # compared with the same prefix read at once.
        cut = data.rfind(b"\n", 0, 200000) + 1 if len(data) > 200000 else len(data)
        prefix = data[:cut]
        at_once = events([loopscope, "events", "--proxy-date", DAY, "-"], prefix, len(prefix) or 1)
        byte_by_byte = events([loopscope, "events", "--proxy-date", DAY, "-"], prefix, 1)
        if byte_by_byte != at_once:
            problems.append(f"stdin, 1-byte writes: {len(byte_by_byte)} events vs {len(at_once)}")
    for p in problems:
        print(p)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
