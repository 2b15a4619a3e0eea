#!/usr/bin/env python3
"""Derive expected.json for a recorded sample from its files.

    measure.py SAMPLE_DIR [SAMPLE_DIR...]          print the measured JSON
    measure.py --write SAMPLE_DIR [SAMPLE_DIR...]  write SAMPLE_DIR/expected.json

Reads rollout.jsonl, exec.jsonl, trace.log and proxy.log of a sample recorded by
samples/record.sh (a TUI sample, tui-*, has no exec.jsonl/trace.log: its turn outcomes come
from the rollout and its tracing lines from codex-tui.log or logs_2.sqlite) and measures what really happened: turns and their status,
loops (transport_fallback, stream_retry, request_retry, tool_repeat,
web_search_repeat, monologue, error_repeat), failures and raw counts.
The counting conventions are documented in samples/README.md.  An existing
expected.json keeps its "description" (and the scenario name) when rewritten.

Python 3 standard library only.
"""

import ast
import collections
import difflib
import json
import os
import re
import sys
import time

# Minimum run lengths for model-level loops (see samples/README.md).
TOOL_REPEAT_MIN = 3
WEB_SEARCH_REPEAT_MIN = 3
MONOLOGUE_MIN_TURNS = 3
MONOLOGUE_SIMILARITY = 0.75
ERROR_REPEAT_MIN = 2

RE_ACCESS = re.compile(r'^INFO:\s+(\S+) - "(GET|POST|PUT|DELETE|PATCH|HEAD|OPTIONS) (\S+) HTTP/[0-9.]+" (\d{3})')
RE_WS_ACCESS = re.compile(r'^INFO:\s+(\S+) - "WebSocket (\S+)" (\d{3})')
RE_DEBUG_RECEIVED = re.compile(r"^\d\d:\d\d:\d\d - LiteLLM Proxy:DEBUG: \S+ - Request received by LiteLLM: .*?method=(\w+) .*? headers=(\{.*\})\s*$")
RE_TRACE_LINE = re.compile(r"^(\d{4}-\d\d-\d\dT\S+Z)\s+(TRACE|DEBUG|INFO|WARN|ERROR)\s+(.*)$")
RE_RETRY = re.compile(r"retrying sampling request \((\d+)/(\d+) in ([^)]*)\)")
RE_TURN_ID = re.compile(r"\bturn\.id=([0-9a-f-]{36})")
RE_RECONNECTING = re.compile(r"^Reconnecting\.\.\. (\d+)/(\d+)(?: \((.*)\))?$", re.S)


def read_jsonl(path):
    out = []
    with open(path, encoding="utf-8") as f:
        for line in f:
            line = line.strip()
            if not line:
                continue
            try:
                out.append(json.loads(line))
            except json.JSONDecodeError:
                out.append(None)
    return out


# ---------------------------------------------------------------------------
# rollout
# ---------------------------------------------------------------------------


def content_text(holder):
    parts = holder.get("content") or []
    return "".join(p.get("text") or "" for p in parts
                   if isinstance(p, dict) and p.get("type") in ("output_text", "Text", "text"))


def parse_rollout(path):
    """Turns of a rollout. An agent message has up to three copies, by version (event_msg
    agent_message, event_msg item_completed AgentMessage in 0.171, the response_item assistant
    message): a copy with the same text from another source in the same turn is not a new one."""
    lines = [l for l in read_jsonl(path) if l]
    meta = lines[0]["payload"] if lines and lines[0].get("type") == "session_meta" else {}

    def agent(cur, source, text):
        for entry in cur["copies"]:
            if entry[0] == text and source not in entry[1]:
                entry[1].add(source)
                return
        cur["copies"].append((text, {source}))
        cur["agent_messages"].append(text or "")

    turns = []  # dicts: turn_id, status, items[]
    cur = None
    for l in lines:
        t, p = l.get("type"), l.get("payload") or {}
        if t == "event_msg" and p.get("type") in ("task_started", "turn_started"):
            cur = {"turn_id": p.get("turn_id"), "status": None, "items": [], "agent_messages": [],
                   "last_agent_message": None, "copies": [], "error": None}
            turns.append(cur)
            continue
        if cur is None:
            continue
        if t == "event_msg" and p.get("type") in ("task_complete", "turn_complete"):
            cur["status"] = "completed"
            cur["last_agent_message"] = p.get("last_agent_message")
        elif t == "event_msg" and p.get("type") == "turn_aborted":
            cur["status"] = "aborted"
        elif t == "event_msg" and p.get("type") == "agent_message":
            agent(cur, "event", p.get("message") or "")
        elif t == "event_msg" and p.get("type") == "item_completed" and \
                (p.get("item") or {}).get("type") == "AgentMessage":
            agent(cur, "item", content_text(p["item"]))
        elif t == "event_msg" and p.get("type") == "error":
            cur["error"] = p.get("message")  # persisted in TUI sessions (extended history)
        elif t == "response_item":
            cur["items"].append(p)
            if p.get("type") == "message" and p.get("role") == "assistant":
                agent(cur, "response", content_text(p))
    return meta, turns


