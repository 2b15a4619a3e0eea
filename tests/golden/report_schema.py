"""Checks a loopscope JSON report against report v1 as docs/report-v1.md documents it.

Used by the golden and end-to-end tests; importable, or run as
`python3 report_schema.py REPORT.json` (exit 1 and one line per problem when it does not conform).
"""
import json
import re
import sys

RFC3339 = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")
KINDS = {"transport_fallback", "stream_retry", "request_retry", "proxy_retry", "proxy_fallback",
         "tool_repeat", "web_search_repeat", "monologue", "error_repeat", "turn_failure"}
SEVERITIES = {"info", "warning", "error"}
FORMATS = {"codex-rollout", "codex-exec-jsonl", "codex-trace", "codex-exec-stderr", "litellm-text",
           "litellm-json", "uvicorn-access", "generic", "unknown"}
TURN_STATUS = {"open", "completed", "failed", "aborted"}


def _expect(problems, where, cond, what):
    if not cond:
        problems.append(f"{where}: {what}")


def _typed(problems, obj, key, types, where, nullable=False):
    if key not in obj:
        problems.append(f"{where}: missing '{key}'")
        return None
    value = obj[key]
    if value is None:
        _expect(problems, where, nullable, f"'{key}' is null")
        return None
    if isinstance(value, bool) and bool not in types:
        problems.append(f"{where}: '{key}' is a boolean")
        return None
    _expect(problems, where, isinstance(value, types), f"'{key}' has type {type(value).__name__}")
    return value


def _time(problems, obj, key, where):
    value = _typed(problems, obj, key, (str,), where, nullable=True)
    if value is not None:
        _expect(problems, where, RFC3339.match(value), f"'{key}' is not RFC 3339 UTC with ms: {value}")


def _cause(p, cause, cw):
    if cause is None:
        return
    _expect(p, cw, _typed(p, cause, "source", (str,), cw) in {"codex", "proxy", "model"}, "bad source")
    transport = _typed(p, cause, "transport", (str,), cw, nullable=True)
    _expect(p, cw, transport in (None, "http", "websocket"), "bad transport")
    _typed(p, cause, "method", (str,), cw, nullable=True)
    _typed(p, cause, "path", (str,), cw, nullable=True)
    status = _typed(p, cause, "status", (int,), cw, nullable=True)
    _expect(p, cw, status is None or 100 <= status <= 599, "status out of range")
    _expect(p, cw, status is None or status >= 300, "a 1xx/2xx answer named as a cause")
    _typed(p, cause, "error_class", (str,), cw, nullable=True)
    _typed(p, cause, "message", (str,), cw, nullable=True)
    _typed(p, cause, "retriable", (bool,), cw, nullable=True)
    if "specificity" in cause:
        _expect(p, cw, (_typed(p, cause, "specificity", (int,), cw) or 0) >= 0, "specificity < 0")


LAYERS = {"session_turns", "codex_websocket", "codex_turn", "codex_request", "litellm_router",
          "proxy_fallback", "agent", "turn_outcome"}


