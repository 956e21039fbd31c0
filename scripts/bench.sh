#!/usr/bin/env bash
# Benchmarks: the generator and writers (#2), GGUF and quantisation (#5), routing (#3/#4). Prints medians of 5 repetitions from Google Benchmark,
# whole-command timings from hyperfine, and peak RSS from GNU time. Run on an idle machine;
# outputs go to a tmpfs (/dev/shm) so the disk is not what is measured.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=build/bin
TMP=$(mktemp -d /dev/shm/ruvllm-bench.XXXXXX)
trap 'rm -rf "$TMP"' EXIT

echo "## machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs); commit $(git rev-parse --short HEAD)"
echo
echo "## Google Benchmark (median of 5)"
for b in generate_bench gguf_bench; do
    "$BIN/$b" --benchmark_repetitions=5 --benchmark_report_aggregates_only=true 2>/dev/null |
        grep -E '^BM_.*_median' || true
done
echo
echo "## CLI (hyperfine)"
if command -v hyperfine >/dev/null; then
    hyperfine -N --warmup 1 --runs 5 --style basic \
        "$BIN/ruvllm generate -q --out $TMP/default" \
        "$BIN/ruvllm generate -q --stream --count 1000000 --out $TMP/stream.jsonl" 2>&1 |
        grep -E 'Benchmark|Time'
else
    echo "hyperfine not installed (scripts/setup installs it)"
fi
echo
echo "## stream throughput (as reported by the command)"
"$BIN/ruvllm" generate --stream --count 1000000 --out "$TMP/stream.jsonl" 2>&1 | tail -n 1
echo "stream file: $(du -h "$TMP/stream.jsonl" | cut -f1) for 1,000,000 examples"
echo
echo "## peak RSS"
/usr/bin/time -f "default generate: %M KiB peak RSS, %e s" "$BIN/ruvllm" generate -q --out "$TMP/rss" 2>&1 | tail -n 1
/usr/bin/time -f "stream 1M: %M KiB peak RSS, %e s" "$BIN/ruvllm" generate -q --stream --count 1000000 --out "$TMP/rss.jsonl" 2>&1 | tail -n 1
echo
echo "## routing (embedding stage), if out/router-agents.gguf exists (make run)"
if [ -f out/router-agents.gguf ]; then
    grep -o '"input":"[^"]*"' out/dataset-agents/claude_training_test.jsonl | cut -d'"' -f4 > "$TMP/tasks.txt"
    n=$(wc -l < "$TMP/tasks.txt")
    for i in 1 2 3 4 5 6 7 8 9 10; do cat "$TMP/tasks.txt"; done > "$TMP/tasks10.txt"
    /usr/bin/time -f "route: $((n * 10)) tasks in %e s (model load included), %M KiB peak RSS" \
        "$BIN/ruvllm" route -m out/router-agents.gguf --input "$TMP/tasks10.txt" > "$TMP/decisions.jsonl"
    awk -F'"latency_us":' '{split($2, a, "}"); print a[1]}' "$TMP/decisions.jsonl" | sort -n |
        awk '{v[NR] = $1} END {print "route: per-task latency p50 " v[int(NR * 0.5)] " us, p99 " v[int(NR * 0.99)] " us"}'
fi
