"""Formats and wordings as data, checked as a user meets them (issue 16).

  python3 run_formats.py LOOPSCOPE REPO CHECK

CHECK is one of:
  overlay   a proxy log in a wording the built-in catalogue does not know shows no loop; the same
            log with a --formats file that adds the wording (no rebuild) shows the router's retry
            loop, with the fields the wording's captures give (events and report)
  commands  `loopscope formats` lists the registry with a sample line each; `formats validate`
            and `formats test` on a good and a broken file; --formats on a missing file
"""
import json
import os
import subprocess
import sys
import tempfile

# A LiteLLM router log whose retry notice is worded as no built-in entry knows it. The wording is
# made up for the test: what is tested is that a user can teach loopscope a wording.
PROXY_LOG = """\
10:00:00 - LiteLLM Proxy:DEBUG: proxy_server.py:4064 - Request received by LiteLLM: {'method': 'POST', 'path': '/v1/chat/completions'}
10:00:01 - LiteLLM Router:INFO: router.py:4100 - litellm.acompletion(model=openai/gpt-4o) Exception litellm.RateLimitError: RateLimitError: OpenAIException - Rate limit reached
10:00:01 - LiteLLM Router:INFO: router.py:4200 - backing off 1.5s after RateLimitError (try 1 of 3)
10:00:03 - LiteLLM Router:INFO: router.py:4200 - backing off 3.0s after RateLimitError (try 2 of 3)
10:00:06 - LiteLLM Router:INFO: router.py:4200 - backing off 6.0s after RateLimitError (try 3 of 3)
10:00:12 - LiteLLM Router:INFO: router.py:4100 - litellm.acompletion(model=openai/gpt-4o) Exception litellm.RateLimitError: RateLimitError: OpenAIException - Rate limit reached
"""

OVERLAY = r"""# Teaches loopscope one more LiteLLM wording.
catalogues:
  - name: litellm-messages
    messages:
      - id: backing-off
        match: 'backing off (?P<delay_s>[0-9.]+)s after (?P<error_class>\w+) \(try (?P<attempt>\d+) of (?P<attempt_limit>\d+)\)'
        event: proxy_retry
        samples:
          - text: 'backing off 1.5s after RateLimitError (try 1 of 3)'
            expect: {event: proxy_retry, delay_ms: 1500, attempt: 1, attempt_limit: 3, error_class: RateLimitError}
"""

BROKEN = r"""catalogues:
  - name: litellm-messages
    messages:
      - id: backing-off
        match: 'backing off (?P<delay_s>[0-9.]+)s'
        event: proxy_retry
        samples:
          - text: 'backing off 1.5s after RateLimitError'
            expect: {event: proxy_retry, delay_ms: 2500}
"""


def run(loopscope, args, cwd):
    return subprocess.run([loopscope] + args, cwd=cwd, capture_output=True, text=True,
                          env=dict(os.environ, NO_COLOR="1", COLUMNS="100"), timeout=60)


def retry_findings(report):
    return [f for f in report["findings"] if f["rule"] == "litellm.router-retry"]


def check_overlay(loopscope, repo, tmp, problems):
    log = os.path.join(tmp, "proxy.log")
    with open(log, "w") as fh:
        fh.write(PROXY_LOG)
    overlay = os.path.join(tmp, "backing-off.yaml")
    with open(overlay, "w") as fh:
        fh.write(OVERLAY)
    common = ["--format", "json", "--proxy-date", "2026-01-01", "--fail-on", "warning"]

    before = run(loopscope, common + [log], tmp)
    report = json.loads(before.stdout)
    if retry_findings(report):
        problems.append("without --formats, the unknown wording already gave a retry finding")

    events = run(loopscope, ["events", "--proxy-date", "2026-01-01", "--formats", overlay, log], tmp)
    retries = [json.loads(l) for l in events.stdout.splitlines() if '"proxy_retry"' in l]
    if events.returncode != 0 or len(retries) != 3:
        problems.append(f"events --formats: exit {events.returncode}, {len(retries)} proxy_retry "
                        f"events (want 3): {events.stderr.strip()}")
    else:
        first = retries[0]
        want = {"attempt": 1, "attempt_limit": 3, "delay_ms": 1500}
        for key, value in want.items():
            if first.get(key) != value:
                problems.append(f"events --formats: {key} is {first.get(key)!r}, want {value!r}")

    after = run(loopscope, common + ["--formats", overlay, log], tmp)
    report = json.loads(after.stdout) if after.stdout else {"findings": []}
    found = retry_findings(report)
    if not found:
        problems.append(f"with --formats: no litellm.router-retry finding (exit {after.returncode}, "
                        f"{after.stderr.strip()})")
    elif found[0]["iterations"] < 3:
        problems.append(f"with --formats: {found[0]['iterations']} iterations, want >= 3")
    if found and after.returncode != 1:
        problems.append(f"with --formats and --fail-on warning: exit {after.returncode}, want 1")
    if found and (found[0].get("root_cause") or {}).get("status") != 429:
        problems.append(f"with --formats: root cause {found[0].get('root_cause')}, want status 429")


