#!/usr/bin/env bash
# kill_cli.sh RUVLLM TINY_LIBRARY: fault injection (#16). Each long-running verb (generate as a
# set of files, generate --stream, pretrain, train, quantize, merge) is run once to completion
# (the reference: same seed, same bytes), then killed with SIGKILL at a ladder of delays, and
# every time:
#   - each final output is either absent or byte-identical to the reference (never partial);
#   - a rerun succeeds and gives the reference bytes, and leaves no "*.tmp-*" file behind;
#   - for train: --resume from the newest checkpoint left by a killed run finishes.
# Then SIGTERM and SIGINT during a job: the job dies of that signal and leaves no temp file at
# once (the handlers of io.h), not only after a rerun.
set -uo pipefail
bin=$1 tiny=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() {
    echo "kill_cli: FAIL: $*" >&2
    exit 1
}
kills=0

# no_temps DIR...: no temp file of ours anywhere under DIR.
no_temps() {
    local left
    left=$(find "$@" -name '*.tmp-*' 2>/dev/null | head -3)
    [ -z "$left" ] || fail "temp files left: $left"
}

# same_or_absent REF OUT: OUT absent, or the same bytes as REF.
same_or_absent() {
    [ ! -e "$2" ] || cmp -s "$1" "$2" || fail "$2 is partial or differs from the reference"
}

# killed_at DELAY CMD...: runs CMD in the background and SIGKILLs it after DELAY seconds (if it
# is still running).
killed_at() {
    local delay=$1
    shift
    "$@" >/dev/null 2>&1 &
    local pid=$!
    sleep "$delay"
    kill -9 "$pid" 2>/dev/null && kills=$((kills + 1))
    wait "$pid" 2>/dev/null
    return 0
}

delays="0.01 0.03 0.06 0.1 0.15 0.25 0.4 0.7"

# 1. generate into a folder: the set of files is published as a whole (#16 item 6).
gen=(generate --library "$tiny" --labels agents --per-agent 600 --folds 3 -q)
"$bin" "${gen[@]}" --out "$tmp/ref-ds" || fail "reference generate"
for d in $delays; do
    rm -rf "$tmp/ds"
    killed_at "$d" "$bin" "${gen[@]}" --out "$tmp/ds"
    if [ -d "$tmp/ds" ] && [ ! -e "$tmp/ds/.ruvllm-generate-incomplete" ]; then
        for f in "$tmp/ref-ds"/claude_training_*; do
            same_or_absent "$f" "$tmp/ds/$(basename "$f")"
        done
    fi
    "$bin" "${gen[@]}" --out "$tmp/ds" || fail "generate rerun after a kill at $d s"
    for f in "$tmp/ref-ds"/claude_training_*; do
        cmp -s "$f" "$tmp/ds/$(basename "$f")" || fail "rerun: $(basename "$f") differs"
    done
    [ ! -e "$tmp/ds/.ruvllm-generate-incomplete" ] || fail "marker left after a rerun"
    no_temps "$tmp/ds"
done

# 2. generate --stream to one file.
stream=(generate --labels agents --stream --count 200000 --seed 5 -q)
"$bin" "${stream[@]}" --out "$tmp/ref-stream.jsonl" || fail "reference stream"
for d in 0.05 0.2 0.5; do
    rm -f "$tmp/stream.jsonl"
    killed_at "$d" "$bin" "${stream[@]}" --out "$tmp/stream.jsonl"
    same_or_absent "$tmp/ref-stream.jsonl" "$tmp/stream.jsonl"
done
"$bin" "${stream[@]}" --out "$tmp/stream.jsonl" || fail "stream rerun"
cmp -s "$tmp/ref-stream.jsonl" "$tmp/stream.jsonl" || fail "stream rerun differs"
no_temps "$tmp"

# 3. pretrain (one thread: the same bytes every run).
data=$tmp/ref-ds/claude_training_train.jsonl
pre=(pretrain --corpus "$data" --dim 8 --epochs 3 --bucket 2000 --min-count 1 --threads 1 -q)
"$bin" "${pre[@]}" --out "$tmp/ref-base.gguf" || fail "reference pretrain"
for d in $delays; do
    rm -f "$tmp/base.gguf"
    killed_at "$d" "$bin" "${pre[@]}" --out "$tmp/base.gguf"
    same_or_absent "$tmp/ref-base.gguf" "$tmp/base.gguf"
done
"$bin" "${pre[@]}" --out "$tmp/base.gguf" || fail "pretrain rerun"
cmp -s "$tmp/ref-base.gguf" "$tmp/base.gguf" || fail "pretrain rerun differs"
no_temps "$tmp"

