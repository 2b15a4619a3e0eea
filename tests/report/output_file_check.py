"""-o FILE: the report replaces FILE atomically, and failures say so in one line.

  python3 output_file_check.py LOOPSCOPE REPO

Checks, on samples/codex-0.121.0/healthy:
  * the file holds exactly what stdout would have held;
  * FILE is replaced by rename, never rewritten in place: a hard link to the old FILE still holds
    the old content afterwards (an in-place write would have changed it), and FILE is a new inode;
  * no temporary file (.NAME.tmp.*) is left in the directory;
  * every format and the events command write through the same path;
  * a FILE in a missing directory exits 2 with one line on stderr naming it, nothing on stdout,
    and leaves nothing behind.
"""
import os
import subprocess
import sys
import tempfile


def run(loopscope, repo, args):
    return subprocess.run([loopscope] + args, cwd=repo, capture_output=True, timeout=120,
                          stdin=subprocess.DEVNULL, env=dict(os.environ, NO_COLOR="1", COLUMNS="100"))


def main():
    loopscope, repo = sys.argv[1:3]
    sample = os.path.join(repo, "samples", "codex-0.121.0", "healthy")
    failures = []
    with tempfile.TemporaryDirectory(prefix="loopscope-output-") as tmp:
        for args in (["--format", "text"], ["--format", "markdown"], ["--format", "json"],
                     ["--format", "dot"], ["events"], ["sessions"]):
            target = os.path.join(tmp, "report.out")
            old_link = os.path.join(tmp, "old-report.out")
            with open(target, "w") as fh:
                fh.write("OLD REPORT\n")
            if os.path.exists(old_link):
                os.unlink(old_link)
            os.link(target, old_link)
            old_inode = os.stat(target).st_ino

            to_stdout = run(loopscope, repo, args + [sample])
            to_file = run(loopscope, repo, args + ["-o", target, sample])
            name = " ".join(args)
            if to_file.returncode != to_stdout.returncode:
                failures.append(f"{name}: exit {to_file.returncode} with -o, "
                                f"{to_stdout.returncode} without")
            if to_file.stdout:
                failures.append(f"{name}: -o still wrote to stdout")
            with open(target, "rb") as fh:
                written = fh.read()
            if written != to_stdout.stdout:
                failures.append(f"{name}: the file differs from stdout "
                                f"({len(written)} vs {len(to_stdout.stdout)} bytes)")
            with open(old_link) as fh:
                if fh.read() != "OLD REPORT\n":
                    failures.append(f"{name}: the old file was rewritten in place, not replaced")
            if os.stat(target).st_ino == old_inode:
                failures.append(f"{name}: the target keeps its inode: not renamed into place")
            if oct(os.stat(target).st_mode & 0o777) != oct(0o644):
                failures.append(f"{name}: mode {oct(os.stat(target).st_mode & 0o777)}, expected 0o644")
            leftovers = [f for f in os.listdir(tmp) if ".tmp" in f]
            if leftovers:
                failures.append(f"{name}: temporary files left: {leftovers}")

        missing = os.path.join(tmp, "no-such-dir", "report.json")
        bad = run(loopscope, repo, ["--format", "json", "-o", missing, sample])
        lines = [l for l in bad.stderr.decode(errors="replace").splitlines() if l.strip()]
        if bad.returncode != 2:
            failures.append(f"missing directory: exit {bad.returncode}, expected 2")
        if len(lines) != 1 or missing not in lines[0]:
            failures.append(f"missing directory: stderr should be one line naming {missing}: {lines}")
        if bad.stdout:
            failures.append("missing directory: the report went to stdout instead")
        if os.path.exists(os.path.dirname(missing)):
            failures.append("missing directory: it was created")

    for f in failures:
        print(f)
    print("ok" if not failures else f"{len(failures)} failure(s)")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
