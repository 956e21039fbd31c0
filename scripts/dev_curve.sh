#!/usr/bin/env bash
# Development-set accuracy against generated size (#14): for each size, generate the 13-agent
# dataset (--per-agent N, the given --styles), build triplets, train a router as `make run`
# does, and score it on data/eval/dev.jsonl (keyword / embedding / hybrid), next to fastText
# supervised (tuned) trained on the same split and tested on the same set.
#   scripts/dev_curve.sh [STYLES] [N ...]        e.g. scripts/dev_curve.sh real 50 150 500
# Needs the default base (make run builds it) and the fasttext CLI. Prints a Markdown table.
# GEN_ARGS adds generate flags (e.g. --agents DIR); TMP_DIR keeps the work files.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${BIN:-build/bin/ruvllm}
DEV=${DEV:-data/eval/dev.jsonl}
STYLES=${1:-real}
shift || true
SIZES=("$@")
[ ${#SIZES[@]} -eq 0 ] && SIZES=(50 150 500)
TMP=${TMP_DIR:-$(mktemp -d)}
mkdir -p "$TMP"
GEN_ARGS=${GEN_ARGS:-}  # more generate flags, e.g. --agents DIR (scripts/template_curve.sh)
"$BIN" convert -q -i "$DEV" -o "$TMP/dev.fasttext.txt"
printf "| per agent | examples (train) | median words | train s | hybrid | embedding | keyword (coverage) | fastText tuned |\n"
printf "|---|---|---|---|---|---|---|---|\n"
for n in "${SIZES[@]}"; do
    d=$TMP/ds-$n
    "$BIN" generate -q --labels agents --per-agent "$n" --styles "$STYLES" --fasttext --out "$d" \
        $GEN_ARGS >/dev/null
    "$BIN" triplets -q --data "$d/claude_training_train.jsonl" --out "$d/train.triplets.jsonl"
    start=$(date +%s.%N)
    "$BIN" train -q --data "$d/claude_training_train.jsonl" --data "$d/train.triplets.jsonl" \
        --val "$d/claude_training_val.jsonl" --checkpoint-every 0 --out "$d/router.gguf"
    end=$(date +%s.%N)
    ev=$("$BIN" eval -m "$d/router.gguf" -i "$DEV")
    hyb=$(echo "$ev" | awk '$1 == "hybrid" {print $2}')
    emb=$(echo "$ev" | awk '$1 == "embedding" {print $2}')
    kw=$(echo "$ev" | awk '$1 == "keyword" && $2 ~ /^[0-9.]+$/ {print $5 " (" $4 ")"; exit}')
    ft="-"
    if command -v fasttext >/dev/null; then
        fasttext supervised -input "$d/claude_training_train.fasttext.txt" -output "$d/ft" \
            -thread 1 -seed 42 -verbose 0 -epoch 50 -lr 0.5 -wordNgrams 2 -minn 3 -maxn 5 -dim 64
        ft=$(fasttext test "$d/ft.bin" "$TMP/dev.fasttext.txt" | awk '/P@1/ {print $2}')
    fi
    rows=$(wc -l < "$d/claude_training_train.jsonl")
    med=$(python3 -c "import json,statistics,sys; print(statistics.median(len(json.loads(l)['input'].split()) for l in open(sys.argv[1])))" "$d/claude_training_train.jsonl")
    printf "| %s | %s | %s | %.0f | %s | %s | %s | %s |\n" "$n" "$rows" "$med" \
        "$(awk -v a="$start" -v b="$end" 'BEGIN {print b - a}')" "$hyb" "$emb" "$kw" "$ft"
done
