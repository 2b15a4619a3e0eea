#!/usr/bin/env python3
"""Fault-injecting fake OpenAI Responses API server for recording real Codex CLI sessions.

Python 3 standard library only.  It listens on 127.0.0.1:<port>, answers
``POST /v1/responses`` with a Server-Sent-Events stream produced by a scripted
"model" (assistant messages, shell tool calls, web_search_call items), and
injects transport faults per scenario (WebSocket upgrade rejected with
405/403/400, 5xx/429/400 on POST, stream cut before ``response.completed``,
stalled stream).

Everything it sees is written to a log file shaped like the output of a
LiteLLM proxy running behind uvicorn (see litellm-formats.md section 2):

* uvicorn access lines without timestamp
  ``INFO:     127.0.0.1:50412 - "POST /v1/responses HTTP/1.1" 200 OK``
* for a WebSocket upgrade rejected by a Starlette WebSocket route, the uvicorn
  WebSocket shape ``"WebSocket /v1/responses" 403`` + ``connection rejected`` +
  ``connection closed``
* LiteLLM text records ``HH:MM:SS - LiteLLM Proxy:DEBUG: proxy_server.py:N - ...``
  (local wall-clock time), one ``Request received by LiteLLM`` DEBUG line per
  request carrying the request headers as a Python dict repr (including the
  ``authorization`` bearer key and Codex's ``session_id``,
  ``x-client-request-id`` and ``x-codex-turn-metadata`` headers), ERROR records
  with a multi-line traceback for failures, and LiteLLM Router INFO lines.

The scenarios (the scripted model plus its faults) live in SCENARIOS below.
``--shell-config NAME`` prints the recording parameters of a scenario as shell
assignments for samples/record.sh.

Usage:
  fault_proxy.py --scenario NAME --port PORT --log proxy.log [--dump-dir DIR]
  fault_proxy.py --shell-config NAME
  fault_proxy.py --list
"""

import argparse
import datetime
import json
import os
import select
import shlex
import signal
import socket
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

# ---------------------------------------------------------------------------
# Scripted model building blocks
# ---------------------------------------------------------------------------


def msg(text):
    """An assistant message output item."""
    return {"kind": "message", "text": text}


def shell(cmd):
    """A call to Codex's shell tool (name/arguments adapted to the request's tools)."""
    return {"kind": "shell", "cmd": cmd}


def web_search(query):
    """A server-side web_search_call output item."""
    return {"kind": "web_search", "query": query}


def ok():
    return {"action": "ok"}


def status(code, headers=None):
    return {"action": "status", "code": code, "headers": headers or {}}


def cut():
    return {"action": "cut"}


def stall():
    return {"action": "stall"}


# A turn is {"prompt": str, "steps": [[item, ...], ...], "faults": f}
# steps[k] is the model output for the k-th sampling request of the turn
# (k = number of function_call_output items the request carries after the
# turn's user prompt).  faults(step, attempt) -> action, where attempt counts
# the POSTs already received for that (turn, step), starting at 0.


def no_faults(step, attempt):
    return ok()


def fail_first(n, actions):
    """Fail the first n POSTs of step 0 with actions[i % len(actions)], then succeed."""

    def f(step, attempt):
        if step == 0 and attempt < n:
            return actions[attempt % len(actions)]
        return ok()

    return f


def always(action):
    def f(step, attempt):
        return action

    return f


TOOL_REPEAT_CMD = "cat notes.txt"

