#!/usr/bin/env bash
# Re-record the real Codex CLI samples in samples/<scenario>/ against the local
# fault proxy (tests/fault_proxy/fault_proxy.py).
#
#   samples/record.sh                 record every scenario
#   samples/record.sh NAME [NAME...]  record only these scenarios
#
# Needs: bash, python3 (stdlib), node + npm with access to the npm registry.
# Installs @openai/codex@0.121.0 into ${XDG_CACHE_HOME:-$HOME/.cache}/loopscope/codex-0.121.0
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
CODEX_DIR=${LOOPSCOPE_CODEX_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/loopscope/codex-$CODEX_VERSION}
CODEX="$CODEX_DIR/node_modules/.bin/codex"
FAKE_KEY=sk-loopscope-fake-0123456789abcdef
KEY_VAR=LOOPSCOPE_API_KEY
PROVIDER=litellm
MODEL=gpt-5
TURN_TIMEOUT=${LOOPSCOPE_TURN_TIMEOUT:-240}
SAMPLES_MAX_BYTES=$((500 * 1024))

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
    if ! head -n 1 "$rollouts" | grep -q '"cli_version":"0.121.0"'; then
        log "$sc: rollout does not start with cli_version 0.121.0"
        return 1
    fi

    local out="$HERE/$sc"
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

main() {
    install_codex
    local -a names
    if [ $# -gt 0 ]; then
        names=("$@")
    else
        mapfile -t names < <(python3 "$PROXY" --list)
    fi
    local sc failed=0
    for sc in "${names[@]}"; do
        record_one "$sc" || { log "$sc: FAILED"; failed=1; }
    done
    log "expected.json rewritten by measure.py: review it (git diff samples/), then run: python3 tests/samples_check/check_expected.py samples"
    return $failed
}

main "$@"
