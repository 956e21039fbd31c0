#!/usr/bin/env bash
# Training speed against threads (#15): trains make run's 13-agent router (the same data and
# flags as scripts/run_pipeline step 3) with --threads 1 and with --threads 2, alternating,
# RUNS times each (default 3), and prints each run's training-loop seconds (the stats JSON's
# train_seconds), mean epoch seconds and whole-call seconds, then the medians and their ratio.
# The model bytes must be the same for every run and thread count (train.h): the script fails
# if they are not. Needs `make run` first (out/dataset-agents and the cached base). Run it on an
# otherwise idle machine: the two threads need both cores.
#   scripts/bench_train.sh [RUNS]       EPOCHS=3 scripts/bench_train.sh   (a quicker look)
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${BIN:-build/bin/ruvllm}
DATA=${DATA:-out/dataset-agents}
RUNS=${1:-3}
EPOCHS=${EPOCHS:-}
[ -f "$DATA/claude_training_train.jsonl" ] || {
    echo "bench_train: $DATA missing: run 'make run' first" >&2
    exit 1
}
TMP=$(mktemp -d /dev/shm/ruvllm-bench-train.XXXXXX)
trap 'rm -rf "$TMP"' EXIT
extra=()
[ -n "$EPOCHS" ] && extra=(--epochs "$EPOCHS" --patience 0)
[ -f "$DATA/claude_training_train.triplets.jsonl" ] ||
    "$BIN" triplets -q --data "$DATA/claude_training_train.jsonl" \
        --out "$TMP/train.triplets.jsonl"
triplets=$DATA/claude_training_train.triplets.jsonl
[ -f "$triplets" ] || triplets=$TMP/train.triplets.jsonl

echo "## machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs); commit $(git rev-parse --short HEAD)"
echo "| run | threads | train loop s | epochs | s per epoch | whole call s |"
echo "|---|---|---|---|---|---|"
for run in $(seq 1 "$RUNS"); do
    for t in 1 2; do
        out=$TMP/router-t$t-r$run.gguf
        start=$(date +%s.%N)
        "$BIN" train -q --data "$DATA/claude_training_train.jsonl" --data "$triplets" \
            --val "$DATA/claude_training_val.jsonl" --checkpoint-every 0 --threads "$t" \
            "${extra[@]}" --out "$out"
        end=$(date +%s.%N)
        python3 - "$out.stats.json" "$run" "$t" "$start" "$end" >>"$TMP/rows.txt" <<'PY'
import json, sys
s = json.load(open(sys.argv[1]))
h = s["history"]
print(sys.argv[2], sys.argv[3], "%.1f" % s["train_seconds"], len(h),
      "%.2f" % (sum(e["seconds"] for e in h) / len(h)),
      "%.1f" % (float(sys.argv[5]) - float(sys.argv[4])))
PY
        tail -n 1 "$TMP/rows.txt" | awk '{printf "| %s | %s | %s | %s | %s | %s |\n", $1, $2, $3, $4, $5, $6}'
        if ! cmp -s "$out" "$TMP/router-t1-r1.gguf"; then
            echo "bench_train: run $run with $t threads wrote other model bytes than run 1 with 1 thread" >&2
            exit 1
        fi
    done
done
python3 - "$TMP/rows.txt" <<'PY'
import statistics, sys
rows = [l.split() for l in open(sys.argv[1])]
def med(t, col):
    return statistics.median(float(r[col]) for r in rows if r[1] == t)
for col, name in ((2, "train loop s"), (4, "s per epoch"), (5, "whole call s")):
    one, two = med("1", col), med("2", col)
    print(f"median {name}: 1 thread {one:.2f}, 2 threads {two:.2f}, ratio {one / two:.2f}x")
print("model bytes: identical for every run and thread count")
PY
