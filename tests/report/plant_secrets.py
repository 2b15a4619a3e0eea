"""Planted secrets never leave loopscope.

  python3 plant_secrets.py LOOPSCOPE REPO

Copies samples/codex-0.121.0/ws-405-fallback, plants a secret of every kind README's "Secrets" lists into the
rollout (a user message), exec.jsonl (URLs of the retry messages), the trace (header lines) and
the proxy log (DEBUG header dicts with cookie/x-api-key, uvicorn URLs with ?token=, escaped JSON
inside a JSON log line), then runs every output: analyze in each --format (stdout and -o), with
--color always, `events` (also with --show-messages), `sessions`. No planted value, and not even
the PLANT marker every value holds (a half-redacted key is a leak too), may appear in stdout,
stderr or a written file.

As a check of the check, the same runs with --no-redact must show the planted values: a planting
that no longer reaches any output (a parser that changed) would make this test pass vacuously.
"""
import json
import os
import shutil
import subprocess
import sys
import tempfile

MARKER = "PLANT"
SECRETS = {
    "openai key": "sk-PLANTopenai0123456789abcdefABCDEF",
    "openai project key": "sk-proj-PLANTproj0123456789abcdef_ABCDEF",
    "anthropic key": "sk-ant-api03-PLANTant0123456789abcdef_XYZ",
    "litellm virtual key": "sk-PLANTvirtualKey22chr",
    "opaque bearer token": "PLANTbearerOpaqueToken0123456789",
    "basic credentials": "UExBTlRiYXNpYzpwYXNzd29yZA==",  # base64 of "PLANTbasic:password"
    "cookie": "PLANTcookieValue0123",
    "set-cookie": "PLANTsetCookie0123",
    "x-api-key": "PLANTxApiKey0123456",
    "github token": "ghp_PLANTghp0123456789abcdefABCDEF0123",
    "github fine-grained token": "github_pat_11PLANT0123456789_abcdefghijklmnopqrstuvwxyzABCDEF",
    "aws access key": "AKIAPLANTAWS01234567",
    "jwt": "eyJhbGciOiJIUzI1NiJ9.eyJQTEFOVCI6Imp3dCJ9.PLANTjwtSignature0123",
    "url token": "PLANTqueryToken0123",
    "url key": "PLANTqueryKey0123",
    "escaped json authorization": "PLANTescapedJsonAuth0123",
}
S = SECRETS


def plant(sample_dir, out_dir):
    def rewrite(name, transform):
        with open(os.path.join(sample_dir, name), encoding="utf-8") as fh:
            text = fh.read()
        new = transform(text)
        assert new != text, f"nothing planted in {name}"
        with open(os.path.join(out_dir, name), "w", encoding="utf-8") as fh:
            fh.write(new)

    # Rollout: the user's prompt holds keys (people paste them); every JSON string stays valid.
    def rollout(text):
        lines = []
        for line in text.splitlines():
            record = json.loads(line)
            payload = record.get("payload", {})
            extra = (f" my keys: {S['openai key']} {S['github token']} {S['aws access key']} "
                     f"{S['github fine-grained token']}")
            if payload.get("type") == "user_message" and payload.get("message") == "Say hello.":
                payload["message"] += extra
            if payload.get("type") == "message" and payload.get("role") == "user":
                for part in payload.get("content", []):
                    if part.get("text") == "Say hello.":
                        part["text"] += extra
            lines.append(json.dumps(record, separators=(",", ":")))
        return "\n".join(lines) + "\n"

    # exec.jsonl: the retry messages (evidence and root cause) name a URL with query secrets.
    def exec_jsonl(text):
        text = text.replace(
            '{\\"detail\\": \\"Method Not Allowed\\"}',
            '{\\"detail\\": \\"Method Not Allowed\\", \\"authorization\\": \\"Bearer '
            + S["escaped json authorization"] + '\\", \\"set-cookie\\": \\"sid='
            + S["set-cookie"] + '\\"}')
        return text.replace(
            "/v1/responses)",
            f"/v1/responses?token={S['url token']}&key={S['url key']}"
            f" authorization: Bearer {S['jwt']})")

    # Trace: the 405 errors (kept as messages and evidence) carry a header dict in Python repr,
    # keys in an error text and a URL with a query secret; a header line carries a bearer token.
    def trace(text):
        out = []
        for line in text.splitlines():
            if "405 Method Not Allowed, url: ws://" in line:
                line = line.replace(
                    "405 Method Not Allowed, url: ws://",
                    f"405 Method Not Allowed (request headers {{'authorization': 'Bearer "
                    f"{S['litellm virtual key']}', 'cookie': 'session={S['cookie']}; theme=dark', "
                    f"'x-api-key': '{S['x-api-key']}', 'proxy-authorization': 'Basic "
                    f"{S['basic credentials']}'}}; keys {S['openai project key']} "
                    f"{S['anthropic key']}), url: ws://")
                line += f"?access_token={S['url token']}"
                out.append(line)
                stamp = line.split(" ", 1)[0]
                out.append(f"{stamp}  INFO codex_client::transport: request headers "
                           f"authorization: Bearer {S['opaque bearer token']} "
                           f"x-api-key: {S['x-api-key']}")
                continue
            out.append(line)
        return "\n".join(out) + "\n"

    # Proxy: LiteLLM's DEBUG header dicts, uvicorn URLs, an auth error, escaped JSON in JSON.
    def proxy(text):
        text = text.replace(
            "'authorization': 'Bearer sk-loopscope-fake-0123456789abcdef'",
            f"'authorization': 'Bearer {S['litellm virtual key']}', "
            f"'cookie': 'session={S['cookie']}; theme=dark', 'x-api-key': '{S['x-api-key']}', "
            f"'proxy-authorization': 'Basic {S['basic credentials']}'")
        text = text.replace('"GET /v1/responses HTTP/1.1"',
                            f'"GET /v1/responses?token={S["url token"]} HTTP/1.1"')
        lines = text.splitlines()
        first_stamp = lines[0][:8]
        lines.insert(1, f"{first_stamp} - LiteLLM Proxy:ERROR: proxy_server.py:5000 - "
                        f"litellm.AuthenticationError: OpenAIException - Incorrect API key "
                        f"provided: {S['openai project key']}; fallback key {S['anthropic key']}")
        escaped = json.dumps({"authorization": f"Bearer {S['escaped json authorization']}",
                              "set-cookie": f"sid={S['set-cookie']}; Path=/"})
        lines.insert(2, json.dumps({"message": f"response headers: {escaped}",
                                    "level": "DEBUG", "timestamp": "2026-11-29T01:46:15.500000"}))
        return "\n".join(lines) + "\n"

    rewrite("rollout.jsonl", rollout)
    rewrite("exec.jsonl", exec_jsonl)
    rewrite("trace.log", trace)
    rewrite("proxy.log", proxy)


