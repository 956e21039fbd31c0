#!/usr/bin/env bash
# Development-set accuracy against the number of templates (#14): for each fraction F, keep a
# seeded random F of every agent's templates (same keywords, values and lexicon), generate the
# 13-agent dataset at the same size (--per-agent N, styles real), train as `make run` does and
# score on data/eval/dev.jsonl next to fastText, through scripts/dev_curve.sh.
#   scripts/template_curve.sh [N] [F ...]        e.g. scripts/template_curve.sh 500 0.1 0.25 0.5 1
# Prints a Markdown table with a templates column.
set -euo pipefail
cd "$(dirname "$0")/.."
N=${1:-500}
shift || true
FRACTIONS=("$@")
[ ${#FRACTIONS[@]} -eq 0 ] && FRACTIONS=(0.1 0.25 0.5 1)
TMP=${TMP_DIR:-$(mktemp -d)}
printf "| templates kept | templates | per agent | examples (train) | median words | train s | hybrid | embedding | keyword (coverage) | fastText tuned |\n"
printf "|---|---|---|---|---|---|---|---|---|---|\n"
for f in "${FRACTIONS[@]}"; do
    agents=$TMP/agents-$f
    mkdir -p "$agents"
    # Templates are the last key of an agent file, one "  - text:" item each.
    kept=$(python3 - "$f" data/library/agents "$agents" <<'PY'
import os, random, sys
frac, src, dst = float(sys.argv[1]), sys.argv[2], sys.argv[3]
total = 0
for name in sorted(os.listdir(src)):
    if not name.endswith(".yaml"):
        continue
    lines = open(os.path.join(src, name)).read().split("\n")
    at = lines.index("templates:")
    head, items, cur = lines[: at + 1], [], None
    for line in lines[at + 1 :]:
        if line.startswith("  - "):
            cur = [line]
            items.append(cur)
        elif cur is not None:
            cur.append(line)
        else:
            head.append(line)
    keep = max(3, round(frac * len(items)))
    rng = random.Random("templates-" + name)
    chosen = sorted(rng.sample(range(len(items)), min(keep, len(items))))
    total += len(chosen)
    with open(os.path.join(dst, name), "w") as out:
        out.write("\n".join(head + [l for i in chosen for l in items[i]]) + "\n")
print(total)
PY
)
    GEN_ARGS="--agents $agents" TMP_DIR=$TMP/run-$f scripts/dev_curve.sh real "$N" |
        tail -n 1 | sed "s/^|/| $f | $kept |/"
done
