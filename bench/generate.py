#!/usr/bin/env python3
"""Generates benchmark inputs from the recorded samples: a Codex rollout JSONL and a
LiteLLM/uvicorn proxy log, each about --mb megabytes, with fresh ids and advancing clocks.

Deterministic (seeded), so two runs time the same bytes. Nothing here is committed output:
bench/run.sh writes under /tmp.

  generate.py rollout OUT [--mb 300]
  generate.py proxy OUT [--mb 300]
  generate.py stream rollout|proxy [--gb 10]   # to stdout, for streaming RSS checks
  generate.py many DIR [--files 10000] [--mb 392] [--overlap]
             one rollout file per session, in one directory; --overlap starts every session at the
             same time (the hardest case for the merge: every file is open at once)
  --one-turn (rollout, stream): a single turn that never ends (no further task_started or
             task_complete), as a runaway loop writes it
"""
import argparse
import base64
import glob
import json
import os
import random
import re
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


def sample_lines(pattern):
    lines = []
    for path in sorted(glob.glob(os.path.join(ROOT, pattern))):
        with open(path, encoding="utf-8", errors="replace") as f:
            lines.extend(line.rstrip("\n") for line in f)
    return lines


class ids:
    def __init__(self, rng):
        self.rng = rng
        self.n = 0

    def uuid(self):
        self.n += 1
        r = self.rng.getrandbits(64)
        return "%08x-%04x-7%03x-%04x-%012x" % (
            0x01A30000 + (self.n >> 12), self.n & 0xFFFF, r & 0xFFF, 0x8000 | ((r >> 12) & 0x3FFF),
            (r >> 26) & 0xFFFFFFFFFFFF)

    def call(self):
        return "call_%020x" % self.rng.getrandbits(80)


# Source text for tool outputs and messages: the project's own code and docs (realistic shapes,
# non-ASCII included).
def text_pool():
    chunks = []
    for pattern in ("src/*/*.cpp", "docs/*.md", "README.md", "samples/README.md"):
        for path in sorted(glob.glob(os.path.join(ROOT, pattern))):
            with open(path, encoding="utf-8", errors="replace") as f:
                chunks.append(f.read())
    return "\n".join(chunks)


COMMANDS = [
    "ls -la", "rg -n \"retry\" src", "cat src/main.rs", "cargo test --quiet", "git status --short",
    "sed -n '1,200p' src/lib.rs", "python3 -m pytest -x -q", "npm test -- --runInBand",
    "grep -rn \"TODO\" .", "make -j2", "git diff --stat", "find . -name '*.py' | head -50",
]

SENTENCES = [
    "I'll look at the failing test first.", "The retry loop comes from the backoff in the client.",
    "Running the suite again to confirm the fix.", "Next I’ll check the configuration — it may pin "
    "the model.", "The build passes now; one warning remains about an unused variable.",
    "Let me read the module that handles the stream.", "Das Ergebnis: alle Tests grün ✅.",
]


def json_str(s):
    return json.dumps(s, ensure_ascii=False)


