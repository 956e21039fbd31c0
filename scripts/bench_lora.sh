#!/usr/bin/env bash
# bench_lora.sh [MODEL] [TRIPLETS]: one LoRA epoch on the top 2 layers of a Qwen2 GGUF over
# 1,000 triplets (issue #7's figure). MODEL defaults to the random-weight model with
# Qwen2.5-0.5B's shapes and Q4_K_M type mix that bench/qwen2_bench writes
# (.cache/bench/qwen2-0.5b-shape-q4_k_m.gguf); TRIPLETS to the first 1,000 lines of the default
# dataset's training triplets (make run writes them). Prints the time of the frozen lower
# layers (run once per unique text), of the epoch itself (forward + backward through the top 2
# layers, head and LoRA updates) and the peak RSS.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${BIN:-build/bin/ruvllm}
MODEL=${1:-.cache/bench/qwen2-0.5b-shape-q4_k_m.gguf}
SRC=${2:-out/dataset/claude_training_train.triplets.jsonl}
[ -f "$MODEL" ] || { echo "bench_lora: $MODEL not found (run build/bin/qwen2_bench --write-model first, or scripts/bench_qwen2.sh)" >&2; exit 1; }
[ -f "$SRC" ] || { echo "bench_lora: $SRC not found (make run writes it)" >&2; exit 1; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
head -n 1000 "$SRC" >"$tmp/triplets.jsonl"
echo "bench_lora: $(wc -l <"$tmp/triplets.jsonl") triplets, $(cut -d'"' -f4 "$tmp/triplets.jsonl" | sort -u | wc -l) unique anchors; model $MODEL" >&2
/usr/bin/time -f "bench_lora: wall %e s, user %U s, peak RSS %M KiB" \
    "$BIN" train --base "$MODEL" --data "$tmp/triplets.jsonl" --lora-layers 2 --lora-rank 8 \
    --epochs 1 --batch 16 --threads 2 --no-keywords -o "$tmp/router.gguf" 2>"$tmp/err" || {
    cat "$tmp/err" >&2
    exit 1
}
grep -E "^train:|bench_lora" "$tmp/err" >&2
python3 - "$tmp/router.gguf.stats.json" <<'PY'
import json, sys
s = json.load(open(sys.argv[1]))
h = s["history"][0]
print(f"bench_lora: epoch (forward + backward of anchors and positives, top 2 layers): {h['seconds']:.1f} s; "
      f"total train() {s.get('train_seconds', float('nan')):.1f} s (the rest: the frozen lower layers, once per text)")
PY
