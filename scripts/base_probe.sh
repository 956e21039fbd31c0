#!/usr/bin/env bash
# Two experiments of #15 on the base embedding, kept so that docs/benchmarks.md's figures can be
# reproduced (neither became a default):
#   pairs  sentence-pair pretraining: the default base's rows are trained further on Debian's
#          package summaries against their long descriptions (first paragraph, at most 40 words;
#          one pair per distinct summary and description), in-batch InfoNCE only (train
#          --w-ce 0 --w-triplet 0, batch 64, 3 epochs; the "labels" are the pairs), then make
#          run's router is trained on that base;
#   tiny   a near-empty base: fastText on the first 300 KB of the corpus for one epoch (most
#          words unknown, their rows hashed n-grams only), then make run's router on it.
# Each prints validation (which selects), test and development-set accuracy next to the
# default base's router trained the same way. Needs `make run` first (out/dataset-agents, the
# cached corpus and base). About 15 minutes for pairs, 4 for tiny, on 2 cores.
#   scripts/base_probe.sh pairs|tiny|default
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${BIN:-build/bin/ruvllm}
DATA=${DATA:-out/dataset-agents}
DEV=${DEV:-data/eval/dev.jsonl}
CORPUS=${CORPUS:-.cache/corpus/debian-translation-en.txt}
TMP=${TMP_DIR:-$(mktemp -d)}
mkdir -p "$TMP"
what=${1:-}
base_args=()
case "$what" in
pairs)
    python3 - "$CORPUS" "$TMP/pairs.jsonl" <<'PY'
import json, sys
pairs, seen_d, seen_s = [], set(), set()
summary, body = None, []
def flush():
    global summary, body
    if summary is not None:
        words = []
        for line in body:
            if line.strip() == ".":
                if len(words) >= 12:
                    break
                continue
            words += line.split()
            if len(words) >= 40:
                break
        d = " ".join(words[:40])
        if len(words) >= 5 and d not in seen_d and summary.lower() not in seen_s:
            seen_d.add(d)
            seen_s.add(summary.lower())
            pairs.append((summary, d))
    summary, body = None, []
for line in open(sys.argv[1], encoding="utf-8", errors="replace"):
    line = line.rstrip("\n")
    if line.startswith("Package:"):
        flush()
    elif line.startswith("Description-en:"):
        summary, body = line[len("Description-en:"):].strip(), []
    elif line.startswith(" ") and summary is not None:
        body.append(line)
flush()
with open(sys.argv[2], "w") as f:
    for i, (s, d) in enumerate(pairs):
        f.write(json.dumps({"text": s, "label": "p%d" % i}) + "\n")
        f.write(json.dumps({"text": d, "label": "p%d" % i}) + "\n")
print("base_probe: %d summary / description pairs" % len(pairs), file=sys.stderr)
PY
    "$BIN" train -q --data "$TMP/pairs.jsonl" --text-field text --label-field label \
        --epochs 3 --batch 64 --w-ce 0 --w-triplet 0 --w-nce 1 --no-sparse --no-keywords \
        --patience 0 --checkpoint-every 0 --out "$TMP/pair-base.gguf"
    base_args=(--base "$TMP/pair-base.gguf")
    ;;
tiny)
    head -c 300000 "$CORPUS" >"$TMP/tiny.txt"
    "$BIN" pretrain -q --corpus "$TMP/tiny.txt" --epochs 1 --out "$TMP/tiny-base.gguf"
    base_args=(--base "$TMP/tiny-base.gguf")
    ;;
default) ;;
*)
    echo "usage: scripts/base_probe.sh pairs|tiny|default" >&2
    exit 1
    ;;
esac
[ -f "$DATA/claude_training_train.triplets.jsonl" ] || {
    echo "base_probe: $DATA has no triplets: run 'make run' first" >&2
    exit 1
}
"$BIN" train -q --data "$DATA/claude_training_train.jsonl" \
    --data "$DATA/claude_training_train.triplets.jsonl" --val "$DATA/claude_training_val.jsonl" \
    --test "$DATA/claude_training_test.jsonl" --checkpoint-every 0 "${base_args[@]}" \
    --out "$TMP/router-$what.gguf"
"$BIN" eval -m "$TMP/router-$what.gguf" -i "$DEV" --report "$TMP/dev-$what.json" >/dev/null
python3 - "$what" "$TMP/router-$what.gguf.stats.json" "$TMP/dev-$what.json" <<'PY'
import json, sys
s, d = json.load(open(sys.argv[2])), json.load(open(sys.argv[3]))
t = s["test"]
print("%s: validation %.4f (epoch %d) | test embedding %.4f hybrid %.4f | dev hybrid %.4f embedding %.4f"
      % (sys.argv[1], s["best_accuracy"], s["best_epoch"], t["accuracy"],
         t.get("hybrid_accuracy", 0), d["hybrid_accuracy"], d["accuracy"]))
PY