def check_commands(loopscope, repo, tmp, problems):
    listing = run(loopscope, ["formats"], tmp)
    names = [l.split()[0] for l in listing.stdout.splitlines() if l and not l.startswith(" ")]
    samples = [l for l in listing.stdout.splitlines() if l.strip().startswith("e.g. ")]
    if listing.returncode != 0 or len(names) < 7 or len(samples) != len(names):
        problems.append(f"formats: exit {listing.returncode}, {len(names)} formats, "
                        f"{len(samples)} sample lines")
    for name in ("codex-rollout", "codex-trace", "litellm-text", "uvicorn-access"):
        if name not in names:
            problems.append(f"formats: {name} not listed")

    good = os.path.join(tmp, "good.yaml")
    with open(good, "w") as fh:
        fh.write(OVERLAY)
    broken = os.path.join(tmp, "broken.yaml")
    with open(broken, "w") as fh:
        fh.write(BROKEN)

    r = run(loopscope, ["formats", "validate", good], tmp)
    if r.returncode != 0 or "valid" not in r.stdout:
        problems.append(f"formats validate good: exit {r.returncode}: {r.stderr.strip()}")
    r = run(loopscope, ["formats", "validate", broken], tmp)
    lines = r.stderr.strip().splitlines()
    if r.returncode != 2 or len(lines) != 1 or f"{broken}:4" not in lines[0] or \
            "delay_ms is '1500', expected '2500'" not in lines[0]:
        problems.append(f"formats validate broken: exit {r.returncode}, stderr {r.stderr!r}")
    r = run(loopscope, ["formats", "test", good], tmp)
    if r.returncode != 0 or "ok   litellm-messages/backing-off: 1 sample" not in r.stdout:
        problems.append(f"formats test good: exit {r.returncode}: {r.stdout[-300:]} {r.stderr}")
    r = run(loopscope, ["formats", "test", broken], tmp)
    if r.returncode != 1 or "expected '2500'" not in r.stderr:
        problems.append(f"formats test broken: exit {r.returncode}, stderr {r.stderr!r}")
    r = run(loopscope, ["--formats", os.path.join(tmp, "missing.yaml"), "x.log"], tmp)
    if r.returncode != 2 or len(r.stderr.strip().splitlines()) != 1 or "missing.yaml" not in r.stderr:
        problems.append(f"--formats missing: exit {r.returncode}, stderr {r.stderr!r}")
    r = run(loopscope, ["--formats", broken, "x.log"], tmp)
    if r.returncode != 2 or "Traceback" in r.stderr or "terminate" in r.stderr:
        problems.append(f"--formats broken: exit {r.returncode}, stderr {r.stderr!r}")


def main():
    loopscope, repo, check = sys.argv[1:4]
    problems = []
    with tempfile.TemporaryDirectory() as tmp:
        {"overlay": check_overlay, "commands": check_commands}[check](loopscope, repo, tmp, problems)
    for p in problems:
        print("FAIL:", p)
    if problems:
        sys.exit(1)
    print(f"{check}: ok")


if __name__ == "__main__":
    main()
