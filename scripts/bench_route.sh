#!/usr/bin/env bash
# Routing speed (#4), ours next to fastText on the same tasks in the same run:
#   1. in-process, one core (Google Benchmark, medians of 5): route_task latency, route +
#      JSON line throughput, fastText predictLine (a tuned supervised model on the same split);
#   2. whole commands on the test split x 10: `ruvllm route --input` vs `fasttext predict`;
#   3. the service: `ruvllm serve` on a loopback port under bench/serve_load (single tasks and
#      batches of 32 on 4 connections; single tasks on 32 and 128 keep-alive connections, more
#      than the 8 workers started up front), zero errors required.
# Needs `make run` first (out/router-agents.gguf and out/dataset-agents).
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=build/bin
MODEL=${MODEL:-out/router-agents.gguf}
DATA=${DATA:-out/dataset-agents}
[ -f "$MODEL" ] || { echo "bench_route: $MODEL missing: run 'make run' first" >&2; exit 1; }
TMP=$(mktemp -d /dev/shm/ruvllm-bench-route.XXXXXX)
SERVER=
trap '[ -n "$SERVER" ] && kill "$SERVER" 2>/dev/null; rm -rf "$TMP"' EXIT

echo "## machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs); commit $(git rev-parse --short HEAD)"
grep -o '"input":"[^"]*"' "$DATA/claude_training_test.jsonl" | cut -d'"' -f4 > "$TMP/tasks.txt"
n=$(wc -l < "$TMP/tasks.txt")
for _ in 1 2 3 4 5 6 7 8 9 10; do cat "$TMP/tasks.txt"; done > "$TMP/tasks10.txt"
fasttext supervised -input "$DATA/claude_training_train.fasttext.txt" -output "$TMP/ft" \
    -thread 1 -seed 42 -verbose 0 -epoch 50 -lr 0.5 -wordNgrams 2 -minn 3 -maxn 5 -dim 64

echo
echo "## in-process, one core (median of 5)"
RUVLLM_BENCH_MODEL=$MODEL RUVLLM_BENCH_TASKS=$TMP/tasks.txt RUVLLM_BENCH_FASTTEXT=$TMP/ft.bin \
    taskset -c 0 "$BIN/route_bench" --benchmark_repetitions=5 --benchmark_report_aggregates_only=true \
    2>/dev/null | grep -E '^BM_.*_median'

echo
echo "## whole commands, $((n * 10)) tasks (hyperfine, model load included)"
hyperfine -N --warmup 1 --runs 5 --style basic \
    "taskset -c 0 $BIN/ruvllm route -m $MODEL --input $TMP/tasks10.txt" \
    "taskset -c 0 fasttext predict $TMP/ft.bin $TMP/tasks10.txt" 2>&1 | grep -E 'Benchmark|Time' || true

echo
echo "## service: ruvllm serve on loopback (server and load client share the 2 cores)"
"$BIN/ruvllm" serve -m "$MODEL" --port 0 2> "$TMP/serve.err" &
SERVER=$!
for _ in $(seq 100); do
    port=$(grep -o 'http://127.0.0.1:[0-9]*' "$TMP/serve.err" | cut -d: -f3 || true)
    [ -n "$port" ] && break
    sleep 0.1
done
"$BIN/serve_load" --port "$port" --tasks "$TMP/tasks.txt" --connections 4 --requests 50000 --max-seconds 60
"$BIN/serve_load" --port "$port" --tasks "$TMP/tasks.txt" --connections 4 --requests 2000 --batch 32 --max-seconds 60
# Pooled clients with more keep-alive connections than --threads (8): workers start on demand.
for c in 32 128; do
    "$BIN/serve_load" --port "$port" --tasks "$TMP/tasks.txt" --connections "$c" --requests 20000 --max-seconds 60
done
kill -TERM "$SERVER"
wait "$SERVER" || true
SERVER=
tail -n 1 "$TMP/serve.err"