class rollout_writer:
    def __init__(self, seed, one_turn=False, steps=(40, 90)):
        self.one_turn = one_turn
        self.steps = steps
        self.started = False
        self.rng = random.Random(seed)
        self.ids = ids(self.rng)
        self.text = text_pool()
        self.clock = 1795916765.0  # 2026-11-29
        meta = [l for l in sample_lines("samples/codex-0.121.0/*/rollout.jsonl") if '"type":"session_meta"' in l]
        self.meta_template = meta[0]

    # Encrypted reasoning is incompressible: fresh random bytes each time, as in real rollouts.
    def blob(self):
        return base64.b64encode(self.rng.randbytes(self.rng.randint(400, 2400))).decode()

    def stamp(self):
        self.clock += self.rng.random() * 0.4
        whole = int(self.clock)
        ms = int((self.clock - whole) * 1000)
        import time
        t = time.gmtime(whole)
        return "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ" % (t.tm_year, t.tm_mon, t.tm_mday, t.tm_hour,
                                                        t.tm_min, t.tm_sec, ms)

    def line(self, kind, payload):
        return '{"timestamp":"%s","type":"%s","payload":%s}\n' % (self.stamp(), kind, payload)

    def snippet(self, low, high):
        n = self.rng.randint(low, high)
        at = self.rng.randrange(0, len(self.text) - n)
        return self.text[at:at + n]

    def session(self, turns):
        sid = self.ids.uuid()
        out = [UUID.sub(sid, self.meta_template, count=1)
               .replace(self.meta_template[14:38], self.stamp(), 1) + "\n"]
        for _ in range(turns):
            out.extend(self.turn())
        return out

    def turn(self):
        rng = self.rng
        tid = self.ids.uuid()
        if self.one_turn and self.started:
            out = []
        else:
            self.started = True
            out = self._turn_head(tid)
        failed = self._turn_body(out)
        if not self.one_turn:
            self._turn_tail(out, tid, failed)
        return out

    def _turn_head(self, tid):
        rng = self.rng
        return [
            self.line("turn_context", '{"turn_id":"%s","cwd":"/home/dev/project","current_date":'
                      '"2026-11-29","timezone":"Etc/UTC","approval_policy":"never","sandbox_policy":'
                      '{"type":"read-only"},"model":"gpt-5","personality":"pragmatic","summary":'
                      '"auto","truncation_policy":{"mode":"bytes","limit":10000}}' % tid),
            self.line("event_msg", '{"type":"task_started","turn_id":"%s","model_context_window":'
                      '258400,"collaboration_mode_kind":"default"}' % tid),
            self.line("event_msg", '{"type":"user_message","message":%s,"images":[],'
                      '"local_images":[],"text_elements":[]}' % json_str(rng.choice(SENTENCES))),
        ]

    def _turn_body(self, out):
        rng = self.rng
        tokens = 0
        steps = rng.randint(*self.steps)  # about 3-5 lines a step: turns of a few hundred lines
        failed = rng.random() < 0.03
        for step in range(steps):
            if rng.random() < 0.5:
                out.append(self.line("response_item", '{"type":"reasoning","summary":[{"type":'
                                     '"summary_text","text":"**Planning next step**"}],"content":'
                                     'null,"encrypted_content":"gAAAAA%s"}' % self.blob()))
                out.append(self.line("event_msg", '{"type":"agent_reasoning","text":%s}'
                                     % json_str(self.snippet(80, 400))))
            if rng.random() < 0.02:
                n = rng.randint(1, 5)
                out.append(self.line("event_msg", '{"type":"stream_error","message":'
                                     '"Reconnecting... %d/5","codex_error_info":{'
                                     '"response_stream_disconnected":{"http_status_code":500}},'
                                     '"additional_details":"unexpected status 500 Internal Server '
                                     'Error: {\\"detail\\":\\"boom\\"}"}' % n))
            call = self.ids.call()
            cmd = rng.choice(COMMANDS)
            if rng.random() < 0.3:
                cmd = "apply_patch <<'EOF'\n*** Begin Patch\n" + self.snippet(100, 1500) + "\nEOF"
            args = json.dumps({"cmd": cmd, "workdir": "/home/dev/project",
                               "yield_time_ms": 10000, "max_output_tokens": 6000})
            out.append(self.line("response_item", '{"type":"function_call","name":"exec_command",'
                                 '"arguments":%s,"call_id":"%s"}' % (json_str(args), call)))
            output = ("Chunk ID: %06x\nWall time: %.4f seconds\nProcess exited with code 0\n"
                      "Original token count: %d\nOutput:\n%s" % (
                          rng.getrandbits(24), rng.random(), rng.randint(5, 900),
                          self.snippet(50, 2500)))
            out.append(self.line("response_item", '{"type":"function_call_output","call_id":"%s",'
                                 '"output":%s}' % (call, json_str(output))))
            tokens += rng.randint(500, 3000)
            out.append(self.line("event_msg", '{"type":"token_count","info":{"total_token_usage":'
                                 '{"input_tokens":%d,"cached_input_tokens":0,"output_tokens":%d,'
                                 '"total_tokens":%d},"last_token_usage":{"input_tokens":%d,'
                                 '"output_tokens":120,"total_tokens":%d},"model_context_window":'
                                 '258400},"rate_limits":null}' % (tokens, tokens // 10, tokens,
                                                                  tokens // 4, tokens // 4 + 120)))
            if rng.random() < 0.25:
                text = rng.choice(SENTENCES)
                out.append(self.line("event_msg", '{"type":"agent_message","message":%s,"phase":'
                                     'null}' % json_str(text)))
                out.append(self.line("response_item", '{"type":"message","role":"assistant",'
                                     '"content":[{"type":"output_text","text":%s}]}'
                                     % json_str(text)))
        return failed

    def _turn_tail(self, out, tid, failed):
        if failed:
            out.append(self.line("event_msg", '{"type":"error","message":"exceeded retry limit, '
                                 'last status: 500 Internal Server Error","codex_error_info":'
                                 '"other"}'))
            out.append(self.line("event_msg", '{"type":"task_complete","turn_id":"%s",'
                                 '"last_agent_message":null}' % tid))
        else:
            out.append(self.line("event_msg", '{"type":"agent_message","message":"Done.","phase":'
                                 'null}'))
            out.append(self.line("event_msg", '{"type":"task_complete","turn_id":"%s",'
                                 '"last_agent_message":"Done."}' % tid))

    def chunks(self):
        if self.one_turn:
            yield "".join(self.session(1))
            while True:
                yield "".join(self.turn())
        while True:
            yield "".join(self.session(self.rng.randint(3, 8)))

    # One session per file, named as Codex names them (rollout-<stamp>-<thread id>.jsonl).
    def session_file(self):
        lines = self.session(1)
        sid = UUID.search(lines[0]).group(0)
        stamp = lines[0][14:33].replace(":", "-")
        return "rollout-%s-%s.jsonl" % (stamp, sid), "".join(lines)


class proxy_writer:
    def __init__(self, seed):
        self.rng = random.Random(seed)
        self.ids = ids(self.rng)
        self.block = "\n".join(sample_lines("samples/codex-0.121.0/*/proxy.log")) + "\n"
        self.seconds = 0
        self.port = 40000

    def chunks(self):
        stamp = re.compile(r"^\d\d:\d\d:\d\d(?= - )", re.M)
        port = re.compile(r"127\.0\.0\.1:\d{5}")
        while True:
            mapping = {}

            def new_id(m):
                old = m.group(0)
                if old not in mapping:
                    mapping[old] = self.ids.uuid()
                return mapping[old]

            def new_stamp(_):
                if self.rng.random() < 0.3:
                    self.seconds = (self.seconds + 1) % 86400
                s = self.seconds
                return "%02d:%02d:%02d" % (s // 3600, s // 60 % 60, s % 60)

            def new_port(_):
                self.port = 40000 + (self.port - 39999) % 25000
                return "127.0.0.1:%d" % self.port

            text = UUID.sub(new_id, self.block)
            text = port.sub(new_port, text)
            yield stamp.sub(new_stamp, text)


def write(writer, sink, limit):
    written = 0
    for chunk in writer.chunks():
        data = chunk.encode("utf-8")
        sink.write(data)
        written += len(data)
        if written >= limit:
            return written


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("what", choices=["rollout", "proxy", "stream", "many"])
    parser.add_argument("out", nargs="?")
    parser.add_argument("--mb", type=float, default=300)
    parser.add_argument("--gb", type=float, default=0)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--files", type=int, default=10000)
    parser.add_argument("--one-turn", action="store_true")
    parser.add_argument("--overlap", action="store_true")
    a = parser.parse_args()
    if a.what == "many":
        os.makedirs(a.out, exist_ok=True)
        # Unless --mb says otherwise, files of 39 kB (issue 19: 10,000 files, 392 MB).
        per_file = a.mb * 1e6 / a.files if a.mb != parser.get_default("mb") else 39200
        # A step writes about 6 kB: sessions of one turn, sized to the total asked for.
        steps = max(1, int(per_file / 6000))
        writer = rollout_writer(a.seed, steps=(max(1, steps // 2), steps + steps // 2))
        total = 0
        start = writer.clock
        for _ in range(a.files):
            if a.overlap:
                writer.clock = start  # every session in the same hours: all open at once
            name, text = writer.session_file()
            data = text.encode("utf-8")
            with open(os.path.join(a.out, name), "wb") as f:
                f.write(data)
            total += len(data)
        print("%s: %d files, %d bytes" % (a.out, a.files, total), file=sys.stderr)
        return
    if a.what == "stream":
        kind, limit = a.out or "rollout", int((a.gb or 10) * 1e9)
        writer = rollout_writer(a.seed, a.one_turn) if kind == "rollout" else proxy_writer(a.seed)
        try:
            write(writer, sys.stdout.buffer, limit)
        except BrokenPipeError:
            pass
        return
    writer = rollout_writer(a.seed, a.one_turn) if a.what == "rollout" else proxy_writer(a.seed)
    with open(a.out, "wb") as f:
        n = write(writer, f, int(a.mb * 1e6))
    print("%s: %d bytes" % (a.out, n), file=sys.stderr)


if __name__ == "__main__":
    main()
