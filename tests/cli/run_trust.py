"""What a nightly job and a terminal can trust (issue 18), checked as a user runs the tool.

  python3 run_trust.py LOOPSCOPE REPO CHECK

CHECK is one of:
  output     -o: a symlink's target is written and the link stays; a FIFO's reader gets the
             report; a character device stays one (a device node made in a temporary folder, not
             the real /dev/null); a file keeps its mode; /dev/stdout writes to stdout; an
             unwritable -o fails before any input is read
  nothing    empty folder, junk, /dev/null, a folder with only a README, an empty logs_2.sqlite:
             exit 2 and a line naming the input
  exits      the exit scheme on a mixed archive: loops + a truncated archive = 3, --partial-ok = 1,
             a truncated archive beside a healthy session = 2
  default    no INPUT at a terminal: the newest session of a fake $CODEX_HOME with its
             codex-tui.log and logs_2.sqlite, the files named on stderr; `sessions` lists several
  help       --help shows the default command's options under one Usage; a misspelt flag gets a
             suggestion; options before a command belong to it
  junit      --format junit read back by junitparser: a case per session, failures for loops
  metrics    --format openmetrics checked by `promtool check metrics`
"""
import json
import os
import pty
import shutil
import sqlite3
import stat
import subprocess
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "e2e"))


def run(loopscope, args, cwd, stdin=subprocess.DEVNULL, env=None, timeout=120):
    return subprocess.run([loopscope] + args, cwd=cwd, stdin=stdin, capture_output=True,
                          env=env or dict(os.environ, NO_COLOR="1", COLUMNS="100"), timeout=timeout)


def sample(repo, name):
    """A sample folder by scenario name, wherever the samples tree keeps it."""
    for folder, _, files in os.walk(os.path.join(repo, "samples")):
        if os.path.basename(folder) == name and "expected.json" in files:
            return folder
    raise SystemExit(f"no sample {name}")