# ---------------------------------------------------------------------------
# exec --json
# ---------------------------------------------------------------------------


def parse_exec(path):
    events = [e for e in read_jsonl(path) if e]
    turns = []
    cur = None
    for e in events:
        t = e.get("type")
        if t == "turn.started":
            cur = {"status": None, "reconnecting": [], "errors": [], "failed_message": None}
            turns.append(cur)
        elif cur is None:
            continue
        elif t == "turn.completed":
            cur["status"] = "completed"
        elif t == "turn.failed":
            cur["status"] = "failed"
            cur["failed_message"] = (e.get("error") or {}).get("message")
        elif t == "error":
            m = RE_RECONNECTING.match(e.get("message") or "")
            if m:
                cur["reconnecting"].append((int(m.group(1)), int(m.group(2)), m.group(3)))
            else:
                cur["errors"].append(e.get("message"))
    thread_ids = [e.get("thread_id") for e in events if e.get("type") == "thread.started"]
    return events, turns, thread_ids


def tui_turns(rturns, trace):
    """What exec.jsonl says of each turn, from a TUI rollout. A failed turn ends in task_complete
    with last_agent_message null and no agent message; 0.121 also persists the error
    (event_msg error), 0.171 does not: the message is then the trace's `Turn error: …`."""
    turn_errors = {tid: data for tid, kind, data in trace if kind == "turn_error"}
    out = []
    for rt in rturns:
        failed = rt["status"] == "completed" and rt["last_agent_message"] is None and \
            (not rt["agent_messages"] or rt["error"] is not None)
        message = rt["error"] or turn_errors.get(rt["turn_id"])
        out.append({"status": "failed" if failed else (rt["status"] or "aborted"), "reconnecting": [],
                    "errors": [], "failed_message": message.strip() if failed and message else None})
    return out


# ---------------------------------------------------------------------------
# trace (codex exec stderr, RUST_LOG=info)
# ---------------------------------------------------------------------------


def sqlite_trace_lines(path):
    """logs_2.sqlite rows as tracing lines, in the shape loopscope renders them."""
    import sqlite3
    db = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        for ts, nanos, level, target, body in db.execute(
                "SELECT ts, ts_nanos, level, target, feedback_log_body FROM logs ORDER BY ts, ts_nanos, id"):
            stamp = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(ts)) + ".%09dZ" % nanos
            yield f"{stamp} {level} {target}: {body or ''}".replace("\n", " ")
    finally:
        db.close()


def trace_lines(sample_dir):
    """exec's stderr (trace.log), else the TUI's codex-tui.log, else logs_2.sqlite."""
    for name in ("trace.log", "codex-tui.log"):
        path = os.path.join(sample_dir, name)
        if os.path.exists(path):
            with open(path, encoding="utf-8", errors="replace") as f:
                return list(f)
    path = os.path.join(sample_dir, "logs_2.sqlite")
    return list(sqlite_trace_lines(path)) if os.path.exists(path) else []


