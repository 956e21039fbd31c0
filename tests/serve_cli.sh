#!/usr/bin/env bash
# serve_cli.sh RUVLLM MODEL: `ruvllm serve` end to end as a user runs it: start it on an
# ephemeral loopback port, read the port from its stderr, route with curl, check the JSON
# errors, then SIGTERM it and require a clean exit (code 0, "stopped after" on stderr).
set -uo pipefail
bin=$1 model=$2
tmp=$(mktemp -d)
pid=
cleanup() {
    [ -n "$pid" ] && kill -9 "$pid" 2>/dev/null
    rm -rf "$tmp"
}
trap cleanup EXIT
fail() {
    echo "serve_cli: FAIL: $*" >&2
    cat "$tmp/err" >&2
    exit 1
}
command -v curl >/dev/null || fail "curl not found (scripts/setup installs it)"

"$bin" serve -m "$model" --port 0 --max-body-bytes 4096 --access-log 2>"$tmp/err" &
pid=$!
port=
for _ in $(seq 100); do
    port=$(grep -o 'http://127.0.0.1:[0-9]*' "$tmp/err" | cut -d: -f3)
    [ -n "$port" ] && break
    kill -0 "$pid" 2>/dev/null || fail "serve exited early"
    sleep 0.1
done
[ -n "$port" ] || fail "no 'listening on' line within 10 s"
url=http://127.0.0.1:$port

out=$(curl -s --max-time 5 "$url/health") || fail "GET /health"
[[ $out == *'"status":"ok"'* ]] || fail "health: $out"
out=$(curl -s --max-time 5 "$url/route" -d '{"task": "fix the ci pipeline", "id": 3}') || fail "POST /route"
[[ $out =~ ^\{\"id\":3,\"agent\":\"[a-z-]+\",\"confidence\":[0-9.]+, ]] || fail "route: $out"
out=$(curl -s --max-time 5 "$url/route/batch" -d '{"tasks": ["deploy it", "write docs"]}') || fail "batch"
[[ $out == *'"decisions":[{'*'},{'* ]] || fail "batch: $out"
code=$(curl -s -o "$tmp/body" -w '%{http_code}' --max-time 5 "$url/route" -d '{"task": 1}')
[ "$code" = 400 ] && grep -q '"code":"invalid_request"' "$tmp/body" || fail "bad task: $code"
head -c 10000 /dev/zero | tr '\0' a >"$tmp/big"
code=$(curl -s -o "$tmp/body" -w '%{http_code}' --max-time 5 "$url/route" --data-binary @"$tmp/big")
[ "$code" = 413 ] || fail "large body: $code"
out=$(curl -s --max-time 5 "$url/health") || fail "GET /health after errors"
[[ $out == *'"errors":2'* ]] || fail "health after errors: $out"
# The /v1 prefix, Prometheus metrics and the OpenAPI description.
out=$(curl -s --max-time 5 "$url/v1/route" -d '{"task": "write the changelog"}') || fail "/v1/route"
[[ $out =~ ^\{\"agent\":\"[a-z-]+\" ]] || fail "/v1/route: $out"
out=$(curl -s --max-time 5 "$url/v1/metrics") || fail "GET /v1/metrics"
[[ $out == *'ruvllm_requests_total{endpoint="route",code="413"} 1'* ]] || fail "metrics: $out"
out=$(curl -s --max-time 5 "$url/openapi.json") || fail "GET /openapi.json"
[[ $out == *'"openapi": "3.0.3"'* ]] || fail "openapi: ${out:0:200}"

kill -TERM "$pid"
wait "$pid"
rc=$?
pid=
[ "$rc" = 0 ] || fail "exit code $rc after SIGTERM"
grep -q 'serve: SIGTERM, stopping' "$tmp/err" || fail "no stop message"
grep -q 'serve: stopped after .* 9 requests (2 errors)' "$tmp/err" || fail "no summary line"
# --access-log: one line per request (time, client, "METHOD path", status, bytes, bytes, ms).
[ "$(grep -c '^20[0-9-]*T[0-9:]*Z 127.0.0.1:[0-9]* "' "$tmp/err")" = 9 ] || fail "access log lines"
grep -q '"POST /route" 413 [0-9]* 0 [0-9.]*ms$' "$tmp/err" || fail "access log of the 413 (refused from its Content-Length, nothing read)"
grep -q '"GET /v1/metrics" 200 ' "$tmp/err" || fail "access log of /v1/metrics"
echo "serve_cli: ok (port $port)"
