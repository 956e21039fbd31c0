#!/usr/bin/env bash
# disk_cli.sh RUVLLM TINY_LIBRARY: a full disk and a read-only output directory (#16), on small
# tmpfs mounts (needs root, as CI has; otherwise it says so and exits 77, which CTest counts as
# skipped and make test refuses unless RUVLLM_ALLOW_SKIPS=1). On a full disk every verb exits 1
# with a one-line "ruvllm: ..." error, publishes no partial output, leaves no temp file, and a
# dataset already in the output directory stays whole; on a read-only directory it refuses before
# any work.
set -uo pipefail
bin=$1 tiny=$2
tmp=$(mktemp -d)
full=$tmp/full ro=$tmp/ro
cleanup() {
    umount "$full" 2>/dev/null
    umount "$ro" 2>/dev/null
    rm -rf "$tmp"
}
trap cleanup EXIT
fail() {
    echo "disk_cli: FAIL: $*" >&2
    [ -f "$tmp/err" ] && cat "$tmp/err" >&2
    exit 1
}
mkdir -p "$full" "$ro"
if ! mount -t tmpfs -o size=192k tmpfs "$full" 2>/dev/null; then
    echo "disk_cli: SKIP: cannot mount a tmpfs (not root?); the full-disk cases need one" >&2
    exit 77
fi
mount -t tmpfs -o size=64k,ro tmpfs "$ro" || fail "cannot mount a read-only tmpfs"

one_line_error() {  # the command failed with exit code 1 and one "ruvllm: " line on stderr
    [ "$1" = 1 ] || fail "$2: exit code $1, expected 1"
    [ "$(wc -l <"$tmp/err")" = 1 ] && grep -q '^ruvllm: ' "$tmp/err" ||
        fail "$2: expected one 'ruvllm: ...' line"
}
no_temps() {
    local left
    left=$(find "$full" -name '*.tmp-*' | head -3)
    [ -z "$left" ] || fail "temp files left: $left"
}

# A small dataset fits; a big one into the same directory does not, and the small one stays.
"$bin" generate --library "$tiny" --per-category 5 --out "$full/ds" -q 2>"$tmp/err" ||
    fail "the small dataset does not fit in 192 KiB"
before=$(cd "$full/ds" && cat claude_training_*.jsonl | md5sum)
"$bin" generate --labels agents --per-agent 200 --out "$full/ds" -q 2>"$tmp/err"
one_line_error $? "generate on a full disk"
grep -qiE 'no space left|disk full' "$tmp/err" || fail "generate: the error does not say the disk is full"
[ ! -e "$full/ds/.ruvllm-generate-incomplete" ] || fail "the old dataset was marked incomplete"
after=$(cd "$full/ds" && cat claude_training_*.jsonl | md5sum)
[ "$before" = "$after" ] || fail "the dataset already there was changed by the failed run"
no_temps

# A stream to one file.
"$bin" generate --labels agents --stream --count 100000 --out "$full/s.jsonl" -q 2>"$tmp/err"
one_line_error $? "generate --stream on a full disk"
[ ! -e "$full/s.jsonl" ] || fail "a partial s.jsonl was published"
no_temps

# A router (a few MB) on a full disk.
mkdir -p "$tmp/work"
"$bin" generate --library "$tiny" --labels agents --per-agent 40 --out "$tmp/work/ds" -q ||
    fail "generate (work)"
"$bin" pretrain --corpus "$tmp/work/ds/claude_training_train.jsonl" --out "$tmp/work/base.gguf" \
    --dim 8 --epochs 1 --bucket 200000 --min-count 1 --threads 1 -q || fail "pretrain (work)"
"$bin" train --data "$tmp/work/ds/claude_training_train.jsonl" --base "$tmp/work/base.gguf" \
    --dim 8 --epochs 1 --checkpoint-every 0 --out "$full/r.gguf" -q 2>"$tmp/err"
one_line_error $? "train on a full disk"
[ ! -e "$full/r.gguf" ] || fail "a partial r.gguf was published"
no_temps

# A read-only directory: refused before the work, nothing written.
"$bin" generate --labels agents --per-agent 5 --out "$ro/ds" -q 2>"$tmp/err"
one_line_error $? "generate into a read-only directory"
"$bin" train --data "$tmp/work/ds/claude_training_train.jsonl" --base "$tmp/work/base.gguf" \
    --dim 8 --epochs 1 --out "$ro/r.gguf" -q 2>"$tmp/err"
one_line_error $? "train into a read-only directory"
grep -q 'Read-only file system' "$tmp/err" || fail "train: the error does not say why"
echo "disk_cli: ok (full disk: generate, generate --stream, train; read-only: generate, train)"