def parse_trace(lines):
    """Return a list of (turn_id or None, kind, data) in file order."""
    out = []
    if True:
        for line in lines:
            m = RE_TRACE_LINE.match(line.rstrip("\n"))
            if not m:
                continue
            rest = m.group(3)
            tm = RE_TURN_ID.search(rest)
            tid = tm.group(1) if tm else None
            r = RE_RETRY.search(rest)
            if r and "codex_core::" in rest:
                out.append((tid, "retry", (int(r.group(1)), int(r.group(2)), r.group(3))))
            elif "codex_core::client: falling back to HTTP" in rest or \
                    (rest.startswith("codex_core::client: ") and rest.rstrip().endswith(": falling back to HTTP")):
                out.append((tid, "fallback", None))
            elif "failed to connect to websocket" in rest:
                out.append((tid, "ws_failed", None))
            elif 'codex_otel.log_only: event.name="codex.api_request"' in rest:
                out.append((tid, "api_request", None))
            elif 'codex_otel.log_only: event.name="codex.websocket_connect"' in rest:
                out.append((tid, "websocket_connect", None))
            elif "codex_core::" in rest and ": Turn error: " in rest:
                out.append((tid, "turn_error", rest.split("Turn error: ", 1)[1]))
    return out


# ---------------------------------------------------------------------------
# proxy log
# ---------------------------------------------------------------------------


def parse_proxy(path):
    """Return access records in order: dict(method, path, status, ws, turn_id, session_id)."""
    records = []
    pending_meta = collections.defaultdict(collections.deque)  # method -> deque of header dicts
    with open(path, encoding="utf-8", errors="replace") as f:
        for line in f:
            line = line.rstrip("\n")
            m = RE_DEBUG_RECEIVED.match(line)
            if m:
                try:
                    hdrs = ast.literal_eval(m.group(2))
                except (ValueError, SyntaxError):
                    hdrs = {}
                pending_meta[m.group(1).upper()].append(hdrs)
                continue
            a = RE_ACCESS.match(line)
            w = RE_WS_ACCESS.match(line)
            if not a and not w:
                continue
            if a:
                rec = {"client": a.group(1), "method": a.group(2), "path": a.group(3), "status": int(a.group(4)),
                       "ws": a.group(2) == "GET" and a.group(3).split("?")[0].endswith("/responses")}
            else:
                rec = {"client": w.group(1), "method": "GET", "path": w.group(2), "status": int(w.group(3)), "ws": True}
            q = pending_meta[rec["method"]]
            hdrs = q.popleft() if q else {}
            meta = {}
            try:
                meta = json.loads(hdrs.get("x-codex-turn-metadata") or "{}")
            except json.JSONDecodeError:
                pass
            rec["turn_id"] = meta.get("turn_id") or None
            rec["session_id"] = hdrs.get("session_id") or meta.get("thread_id") or meta.get("session_id")
            records.append(rec)
    return records


def attribute_proxy(records, turn_ids):
    """Assign each access record a turn index (1-based).

    A request whose x-codex-turn-metadata names a rollout turn belongs to it.  A
    request without a turn id (the startup prewarm handshake has turn_id "") or
    without a logged header belongs to the turn of the next request that has one
    ("by order"); trailing ones belong to the last turn.
    """
    index = {tid: i + 1 for i, tid in enumerate(turn_ids)}
    result = [None] * len(records)
    pending = []
    last = 1
    for i, r in enumerate(records):
        t = index.get(r["turn_id"]) if r["turn_id"] else None
        if t is None:
            pending.append(i)
            continue
        for j in pending:
            result[j] = t
        pending = []
        result[i] = t
        last = t
    for j in pending:
        result[j] = last
    return result


# ---------------------------------------------------------------------------
# helpers
# ---------------------------------------------------------------------------


def normalize_tool_output(out):
    if isinstance(out, list):
        out = "".join(x.get("text", "") for x in out if isinstance(x, dict))
    if not isinstance(out, str):
        out = json.dumps(out, sort_keys=True)
    # exec_command (unified exec) prefixes a header with a random chunk id and the wall time.
    lines = [l for l in out.splitlines() if not re.match(r"^(Chunk ID|Wall time): ", l)]
    return "\n".join(lines)