SCENARIOS = {
    "healthy": {
        "description": "Three turns without any fault: tool calls and answers over HTTP/SSE.",
        "websockets": False,
        "turns": [
            {"prompt": "List the files in this project and tell me what it is.",
             "steps": [[msg("I'll list the files first."), shell("ls")],
                       [msg("This is a tiny demo project with a README, a notes file and a Python script.")]]},
            {"prompt": "What does hello.py print?",
             "steps": [[shell("cat hello.py")],
                       [msg("hello.py prints \"hello from loopscope\".")]]},
            {"prompt": "Thanks, that's all.",
             "steps": [[msg("You're welcome.")]]},
        ],
    },
    "ws-405-fallback": {
        "description": "WebSocket upgrade answered 405 (no WS route): Codex retries the upgrade, then falls back to HTTP, again in every process (exec + 2 resumes).",
        "websockets": True,
        "ws_reject": {"status": 405, "style": "http"},
        "turns": [
            {"prompt": "Say hello.",
             "steps": [[msg("Hello! How can I help with this project?")]]},
            {"prompt": "Show me the notes file.",
             "steps": [[shell("cat notes.txt")],
                       [msg("The notes say the tests are run with `python3 hello.py`.")]]},
            {"prompt": "Thanks.",
             "steps": [[msg("You're welcome.")]]},
        ],
    },
    "ws-403-model-required": {
        "description": "WebSocket upgrade rejected with 403 by a WS route that requires ?model= (uvicorn WebSocket log shape): retries, then HTTP fallback in each process.",
        "websockets": True,
        "ws_reject": {"status": 403, "style": "websocket"},
        "turns": [
            {"prompt": "Say hello.",
             "steps": [[msg("Hello! What should I look at?")]]},
            {"prompt": "What is in hello.py?",
             "steps": [[shell("cat hello.py")],
                       [msg("hello.py prints a greeting.")]]},
        ],
    },
    "ws-400-missing-model": {
        "description": "WebSocket upgrade answered 400 because ?model= is missing: the turn fails at once, no retry, no HTTP fallback, in both processes.",
        "websockets": True,
        "ws_reject": {"status": 400, "style": "http", "unless_query": "model"},
        "turns": [
            {"prompt": "Say hello.", "steps": [[msg("Hello!")]]},
            {"prompt": "Say hello again.", "steps": [[msg("Hello again!")]]},
        ],
    },
    "http-500-exhausted": {
        "description": "Every POST answered 500: each turn spends the request and stream retry budgets (30 POSTs) and fails; the same failure repeats in the next turn.",
        "websockets": False,
        "turns": [
            {"prompt": "Say hello.", "steps": [[msg("Hello!")]], "faults": always(status(500))},
            {"prompt": "Try again please.", "steps": [[msg("Hello!")]], "faults": always(status(500))},
        ],
    },
    "http-502-503-absorbed": {
        "description": "A few 502/503 answers that Codex absorbs: silent request-level retries in turn 1, one visible stream retry in turn 2, all turns complete.",
        "websockets": False,
        "turns": [
            {"prompt": "Say hello.", "steps": [[msg("Hello!")]],
             "faults": fail_first(3, [status(502), status(503)])},
            {"prompt": "List the files.", "steps": [[shell("ls")], [msg("There are three files: README.md, hello.py and notes.txt.")]],
             "faults": fail_first(6, [status(503), status(502)])},
            {"prompt": "Thanks.", "steps": [[msg("You're welcome.")]]},
        ],
    },
    "http-429": {
        "description": "A 429 with Retry-After on the first POST: Codex does not retry it and fails the turn with 'exceeded retry limit'; the next turn succeeds.",
        "websockets": False,
        "turns": [
            {"prompt": "Say hello.", "steps": [[msg("Hello!")]],
             "faults": always(status(429, {"Retry-After": "2"}))},
            {"prompt": "Say hello again.", "steps": [[msg("Hello again!")]]},
        ],
    },
    "http-429-recovers": {
        "description": "Two 429 answers with Retry-After: 1, then the proxy recovers. Codex 0.121 fails the turn at the first 429; 0.171 retries 429 at the turn level (honouring Retry-After) and the turn completes.",
        "websockets": False,
        "turns": [
            {"prompt": "Say hello.", "steps": [[msg("Hello!")]],
             "faults": fail_first(2, [status(429, {"Retry-After": "1"})])},
            {"prompt": "Say hello again.", "steps": [[msg("Hello again!")]]},
        ],
    },
    "http-400-bad-request": {
        "description": "A non-retriable 400 on POST: the turn fails at once without any retry; the next turn succeeds.",
        "websockets": False,
        "turns": [
            {"prompt": "Say hello.", "steps": [[msg("Hello!")]], "faults": always(status(400))},
            {"prompt": "Say hello again.", "steps": [[msg("Hello again!")]]},
        ],
    },
    "stream-cut": {
        "description": "SSE stream closed before response.completed: turn 1 recovers after 2 stream retries, turn 2 is cut every time and fails after 5 retries.",
        "websockets": False,
        "turns": [
            {"prompt": "Explain what this project does.",
             "steps": [[msg("This project prints a greeting from hello.py and keeps its notes in notes.txt.")]],
             "faults": fail_first(2, [cut()])},
            {"prompt": "Explain it in more detail.",
             "steps": [[msg("hello.py is a one-line script; notes.txt says how to run it.")]],
             "faults": always(cut())},
        ],
    },
    "stream-stall": {
        "description": "SSE stream stalls after response.created (stream_idle_timeout_ms=3000): idle timeouts cause 1 stream retry in turn 1 and 2 in turn 2; both turns complete.",
        "websockets": False,
        "provider_extra": "stream_idle_timeout_ms=3000",
        "turns": [
            {"prompt": "Say hello.", "steps": [[msg("Hello!")]], "faults": fail_first(1, [stall()])},
            {"prompt": "Say hello again.", "steps": [[msg("Hello again!")]], "faults": fail_first(2, [stall()])},
        ],
    },
    "tool-repeat": {
        "description": "The model runs the identical shell command 7 times in one turn and gets the identical output each time.",
        "websockets": False,
        "turns": [
            {"prompt": "Check the notes file and tell me when the tests pass.",
             "steps": [[msg("Let me check the notes.") if i == 0 else msg("Let me check the notes again."), shell(TOOL_REPEAT_CMD)]
                       for i in range(7)]
                      + [[msg("The notes still say the tests are run with `python3 hello.py`; nothing changed.")]]},
            {"prompt": "Stop checking and summarise.",
             "steps": [[msg("Summary: notes.txt says to run `python3 hello.py`.")]]},
        ],
    },
    "monologue": {
        "description": "The model answers five consecutive turns with near-identical 'I will inspect the repo, then run tests' messages and never does it.",
        "websockets": False,
        "turns": [
            {"prompt": "Please fix the failing tests.",
             "steps": [[msg("I will inspect the repo, then run tests.")]]},
            {"prompt": "Go ahead.",
             "steps": [[msg("I'll inspect the repo and then run the tests.")]]},
            {"prompt": "You didn't do anything. Please run the tests.",
             "steps": [[msg("I will inspect the repository, then run the tests.")]]},
            {"prompt": "Run them now.",
             "steps": [[msg("I'll inspect the repo, then run tests.")]]},
            {"prompt": "Stop. Just run python3 hello.py.",
             "steps": [[msg("I will inspect the repo and then run tests.")]]},
        ],
    },
    "web-search-repeat": {
        "description": "The model emits the same web_search_call query 6 times in turn 1 and 4 times in turn 2 (Codex's 'Searching the web' loop).",
        "websockets": False,
        "turns": [
            {"prompt": "Find the latest release notes of the codex cli.",
             "steps": [[web_search("codex cli latest release notes") for _ in range(6)]
                       + [msg("I could not find the release notes.")]]},
            {"prompt": "Search again.",
             "steps": [[web_search("codex cli latest release notes") for _ in range(4)]
                       + [msg("Still nothing new.")]]},
        ],
    },
}

