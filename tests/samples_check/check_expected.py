#!/usr/bin/env python3
"""Check every samples/codex-<version>/<scenario>/expected.json against the recorded files.

    check_expected.py SAMPLES_DIR        (samples/, or one samples/codex-<version>/)

For each scenario folder (one that has an expected.json) this recomputes, with
simple independent line counting (it does not share code with measure.py):
cli_version, thread_id, the number of turns, each turn's id and status, the
`counts` object, and a few consistency rules (per-turn proxy request numbers add
up to the proxy's access lines, failures match failed turns, loop turns exist).
Prints every mismatch and exits 1 if there is any, 0 otherwise.

Python 3 standard library only.
"""

import json
import os
import re
import sys

REQUIRED_FILES = ("rollout.jsonl", "exec.jsonl", "trace.log", "proxy.log", "expected.json")
# A TUI sample (tui-*): no exec output; its tracing is codex-tui.log and/or logs_2.sqlite.
REQUIRED_TUI_FILES = ("rollout.jsonl", "proxy.log", "expected.json")
LOOP_KINDS = {"transport_fallback", "stream_retry", "request_retry", "tool_repeat", "web_search_repeat",
              "monologue", "error_repeat"}
TURN_STATUSES = {"completed", "failed", "aborted"}

ACCESS_GET_WS = re.compile(r'^INFO: +\S+ - "GET /v1/responses(?:\?\S*)? HTTP/1\.[01]" (\d{3})\b')
ACCESS_WS = re.compile(r'^INFO: +\S+ - "WebSocket /v1/responses(?:\?\S*)?" (\d{3})\b')
ACCESS_POST = re.compile(r'^INFO: +\S+ - "POST \S+ HTTP/1\.[01]" (\d{3})\b')
ACCESS_ANY = re.compile(r'^INFO: +\S+ - "(?:[A-Z]+ \S+ HTTP/1\.[01]|WebSocket \S+)" \d{3}\b')


def lines(path):
    with open(path, encoding="utf-8", errors="replace") as f:
        return f.read().splitlines()


def json_lines(path):
    out = []
    for l in lines(path):
        if l.strip():
            out.append(json.loads(l))
    return out


def by_status(regex, text_lines):
    d = {}
    for l in text_lines:
        m = regex.match(l)
        if m:
            d[m.group(1)] = d.get(m.group(1), 0) + 1
    return d


def sqlite_lines(path):
    import sqlite3
    db = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        return [f"{level} {target}: {body or ''}".replace("\n", " ")
                for level, target, body in db.execute("SELECT level, target, feedback_log_body FROM logs ORDER BY id")]
    finally:
        db.close()


def tui_trace(d):
    for name in ("codex-tui.log",):
        if os.path.isfile(os.path.join(d, name)):
            return lines(os.path.join(d, name))
    if os.path.isfile(os.path.join(d, "logs_2.sqlite")):
        return sqlite_lines(os.path.join(d, "logs_2.sqlite"))
    return []


def is_tui(d):
    return os.path.basename(os.path.normpath(d)).startswith("tui-")


