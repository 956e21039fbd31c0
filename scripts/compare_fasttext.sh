#!/usr/bin/env bash
# Ours vs fastText `supervised` (Debian's fasttext CLI) on the same train/test split, in the same
# run: accuracy (P@1 = accuracy for one label per line) and training time.
#   scripts/compare_fasttext.sh DATASET_DIR OUR_MODEL_STATS_JSON [JSON_OUT]
# DATASET_DIR must hold claude_training_{train,test}.fasttext.txt (generate --fasttext). With
# JSON_OUT, fastText's rows are also written there ({"settings": [{"args", "accuracy",
# "seconds"}]}) for scripts/readme_figures.
set -euo pipefail
DIR=$1
STATS=$2
JSON_OUT=${3:-}
if ! command -v fasttext >/dev/null; then
    echo "compare_fasttext: fasttext CLI not installed (scripts/setup installs it)" >&2
    exit 0
fi
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
# The test object's accuracy (embedding stage) and hybrid_accuracy (what `route` answers);
# total_seconds is the whole `train` call (data to stats), train_seconds the loop's.
read -r ours ours_h ours_s < <(python3 -c '
import json, sys
s = json.load(open(sys.argv[1]))
t = s.get("test", {})
print(t.get("accuracy", 0), t.get("hybrid_accuracy", t.get("accuracy", 0)),
      s.get("total_seconds", s.get("train_seconds", 0)))' "$STATS")
name=$(basename "${STATS%.stats.json}")
printf "| model | held-out accuracy | train time (s) |\n|---|---|---|\n"
printf "| ruvllm router (%s), hybrid: what route answers | %.4f | %.1f |\n" "$name" "$ours_h" "$ours_s"
printf "| ruvllm router (%s), embedding stage alone | %.4f | |\n" "$name" "$ours"
for args in "" "-epoch 25 -wordNgrams 2" "-epoch 50 -lr 0.5 -wordNgrams 2 -minn 3 -maxn 5 -dim 64"; do
    start=$(date +%s.%N)
    fasttext supervised -input "$DIR/claude_training_train.fasttext.txt" -output "$TMP/m" \
        -thread 1 -seed 42 -verbose 0 $args
    end=$(date +%s.%N)
    acc=$(fasttext test "$TMP/m.bin" "$DIR/claude_training_test.fasttext.txt" | awk '/P@1/ {print $2}')
    secs=$(awk -v a="$start" -v b="$end" 'BEGIN {print b - a}')
    printf "| fastText supervised %s | %.4f | %.1f |\n" "${args:-(defaults)}" "$acc" "$secs"
    echo "${args:-(defaults)}	$acc	$secs" >>"$TMP/rows.tsv"
done
if [ -n "$JSON_OUT" ]; then
    python3 - "$TMP/rows.tsv" "$JSON_OUT" <<'PY'
import json, sys
rows = [l.rstrip("\n").split("\t") for l in open(sys.argv[1])]
json.dump({"settings": [{"args": a, "accuracy": float(x), "seconds": float(s)} for a, x, s in rows]},
          open(sys.argv[2], "w"), indent=1)
PY
fi