# ---------------------------------------------------------------------------
# Logging in the LiteLLM/uvicorn shape
# ---------------------------------------------------------------------------

REASONS = {
    101: "Switching Protocols", 200: "OK", 400: "Bad Request", 401: "Unauthorized",
    403: "Forbidden", 404: "Not Found", 405: "Method Not Allowed", 429: "Too Many Requests",
    500: "Internal Server Error", 502: "Bad Gateway", 503: "Service Unavailable",
}

# LiteLLM line numbers (stable fakes, in the ranges of proxy_server.py / router.py)
LN_REQ_RECEIVED = 4064
LN_HANDLE_EXC = 5213
LN_DATA_GEN = 4672
LN_ROUTER_EXC = 3281
LN_ROUTER_RETRY = 3977


class ProxyLog:
    def __init__(self, path):
        self.lock = threading.Lock()
        self.f = open(path, "a", encoding="utf-8")

    def raw(self, text):
        with self.lock:
            self.f.write(text if text.endswith("\n") else text + "\n")
            self.f.flush()

    def uvicorn(self, text, level="INFO"):
        self.raw((level + ":").ljust(9) + " " + text)

    def litellm(self, logger, level, filename, lineno, message):
        ts = datetime.datetime.now().strftime("%H:%M:%S")
        self.raw(f"{ts} - {logger}:{level}: {filename}:{lineno} - {message}")