def check_output(loopscope, repo, tmp, problems):
    healthy = sample(repo, "healthy")
    # A symlink: its target gets the report, the link stays a link.
    target = os.path.join(tmp, "real.txt")
    with open(target, "w") as fh:
        fh.write("old\n")
    os.chmod(target, 0o600)
    link = os.path.join(tmp, "link.txt")
    os.symlink("real.txt", link)
    r = run(loopscope, ["-o", link, healthy], tmp)
    if r.returncode != 0 or not os.path.islink(link):
        problems.append(f"-o symlink: exit {r.returncode}, link kept: {os.path.islink(link)}")
    with open(target) as fh:
        if "Session" not in fh.read():
            problems.append("-o symlink: the target does not hold the report")
    mode = stat.S_IMODE(os.stat(target).st_mode)
    if mode != 0o600:
        problems.append(f"-o over a 600 file left mode {oct(mode)}")

    # A FIFO: a reader gets the report, the FIFO stays.
    fifo = os.path.join(tmp, "fifo")
    os.mkfifo(fifo)
    got = {}

    def reader():
        with open(fifo) as fh:
            got["text"] = fh.read()
    t = threading.Thread(target=reader)
    t.start()
    r = run(loopscope, ["-o", fifo, healthy], tmp, timeout=60)
    t.join(30)
    if r.returncode != 0 or "Session" not in got.get("text", "") or not stat.S_ISFIFO(os.stat(fifo).st_mode):
        problems.append(f"-o fifo: exit {r.returncode}, reader got {len(got.get('text', ''))} bytes")

    # A character device: a node of its own (1,3 is null), never the real /dev/null.
    node = os.path.join(tmp, "null")
    try:
        os.mknod(node, 0o666 | stat.S_IFCHR, os.makedev(1, 3))
        made = True
    except (PermissionError, OSError) as e:
        print(f"SKIP char device: cannot make a device node here ({e})")
        made = False
    if made:
        r = run(loopscope, ["-o", node, healthy], tmp)
        if r.returncode != 0 or not stat.S_ISCHR(os.stat(node).st_mode):
            problems.append(f"-o char device: exit {r.returncode}, still a device: "
                            f"{stat.S_ISCHR(os.stat(node).st_mode)}")

    # /dev/stdout: the report on stdout.
    r = run(loopscope, ["-o", "/dev/stdout", healthy], tmp)
    if r.returncode != 0 or b"Session" not in r.stdout:
        problems.append(f"-o /dev/stdout: exit {r.returncode}, {len(r.stdout)} bytes on stdout")

    # New files get 0666 less the umask, as other tools' files do.
    fresh = os.path.join(tmp, "fresh.txt")
    old_mask = os.umask(0o022)
    try:
        run(loopscope, ["-o", fresh, healthy], tmp)
    finally:
        os.umask(old_mask)
    if stat.S_IMODE(os.stat(fresh).st_mode) != 0o644:
        problems.append(f"-o new file: mode {oct(stat.S_IMODE(os.stat(fresh).st_mode))}, not 644")

    # Unwritable -o: refused before reading any input (stdin stays open and is never read).
    start = time.time()
    p = subprocess.Popen([loopscope, "-o", "/nonexistent-dir/report.txt", "-"], cwd=tmp,
                         stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        _, err = p.communicate(timeout=20)
    except subprocess.TimeoutExpired:
        p.kill()
        problems.append("-o unwritable: still reading input after 20 s")
        return
    finally:
        if p.stdin:
            p.stdin.close()
    lines = [l for l in err.decode().splitlines() if l.strip()]
    if p.returncode != 2 or len(lines) != 1 or "/nonexistent-dir/report.txt" not in lines[0]:
        problems.append(f"-o unwritable: exit {p.returncode}, stderr {lines} after {time.time() - start:.1f} s")


def check_nothing(loopscope, repo, tmp, problems):
    os.makedirs(os.path.join(tmp, "empty"))
    os.makedirs(os.path.join(tmp, "docs"))
    with open(os.path.join(tmp, "docs", "README"), "w") as fh:
        fh.write("This folder holds the logs.\nNothing else.\n")
    with open(os.path.join(tmp, "junk.bin"), "wb") as fh:
        fh.write(bytes(range(256)) * 64)
    sqlite3.connect(os.path.join(tmp, "logs_2.sqlite")).execute(
        "CREATE TABLE logs (id INTEGER PRIMARY KEY, ts INTEGER, ts_nanos INTEGER, level TEXT,"
        " target TEXT, feedback_log_body TEXT, module_path TEXT, file TEXT, line INTEGER,"
        " thread_id TEXT, process_uuid TEXT, estimated_bytes INTEGER)").connection.commit()
    cases = [(["empty/"], "empty", None), (["junk.bin"], "junk.bin", None),
             (["docs/"], "README", None), (["logs_2.sqlite"], "logs_2.sqlite", None),
             ([], "-", "/dev/null")]
    for args, named, stdin_path in cases:
        stdin = open(stdin_path, "rb") if stdin_path else subprocess.DEVNULL
        r = run(loopscope, args, tmp, stdin=stdin)
        err = r.stderr.decode()
        if r.returncode != 2:
            problems.append(f"{args or '< /dev/null'}: exit {r.returncode}, expected 2")
        if named not in err and "no files were found" not in err:
            problems.append(f"{args or '< /dev/null'}: stderr does not name {named}: {err!r}")
        if b"No loops" in r.stdout:
            problems.append(f"{args or '< /dev/null'}: reported as healthy")


def truncated_zst(source, dest):
    data = subprocess.run(["zstd", "-q", "-c", source], capture_output=True, check=True).stdout
    with open(dest, "wb") as fh:
        fh.write(data[: len(data) // 2])


def check_exits(loopscope, repo, tmp, problems):
    loops = os.path.join(tmp, "archive", "loops")
    shutil.copytree(sample(repo, "http-500-exhausted"), loops)
    truncated_zst(os.path.join(sample(repo, "healthy"), "rollout.jsonl"),
                  os.path.join(tmp, "archive", "loops", "broken.jsonl.zst"))
    r = run(loopscope, ["--format", "json", "archive"], tmp)
    if r.returncode != 3:
        problems.append(f"loops and a truncated archive: exit {r.returncode}, expected 3")
    else:
        summary = json.loads(r.stdout)["summary"]
        if summary.get("inputs_partial") != 1:
            problems.append(f"summary.inputs_partial = {summary.get('inputs_partial')}, expected 1")
    r = run(loopscope, ["--partial-ok", "archive"], tmp)
    if r.returncode != 1:
        problems.append(f"--partial-ok: exit {r.returncode}, expected 1")
    calm = os.path.join(tmp, "calm")
    shutil.copytree(sample(repo, "healthy"), calm)
    truncated_zst(os.path.join(calm, "rollout.jsonl"), os.path.join(calm, "broken.jsonl.zst"))
    r = run(loopscope, ["calm"], tmp)
    if r.returncode != 2:
        problems.append(f"a truncated archive beside a healthy session: exit {r.returncode}, expected 2")
    r = run(loopscope, ["--partial-ok", "calm"], tmp)
    if r.returncode != 0:
        problems.append(f"--partial-ok beside a healthy session: exit {r.returncode}, expected 0")


def run_at_terminal(loopscope, args, cwd, env):
    """stdin a terminal, as when a user types the command; stdout and stderr captured."""
    master, slave = pty.openpty()
    try:
        r = subprocess.run([loopscope] + args, cwd=cwd, stdin=slave, capture_output=True, env=env,
                           timeout=120)
    finally:
        os.close(slave)
        os.close(master)
    return r


def check_default(loopscope, repo, tmp, problems):
    import run_sqlite  # the logs_2.sqlite builder of the sqlite e2e test
    home = os.path.join(tmp, "codex-home")
    ws = sample(repo, "ws-405-fallback")
    day = os.path.join(home, "sessions", "2026", "04", "20")
    os.makedirs(day)
    shutil.copy(os.path.join(ws, "rollout.jsonl"), os.path.join(day, "rollout-2026-04-20T10-00-00-x.jsonl"))
    older = os.path.join(home, "sessions", "2026", "04", "19")
    os.makedirs(older)
    shutil.copy(os.path.join(sample(repo, "healthy"), "rollout.jsonl"),
                os.path.join(older, "rollout-2026-04-19T10-00-00-y.jsonl"))
    os.utime(os.path.join(older, "rollout-2026-04-19T10-00-00-y.jsonl"), (1e9, 1e9))
    os.makedirs(os.path.join(home, "log"))
    shutil.copy(os.path.join(ws, "trace.log"), os.path.join(home, "log", "codex-tui.log"))
    run_sqlite.build(os.path.join(ws, "trace.log"), os.path.join(home, "logs_2.sqlite"))
    env = dict(os.environ, CODEX_HOME=home, NO_COLOR="1", COLUMNS="100")
    r = run_at_terminal(loopscope, ["--format", "json", "--proxy-log", os.path.join(ws, "proxy.log")], tmp, env)
    err = r.stderr.decode()
    for name in ("rollout-2026-04-20T10-00-00-x.jsonl", "codex-tui.log", "logs_2.sqlite", "proxy.log"):
        if name not in err:
            problems.append(f"default mode: stderr does not name {name}: {err!r}")
    try:
        doc = json.loads(r.stdout)
    except json.JSONDecodeError:
        problems.append(f"default mode: no JSON report (exit {r.returncode}): {err!r}")
        return
    used = {os.path.basename(i["path"]) for i in doc["inputs"]}
    if "rollout-2026-04-19T10-00-00-y.jsonl" in used:
        problems.append("default mode read the older session too")
    kinds = {f["kind"] for f in doc["findings"]}
    if "transport_fallback" not in kinds:
        problems.append(f"default mode: the WebSocket fallback is not found ({sorted(kinds)})")
    r = run_at_terminal(loopscope, ["sessions"], tmp, env)
    out = r.stdout.decode()
    if out.count("session ") < 2:
        problems.append(f"`sessions` alone lists {out.count('session ')} sessions: {out!r}")


def check_help(loopscope, repo, tmp, problems):
    r = run(loopscope, ["--help"], tmp)
    out = r.stdout.decode()
    for word in ("--format", "-o", "--fail-on", "--proxy-log", "--since", "analyze", "sessions"):
        if word not in out:
            problems.append(f"--help does not show {word}")
    if out.count("Usage") != 1:
        problems.append(f"--help says Usage {out.count('Usage')} times")
    r = run(loopscope, ["--formt", "json", sample(repo, "healthy")], tmp)
    err = r.stderr.decode()
    if r.returncode != 2 or "did you mean --format" not in err or len(err.strip().splitlines()) != 1:
        problems.append(f"--formt: exit {r.returncode}, {err!r}")
    r = run(loopscope, ["--no-redact", "events", "nothing-here.log"], tmp)
    err = r.stderr.decode()
    if "events:" in err or "nothing-here.log" not in err:
        problems.append(f"options before a command: {err!r}")


def check_junit(loopscope, repo, tmp, problems):
    try:
        from junitparser import JUnitXml, Failure
    except ImportError:  # Debian's python3-junitparser, under another interpreter than /usr/bin's
        sys.path.append("/usr/lib/python3/dist-packages")
        from junitparser import JUnitXml, Failure
    path = os.path.join(tmp, "report.xml")
    r = run(loopscope, ["--format", "junit", "-o", path, os.path.join(repo, "samples")], tmp)
    if r.returncode not in (0, 1):
        problems.append(f"--format junit: exit {r.returncode}: {r.stderr.decode()!r}")
    xml = JUnitXml.fromfile(path)
    cases = [c for suite in xml for c in suite]
    doc = json.loads(run(loopscope, ["--format", "json", os.path.join(repo, "samples")], tmp).stdout)
    if len([c for c in cases if c.classname == "loopscope.session"]) != len(doc["sessions"]):
        problems.append(f"junit: {len(cases)} cases for {len(doc['sessions'])} sessions")
    failed = {c.name for c in cases if any(isinstance(x, Failure) for x in c.result)}
    loud = {f["session"] for f in doc["findings"] if f["severity"] != "info"}
    if failed != loud:
        problems.append(f"junit: failed cases {len(failed)}, sessions with warnings/errors {len(loud)}")


def check_metrics(loopscope, repo, tmp, problems):
    path = os.path.join(tmp, "loopscope.prom")
    r = run(loopscope, ["--format", "openmetrics", "-o", path, os.path.join(repo, "samples")], tmp)
    if r.returncode not in (0, 1):
        problems.append(f"--format openmetrics: exit {r.returncode}")
    promtool = shutil.which("promtool")
    if not promtool:
        problems.append("promtool is not installed (scripts/setup.sh installs Debian's prometheus)")
        return
    with open(path, "rb") as fh:
        check = subprocess.run([promtool, "check", "metrics"], stdin=fh, capture_output=True)
    if check.returncode != 0:
        problems.append(f"promtool check metrics: {check.stdout.decode()} {check.stderr.decode()}")
    with open(path) as fh:
        text = fh.read()
    if 'loopscope_findings{kind="transport_fallback"' not in text:
        problems.append("metrics: no transport_fallback findings")


def main():
    loopscope, repo, check = os.path.abspath(sys.argv[1]), os.path.abspath(sys.argv[2]), sys.argv[3]
    problems = []
    with tempfile.TemporaryDirectory(prefix="loopscope-trust-") as tmp:
        globals()["check_" + check](loopscope, repo, tmp, problems)
    for p in problems:
        print(p)
    print(f"{check}: {len(problems)} problems")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