def normalize_text(s):
    s = (s or "").lower()
    s = re.sub(r"\bi'll\b", "i will", s)
    s = re.sub(r"\brepository\b", "repo", s)
    s = re.sub(r"[^a-z0-9 ]+", " ", s)
    return " ".join(s.split())


def similar(a, b):
    return difflib.SequenceMatcher(None, normalize_text(a), normalize_text(b)).ratio()


def runs(seq, key):
    """Split seq into maximal runs of equal key(x); yields lists."""
    cur = []
    for x in seq:
        if cur and key(cur[-1]) != key(x):
            yield cur
            cur = []
        cur.append(x)
    if cur:
        yield cur


def most_common(values):
    c = collections.Counter(values)
    if not c:
        return None
    best = max(c.values())
    for v in values:  # first one among the most frequent
        if c[v] == best:
            return v


def status_of_message(msg):
    if not msg:
        return None
    for pat in (r"unexpected status (\d{3})", r"last status: (\d{3})"):
        m = re.search(pat, msg)
        if m:
            return int(m.group(1))
    return None


# ---------------------------------------------------------------------------
# measure
# ---------------------------------------------------------------------------


def measure(sample_dir):
    name = os.path.basename(os.path.normpath(sample_dir))
    meta, rturns = parse_rollout(os.path.join(sample_dir, "rollout.jsonl"))
    trace = parse_trace(trace_lines(sample_dir))
    exec_path = os.path.join(sample_dir, "exec.jsonl")
    if os.path.exists(exec_path):
        _events, eturns, _tids = parse_exec(exec_path)
    else:
        eturns = tui_turns(rturns, trace)
    all_proxy = parse_proxy(os.path.join(sample_dir, "proxy.log"))
    # The TUI also runs helper threads (0.171: a "thread_title" thread per session) whose
    # requests reach the same proxy: they are another session's, not this thread's.
    proxy = [r for r in all_proxy if not r["session_id"] or r["session_id"] == meta.get("id")]
    turn_ids = [t["turn_id"] for t in rturns]
    owner = attribute_proxy(proxy, turn_ids)
    tindex = {tid: i + 1 for i, tid in enumerate(turn_ids)}

    turns = []
    for i, rt in enumerate(rturns):
        n = i + 1
        status = rt["status"] or "aborted"
        if status == "completed" and i < len(eturns) and eturns[i]["status"] == "failed":
            status = "failed"
        turns.append({"index": n, "turn_id": rt["turn_id"], "status": status,
                      "proxy_requests": sum(1 for o in owner if o == n)})

    loops = []
    failures = []

    # --- transport-level loops from proxy + trace ------------------------------
    by_turn_trace = collections.defaultdict(list)
    for tid, kind, data in trace:
        if tid in tindex:
            by_turn_trace[tindex[tid]].append((kind, data))

    for t in turns:
        n = t["index"]
        reqs = [r for r, o in zip(proxy, owner) if o == n]
        ws_failed = [r for r in reqs if r["ws"] and r["status"] != 101]
        tr = by_turn_trace.get(n, [])
        fell_back = any(k == "fallback" for k, _ in tr)
        # Split the retry counters into sampling requests; mark WS-phase ones.
        segments = []  # [max_n, is_ws_phase]
        ws_phase = bool(ws_failed) and fell_back
        prev = 0
        for kind, data in tr:
            if kind == "fallback":
                ws_phase = False
                prev = 0
                continue
            if kind != "retry":
                continue
            k = data[0]
            if k <= prev or not segments:
                segments.append([k, ws_phase])
            else:
                segments[-1][0] = k
            prev = k
        ws_retries = sum(s[0] for s in segments if s[1])
        http_retries = sum(s[0] for s in segments if not s[1])
        if ws_failed and (fell_back or ws_retries):
            st = most_common([r["status"] for r in ws_failed])
            loops.append({"kind": "transport_fallback", "turn": n, "iterations": len(ws_failed),
                          "root_cause": {"status": st, "method": "GET", "path": "/v1/responses", "transport": "websocket"},
                          "ws_retries": ws_retries, "fell_back_to_http": fell_back})
        posts = [r for r in reqs if r["method"] == "POST"]
        failed_posts = [r for r in posts if r["status"] >= 500]
        if http_retries:
            details = None
            if n - 1 < len(eturns):
                rec = [d for (_k, _m, d) in eturns[n - 1]["reconnecting"] if d]
                details = rec[-1] if rec else None
            # A stream retry on the HTTP path: the failing attempts' status as the proxy logged it.
            if failed_posts:
                st = most_common([r["status"] for r in failed_posts])
            elif posts:
                st = most_common([r["status"] for r in posts])
            else:
                st = None
            transport = "http"
            root = {"status": st, "method": "POST", "path": "/v1/responses", "transport": transport}
            if details:
                root["error"] = details
            loops.append({"kind": "stream_retry", "turn": n, "iterations": http_retries, "root_cause": root})
        if failed_posts:
            st = most_common([r["status"] for r in failed_posts])
            loops.append({"kind": "request_retry", "turn": n, "iterations": len(failed_posts),
                          "root_cause": {"status": st, "method": "POST", "path": "/v1/responses", "transport": "http"},
                          "statuses": dict(sorted(collections.Counter(str(r["status"]) for r in failed_posts).items()))})

    # --- model-level loops from the rollout ------------------------------------
    for i, rt in enumerate(rturns):
        n = i + 1
        calls = []
        outputs = {}
        searches = []
        for it in rt["items"]:
            ty = it.get("type")
            if ty == "function_call":
                calls.append(it)
            elif ty == "function_call_output":
                outputs[it.get("call_id")] = normalize_tool_output(it.get("output"))
            elif ty == "web_search_call":
                searches.append(json.dumps(it.get("action"), sort_keys=True))
        keyed = [(c.get("name"), c.get("arguments"), outputs.get(c.get("call_id"))) for c in calls]
        for run in runs(keyed, lambda x: x):
            if len(run) >= TOOL_REPEAT_MIN:
                loops.append({"kind": "tool_repeat", "turn": n, "iterations": len(run), "root_cause": None,
                              "tool": run[0][0], "arguments": run[0][1]})
        for run in runs(searches, lambda x: x):
            if len(run) >= WEB_SEARCH_REPEAT_MIN:
                loops.append({"kind": "web_search_repeat", "turn": n, "iterations": len(run), "root_cause": None,
                              "action": json.loads(run[0])})

    # monologue: consecutive turns whose final agent message is near-identical
    finals = [(i + 1, (rt["agent_messages"] or [None])[-1]) for i, rt in enumerate(rturns)]
    start = 0
    while start < len(finals):
        end = start + 1
        if finals[start][1]:
            while end < len(finals) and finals[end][1] and similar(finals[end][1], finals[end - 1][1]) >= MONOLOGUE_SIMILARITY:
                end += 1
        if end - start >= MONOLOGUE_MIN_TURNS:
            loops.append({"kind": "monologue", "turn": finals[start][0], "iterations": end - start, "root_cause": None,
                          "messages": [m for _, m in finals[start:end]]})
        start = end

    # failures and error_repeat
    for t in turns:
        n = t["index"]
        et = eturns[n - 1] if n - 1 < len(eturns) else None
        if t["status"] != "failed" or not et:
            continue
        msg = et["failed_message"]
        st = status_of_message(msg)
        if st is None:
            # Not in the message: the last request of the turn the proxy answered with an
            # error status; null when every request got 200/101 (stream failures).
            bad = [r for r, o in zip(proxy, owner) if o == n and r["status"] not in (200, 101)]
            if bad:
                st = bad[-1]["status"]
        failures.append({"turn": n, "status": st, "message": msg})

    def err_key(f):
        return re.sub(r"127\.0\.0\.1:\d+", "HOST", f["message"] or "")

    fl = sorted(failures, key=lambda f: f["turn"])
    i = 0
    while i < len(fl):
        j = i + 1
        while j < len(fl) and fl[j]["turn"] == fl[j - 1]["turn"] + 1 and err_key(fl[j]) == err_key(fl[i]):
            j += 1
        if j - i >= ERROR_REPEAT_MIN:
            f0 = fl[i]
            rc = None
            if f0["status"] is not None:
                bad = [r for r, o in zip(proxy, owner) if o == f0["turn"] and r["status"] == f0["status"]]
                ws = bool(bad) and bad[-1]["ws"]
                rc = {"status": f0["status"], "method": "GET" if ws else "POST", "path": "/v1/responses",
                      "transport": "websocket" if ws else "http"}
            loops.append({"kind": "error_repeat", "turn": f0["turn"], "iterations": j - i, "root_cause": rc,
                          "message": f0["message"]})
        i = j

    order = {"transport_fallback": 0, "stream_retry": 1, "request_retry": 2, "tool_repeat": 3,
             "web_search_repeat": 4, "monologue": 5, "error_repeat": 6}
    loops.sort(key=lambda l: (l["turn"], order[l["kind"]]))

    # --- counts -----------------------------------------------------------------
    exec_turns = eturns if os.path.exists(exec_path) else []  # a TUI sample has no exec output
    # Raw counts of the proxy log (every thread); turns[].proxy_requests are this thread's.
    ws = [r for r in all_proxy if r["ws"]]
    posts = [r for r in all_proxy if r["method"] == "POST"]
    counts = {
        "proxy_ws_upgrade_total": len(ws),
        "proxy_ws_upgrade_by_status": dict(sorted(collections.Counter(str(r["status"]) for r in ws).items())),
        "proxy_post_total": len(posts),
        "proxy_post_by_status": dict(sorted(collections.Counter(str(r["status"]) for r in posts).items())),
        "exec_reconnecting": sum(len(t["reconnecting"]) for t in eturns),
        "exec_turn_failed": sum(1 for t in exec_turns if t["status"] == "failed"),
        "trace_retrying_sampling": sum(1 for _, k, _ in trace if k == "retry"),
        "trace_falling_back_to_http": sum(1 for _, k, _ in trace if k == "fallback"),
        "trace_ws_connect_failed": sum(1 for _, k, _ in trace if k == "ws_failed"),
        "rollout_turns": len(rturns),
        "proxy_requests_total": len(all_proxy),
        "proxy_requests_other_threads": len(all_proxy) - len(proxy),
        "exec_turn_completed": sum(1 for t in exec_turns if t["status"] == "completed"),
        "trace_turn_error": sum(1 for _, k, _ in trace if k == "turn_error"),
        "trace_api_request": sum(1 for _, k, _ in trace if k == "api_request"),
        "trace_websocket_connect": sum(1 for _, k, _ in trace if k == "websocket_connect"),
    }

    return {
        "scenario": name,
        "description": "",
        "cli_version": meta.get("cli_version"),
        "thread_id": meta.get("id"),
        "turns": turns,
        "loops": loops,
        "failures": failures,
        "counts": counts,
    }


