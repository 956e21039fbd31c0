#!/usr/bin/env bash
# soak_serve.sh [MODEL] [SECONDS]: a soak test of `ruvllm serve` (#16), not part of make test.
# For SECONDS (default 600) on loopback, at the same time:
#   - normal traffic: bench/serve_load, 8 keep-alive connections posting /v1/route (measured:
#     requests, p50/p99, errors; it must see 0 errors);
#   - slow clients: 16 connections that send a request one byte per second (slowloris), reopened
#     when the server drops them;
#   - oversize bodies: a loop of 2 MB bodies, with Content-Length and chunked (each must get 413);
#   - bursts: every 20 s, 128 connections at once for 3 s (serve_load; errors counted);
#   - garbage: malformed HTTP and JSON (each must get a 4xx, never a crash).
# Then the service must still answer /health, its RSS is reported, and SIGTERM must stop it
# with exit code 0. Prints one summary block; exits 1 on any failure.
#   scripts/soak_serve.sh out/router-agents.gguf 600
set -uo pipefail
cd "$(dirname "$0")/.."
MODEL=${1:-out/router-agents.gguf}
SECONDS_TOTAL=${2:-600}
BIN=${BIN:-build/bin}
[ -x "$BIN/serve_load" ] || { echo "soak: $BIN/serve_load missing (cmake --build build --target serve_load)" >&2; exit 1; }
[ -f "$MODEL" ] || { echo "soak: $MODEL not found (make run writes out/router-agents.gguf)" >&2; exit 1; }
TMP=$(mktemp -d)
pids=()
cleanup() {
    for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done
    [ -n "${srv:-}" ] && kill -9 "$srv" 2>/dev/null
    rm -rf "$TMP"
}
trap cleanup EXIT
fail() {
    echo "soak: FAIL: $*" >&2
    exit 1
}

python3 - "$TMP/tasks.txt" <<'PY'
import sys
verbs = ["fix", "add", "document", "deploy", "review", "refactor", "test", "profile", "design",
         "plan", "research", "secure", "debug"]
objs = ["the login flow", "the payment API", "checkout", "the CI pipeline", "memory usage",
        "the GraphQL schema", "the README", "the auth module", "flaky tests", "the cache layer"]
with open(sys.argv[1], "w") as f:
    for v in verbs:
        for o in objs:
            f.write(f"{v} {o}\n")
PY

"$BIN/ruvllm" serve -m "$MODEL" --port 0 2>"$TMP/serve.err" &
srv=$!
port=
for _ in $(seq 100); do
    port=$(grep -o 'http://127.0.0.1:[0-9]*' "$TMP/serve.err" | cut -d: -f3)
    [ -n "$port" ] && break
    sleep 0.1
done
[ -n "$port" ] || fail "serve did not start: $(cat "$TMP/serve.err")"
url=http://127.0.0.1:$port
end=$(($(date +%s) + SECONDS_TOTAL))

# Normal traffic, measured.
"$BIN/serve_load" --port "$port" --tasks "$TMP/tasks.txt" --connections 8 \
    --requests 1000000000 --max-seconds "$SECONDS_TOTAL" >"$TMP/normal.txt" 2>&1 &
normal=$!

# Slow clients: one byte a second.
slow_client() {
    while [ "$(date +%s)" -lt "$end" ]; do
        python3 - "$port" "$end" <<'PY' 2>/dev/null
import socket, sys, time
port, end = int(sys.argv[1]), int(sys.argv[2])
req = b'POST /v1/route HTTP/1.1\r\nHost: x\r\nContent-Length: 30\r\n\r\n{"task": "fix the login flow"}'
try:
    s = socket.create_connection(("127.0.0.1", port), timeout=10)
    for b in req:
        if time.time() > end:
            break
        s.send(bytes([b]))
        time.sleep(1)
except OSError:
    pass
PY
    done
}
for _ in $(seq 16); do
    slow_client &
    pids+=($!)
done

