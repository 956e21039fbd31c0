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
[ -f "$MODEL" ] || { echo "bench_lora: $MODEL not found (run scripts/bench_qwen2.sh, or build/bin/qwen2_bench --write MODEL)" >&2; exit 1; }
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
python3 - "$tmp/router.gguf.stats.json" "$tmp/err" <<'PY'
import json, re, sys
s = json.load(open(sys.argv[1]))
m = re.search(r"texts through the base's frozen lower layers in ([0-9.]+) s", open(sys.argv[2]).read())
lower = float(m.group(1)) if m else float("nan")
epoch = s["history"][0]["seconds"]
total = s.get("train_seconds", float("nan"))
print(f"bench_lora: frozen lower layers (once per unique text): {lower:.1f} s; epoch (forward + "
      f"backward of anchors and positives through the top 2 layers, head, updates): {epoch:.1f} s; "
      f"the rest of train() (prototype init, adopting the LoRA): {total - lower - epoch:.1f} s")
PY