def scenario_description(name):
    """The scenario's description from the fault proxy's scenario table, if any."""
    here = os.path.dirname(os.path.abspath(__file__))
    sys.dont_write_bytecode = True
    sys.path.insert(0, os.path.join(here, "..", "fault_proxy"))
    try:
        import fault_proxy  # noqa: E402
        if name.startswith("tui-"):
            base = fault_proxy.SCENARIOS.get(name[len("tui-"):], {}).get("description", "")
            return "Interactive TUI under tmux, one process for all turns. " + base if base else ""
        return fault_proxy.SCENARIOS.get(name, {}).get("description", "")
    except ImportError:
        return ""
    finally:
        sys.path.pop(0)


def main(argv):
    write = False
    if argv and argv[0] == "--write":
        write = True
        argv = argv[1:]
    if not argv:
        print(__doc__, file=sys.stderr)
        return 2
    for d in argv:
        res = measure(d)
        path = os.path.join(d, "expected.json")
        if os.path.exists(path):
            try:
                old = json.load(open(path))
                res["description"] = old.get("description", "")
            except (OSError, json.JSONDecodeError):
                pass
        if not res["description"]:
            res["description"] = scenario_description(res["scenario"])
        text = json.dumps(res, indent=2, ensure_ascii=False) + "\n"
        if write:
            with open(path, "w", encoding="utf-8") as f:
                f.write(text)
            print(f"wrote {path}", file=sys.stderr)
        else:
            sys.stdout.write(text)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