def _incidents(p, report, finding_ids):
    """incidents[] (additive in v1): every listed finding belongs to exactly one incident."""
    if "incidents" not in report:
        return
    owners = {}
    for i, inc in enumerate(_typed(p, report, "incidents", (list,), "report") or []):
        w = f"incidents[{i}]"
        _typed(p, inc, "id", (str,), w)
        _typed(p, inc, "session", (str,), w)
        _expect(p, w, _typed(p, inc, "severity", (str,), w) in SEVERITIES, "unknown severity")
        _expect(p, w, bool(_typed(p, inc, "verdict", (str,), w)), "empty verdict")
        _cause(p, _typed(p, inc, "root_cause", (dict,), w, nullable=True), w + ".root_cause")
        members = _typed(p, inc, "findings", (list,), w) or []
        _expect(p, w, len(members) >= 1, "an incident without findings")
        for fid in members:
            owners.setdefault(fid, 0)
            owners[fid] += 1
        lead = _typed(p, inc, "lead", (str,), w, nullable=True)
        _expect(p, w, lead is None or lead in members, "lead is not one of its findings")
        for key in ("turns", "failed_turns"):
            for t in _typed(p, inc, key, (list,), w) or []:
                _expect(p, w, isinstance(t, int) and t >= 1, f"{key} entry is not a turn number")
        for j, layer in enumerate(_typed(p, inc, "layers", (list,), w) or []):
            lw = f"{w}.layers[{j}]"
            _expect(p, lw, _typed(p, layer, "layer", (str,), lw) in LAYERS, "unknown layer")
            _typed(p, layer, "per_turn", (int,), lw)
            _typed(p, layer, "what", (str,), lw)
        _typed(p, inc, "amplification", (str,), w, nullable=True)
        _typed(p, inc, "upstream_calls_per_turn", (int,), w, nullable=True)
        _typed(p, inc, "time_ms", (int,), w, nullable=True)
        for j, t in enumerate(_typed(p, inc, "turn_times", (list,), w) or []):
            tw = f"{w}.turn_times[{j}]"
            _typed(p, t, "turn", (int,), tw)
            for key in ("span_ms", "backoff_ms", "failing_ms", "other_ms"):
                value = _typed(p, t, key, (int,), tw, nullable=True)
                _expect(p, tw, value is None or value >= 0, f"{key} < 0")
            _typed(p, t, "failed", (bool,), tw)
        _typed(p, inc, "advice", (str,), w, nullable=True)
    for fid in finding_ids:
        _expect(p, "incidents", owners.get(fid) == 1,
                f"finding {fid} belongs to {owners.get(fid, 0)} incidents, not one")


