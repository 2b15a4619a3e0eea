#!/usr/bin/env bash
# Re-record the real Codex CLI samples in samples/codex-<version>/<scenario>/ against
# the local fault proxy (tests/fault_proxy/fault_proxy.py).
#
#   samples/record.sh                               every scenario with Codex 0.121.0
#   samples/record.sh --version X [NAME...]         these scenarios (default all) with Codex X
#   samples/record.sh --version X --tui [tui-NAME...]  the TUI scenarios (tmux) with Codex X
#
# Then it checks the recording (check_expected.py), prints what changed since the previous
# recorded version and how loopscope reads each file (drift.py), and runs each sample's e2e
# check with build/loopscope (or $LOOPSCOPE).
#
# Needs: bash, python3 (stdlib), node + npm with access to the npm registry.
# Installs @openai/codex@X into ${XDG_CACHE_HOME:-$HOME/.cache}/loopscope/codex-X
# (reused when present; override with LOOPSCOPE_CODEX_DIR).
# Codex only talks to the proxy on 127.0.0.1; every other HTTP(S) request goes to a
# closed local port through HTTP(S)_PROXY and fails. The API key is fake.
# After recording each scenario, expected.json is re-measured from the files with
# tests/samples_check/measure.py (its description is kept): review the diff.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$HERE/.." && pwd)
PROXY="$REPO/tests/fault_proxy/fault_proxy.py"
CODEX_VERSION=0.121.0
if [ "${1:-}" = "--version" ]; then
    [ $# -ge 2 ] || { printf 'record.sh: --version needs a Codex version, e.g. --version 0.171.0\n' >&2; exit 2; }
    CODEX_VERSION=$2
    shift 2
fi
if ! [[ $CODEX_VERSION =~ ^[0-9]+\.[0-9]+\.[0-9]+$ ]]; then
    printf 'record.sh: not a Codex release version: %s\n' "$CODEX_VERSION" >&2
    exit 2
fi
CODEX_DIR=${LOOPSCOPE_CODEX_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/loopscope/codex-$CODEX_VERSION}
CODEX="$CODEX_DIR/node_modules/.bin/codex"
OUT_ROOT="$HERE/codex-$CODEX_VERSION"
FAKE_KEY=sk-loopscope-fake-0123456789abcdef
KEY_VAR=LOOPSCOPE_API_KEY
PROVIDER=litellm
MODEL=gpt-5
TURN_TIMEOUT=${LOOPSCOPE_TURN_TIMEOUT:-240}
# Per sample. 0.171's tracing is about three times as verbose as 0.121's, and a TUI sample keeps
# logs_2.sqlite (every target at TRACE): their caps are larger.
SAMPLES_MAX_BYTES=$((640 * 1024))
TUI_SAMPLES_MAX_BYTES=$((1280 * 1024))

log() { printf '[record] %s\n' "$*" >&2; }

install_codex() {
    if [ -x "$CODEX" ] && "$CODEX" --version 2>/dev/null | grep -qx "codex-cli $CODEX_VERSION"; then
        return
    fi
    if ! command -v npm > /dev/null 2>&1; then
        if [ "$(id -u)" -eq 0 ] && command -v apt-get > /dev/null 2>&1; then
            log "npm not found: installing Debian's nodejs and npm"
            apt-get update >&2 && DEBIAN_FRONTEND=noninteractive apt-get install -y nodejs npm >&2
        else
            log "npm not found: install node and npm (Debian: apt-get install nodejs npm)"
            exit 1
        fi
    fi
    log "installing @openai/codex@$CODEX_VERSION into $CODEX_DIR"
    mkdir -p "$CODEX_DIR"
    (cd "$CODEX_DIR" && npm install --no-audit --no-fund --loglevel=error "@openai/codex@$CODEX_VERSION" >&2)
    "$CODEX" --version | grep -qx "codex-cli $CODEX_VERSION" || { log "codex install failed"; exit 1; }
}

# A throwaway project for the agent to look at.
seed_project() {
    local dir=$1
    mkdir -p "$dir"
    printf '# demo\n\nA tiny project used to record Codex sessions.\n' > "$dir/README.md"
    printf 'print("hello from loopscope")\n' > "$dir/hello.py"
    printf 'Run the tests with `python3 hello.py`.\n' > "$dir/notes.txt"
}

record_one() {
    local sc=$1
    local cfg
    cfg=$(python3 "$PROXY" --shell-config "$sc") || { log "unknown scenario: $sc"; return 1; }
    local SC_WEBSOCKETS SC_PROVIDER_EXTRA SC_DESCRIPTION
    local -a SC_PROMPTS
    eval "$cfg"

    local tmp
    tmp=$(mktemp -d /tmp/loopscope-rec.XXXXXX)
    local home="$tmp/home"
    local codex_home="$home/.codex"
    local project="$home/project"
    mkdir -p "$codex_home"
    seed_project "$project"

    local -a dump=()
    [ -n "${LOOPSCOPE_DUMP_DIR:-}" ] && dump=(--dump-dir "$LOOPSCOPE_DUMP_DIR/$sc")
    python3 "$PROXY" --scenario "$sc" --port 0 --port-file "$tmp/port" --log "$tmp/proxy.log" \
        "${dump[@]}" 2> "$tmp/proxy.stderr" &
    local proxy_pid=$!
    local i
    for i in $(seq 1 100); do [ -s "$tmp/port" ] && break; sleep 0.1; done
    if [ ! -s "$tmp/port" ]; then log "$sc: proxy did not start"; cat "$tmp/proxy.stderr" >&2; kill "$proxy_pid" 2>/dev/null || true; return 1; fi
    local port
    port=$(cat "$tmp/port")

    local extra=""
    [ -n "$SC_PROVIDER_EXTRA" ] && extra=", $SC_PROVIDER_EXTRA"
    local provider_table="{name=\"$PROVIDER\", base_url=\"http://127.0.0.1:$port/v1\", wire_api=\"responses\", env_key=\"$KEY_VAR\", request_max_retries=4, stream_max_retries=5, supports_websockets=$SC_WEBSOCKETS$extra}"
    local -a common=(--json --skip-git-repo-check -m "$MODEL"
        -c "model_provider=$PROVIDER"
        -c "model_providers.$PROVIDER=$provider_table"
        -c 'sandbox_mode="read-only"' -c 'approval_policy="never"')
    log "$sc: port $port, provider $provider_table"

    : > "$tmp/exec.jsonl"
    : > "$tmp/trace.log"
    local n=0 prompt rc
    for prompt in "${SC_PROMPTS[@]}"; do
        n=$((n + 1))
        local -a cmd
        if [ "$n" -eq 1 ]; then
            cmd=("$CODEX" exec "${common[@]}" "$prompt")
        else
            cmd=("$CODEX" exec resume --last "${common[@]}" "$prompt")
        fi
        log "$sc: turn $n: $prompt"
        rc=0
        (cd "$project" && env -i \
            PATH="/usr/local/bin:/usr/bin:/bin" HOME="$home" CODEX_HOME="$codex_home" \
            LANG=C.UTF-8 TERM=dumb USER=dev \
            "$KEY_VAR=$FAKE_KEY" \
            HTTP_PROXY=http://127.0.0.1:9 HTTPS_PROXY=http://127.0.0.1:9 \
            http_proxy=http://127.0.0.1:9 https_proxy=http://127.0.0.1:9 \
            ALL_PROXY=http://127.0.0.1:9 NO_PROXY=127.0.0.1,localhost no_proxy=127.0.0.1,localhost \
            RUST_LOG=info \
            timeout "$TURN_TIMEOUT" "${cmd[@]}" < /dev/null >> "$tmp/exec.jsonl" 2>> "$tmp/trace.log") || rc=$?
        log "$sc: turn $n exit code $rc"
    done

    kill -TERM "$proxy_pid" 2>/dev/null || true
    wait "$proxy_pid" 2>/dev/null || true

    local rollouts
    rollouts=$(find "$codex_home/sessions" -name 'rollout-*.jsonl' 2>/dev/null | sort)
    if [ "$(printf '%s\n' "$rollouts" | grep -c .)" -ne 1 ]; then
        log "$sc: expected exactly one rollout file, found: ${rollouts:-none}"
        return 1
    fi
    if ! head -n 1 "$rollouts" | grep -q "\"cli_version\":\"$CODEX_VERSION\""; then
        log "$sc: rollout does not start with cli_version $CODEX_VERSION"
        return 1
    fi

    mkdir -p "$OUT_ROOT"
    local out="$OUT_ROOT/$sc"
    rm -rf "$out.new"
    mkdir -p "$out.new"
    # Only normalisation: the temporary home directory becomes /home/dev (as in the corpus).
    local f
    for f in rollout exec trace proxy; do
        local src
        case $f in
            rollout) src=$rollouts; dst=rollout.jsonl ;;
            exec) src=$tmp/exec.jsonl; dst=exec.jsonl ;;
            trace) src=$tmp/trace.log; dst=trace.log ;;
            proxy) src=$tmp/proxy.log; dst=proxy.log ;;
        esac
        sed -e "s#$home#/home/dev#g" -e "s#$tmp#/tmp/loopscope-rec#g" "$src" > "$out.new/$dst"
    done
    [ -f "$out/expected.json" ] && cp "$out/expected.json" "$out.new/expected.json"
    rm -rf "$out"
    mv "$out.new" "$out"
    local size
    size=$(du -cb "$out"/* | tail -n 1 | cut -f1)
    log "$sc: recorded into $out ($size bytes)"
    [ "$size" -le "$SAMPLES_MAX_BYTES" ] || log "$sc: WARNING: larger than $SAMPLES_MAX_BYTES bytes"
    rm -rf "$tmp"
    # expected.json is measured from the new files (the description is kept); review the diff.
    python3 "$REPO/tests/samples_check/measure.py" --write "$out"
}

# The interactive TUI, driven under tmux (a private server socket) against the fault proxy: each
# prompt is typed, the turn is over when the rollout has one more task_complete/turn_aborted,
# then /quit. Kept: the rollout, $CODEX_HOME/log/codex-tui.log (when the version writes one),
# logs_2.sqlite (copied through SQLite, so rows still in the WAL are included), proxy.log and
# screen.txt (the status lines the screen showed: Reconnecting…, ⚠, ■).
record_tui_one() {
    local name=$1
    local sc=${name#tui-}
    command -v tmux > /dev/null 2>&1 || { log "tmux not found (Debian: apt-get install tmux)"; return 1; }
    local cfg
    cfg=$(python3 "$PROXY" --shell-config "$sc") || { log "unknown scenario: $sc"; return 1; }
    local SC_WEBSOCKETS SC_PROVIDER_EXTRA SC_DESCRIPTION
    local -a SC_PROMPTS
    eval "$cfg"

    local tmp
    tmp=$(mktemp -d /tmp/loopscope-rec.XXXXXX)
    local home="$tmp/home"
    local codex_home="$home/.codex"
    local project="$home/project"
    mkdir -p "$codex_home"
    seed_project "$project"
    python3 "$PROXY" --scenario "$sc" --port 0 --port-file "$tmp/port" --log "$tmp/proxy.log" \
        2> "$tmp/proxy.stderr" &
    local proxy_pid=$!
    local i
    for i in $(seq 1 100); do [ -s "$tmp/port" ] && break; sleep 0.1; done
    if [ ! -s "$tmp/port" ]; then log "$name: proxy did not start"; kill "$proxy_pid" 2>/dev/null || true; return 1; fi
    local port
    port=$(cat "$tmp/port")
    local extra=""
    [ -n "$SC_PROVIDER_EXTRA" ] && extra=", $SC_PROVIDER_EXTRA"
    local provider_table="{name=\"$PROVIDER\", base_url=\"http://127.0.0.1:$port/v1\", wire_api=\"responses\", env_key=\"$KEY_VAR\", request_max_retries=4, stream_max_retries=5, supports_websockets=$SC_WEBSOCKETS$extra}"
    # The launcher script tmux runs: the same isolated environment as exec, with a real TERM.
    {
        printf 'cd %q && exec env -i PATH=/usr/local/bin:/usr/bin:/bin HOME=%q CODEX_HOME=%q ' "$project" "$home" "$codex_home"
        printf 'LANG=C.UTF-8 TERM=xterm-256color USER=dev %q ' "$KEY_VAR=$FAKE_KEY"
        printf 'HTTP_PROXY=http://127.0.0.1:9 HTTPS_PROXY=http://127.0.0.1:9 http_proxy=http://127.0.0.1:9 https_proxy=http://127.0.0.1:9 '
        printf 'ALL_PROXY=http://127.0.0.1:9 NO_PROXY=127.0.0.1,localhost no_proxy=127.0.0.1,localhost '
        printf '%q ' "$CODEX" -m "$MODEL" -c "model_provider=$PROVIDER" -c "model_providers.$PROVIDER=$provider_table" \
            -c 'sandbox_mode="read-only"' -c 'approval_policy="never"' \
            -c "projects.\"$project\".trust_level=\"trusted\""
        printf '\n'
    } > "$tmp/tui.sh"
    log "$name: TUI, port $port, provider $provider_table"

    local sock="loopscope-rec-$$"
    local -a tm=(tmux -L "$sock" -f /dev/null)
    "${tm[@]}" new-session -d -s rec -x 132 -y 45 "bash $tmp/tui.sh"
    : > "$tmp/screen.log"
    # Remembers the status lines the screen shows while a turn runs (they vanish after it).
    watch_screen() {
        "${tm[@]}" capture-pane -p -t rec 2>/dev/null |
            grep -E 'Reconnecting|Falling back|■|⚠|Stream disconnected|Unexpected status|└ ' >> "$tmp/screen.log" || true
    }
    # Start-up dialogs of some versions (0.121: trust this folder, a model upgrade notice) are
    # answered as a user keeping the settings would; then the composer is ready.
    local pane
    for i in $(seq 1 80); do
        pane=$("${tm[@]}" capture-pane -p -t rec 2>/dev/null || true)
        if grep -q 'Do you trust the contents of this directory' <<< "$pane"; then
            "${tm[@]}" send-keys -t rec Enter          # 1. Yes, continue
        elif grep -q 'Use existing model' <<< "$pane"; then
            "${tm[@]}" send-keys -t rec Down; sleep 0.3; "${tm[@]}" send-keys -t rec Enter
        elif grep -q 'OpenAI Codex (v' <<< "$pane"; then
            break
        fi
        sleep 0.5
    done
    sleep 2
    local n=0 prompt done_turns rollout=""
    for prompt in "${SC_PROMPTS[@]}"; do
        n=$((n + 1))
        log "$name: turn $n: $prompt"
        "${tm[@]}" send-keys -t rec -l "$prompt"
        sleep 0.5
        "${tm[@]}" send-keys -t rec Enter
        local waited=0
        while [ "$waited" -lt "$TURN_TIMEOUT" ]; do
            sleep 1
            waited=$((waited + 1))
            watch_screen
            rollout=$(find "$codex_home/sessions" -name 'rollout-*.jsonl' 2>/dev/null | sort | head -n 1)
            [ -n "$rollout" ] || continue
            done_turns=$(grep -cE '"type":"(task_complete|turn_complete|turn_aborted)"' "$rollout" || true)
            [ "${done_turns:-0}" -ge "$n" ] && break
        done
        log "$name: turn $n over after ${waited}s"
        sleep 2
    done
    "${tm[@]}" capture-pane -p -t rec >> "$tmp/screen.log" 2>/dev/null || true
    "${tm[@]}" send-keys -t rec -l "/quit"
    sleep 0.5
    "${tm[@]}" send-keys -t rec Enter
    for i in $(seq 1 30); do "${tm[@]}" has-session -t rec 2>/dev/null || break; sleep 0.5; done
    "${tm[@]}" kill-server 2>/dev/null || true
    kill -TERM "$proxy_pid" 2>/dev/null || true
    wait "$proxy_pid" 2>/dev/null || true

    if [ -z "$rollout" ] || ! head -n 1 "$rollout" | grep -q "\"cli_version\":\"$CODEX_VERSION\""; then
        log "$name: no rollout with cli_version $CODEX_VERSION"
        return 1
    fi
    mkdir -p "$OUT_ROOT"
    local out="$OUT_ROOT/$name"
    rm -rf "$out.new"
    mkdir -p "$out.new"
    sed -e "s#$home#/home/dev#g" -e "s#$tmp#/tmp/loopscope-rec#g" "$rollout" > "$out.new/rollout.jsonl"
    sed -e "s#$home#/home/dev#g" -e "s#$tmp#/tmp/loopscope-rec#g" "$tmp/proxy.log" > "$out.new/proxy.log"
    # Only the distinct status lines, in the order first seen.
    awk '!seen[$0]++' "$tmp/screen.log" | sed -e "s#$home#/home/dev#g" > "$out.new/screen.txt"
    if [ -f "$codex_home/log/codex-tui.log" ]; then
        sed -e "s#$home#/home/dev#g" -e "s#$tmp#/tmp/loopscope-rec#g" "$codex_home/log/codex-tui.log" > "$out.new/codex-tui.log"
    fi
    if [ -f "$codex_home/logs_2.sqlite" ]; then
        python3 - "$codex_home/logs_2.sqlite" "$out.new/logs_2.sqlite" "$home" "$tmp" <<'PY'
import sqlite3, sys
src, dst, home, tmp = sys.argv[1:]
# Read through SQLite (WAL honoured), write a compact copy, then normalise the paths in it.
sqlite3.connect(f"file:{src}?mode=ro", uri=True).execute("VACUUM INTO ?", (dst,))
db = sqlite3.connect(dst)
cols = [r[1] for r in db.execute("PRAGMA table_info(logs)") if r[2].upper() == "TEXT"]
for c in cols:
    db.execute(f"UPDATE logs SET {c} = replace(replace({c}, ?, '/home/dev'), ?, '/tmp/loopscope-rec') WHERE {c} IS NOT NULL", (home, tmp))
db.commit()
db.execute("VACUUM")
rows = db.execute("SELECT count(*) FROM logs").fetchone()[0]
db.close()
if rows == 0:  # 0.121's TUI creates the table but logs to codex-tui.log: nothing to keep
    import os
    os.remove(dst)
PY
    fi
    [ -f "$out/expected.json" ] && cp "$out/expected.json" "$out.new/expected.json"
    rm -rf "$out"
    mv "$out.new" "$out"
    local size
    size=$(du -cb "$out"/* | tail -n 1 | cut -f1)
    log "$name: recorded into $out ($size bytes)"
    [ "$size" -le "$TUI_SAMPLES_MAX_BYTES" ] || log "$name: WARNING: larger than $TUI_SAMPLES_MAX_BYTES bytes"
    rm -rf "$tmp"
    python3 "$REPO/tests/samples_check/measure.py" --write "$out"
}

# After a recording: are the files what expected.json says, does loopscope read them (format,
# malformed lines, unknown types), what changed since the previous recorded version, and does
# loopscope find exactly the measured loops. LOOPSCOPE names the binary (default build/loopscope).
report_version() {
    local bin=${LOOPSCOPE:-$REPO/build/loopscope} rc=0 d
    python3 "$REPO/tests/samples_check/check_expected.py" "$OUT_ROOT" || rc=1
    if [ ! -x "$bin" ]; then
        log "no loopscope binary at $bin (build it, or set LOOPSCOPE): skipping the drift report and e2e checks"
        python3 "$REPO/tests/samples_check/drift.py" "$HERE" "$CODEX_VERSION" || true
        return $rc
    fi
    LOOPSCOPE=$bin python3 "$REPO/tests/samples_check/drift.py" "$HERE" "$CODEX_VERSION" || true
    for d in "$OUT_ROOT"/*/; do
        [ -f "$d/expected.json" ] || continue
        if python3 "$REPO/tests/e2e/run_sample.py" "$bin" "$d" > "$d/.e2e.out" 2>&1; then
            log "e2e $(basename "$d"): ok"
        else
            log "e2e $(basename "$d"): FAILED"; sed 's/^/    /' "$d/.e2e.out" >&2; rc=1
        fi
        rm -f "$d/.e2e.out"
    done
    return $rc
}

TUI_SCENARIOS=(tui-healthy tui-ws-405-fallback tui-http-500-exhausted)

main() {
    install_codex
    local -a names
    if [ $# -gt 0 ]; then
        names=("$@")
    else
        mapfile -t names < <(python3 "$PROXY" --list)
    fi
    if [ "${names[0]}" = "--tui" ]; then
        names=("${names[@]:1}")
        [ ${#names[@]} -gt 0 ] || names=("${TUI_SCENARIOS[@]}")
    fi
    local sc failed=0
    for sc in "${names[@]}"; do
        case $sc in
            tui-*) record_tui_one "$sc" || { log "$sc: FAILED"; failed=1; } ;;
            *) record_one "$sc" || { log "$sc: FAILED"; failed=1; } ;;
        esac
    done
    log "expected.json rewritten by measure.py: review it (git diff samples/)"
    report_version || failed=1
    return $failed
}

main "$@"