# 4. train, with a checkpoint every epoch; a killed run resumes from its newest checkpoint.
tr=(train --data "$data" --base "$tmp/ref-base.gguf" --dim 8 --epochs 12 --patience 0
    --checkpoint-every 1 --keep-checkpoints 2 --grpo-rounds 0 -q)
"$bin" "${tr[@]}" --out "$tmp/ref-router.gguf" || fail "reference train"
resumed=0
for d in $delays; do
    rm -rf "$tmp/router.gguf" "$tmp/router.gguf.checkpoints"
    killed_at "$d" "$bin" "${tr[@]}" --out "$tmp/router.gguf"
    same_or_absent "$tmp/ref-router.gguf" "$tmp/router.gguf"
    newest=$(ls -t "$tmp/router.gguf.checkpoints"/*.gguf 2>/dev/null | head -1)
    if [ -n "$newest" ] && [ ! -e "$tmp/router.gguf" ]; then
        "$bin" "${tr[@]}" --resume "$newest" --out "$tmp/router.gguf" ||
            fail "--resume $newest after a kill at $d s"
        "$bin" inspect "$tmp/router.gguf" >/dev/null || fail "resumed router does not load"
        resumed=$((resumed + 1))
    fi
done
# A killed run's temp files (a checkpoint or the stats half-written) are the next run's to
# remove: after the rerun there are none.
"$bin" "${tr[@]}" --out "$tmp/router.gguf" || fail "train rerun"
cmp -s "$tmp/ref-router.gguf" "$tmp/router.gguf" || fail "train rerun differs"
no_temps "$tmp"

# 5. quantize and merge.
q=(quantize -m "$tmp/ref-router.gguf" --type f32)
"$bin" "${q[@]}" -o "$tmp/ref-q.gguf" >/dev/null 2>&1 || fail "reference quantize"
"$bin" export -m "$tmp/ref-router.gguf" --base "$tmp/ref-base.gguf" -o "$tmp/adapter" \
    >/dev/null 2>&1 || fail "export"
m=(merge --base "$tmp/ref-base.gguf" --adapter "$tmp/adapter")
"$bin" "${m[@]}" -o "$tmp/ref-m.gguf" >/dev/null 2>&1 || fail "reference merge"
for d in 0.001 0.005 0.01 0.03; do
    rm -f "$tmp/q.gguf" "$tmp/m.gguf"
    killed_at "$d" "$bin" "${q[@]}" -o "$tmp/q.gguf"
    same_or_absent "$tmp/ref-q.gguf" "$tmp/q.gguf"
    killed_at "$d" "$bin" "${m[@]}" -o "$tmp/m.gguf"
    same_or_absent "$tmp/ref-m.gguf" "$tmp/m.gguf"
done
"$bin" "${q[@]}" -o "$tmp/q.gguf" >/dev/null 2>&1 && cmp -s "$tmp/ref-q.gguf" "$tmp/q.gguf" ||
    fail "quantize rerun"
"$bin" "${m[@]}" -o "$tmp/m.gguf" >/dev/null 2>&1 && cmp -s "$tmp/ref-m.gguf" "$tmp/m.gguf" ||
    fail "merge rerun"
no_temps "$tmp"

# 6. SIGTERM / SIGINT while a stream is being written: the process dies of the signal (exit
# status 128 + n) and its temp file is gone at once.
for sig in TERM INT; do
    rm -f "$tmp/sig.jsonl"
    "$bin" generate --labels agents --stream --count 5000000 -q --out "$tmp/sig.jsonl" \
        >/dev/null 2>&1 &
    pid=$!
    for _ in $(seq 100); do  # wait until the temp file exists
        [ -n "$(find "$tmp" -maxdepth 1 -name 'sig.jsonl.tmp-*')" ] && break
        sleep 0.02
    done
    [ -n "$(find "$tmp" -maxdepth 1 -name 'sig.jsonl.tmp-*')" ] || fail "no temp file to catch"
    kill -s "$sig" "$pid"
    wait "$pid"
    rc=$?
    want=$((128 + $(kill -l "$sig")))
    [ "$rc" = "$want" ] || fail "SIG$sig: exit status $rc, expected $want"
    no_temps "$tmp"
    [ ! -e "$tmp/sig.jsonl" ] || fail "SIG$sig: a partial sig.jsonl was published"
done

echo "kill_cli: ok ($kills kills landed mid-run, $resumed trainings resumed from a checkpoint)"
[ "$kills" -gt 10 ] || fail "only $kills kills landed before the jobs finished: the ladder is too slow"
