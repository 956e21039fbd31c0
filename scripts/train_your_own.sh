#!/usr/bin/env bash
# train_your_own.sh [DATA.jsonl TEXT_FIELDS LABEL_FIELD]...: "train your own router" on labelled
# data that is not ours, cross-validated, against fastText supervised on the same folds (#15).
# With no arguments it runs the two sets in data/own/ (written for this purpose, see its
# README): short helpdesk intents and long issue reports (title + body).
# For each set: a seeded stratified 5-fold split; in each fold 10% of the training part is held
# out as --val for ruvllm (model selection, calibration, blend weight) and both systems train on
# the same remaining 90% (fastText never sees the held-out 10% either, so they see the same
# examples); accuracy on the fold's test part. Prints per-fold and mean accuracies.
#   scripts/train_your_own.sh
#   scripts/train_your_own.sh tickets.jsonl title,body team
#   TRAIN_ARGS=--attention-pooling scripts/train_your_own.sh
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${BIN:-build/bin/ruvllm}
FOLDS=${FOLDS:-5}
TRAIN_ARGS=${TRAIN_ARGS:-}  # more ruvllm train flags, e.g. --attention-pooling
command -v fasttext >/dev/null || { echo "train_your_own: fasttext not found (scripts/setup)" >&2; exit 1; }
if [ $# -eq 0 ]; then
    set -- data/own/helpdesk_intents.jsonl text intent data/own/issue_reports.jsonl title,body label
fi
TMP=$(mktemp -d)
[ -n "${KEEP:-}" ] && echo "train_your_own: keeping $TMP" >&2 || trap 'rm -rf "$TMP"' EXIT

while [ $# -ge 3 ]; do
    data=$1 fields=$2 label=$3
    shift 3
    name=$(basename "$data" .jsonl)
    python3 - "$data" "$fields" "$label" "$TMP/$name" "$FOLDS" <<'PY'
import json, os, random, sys
path, fields, label, out, folds = sys.argv[1], sys.argv[2].split(","), sys.argv[3], sys.argv[4], int(sys.argv[5])
rows = []
for line in open(path):
    j = json.loads(line)
    text = ". ".join(str(j[f]).strip() for f in fields if j.get(f))
    rows.append({"text": text, "label": j[label]})
rng = random.Random(42)
by = {}
for r in rows:
    by.setdefault(r["label"], []).append(r)
fold_of = []
for lab in sorted(by):
    items = by[lab]
    rng.shuffle(items)
    for i, r in enumerate(items):
        fold_of.append((i % folds, r))
os.makedirs(out, exist_ok=True)
for k in range(folds):
    test = [r for f, r in fold_of if f == k]
    rest = [r for f, r in fold_of if f != k]
    rng.shuffle(rest)
    n_val = max(len(by), len(rest) // 10)
    val, train = rest[:n_val], rest[n_val:]
    for split, part in (("train", train), ("val", val), ("test", test)):
        with open(f"{out}/fold{k}.{split}.jsonl", "w") as f:
            for r in part:
                f.write(json.dumps(r) + "\n")
print(f"{path}: {len(rows)} examples, {len(by)} labels, {folds} folds", file=sys.stderr)
PY
    ours=() theirs=()
    for k in $(seq 0 $((FOLDS - 1))); do
        d=$TMP/$name/fold$k
        for split in train test; do
            "$BIN" convert -q -i "$d.$split.jsonl" --text-field text --label-field label \
                -o "$d.$split.ft.txt"
        done
        "$BIN" train -q --data "$d.train.jsonl" --val "$d.val.jsonl" --text-field text \
            --label-field label --checkpoint-every 0 --out "$d.gguf" $TRAIN_ARGS 2>"$d.train.log" ||
            { cat "$d.train.log" >&2; exit 1; }
        "$BIN" eval -m "$d.gguf" -i "$d.test.jsonl" --text-field text --label-field label \
            --report "$d.eval.json" >/dev/null
        a=$(python3 -c "import json,sys; print('%.4f' % json.load(open(sys.argv[1]))['hybrid_accuracy'])" "$d.eval.json")
        fasttext supervised -input "$d.train.ft.txt" -output "$d.ft" -thread 1 -seed 42 \
            -verbose 0 -epoch 50 -lr 0.5 -wordNgrams 2 -minn 3 -maxn 5 -dim 64
        f=$(fasttext test "$d.ft.bin" "$d.test.ft.txt" | awk '/P@1/ {printf "%.4f", $2}')
        echo "  $name fold $k: ruvllm $a, fastText $f" >&2
        ours+=("$a") theirs+=("$f")
    done
    python3 - "$name" "${ours[*]}" "${theirs[*]}" <<'PY'
import statistics, sys
name, ours, theirs = sys.argv[1], [float(x) for x in sys.argv[2].split()], [float(x) for x in sys.argv[3].split()]
mo, mt = statistics.mean(ours), statistics.mean(theirs)
print(f"{name}: ruvllm {mo:.4f} ({min(ours):.4f}-{max(ours):.4f}), fastText {mt:.4f} "
      f"({min(theirs):.4f}-{max(theirs):.4f}), difference {100 * (mo - mt):+.1f} points "
      f"over {len(ours)} folds")
PY
done