TRACEBACKS = {
    "post": [
        "Traceback (most recent call last):",
        '  File "/usr/lib/python3.13/site-packages/litellm/proxy/response_api_endpoints/endpoints.py", line 106, in responses_api',
        "    return await processor.base_process_llm_request(",
        "           ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^",
        '  File "/usr/lib/python3.13/site-packages/litellm/proxy/common_request_processing.py", line 531, in base_process_llm_request',
        "    responses = await llm_responses",
        "                ^^^^^^^^^^^^^^^^^^^",
        '  File "/usr/lib/python3.13/site-packages/litellm/router.py", line 3275, in _ageneric_api_call_with_fallbacks',
        "    raise e",
    ],
    "stream": [
        "Traceback (most recent call last):",
        '  File "/usr/lib/python3.13/site-packages/litellm/proxy/proxy_server.py", line 4651, in async_data_generator',
        "    async for chunk in proxy_logging_obj.async_post_call_streaming_iterator_hook(",
        '  File "/usr/lib/python3.13/site-packages/litellm/responses/streaming_iterator.py", line 232, in __anext__',
        "    chunk = await self.response.__anext__()",
        "            ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^",
        '  File "/usr/lib/python3.13/site-packages/httpx/_models.py", line 997, in aiter_lines',
        "    async for text in self.aiter_text():",
        '  File "/usr/lib/python3.13/site-packages/httpcore/_async/http11.py", line 217, in _receive_event',
        "    raise RemoteProtocolError(msg)",
        "httpcore.RemoteProtocolError: peer closed connection without sending complete message body (incomplete chunked read)",
    ],
}

EXCEPTIONS = {
    500: ("InternalServerError", "litellm.InternalServerError: InternalServerError: OpenAIException - Internal Server Error"),
    502: ("BadGatewayError", "litellm.BadGatewayError: BadGatewayError: OpenAIException - Bad Gateway"),
    503: ("ServiceUnavailableError", "litellm.ServiceUnavailableError: ServiceUnavailableError: OpenAIException - Service Unavailable"),
    429: ("RateLimitError", "litellm.RateLimitError: RateLimitError: OpenAIException - Rate limit reached for gpt-5 in organization org-fake on tokens per min (TPM): Limit 30000, Used 30000, Requested 2612. Please try again in 2s."),
    400: ("BadRequestError", "litellm.BadRequestError: OpenAIException - Invalid schema for function 'exec_command': In context=('properties', 'cmd'), 'description' is required."),
}

# ---------------------------------------------------------------------------
# SSE generation
# ---------------------------------------------------------------------------


def pick_shell_tool(tools):
    """Find Codex's shell tool in the request's tools and return (name, argument builder)."""
    by_name = {}
    for t in tools or []:
        if isinstance(t, dict):
            name = t.get("name") or (t.get("function") or {}).get("name")
            if name:
                by_name[name] = t
    for name in ("exec_command", "shell_command", "shell", "local_shell"):
        if name in by_name:
            t = by_name[name]
            props = ((t.get("parameters") or {}).get("properties") or {})
            if "cmd" in props:
                return name, lambda c: {"cmd": c}
            if "command" in props:
                ctype = (props["command"] or {}).get("type")
                if ctype == "array":
                    return name, lambda c: {"command": ["bash", "-lc", c]}
                return name, lambda c: {"command": c}
            return name, lambda c: {"cmd": c}
    # Fallback: exec_command with cmd (Codex 0.121 default for gpt-5 family).
    return "exec_command", lambda c: {"cmd": c}


class SSEWriter:
    """Writes SSE events with HTTP/1.1 chunked transfer encoding (as uvicorn's StreamingResponse)."""

    def __init__(self, wfile):
        self.wfile = wfile
        self.seq = 0

    def event(self, etype, data):
        data = dict(data)
        data["type"] = etype
        data.setdefault("sequence_number", self.seq)
        self.seq += 1
        payload = f"event: {etype}\ndata: {json.dumps(data, separators=(',', ':'))}\n\n".encode()
        self.wfile.write(b"%x\r\n%s\r\n" % (len(payload), payload))
        self.wfile.flush()

    def end(self):
        self.wfile.write(b"0\r\n\r\n")
        self.wfile.flush()


class Ids:
    lock = threading.Lock()
    counter = 0

    @classmethod
    def next(cls, prefix):
        with cls.lock:
            cls.counter += 1
            n = cls.counter
        return f"{prefix}_{n:04d}{os.getpid() % 10000:04d}a7c3e9f1b2d4"