def recompute(d):
    rollout = json_lines(os.path.join(d, "rollout.jsonl"))
    tui = is_tui(d)
    execl = [] if tui else json_lines(os.path.join(d, "exec.jsonl"))
    trace = tui_trace(d) if tui else lines(os.path.join(d, "trace.log"))
    proxy = lines(os.path.join(d, "proxy.log"))

    first = rollout[0]
    r = {"cli_version": first.get("payload", {}).get("cli_version"),
         "thread_id": first.get("payload", {}).get("id"),
         "first_type": first.get("type")}

    started = []
    aborted = set()
    tui_ends = []
    for x in rollout:
        p = x.get("payload") or {}
        if x.get("type") == "event_msg" and p.get("type") == "task_started":
            started.append(p.get("turn_id"))
        if x.get("type") == "event_msg" and p.get("type") == "turn_aborted":
            aborted.add(p.get("turn_id"))
        if x.get("type") == "event_msg" and p.get("type") == "task_complete":
            # The TUI answers every completed turn; a failed one ends without a last message.
            tui_ends.append("turn.failed" if p.get("last_agent_message") is None else "turn.completed")
    r["turn_ids"] = started

    ends = tui_ends if tui else [x["type"] for x in execl if x.get("type") in ("turn.completed", "turn.failed")]
    statuses = []
    for i, tid in enumerate(started):
        if tid in aborted:
            statuses.append("aborted")
        elif i < len(ends):
            statuses.append("completed" if ends[i] == "turn.completed" else "failed")
        else:
            statuses.append("aborted")
    r["statuses"] = statuses
    r["exec_thread_ids"] = sorted({x.get("thread_id") for x in execl if x.get("type") == "thread.started"})

    ws_status = by_status(ACCESS_GET_WS, proxy)
    for k, v in by_status(ACCESS_WS, proxy).items():
        ws_status[k] = ws_status.get(k, 0) + v
    post_status = by_status(ACCESS_POST, proxy)
    r["counts"] = {
        "proxy_ws_upgrade_total": sum(ws_status.values()),
        "proxy_ws_upgrade_by_status": ws_status,
        "proxy_post_total": sum(post_status.values()),
        "proxy_post_by_status": post_status,
        "exec_reconnecting": sum(1 for x in execl if x.get("type") == "error"
                                 and str(x.get("message", "")).startswith("Reconnecting... ")),
        "exec_turn_failed": 0 if tui else ends.count("turn.failed"),
        "trace_retrying_sampling": sum(1 for l in trace if "retrying sampling request (" in l),
        "trace_falling_back_to_http": sum(1 for l in trace if l.rstrip().endswith(": falling back to HTTP")),
        "trace_ws_connect_failed": sum(1 for l in trace if "failed to connect to websocket" in l),
        "rollout_turns": len(started),
        "proxy_requests_total": sum(1 for l in proxy if ACCESS_ANY.match(l)),
        "exec_turn_completed": 0 if tui else ends.count("turn.completed"),
        "trace_turn_error": sum(1 for l in trace if " Turn error: " in l),
        "trace_api_request": sum(1 for l in trace if 'log_only: event.name="codex.api_request"' in l),
        "trace_websocket_connect": sum(1 for l in trace if 'log_only: event.name="codex.websocket_connect"' in l),
    }
    return r