def leaks(blob):
    found = [name for name, value in SECRETS.items() if value in blob]
    if MARKER in blob:
        found.append(f"marker {MARKER!r} (a partly redacted value)")
    return found


def main():
    loopscope, repo = sys.argv[1:3]
    failures = []
    with tempfile.TemporaryDirectory(prefix="loopscope-secrets-") as tmp:
        logs = os.path.join(tmp, "logs")
        os.mkdir(logs)
        plant(os.path.join(repo, "samples", "codex-0.121.0", "ws-405-fallback"), logs)
        out_dir = os.path.join(tmp, "out")
        os.mkdir(out_dir)

        runs = []
        for fmt in ("text", "markdown", "json", "dot"):
            runs.append(["--format", fmt, logs])
            runs.append(["--format", fmt, "-o", os.path.join(out_dir, f"report.{fmt}"), logs])
        runs += [["--format", "text", "--color", "always", logs],
                 ["--format", "markdown", "--show-messages", logs],
                 ["events", logs], ["events", "--show-messages", logs],
                 ["events", "-o", os.path.join(out_dir, "events.jsonl"), logs],
                 ["sessions", logs]]
        for args in runs:
            run = subprocess.run([loopscope] + args, capture_output=True, timeout=120,
                                 stdin=subprocess.DEVNULL, env=dict(os.environ, COLUMNS="100"))
            if run.returncode not in (0, 1):
                failures.append(f"{args}: exit {run.returncode}: {run.stderr[:500]!r}")
            for stream, blob in (("stdout", run.stdout), ("stderr", run.stderr)):
                found = leaks(blob.decode("utf-8", "replace"))
                if found:
                    failures.append(f"loopscope {' '.join(args)}: {stream} leaks {found}")
        for name in sorted(os.listdir(out_dir)):
            with open(os.path.join(out_dir, name), encoding="utf-8", errors="replace") as fh:
                found = leaks(fh.read())
            if found:
                failures.append(f"-o {name}: leaks {found}")
        left = [n for n in os.listdir(out_dir) if ".tmp" in n]
        if left:
            failures.append(f"temporary files left next to -o targets: {left}")

        # The check of the check: unredacted, the planted values do reach the outputs.
        seen = ""
        for args in (["events", "--no-redact", "--show-messages", logs],
                     ["--format", "json", "--no-redact", logs],
                     ["--format", "text", "--no-redact", logs]):
            run = subprocess.run([loopscope] + args, capture_output=True, timeout=120,
                                 stdin=subprocess.DEVNULL)
            seen += run.stdout.decode("utf-8", "replace") + run.stderr.decode("utf-8", "replace")
        reachable = [name for name, value in SECRETS.items() if value in seen]
        unreached = [name for name in SECRETS if name not in reachable]
        print(f"planted values that reach an output without redaction: {len(reachable)}/"
              f"{len(SECRETS)}")
        if unreached:
            print(f"  not reached (parsers keep no field holding them): {unreached}")
        if len(reachable) < len(SECRETS) // 2:
            failures.append(f"only {reachable} reach any output unredacted: the planting no longer "
                            f"tests redaction; plant into lines the parsers keep")

    for f in failures:
        print(f)
    print("ok" if not failures else f"{len(failures)} failure(s)")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