# Oversize bodies: 2 MB, declared and chunked; every reply must be 413.
head -c 2000000 /dev/zero | tr '\0' a >"$TMP/big"
oversize() {
    local n=0 bad=0 code
    while [ "$(date +%s)" -lt "$end" ]; do
        code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 10 "$url/v1/route" \
            --data-binary @"$TMP/big")
        [ "$code" = 413 ] || bad=$((bad + 1))
        code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 10 "$url/v1/route" \
            -H 'Transfer-Encoding: chunked' --data-binary @"$TMP/big")
        [ "$code" = 413 ] || bad=$((bad + 1))
        n=$((n + 2))
        sleep 0.5
    done
    echo "$n $bad" >"$TMP/oversize.txt"
}
oversize &
pids+=($!)

# Garbage: malformed HTTP and JSON, every reply a 4xx.
garbage() {
    local n=0 bad=0 code
    while [ "$(date +%s)" -lt "$end" ]; do
        for body in '{"task": ' '[1,2]' '{"task": 5}' '{"tasks": []}' "$(printf '\xff\xfe')"; do
            code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 5 "$url/v1/route" -d "$body")
            [[ $code == 4* ]] || bad=$((bad + 1))
            n=$((n + 1))
        done
        printf 'GARBAGE\r\n\r\n' | timeout 5 python3 -c "
import socket,sys; s=socket.create_connection(('127.0.0.1',$port)); s.sendall(sys.stdin.buffer.read()); s.recv(1000)" \
            2>/dev/null
        sleep 1
    done
    echo "$n $bad" >"$TMP/garbage.txt"
}
garbage &
pids+=($!)

# Bursts of 128 connections.
bursts=0 burst_errors=0
while [ "$(date +%s)" -lt $((end - 5)) ]; do
    sleep 20
    [ "$(date +%s)" -lt $((end - 5)) ] || break
    "$BIN/serve_load" --port "$port" --tasks "$TMP/tasks.txt" --connections 128 \
        --requests 1000000 --max-seconds 3 >"$TMP/burst.txt" 2>&1
    bursts=$((bursts + 1))
    e=$(grep -o '[0-9]* errors' "$TMP/burst.txt" | awk '{print $1}')
    burst_errors=$((burst_errors + ${e:-0}))
done

wait "$normal"
normal_rc=$?
for p in "${pids[@]}"; do wait "$p" 2>/dev/null; done
pids=()

health=$(curl -s --max-time 5 "$url/v1/health") || fail "no /health after the soak"
[[ $health == *'"status":"ok"'* ]] || fail "health: $health"
rss=$(awk '/VmRSS/ {print $2}' "/proc/$srv/status")
hwm=$(awk '/VmHWM/ {print $2}' "/proc/$srv/status")
kill -TERM "$srv"
wait "$srv"
rc=$?
srv=
echo "soak: $SECONDS_TOTAL s on $(nproc) cores, model $MODEL"
echo "  normal traffic (8 keep-alive connections): $(grep 'requests' "$TMP/normal.txt" | tail -1)"
echo "  bursts: $bursts x 128 connections for 3 s, $burst_errors errors"
echo "  oversize bodies (2 MB, declared and chunked): $(awk '{print $1 " sent, " $2 " not 413"}' "$TMP/oversize.txt")"
echo "  garbage requests: $(awk '{print $1 " sent, " $2 " not 4xx"}' "$TMP/garbage.txt")"
echo "  16 slow clients (1 byte/s) throughout"
echo "  server RSS after: $((rss / 1024)) MiB (peak $((hwm / 1024)) MiB); exit code after SIGTERM: $rc"
[ "$normal_rc" = 0 ] || fail "normal traffic saw errors"
[ "$rc" = 0 ] || fail "serve exited with $rc"
read -r _ bad <"$TMP/oversize.txt"
[ "$bad" = 0 ] || fail "$bad oversize requests were not answered 413"
read -r _ bad <"$TMP/garbage.txt"
[ "$bad" = 0 ] || fail "$bad garbage requests were not answered 4xx"
echo "soak: ok"