def build_output(items, tools):
    """Turn scripted items into complete Responses API output items."""
    out = []
    tool_name, mkargs = pick_shell_tool(tools)
    for it in items:
        if it["kind"] == "message":
            out.append({"id": Ids.next("msg"), "type": "message", "status": "completed", "role": "assistant",
                        "content": [{"type": "output_text", "annotations": [], "logprobs": [], "text": it["text"]}]})
        elif it["kind"] == "shell":
            out.append({"id": Ids.next("fc"), "type": "function_call", "status": "completed",
                        "arguments": json.dumps(mkargs(it["cmd"])), "call_id": Ids.next("call"),
                        "name": tool_name})
        elif it["kind"] == "web_search":
            out.append({"id": Ids.next("ws"), "type": "web_search_call", "status": "completed",
                        "action": {"type": "search", "query": it["query"]}})
    return out


def stream_output(sse, resp_id, model, output, usage, cut_after_first_delta=False):
    """Emit the events of one response. Returns False if cut before completion."""
    created = int(time.time())
    base = {"id": resp_id, "object": "response", "created_at": created, "model": model}
    sse.event("response.created", {"response": dict(base, status="in_progress", output=[])})
    sse.event("response.in_progress", {"response": dict(base, status="in_progress", output=[])})
    for idx, item in enumerate(output):
        t = item["type"]
        if t == "message":
            text = item["content"][0]["text"]
            sse.event("response.output_item.added", {"output_index": idx, "item": dict(item, status="in_progress", content=[])})
            sse.event("response.content_part.added", {"item_id": item["id"], "output_index": idx, "content_index": 0,
                                                      "part": {"type": "output_text", "annotations": [], "text": ""}})
            words = text.split(" ")
            half = max(1, len(words) // 2)
            chunks = [" ".join(words[:half]), (" " + " ".join(words[half:])) if words[half:] else ""]
            for ch in chunks:
                if ch:
                    sse.event("response.output_text.delta", {"item_id": item["id"], "output_index": idx,
                                                             "content_index": 0, "delta": ch, "logprobs": []})
                    if cut_after_first_delta:
                        return False
            sse.event("response.output_text.done", {"item_id": item["id"], "output_index": idx, "content_index": 0,
                                                    "text": text, "logprobs": []})
            sse.event("response.content_part.done", {"item_id": item["id"], "output_index": idx, "content_index": 0,
                                                     "part": item["content"][0]})
            sse.event("response.output_item.done", {"output_index": idx, "item": item})
        elif t == "function_call":
            sse.event("response.output_item.added", {"output_index": idx, "item": dict(item, status="in_progress", arguments="")})
            sse.event("response.function_call_arguments.delta", {"item_id": item["id"], "output_index": idx,
                                                                 "delta": item["arguments"]})
            if cut_after_first_delta:
                return False
            sse.event("response.function_call_arguments.done", {"item_id": item["id"], "output_index": idx,
                                                                "arguments": item["arguments"]})
            sse.event("response.output_item.done", {"output_index": idx, "item": item})
        elif t == "web_search_call":
            sse.event("response.output_item.added", {"output_index": idx, "item": {"id": item["id"], "type": "web_search_call", "status": "in_progress"}})
            sse.event("response.web_search_call.in_progress", {"item_id": item["id"], "output_index": idx})
            sse.event("response.web_search_call.searching", {"item_id": item["id"], "output_index": idx})
            sse.event("response.web_search_call.completed", {"item_id": item["id"], "output_index": idx})
            sse.event("response.output_item.done", {"output_index": idx, "item": item})
    sse.event("response.completed", {"response": dict(base, status="completed", output=output, usage=usage)})
    return True


# ---------------------------------------------------------------------------
# Request analysis
# ---------------------------------------------------------------------------


def is_real_user_message(item):
    if not isinstance(item, dict) or item.get("type") != "message" or item.get("role") != "user":
        return False
    texts = [c.get("text", "") for c in item.get("content") or [] if isinstance(c, dict)]
    joined = "".join(texts).lstrip()
    # Codex-injected context blocks are sent with role "user" too.
    for prefix in ("<environment_context>", "<user_instructions>", "# AGENTS.md", "<turn_aborted>", "<skills_instructions>"):
        if joined.startswith(prefix):
            return False
    return True


def analyse_input(body):
    """Return (turn_index 1-based, step index) from the request input."""
    items = body.get("input") or []
    if isinstance(items, str):
        return 1, 0
    user_positions = [i for i, it in enumerate(items) if is_real_user_message(it)]
    turn = max(1, len(user_positions))
    last = user_positions[-1] if user_positions else -1
    step = sum(1 for it in items[last + 1:] if isinstance(it, dict) and it.get("type") == "function_call_output")
    return turn, step


# ---------------------------------------------------------------------------
# HTTP handler
# ---------------------------------------------------------------------------


class State:
    def __init__(self, scenario, log, dump_dir):
        self.scenario = scenario
        self.log = log
        self.dump_dir = dump_dir
        self.lock = threading.Lock()
        self.attempts = {}
        self.n_requests = 0
        self.stop = threading.Event()

    def next_attempt(self, key):
        with self.lock:
            n = self.attempts.get(key, 0)
            self.attempts[key] = n + 1
            return n

    def next_request_no(self):
        with self.lock:
            self.n_requests += 1
            return self.n_requests


STATE = None


def headers_repr(headers):
    d = {}
    for k, v in headers.items():
        d[k.lower()] = v
    return repr(d)


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "uvicorn"
    sys_version = ""

    def log_message(self, fmt, *args):  # silence http.server's own stderr logging
        pass

    # -- helpers ---------------------------------------------------------
    def client(self):
        return f"{self.client_address[0]}:{self.client_address[1]}"

    def access(self, code):
        STATE.log.uvicorn(f'{self.client()} - "{self.command} {self.path} {self.request_version}" {code} {REASONS.get(code, "")}'.rstrip())

    def debug_received(self, extra):
        STATE.log.litellm("LiteLLM Proxy", "DEBUG", "proxy_server.py", LN_REQ_RECEIVED,
                          f"Request received by LiteLLM: {extra} headers={headers_repr(self.headers)}")

    def dump(self, kind, body):
        if not STATE.dump_dir:
            return
        n = STATE.next_request_no()
        with open(os.path.join(STATE.dump_dir, f"{n:04d}-{kind}.json"), "w") as f:
            json.dump({"method": self.command, "path": self.path, "headers": dict(self.headers.items()),
                       "body": body}, f, indent=1)

    def send_json(self, code, obj, extra_headers=None, close=False):
        data = json.dumps(obj).encode()
        self.send_response_only(code, REASONS.get(code))
        self.send_header("date", self.date_time_string())
        self.send_header("server", "uvicorn")
        self.send_header("content-length", str(len(data)))
        self.send_header("content-type", "application/json")
        for k, v in (extra_headers or {}).items():
            self.send_header(k, v)
        if close:
            self.send_header("connection", "close")
            self.close_connection = True
        # Status line, headers and body in one write: Codex's WebSocket client reads
        # the error body only if it arrives together with the headers, so separate
        # writes make the recorded error messages vary from run to run.
        self._headers_buffer.append(b"\r\n")
        payload = b"".join(self._headers_buffer) + data
        self._headers_buffer = []
        self.wfile.write(payload)
        self.wfile.flush()

    # -- GET (WebSocket upgrade) -------------------------------------------
    def do_GET(self):
        path_only, _, query = self.path.partition("?")
        upgrade = (self.headers.get("Upgrade") or "").lower() == "websocket"
        self.dump("get", None)
        sc = STATE.scenario
        rej = sc.get("ws_reject")
        if path_only.rstrip("/").endswith("/responses") and upgrade and rej:
            st = rej["status"]
            if rej.get("unless_query") and f"{rej['unless_query']}=" in query:
                st = None
            if st is None:
                # Not exercised by the scenarios: a compliant WS server would be needed.
                st = 501
            # Logged for every request (also rejected upgrades) so that the proxy log
            # carries Codex's join headers; a stock LiteLLM would not log these.
            self.debug_received(f"method=GET path={path_only} websocket=True model=None")
            if rej["style"] == "websocket":
                # Starlette rejecting a WebSocket route before accept: uvicorn answers
                # a plain HTTP 403 and logs the WebSocket access shape.
                STATE.log.uvicorn(f'{self.client()} - "WebSocket {self.path}" {st}')
                STATE.log.uvicorn(f"connection rejected ({st} {REASONS.get(st, '')})")
                STATE.log.uvicorn("connection closed")
                data = b""
                self.send_response_only(st, REASONS.get(st))
                self.send_header("date", self.date_time_string())
                self.send_header("server", "uvicorn")
                self.send_header("content-length", "0")
                self.send_header("connection", "close")
                self.end_headers()
                self.close_connection = True
                return
            if st == 405:
                # uvicorn without a WebSocket library: the upgrade is served as a plain
                # GET on a POST-only route -> FastAPI 405.
                STATE.log.uvicorn("Unsupported upgrade request.", level="WARNING")
                self.access(405)
                self.send_json(405, {"detail": "Method Not Allowed"}, {"allow": "POST"})
                return
            if st == 400:
                err = {"error": {"message": "litellm.BadRequestError: Model must be provided either in the websocket query string (?model=) or the first response.create event",
                                 "type": "invalid_request_error", "param": "model", "code": "400"}}
                STATE.log.litellm("LiteLLM Proxy", "ERROR", "endpoints.py", 318,
                                  "litellm.proxy.response_api_endpoints.endpoints.responses_websocket_endpoint(): Exception occured - "
                                  + err["error"]["message"])
                self.access(400)
                self.send_json(400, err)
                return
            self.access(st)
            self.send_json(st, {"detail": REASONS.get(st, "error")})
            return
        # Anything else (e.g. /v1/models) -> 404 like FastAPI.
        self.access(404)
        self.send_json(404, {"detail": "Not Found"})

    # -- POST /v1/responses -------------------------------------------------
    def do_POST(self):
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        enc = (self.headers.get("Content-Encoding") or "").lower()
        if enc == "zstd" or enc == "gzip":
            import gzip
            try:
                raw = gzip.decompress(raw)
            except Exception:
                pass
        try:
            body = json.loads(raw or b"{}")
        except Exception:
            body = {}
        self.dump("post", body)
        path_only = self.path.partition("?")[0]
        if not path_only.rstrip("/").endswith("/responses"):
            self.access(404)
            self.send_json(404, {"detail": "Not Found"})
            return
        model = body.get("model", "gpt-5")
        turn, step = analyse_input(body)
        attempt = STATE.next_attempt((turn, step))
        self.debug_received(f"method=POST path={path_only} model={model} stream={body.get('stream')} "
                            f"input_items={len(body.get('input') or [])} tools={len(body.get('tools') or [])}")
        sc = STATE.scenario
        turns = sc["turns"]
        tdef = turns[min(turn, len(turns)) - 1]
        steps = tdef["steps"]
        items = steps[min(step, len(steps) - 1)]
        faults = tdef.get("faults", no_faults)
        action = faults(step, attempt)

        if action["action"] == "status":
            self.fail_status(action["code"], action.get("headers") or {}, model)
            return

        output = build_output(items, body.get("tools"))
        in_tokens = max(1, len(raw) // 4)
        out_tokens = sum(len(json.dumps(o)) // 4 for o in output)
        usage = {"input_tokens": in_tokens, "input_tokens_details": {"cached_tokens": 0},
                 "output_tokens": out_tokens, "output_tokens_details": {"reasoning_tokens": 0},
                 "total_tokens": in_tokens + out_tokens}
        resp_id = Ids.next("resp")

        self.send_response_only(200, "OK")
        self.send_header("date", self.date_time_string())
        self.send_header("server", "uvicorn")
        self.send_header("content-type", "text/event-stream; charset=utf-8")
        self.send_header("transfer-encoding", "chunked")
        self.send_header("x-litellm-call-id", Ids.next("litellm"))
        self.send_header("x-litellm-model-group", model)
        self.end_headers()
        self.access(200)
        sse = SSEWriter(self.wfile)
        try:
            if action["action"] == "stall":
                sse.event("response.created", {"response": {"id": resp_id, "object": "response",
                                                            "created_at": int(time.time()), "model": model,
                                                            "status": "in_progress", "output": []}})
                self.wait_client_gone(60)
                self.close_connection = True
                return
            if action["action"] == "cut":
                stream_output(sse, resp_id, model, output, usage, cut_after_first_delta=True)
                STATE.log.litellm("LiteLLM Proxy", "ERROR", "proxy_server.py", LN_DATA_GEN,
                                  "litellm.proxy.proxy_server.async_data_generator(): Exception occured - "
                                  "litellm.APIConnectionError: APIConnectionError: OpenAIException - peer closed connection "
                                  "without sending complete message body (incomplete chunked read)\n"
                                  + "\n".join(TRACEBACKS["stream"]))
                self.abort()
                return
            stream_output(sse, resp_id, model, output, usage)
            sse.end()
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True

    def fail_status(self, code, headers, model):
        cls, text = EXCEPTIONS.get(code, ("APIError", f"litellm.APIError: APIError: OpenAIException - status {code}"))
        if code >= 500 or code == 429:
            STATE.log.litellm("LiteLLM Router", "INFO", "router.py", LN_ROUTER_RETRY,
                              "Retrying request with num_retries: 2")
        retried = " LiteLLM Retried: 2 times, LiteLLM Max Retries: 2" if (code >= 500 or code == 429) else ""
        STATE.log.litellm("LiteLLM Router", "INFO", "router.py", LN_ROUTER_EXC,
                          f"ageneric_api_call_with_fallbacks(model={model}) Exception {text}{retried}")
        tb = "\n".join(TRACEBACKS["post"] + [f"litellm.exceptions.{cls}: {text}"])
        STATE.log.litellm("LiteLLM Proxy", "ERROR", "proxy_server.py", LN_HANDLE_EXC,
                          f"litellm.proxy.proxy_server._handle_llm_api_exception(): Exception occured - {text}{retried}\n{tb}")
        self.access(code)
        err = {"error": {"message": f"{text}{retried}\nReceived Model Group={model}\nAvailable Model Group Fallbacks=None",
                         "type": None, "param": None, "code": str(code)}}
        if code == 400:
            err["error"]["type"] = "invalid_request_error"
        self.send_json(code, err, headers)

    def wait_client_gone(self, limit):
        """Keep the connection open without sending anything until the client closes it."""
        sock = self.connection
        deadline = time.time() + limit
        while time.time() < deadline and not STATE.stop.is_set():
            r, _, _ = select.select([sock], [], [], 0.2)
            if r:
                try:
                    if not sock.recv(1, socket.MSG_PEEK):
                        return
                except OSError:
                    return

    def abort(self):
        self.close_connection = True
        try:
            self.wfile.flush()
            self.connection.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass


# ---------------------------------------------------------------------------
# main
# ---------------------------------------------------------------------------


def shell_config(name):
    sc = SCENARIOS[name]
    lines = [
        f"SC_WEBSOCKETS={'true' if sc.get('websockets') else 'false'}",
        f"SC_PROVIDER_EXTRA={shlex.quote(sc.get('provider_extra', ''))}",
        f"SC_DESCRIPTION={shlex.quote(sc['description'])}",
        "SC_PROMPTS=(" + " ".join(shlex.quote(t["prompt"]) for t in sc["turns"]) + ")",
    ]
    return "\n".join(lines)


def main():
    global STATE
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--scenario")
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--log")
    ap.add_argument("--dump-dir")
    ap.add_argument("--port-file", help="write the bound port here once listening")
    ap.add_argument("--shell-config", metavar="NAME")
    ap.add_argument("--list", action="store_true")
    a = ap.parse_args()
    if a.list:
        for k in SCENARIOS:
            print(k)
        return 0
    if a.shell_config:
        if a.shell_config not in SCENARIOS:
            print(f"unknown scenario {a.shell_config}", file=sys.stderr)
            return 2
        print(shell_config(a.shell_config))
        return 0
    if not a.scenario or a.scenario not in SCENARIOS or not a.log:
        ap.error("--scenario (known name) and --log are required")
    if a.dump_dir:
        os.makedirs(a.dump_dir, exist_ok=True)
    STATE = State(SCENARIOS[a.scenario], ProxyLog(a.log), a.dump_dir)
    ThreadingHTTPServer.daemon_threads = True
    ThreadingHTTPServer.allow_reuse_address = True
    srv = ThreadingHTTPServer(("127.0.0.1", a.port), Handler)
    port = srv.server_address[1]
    if a.port_file:
        tmp = a.port_file + ".tmp"
        with open(tmp, "w") as f:
            f.write(str(port))
        os.replace(tmp, a.port_file)

    def on_term(signum, frame):
        STATE.stop.set()
        threading.Thread(target=srv.shutdown, daemon=True).start()

    signal.signal(signal.SIGTERM, on_term)
    signal.signal(signal.SIGINT, on_term)
    srv.serve_forever(poll_interval=0.2)
    srv.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