def check_scenario(d):
    errs = []
    name = os.path.basename(os.path.normpath(d))
    for f in REQUIRED_TUI_FILES if is_tui(d) else REQUIRED_FILES:
        if not os.path.isfile(os.path.join(d, f)):
            errs.append(f"missing file {f}")
    if errs:
        return errs
    try:
        exp = json.load(open(os.path.join(d, "expected.json"), encoding="utf-8"))
    except json.JSONDecodeError as e:
        return [f"expected.json is not valid JSON: {e}"]
    try:
        got = recompute(d)
    except (OSError, ValueError, IndexError, KeyError) as e:
        return [f"cannot read recorded files: {e}"]

    def mismatch(what, e, g):
        errs.append(f"{what}: expected {json.dumps(e)}, files say {json.dumps(g)}")

    if exp.get("scenario") != name:
        mismatch("scenario", exp.get("scenario"), name)
    if got["first_type"] != "session_meta":
        errs.append(f"rollout first line is {got['first_type']}, not session_meta")
    for k in ("cli_version", "thread_id"):
        if exp.get(k) != got[k]:
            mismatch(k, exp.get(k), got[k])
    if not is_tui(d) and got["exec_thread_ids"] != [got["thread_id"]]:
        mismatch("exec thread.started thread_id", [got["thread_id"]], got["exec_thread_ids"])

    turns = exp.get("turns") or []
    if len(turns) != len(got["turn_ids"]):
        mismatch("number of turns", len(turns), len(got["turn_ids"]))
    for i, t in enumerate(turns):
        if t.get("index") != i + 1:
            mismatch(f"turns[{i}].index", t.get("index"), i + 1)
        if i < len(got["turn_ids"]):
            if t.get("turn_id") != got["turn_ids"][i]:
                mismatch(f"turn {i + 1} turn_id", t.get("turn_id"), got["turn_ids"][i])
            if t.get("status") != got["statuses"][i]:
                mismatch(f"turn {i + 1} status", t.get("status"), got["statuses"][i])
        if t.get("status") not in TURN_STATUSES:
            errs.append(f"turn {i + 1}: unknown status {t.get('status')!r}")

    ec = exp.get("counts") or {}
    other_threads = int(ec.get("proxy_requests_other_threads") or 0)
    if other_threads and not is_tui(d):
        errs.append(f"counts.proxy_requests_other_threads = {other_threads} in an exec sample")
    for k, v in got["counts"].items():
        if k not in ec:
            errs.append(f"counts.{k} missing (files say {json.dumps(v)})")
        elif ec[k] != v:
            mismatch(f"counts.{k}", ec[k], v)

    # consistency of the rest of expected.json with the files
    total = got["counts"]["proxy_requests_total"]
    per_turn = sum(int(t.get("proxy_requests") or 0) for t in turns) + other_threads
    if per_turn != total:
        mismatch("sum of turns[].proxy_requests (+ other threads' requests)", per_turn, total)
    failed_turns = [i + 1 for i, s in enumerate(got["statuses"]) if s == "failed"]
    exp_failed = sorted(f.get("turn") for f in exp.get("failures") or [])
    if exp_failed != failed_turns:
        mismatch("failures[].turn", exp_failed, failed_turns)
    n = len(got["turn_ids"])
    for j, l in enumerate(exp.get("loops") or []):
        if l.get("kind") not in LOOP_KINDS:
            errs.append(f"loops[{j}]: unknown kind {l.get('kind')!r}")
        if not isinstance(l.get("turn"), int) or not 1 <= l["turn"] <= n:
            errs.append(f"loops[{j}]: turn {l.get('turn')!r} out of range 1..{n}")
        if not isinstance(l.get("iterations"), int) or l["iterations"] < 1:
            errs.append(f"loops[{j}]: bad iterations {l.get('iterations')!r}")
    ws_loops = sum(l["iterations"] for l in exp.get("loops") or [] if l.get("kind") == "transport_fallback")
    if ws_loops > got["counts"]["proxy_ws_upgrade_total"]:
        mismatch("sum of transport_fallback iterations (<= WS upgrades)", ws_loops,
                 got["counts"]["proxy_ws_upgrade_total"])
    return errs


def main(argv):
    if len(argv) != 1:
        print(__doc__, file=sys.stderr)
        return 2
    root = argv[0]
    roots = [root]
    versions = sorted(e for e in os.listdir(root) if e.startswith("codex-") and os.path.isdir(os.path.join(root, e)))
    if versions:
        roots = [os.path.join(root, v) for v in versions]
    scenarios = sorted(os.path.relpath(os.path.join(r, e), root) for r in roots for e in os.listdir(r)
                       if os.path.isdir(os.path.join(r, e)) and not e.startswith(".")
                       and os.path.isfile(os.path.join(r, e, "rollout.jsonl")))
    if not scenarios:
        print(f"no scenarios found under {root}", file=sys.stderr)
        return 1
    bad = 0
    for s in scenarios:
        errs = check_scenario(os.path.join(root, s))
        if errs:
            bad += 1
            for e in errs:
                print(f"{s}: {e}")
        else:
            print(f"{s}: ok")
    print(f"{len(scenarios) - bad}/{len(scenarios)} scenarios match expected.json")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