def check(report):
    p = []
    _expect(p, "report", report.get("schema") == "loopscope/report/v1", "schema is not loopscope/report/v1")
    tool = _typed(p, report, "tool", (dict,), "report")
    if tool:
        _expect(p, "tool", tool.get("name") == "loopscope", "name is not loopscope")
        _typed(p, tool, "version", (str,), "tool")
    for i, inp in enumerate(_typed(p, report, "inputs", (list,), "report") or []):
        w = f"inputs[{i}]"
        _typed(p, inp, "path", (str,), w)
        fmt = _typed(p, inp, "format", (str,), w)
        _expect(p, w, fmt in FORMATS, f"unknown format {fmt}")
        counts = {}
        for key in ("lines", "events", "skipped", "malformed", "truncated"):
            counts[key] = _typed(p, inp, key, (int,), w)
        if "used" in inp and None not in counts.values():
            _expect(p, w, counts["lines"] == inp["used"] + counts["skipped"] + counts["malformed"]
                    + counts["truncated"], "lines != used + skipped + malformed + truncated")
    for i, ses in enumerate(_typed(p, report, "sessions", (list,), "report") or []):
        w = f"sessions[{i}]"
        _typed(p, ses, "id", (str,), w)
        for s in _typed(p, ses, "sources", (list,), w) or []:
            _expect(p, w, isinstance(s, str), "source is not a string")
        for j, turn in enumerate(_typed(p, ses, "turns", (list,), w) or []):
            tw = f"{w}.turns[{j}]"
            _expect(p, tw, _typed(p, turn, "index", (int,), tw) == j + 1, "index is not its 1-based position")
            _typed(p, turn, "id", (str,), tw, nullable=True)
            _time(p, turn, "start", tw)
            _time(p, turn, "end", tw)
            _expect(p, tw, _typed(p, turn, "status", (str,), tw) in TURN_STATUS, "bad status")
            _typed(p, turn, "requests", (int,), tw)
    ids = set()
    for i, f in enumerate(_typed(p, report, "findings", (list,), "report") or []):
        w = f"findings[{i}]"
        fid = _typed(p, f, "id", (str,), w)
        _expect(p, w, fid not in ids, "duplicate id")
        ids.add(fid)
        _typed(p, f, "rule", (str,), w)
        _expect(p, w, _typed(p, f, "kind", (str,), w) in KINDS, "unknown kind")
        _expect(p, w, _typed(p, f, "severity", (str,), w) in SEVERITIES, "unknown severity")
        _typed(p, f, "session", (str,), w)
        turn = _typed(p, f, "turn", (int,), w, nullable=True)
        _expect(p, w, turn is None or turn >= 1, "turn is not 1-based")
        _typed(p, f, "turn_id", (str,), w, nullable=True)
        _expect(p, w, (_typed(p, f, "iterations", (int,), w) or 0) >= 1, "iterations < 1")
        _time(p, f, "start", w)
        _time(p, f, "end", w)
        _typed(p, f, "duration_ms", (int,), w, nullable=True)
        for s in _typed(p, f, "cycle", (list,), w) or []:
            _expect(p, w, isinstance(s, str), "cycle entry is not a string")
        _cause(p, _typed(p, f, "root_cause", (dict,), w, nullable=True), w + ".root_cause")
        for j, ev in enumerate(_typed(p, f, "evidence", (list,), w) or []):
            ew = f"{w}.evidence[{j}]"
            _typed(p, ev, "path", (str,), ew)
            _expect(p, ew, (_typed(p, ev, "line", (int,), ew) or 0) >= 1, "line < 1")
            _typed(p, ev, "text", (str,), ew)
        _typed(p, f, "summary", (str,), w)
        _typed(p, f, "advice", (str,), w, nullable=True)
    _incidents(p, report, ids)
    summary = _typed(p, report, "summary", (dict,), "report")
    if summary:
        n = _typed(p, summary, "findings", (int,), "summary")
        omitted = report.get("omitted")
        omitted_findings = omitted_sessions = 0
        if omitted is not None:
            _typed(p, report, "omitted", (dict,), "report")
            omitted_findings = _typed(p, omitted, "findings", (int,), "omitted") or 0
            omitted_sessions = _typed(p, omitted, "sessions", (int,), "omitted") or 0
            _expect(p, "omitted", omitted_findings > 0 or omitted_sessions > 0,
                    "present but empty")
            osum = _typed(p, omitted, "summary", (dict,), "omitted") or {}
            _expect(p, "omitted", osum.get("findings") == omitted_findings,
                    "summary.findings differs from findings")
            oagg = _typed(p, omitted, "aggregate", (dict,), "omitted") or {}
            _expect(p, "omitted", oagg.get("sessions") == omitted_sessions,
                    "aggregate.sessions differs from sessions")
        _expect(p, "summary", n == len(report.get("findings") or []) + omitted_findings,
                "findings count differs from the list (plus omitted)")
        # The input counts are the inputs[] statuses, counted.
        inputs = report.get("inputs") or []
        for key, status in (("inputs_partial", "partial"), ("inputs_unreadable", "unreadable")):
            count = _typed(p, summary, key, (int,), "summary")
            _expect(p, "summary", count == sum(1 for i in inputs if i.get("status") == status),
                    f"summary.{key} differs from the inputs with status {status}")
        _typed(p, summary, "inputs_unrecognised", (int,), "summary")
        sessions = _typed(p, summary, "sessions", (int,), "summary")
        _expect(p, "summary", sessions == len(report.get("sessions") or []) + omitted_sessions,
                "sessions count differs from the list (plus omitted)")
        agg = report.get("aggregate") or {}
        _expect(p, "summary", agg.get("sessions") == sessions,
                "aggregate.sessions differs from summary.sessions")
        by_kind = _typed(p, summary, "by_kind", (dict,), "summary") or {}
        by_sev = _typed(p, summary, "by_severity", (dict,), "summary") or {}
        _expect(p, "summary", sum(by_kind.values()) == n, "by_kind does not add up")
        _expect(p, "summary", sum(by_sev.values()) == n, "by_severity does not add up")
    return p


if __name__ == "__main__":
    with open(sys.argv[1], encoding="utf-8") as fh:
        problems = check(json.load(fh))
    for line in problems:
        print(line)
    sys.exit(1 if problems else 0)
