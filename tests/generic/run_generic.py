"""The generic reader from the command line.

  python3 run_generic.py LOOPSCOPE SOURCE_DIR CHECK

retry_loop: a made-up proxy (no format of its own) whose access and retry lines show a retry loop
            on 429 is read as `generic`, and the loop is reported with its status, in words that
            name no LiteLLM; the session says how it was read.
user_format: a data-only format with `decoder: lines` and a `line:` pattern (--formats) reads its
            lines with its own catalogue and the generic HTTP one.
benign:     start-up banners, prose, a single fallback and a one-off 401 get no finding.
malformed:  truncated lines, invalid UTF-8, NUL bytes, junk and a long line never crash; every
            line is accounted for.
"""
import json
import os
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "golden"))
import report_schema  # noqa: E402


def run(loopscope, *args):
    return subprocess.run([loopscope, *args], capture_output=True, timeout=60)


def report_of(loopscope, path):
    done = run(loopscope, "--format", "json", path)
    if done.returncode not in (0, 1):
        raise SystemExit(f"exit {done.returncode}: {done.stderr.decode(errors='replace')}")
    report = json.loads(done.stdout)
    problems = report_schema.check(report)
    return done.returncode, report, problems


def check_retry_loop(loopscope, source):
    path = os.path.join(source, "tests", "data", "generic", "made-up-proxy-retry-loop.log")
    status, report, problems = report_of(loopscope, path)
    inp = report["inputs"][0]
    if inp["format"] != "generic":
        problems.append(f"read as {inp['format']}, expected generic")
    findings = report["findings"]
    retries = [f for f in findings if f["rule"] == "proxy.retry-storm"]
    if len(retries) != 1:
        problems.append(f"findings {[f['rule'] for f in findings]}, expected one proxy.retry-storm")
    else:
        f = retries[0]
        cause = f["root_cause"] or {}
        if cause.get("status") != 429:
            problems.append(f"root cause status {cause.get('status')!r}, expected 429")
        if f["iterations"] != 3:
            problems.append(f"{f['iterations']} iterations, expected 3")
        if f["severity"] != "warning":
            problems.append(f"severity {f['severity']}, expected warning")
    if any(f["rule"].startswith("litellm.") for f in findings):
        problems.append("a LiteLLM rule fired on a proxy that is not LiteLLM")
    if status != 0:
        problems.append(f"exit {status}, expected 0 (a warning, below the default --fail-on error)")
    if run(loopscope, "--fail-on", "warning", path).returncode != 1:
        problems.append("--fail-on warning does not exit 1")
    text = run(loopscope, path).stdout.decode()
    if "LiteLLM" in text:
        problems.append("the text report names LiteLLM")
    if "429" not in text or "retried" not in text:
        problems.append("the text report does not say the requests were retried after a 429")
    if "generic reader" not in text:
        problems.append("the text report does not say the session was read by the generic reader")
    return problems


def check_benign(loopscope, source):
    path = os.path.join(source, "tests", "data", "generic", "benign-proxy.log")
    status, report, problems = report_of(loopscope, path)
    inp = report["inputs"][0]
    if inp["format"] != "generic":
        problems.append(f"read as {inp['format']}, expected generic")
    if report["findings"]:
        problems.append(f"findings {[f['rule'] for f in report['findings']]}, expected none")
    if status != 0:
        problems.append(f"exit {status}, expected 0")
    # The access lines, the fallback and the 401 are events; banners and prose are not.
    if inp["events"] < 4:
        problems.append(f"{inp['events']} events, expected the access lines and the fallback")
    return problems


def check_malformed(loopscope, source):
    del source
    lines = [
        b'[2026-11-30 10:00:05.004] INFO  <-- POST /v1/resp',                  # cut short
        b'[2026-11-30 10:00:05.310] WARN  upstream answered 429, retrying in 1',  # cut short
        b'--> POST /v1/responses 4',
        b'[GIN] 2023/03/31 - 09:59:47 | 40',
        b'HTTP Request: POST https://api.example.com/v1/responses "HTTP/1.1 4',
        b'Retrying request to /chat/completions in \xff\xfe seconds',
        b'\xc3\x28 retrying in 2s (attempt 2/\xe2\x82',
        b'2026-13-45T99:99:99Z ERROR ECONNRESET \x00\x00 junk',
        b'\x1b[31m\x1b[0m\x1b[',
        b'attempt 99999999999999999999/3',
        b'retrying in 99999999999999999999s (attempt 2/3)',
        b'{"method":"POST","path":"/v1/x","status":5',
        b'X' * 300000 + b' retrying in 1s (attempt 2/3)',
        b'\x00' * 64,
    ]
    problems = []
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "junk.log")
        with open(path, "wb") as fh:
            fh.write(b"\n".join(lines))  # the last line without its newline
        status, report, problems = report_of(loopscope, path)
        inp = report["inputs"][0]
        if inp["lines"] != len(lines):
            problems.append(f"{inp['lines']} lines counted, expected {len(lines)}")
        text = run(loopscope, path)
        if text.returncode not in (0, 1):
            problems.append(f"text report exit {text.returncode}")
    return problems


def check_user_format(loopscope, source):
    data = os.path.join(source, "tests", "data", "generic")
    done = run(loopscope, "--formats", os.path.join(data, "user-format-myproxy.yaml"),
               "--format", "json", os.path.join(data, "user-format-myproxy.log"))
    report = json.loads(done.stdout)
    # The schema knows the built-in formats; this one is the user's.
    problems = [p for p in report_schema.check(report) if "unknown format myproxy" not in p]
    inp = report["inputs"][0]
    if inp["format"] != "myproxy":
        problems.append(f"read as {inp['format']}, expected myproxy")
    if inp["events"] != 3 or inp["used"] != 3:
        problems.append(f"{inp['events']} events from {inp['used']} lines, expected 3 from 3")
    causes = [(f["root_cause"] or {}).get("status") for f in report["findings"]]
    if 503 not in causes:
        problems.append(f"root causes {causes}, expected the 503 of the access line")
    return problems


def main():
    loopscope, source, check = sys.argv[1:4]
    problems = {"retry_loop": check_retry_loop, "benign": check_benign,
                "malformed": check_malformed, "user_format": check_user_format}[check](loopscope, source)
    for p in problems:
        print(p)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
