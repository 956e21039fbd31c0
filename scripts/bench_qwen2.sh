#!/usr/bin/env bash
# Qwen2 embedding speed and memory (#7): ours next to llama.cpp on the same random-weight model
# with Qwen2.5-0.5B's shapes and Q4_K_M type mix (bench/qwen2_bench.cpp writes it once, ~400 MB,
# to .cache/bench) and the same 100 texts, 2 threads each. Each side runs in its own process
# under /usr/bin/time (peak RSS), 3 times, alternating; the table shows medians.
# Needs scripts/fetch_oracles (llama.cpp's libllama and the Qwen2 vocabulary) and a build with
# bench/ (BUILD=build by default: cmake --build build --target qwen2_bench).
#   scripts/bench_qwen2.sh                # RUNS=3 BUILD=build MODEL=.cache/bench/...gguf
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
RUNS=${RUNS:-3}
MODEL=${MODEL:-.cache/bench/qwen2-0.5b-shape-q4_k_m.gguf}
BIN=$BUILD/bin/qwen2_bench
[ -x "$BIN" ] || { echo "bench_qwen2: $BIN missing: cmake --build $BUILD --target qwen2_bench" >&2; exit 1; }
TMP=$(mktemp -d /tmp/ruvllm-bench-qwen2.XXXXXX)
trap 'rm -rf "$TMP"' EXIT

echo "## machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs); load average $(cut -d' ' -f1-3 /proc/loadavg)"
"$BIN" --write "$MODEL"
"$BIN" --tokenize "$MODEL" "$TMP/ids.bin"

# run SIDE: one measured process; appends "tokens_per_s load_s rss_mb" to $TMP/SIDE.
run() {
    local side=$1 out
    if [ "$side" = ours ]; then
        out=$(/usr/bin/time -v "$BIN" --ours "$MODEL" "$TMP/ours.f32" 2> "$TMP/time.txt")
    else
        out=$(/usr/bin/time -v "$BIN" --llama "$MODEL" "$TMP/ids.bin" "$TMP/llama.f32" 2> "$TMP/time.txt")
    fi
    echo "$out" | sed 's/^/  /' >&2
    local rss_kb
    rss_kb=$(grep 'Maximum resident set size' "$TMP/time.txt" | awk '{print $NF}')
    echo "$out" | awk -v rss="$rss_kb" '/tokens_per_s/ {for (i = 1; i < NF; i++) v[$i] = $(i + 1);
        printf "%s %s %.1f\n", v["tokens_per_s"], v["load_s"], rss / 1024}' >> "$TMP/$side"
}

echo
echo "## $RUNS runs per side, alternating"
for _ in $(seq "$RUNS"); do
    run ours
    run llama
done

median() {  # column $2 of file $1
    sort -g -k"$2","$2" "$1" | awk -v c="$2" '{v[NR] = $c} END {print v[int((NR + 1) / 2)]}'
}

echo
"$BIN" --cosine "$TMP/ours.f32" "$TMP/llama.f32"
echo
awk -v ot="$(median "$TMP/ours" 1)" -v lt="$(median "$TMP/llama" 1)" \
    -v ol="$(median "$TMP/ours" 2)" -v ll="$(median "$TMP/llama" 2)" \
    -v om="$(median "$TMP/ours" 3)" -v lm="$(median "$TMP/llama" 3)" 'BEGIN {
    printf "| %-18s | %10s | %10s | %-28s |\n", "median of runs", "ours", "llama.cpp", "ratio"
    printf "|%s|%s|%s|%s|\n", "--------------------", "------------", "------------", "------------------------------"
    printf "| %-18s | %10.1f | %10.1f | %-28s |\n", "tokens/s (2 thr.)", ot, lt,
        sprintf("%.2fx the speed of llama.cpp", ot / lt)
    printf "| %-18s | %10.1f | %10.1f | %-28s |\n", "peak RSS (MB)", om, lm,
        sprintf("%.2fx the RSS of llama.cpp", om / lm)
    printf "| %-18s | %10.2f | %10.2f | %-28s |\n", "load (s)", ol, ll, ""
}'
echo "targets (#7): tokens/s >= llama.cpp's / 1.5, peak RSS <= 1.5x llama.cpp's"
echo "## load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
