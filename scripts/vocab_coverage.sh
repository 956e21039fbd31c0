#!/usr/bin/env bash
# Vocabulary coverage (#14): the share of a labelled set's content words (e.g. the development
# set's) that appear anywhere in generated training data, by word type and by occurrence. Words
# come from the project's tokenizer (ruvllm convert --to fasttext); stop words are left out.
#   scripts/vocab_coverage.sh TRAIN_DATA [EVAL_DATA]   (EVAL_DATA defaults to data/eval/dev.jsonl)
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${BIN:-build/bin/ruvllm}
TRAIN=$1
EVAL=${2:-data/eval/dev.jsonl}
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
"$BIN" convert -q -i "$TRAIN" -o "$TMP/train.txt"
"$BIN" convert -q -i "$EVAL" -o "$TMP/eval.txt"
python3 - "$TMP/train.txt" "$TMP/eval.txt" <<'PY'
import sys
STOP = set("""a an the and or but if then of to in on at for from by with without into onto over
under about as is are was were be been being it its this that these those we our you your i me my
he she they them their do does did done can could should would will shall may might must not no
so too very just also only all any some each every more most less least than up down out off
again once here there when where why how what which who whom whose while after before because
until s t don't doesn't isn't aren't won't can't im it's let's please thanks hi hey ok""".split())
def words(path):
    out = []
    for line in open(path, encoding="utf-8"):
        toks = line.split()[1:]  # drop __label__
        out.extend(w for w in toks if w not in STOP and not w.isdigit() and len(w) > 1)
    return out
train = set(words(sys.argv[1]))
ev = words(sys.argv[2])
types = set(ev)
cov_types = sum(1 for w in types if w in train) / max(len(types), 1)
cov_tokens = sum(1 for w in ev if w in train) / max(len(ev), 1)
missing = sorted(w for w in types if w not in train)
print(f"vocabulary coverage: {cov_types:.3f} of {len(types)} content word types, "
      f"{cov_tokens:.3f} of {len(ev)} occurrences ({len(train)} types in the training data)")
PY
