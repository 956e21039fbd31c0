#!/usr/bin/env bash
# qwen2_cli.sh RUVLLM FIXTURE LIBRARY: a router on a Qwen2 GGUF base through the CLI, as a user
# runs it: train (frozen, then a LoRA on the top layer), route, eval, export --lora, merge,
# and the one-line errors of the misuses.
set -uo pipefail
bin=$1 fixture=$2 lib=$3
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() {
    echo "qwen2_cli: FAIL: $*" >&2
    [ -f "$tmp/err" ] && cat "$tmp/err" >&2
    exit 1
}
one_line_error() {  # one_line_error REGEX CMD...: exit 1 and exactly one stderr line matching
    local re=$1
    shift
    "$@" >"$tmp/out" 2>"$tmp/err" && fail "expected failure: $*"
    [ "$(wc -l <"$tmp/err")" = 1 ] || fail "not one line: $*"
    grep -Eq -e "$re" "$tmp/err" || fail "error does not match '$re': $*"
}

"$fixture" "$tmp/qwen.gguf" 3 || fail "fixture"
"$bin" generate --library "$lib" --out "$tmp/data" --per-category 12 -q 2>"$tmp/err" || fail "generate"
train=$tmp/data/claude_training_train.jsonl val=$tmp/data/claude_training_val.jsonl
test=$tmp/data/claude_training_test.jsonl

# Frozen base.
"$bin" train --base "$tmp/qwen.gguf" --data "$train" --val "$val" --keywords-library "$lib" \
    --epochs 3 --dim 16 -o "$tmp/frozen.gguf" 2>"$tmp/err" || fail "train (frozen)"
grep -q "Qwen2 base .*qwen.gguf (3 layers, dim 64, mean pooling), frozen" "$tmp/err" ||
    fail "train summary (frozen)"
# LoRA on the top layer, last-token pooling.
"$bin" train --base "$tmp/qwen.gguf" --data "$train" --val "$val" --keywords-library "$lib" \
    --epochs 2 --dim 16 --lora-layers 1 --lora-rank 4 --pooling last -o "$tmp/lora.gguf" \
    2>"$tmp/err" || fail "train (LoRA)"
grep -q "last pooling), LoRA rank 4 on the top 1 layers" "$tmp/err" || fail "train summary (LoRA)"

out=$("$bin" route -m "$tmp/lora.gguf" "write unit tests for the parser" 2>"$tmp/err") || fail "route"
[[ $out =~ ^\{\"task\":\"write\ unit\ tests\ for\ the\ parser\",\"agent\": ]] || fail "route: $out"
"$bin" eval -m "$tmp/lora.gguf" --data "$test" >"$tmp/eval" 2>"$tmp/err" || fail "eval"
grep -q "accuracy" "$tmp/eval" || fail "eval output: $(cat "$tmp/eval")"

"$bin" export -m "$tmp/lora.gguf" --lora "$tmp/adapter.gguf" 2>"$tmp/err" || fail "export --lora"
grep -q "export: LoRA of .*lora.gguf (4 tensors, rank 4, alpha 16" "$tmp/err" || fail "export summary"
"$bin" inspect "$tmp/adapter.gguf" >"$tmp/out" 2>"$tmp/err" || fail "inspect adapter"
grep -q "general.type *= \"adapter\"" "$tmp/out" || fail "adapter keys: $(head -20 "$tmp/out")"
grep -q "blk.2.attn_q.weight.lora_a" "$tmp/out" || fail "adapter tensors"
"$bin" merge --base "$tmp/qwen.gguf" --adapter "$tmp/adapter.gguf" -o "$tmp/merged.gguf" \
    2>"$tmp/err" || fail "merge"
"$bin" inspect "$tmp/merged.gguf" >"$tmp/out" 2>"$tmp/err" || fail "inspect merged"
grep -q "blk.2.attn_q.weight" "$tmp/out" || fail "merged tensors"

one_line_error "has no LoRA" "$bin" export -m "$tmp/frozen.gguf" --lora "$tmp/x.gguf"
one_line_error "qwen2 base, expected --lora FILE" "$bin" export -m "$tmp/lora.gguf" -o "$tmp/dir"
one_line_error "--lora-layers 1 needs a Qwen2 --base" \
    "$bin" train --data "$train" --lora-layers 1 -o "$tmp/x.gguf"
one_line_error "^ruvllm: --lora-layers 9, expected 0 to the base.s 3 layers$" "$bin" train --base "$tmp/qwen.gguf" --data "$train" \
    --lora-layers 9 -o "$tmp/x.gguf" -q
one_line_error "^ruvllm: train: --attention-pooling pools subword rows, expected a subword base \\(this one is qwen2\\)$" \
    "$bin" train --base "$tmp/qwen.gguf" --data "$train" --attention-pooling -o "$tmp/x.gguf" -q
# Other architectures and adapters are named as what they are.
LC_ALL=C sed 's/qwen2/llama/g' "$tmp/qwen.gguf" >"$tmp/llama.gguf"
one_line_error "llama.gguf: general.architecture 'llama' is not supported as a base" \
    "$bin" train --base "$tmp/llama.gguf" --data "$train" -o "$tmp/x.gguf" -q
one_line_error "adapter.gguf: is a LoRA adapter, expected a base model" \
    "$bin" train --base "$tmp/adapter.gguf" --data "$train" -o "$tmp/x.gguf" -q
one_line_error "no subword rows to quantize" "$bin" quantize -m "$tmp/lora.gguf" -o "$tmp/q.gguf" --type q8_0
# A router whose base is gone names it.
mv "$tmp/qwen.gguf" "$tmp/qwen-moved.gguf"
one_line_error "qwen.gguf' is not there" "$bin" route -m "$tmp/lora.gguf" "hello"
[ -f "$tmp/x.gguf" ] && fail "a failed command left an output"
echo "qwen2_cli: ok"
