#!/usr/bin/env bash
# install_cli.sh CMAKE BUILD_DIR RUVLLM: `cmake --install` as a user runs it. Install the build
# into a temp prefix and move the prefix (nothing may depend on where it was installed, nor on
# the source tree), then run the installed ruvllm from another folder in a clean environment:
# --version, generate from the installed data library (the same bytes as the build tree's
# RUVLLM), the data and cache folders it picks (named in its errors), the environment still
# winning, the man page, the bash completion and the documents.
set -uo pipefail
cmake=$1 build=$(cd "$2" && pwd) built=$3
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() {
    echo "install_cli: FAIL: $*" >&2
    [ -s "$tmp/err" ] && cat "$tmp/err" >&2
    exit 1
}

"$cmake" --install "$build" --prefix "$tmp/prefix" >"$tmp/err" 2>&1 || fail "cmake --install $build"
mv "$tmp/prefix" "$tmp/moved"
p=$tmp/moved
mkdir -p "$tmp/work" "$tmp/home"

# ---- the installed tree ----
for f in bin/ruvllm bin/ruvllm-fetch-corpus include/ruvllm/core/paths.h include/ruvllm/dataset/generate_job.h \
    share/ruvllm/library/values.yaml share/ruvllm/library/lexicon/styles.yaml \
    share/bash-completion/completions/ruvllm share/doc/ruvllm/LICENSE-MIT \
    share/doc/ruvllm/LICENSE-APACHE share/doc/ruvllm/README.md share/doc/ruvllm/CHANGELOG.md; do
    [ -f "$p/$f" ] || fail "not installed: $f"
done
[ -f "$p/share/man/man1/ruvllm.1" ] ||
    fail "not installed: share/man/man1/ruvllm.1 (help2man missing when $build was configured? scripts/setup installs it; then configure again)"
[ -n "$(find "$p" -name libruvllm.a)" ] || fail "not installed: lib*/libruvllm.a"
[ -z "$(find "$p/include" -name '*_internal.h')" ] || fail "an internal header was installed"
[ ! -e "$p/share/ruvllm/eval" ] || fail "data/eval was installed"

# ---- the installed program, from another folder, in a clean environment ----
run() {
    (cd "$tmp/work" && env -i PATH="$p/bin:/usr/bin:/bin" HOME="$tmp/home" \
        XDG_CACHE_HOME="$tmp/xdg" "$@") 2>"$tmp/err"
}
out=$(run ruvllm --version) || fail "ruvllm --version"
[[ $out =~ ^ruvllm\ [0-9]+\.[0-9]+ ]] || fail "--version printed '$out'"

run ruvllm generate --per-category 5 --out ds -q || fail "generate with the installed library"
"$built" generate --per-category 5 --out "$tmp/ref" -q 2>"$tmp/err" || fail "build-tree generate"
cmp "$tmp/work/ds/claude_training_full.jsonl" "$tmp/ref/claude_training_full.jsonl" >"$tmp/err" ||
    fail "the installed library generates other examples than the source tree's"

# The data comes from the moved prefix: without its agents/ folder, that path is the error.
mv "$p/share/ruvllm/library/agents" "$p/share/ruvllm/library/agents.off"
run ruvllm generate --per-category 5 --out ds2 -q && fail "generate without agents/ succeeded"
grep -qF "ruvllm: $p/share/ruvllm/library/agents: agents directory not found" "$tmp/err" ||
    fail "generate did not read the library in $p/share/ruvllm"
mv "$p/share/ruvllm/library/agents.off" "$p/share/ruvllm/library/agents"

# The cache is the user's: $XDG_CACHE_HOME/ruvllm, else ~/.cache/ruvllm.
corpus=ruvllm/corpus/debian-translation-en.txt
run ruvllm pretrain -q && fail "pretrain without a corpus succeeded"
grep -qF "ruvllm: $tmp/xdg/$corpus: corpus not found" "$tmp/err" ||
    fail "pretrain did not look in \$XDG_CACHE_HOME/ruvllm"
run env -u XDG_CACHE_HOME ruvllm pretrain -q && fail "pretrain without a corpus succeeded"
grep -qF "ruvllm: $tmp/home/.cache/$corpus: corpus not found" "$tmp/err" ||
    fail "pretrain did not look in ~/.cache/ruvllm"

# make run's main steps with the installed program: pretrain (on a corpus of its own, here the
# generated texts), train, eval, route. The fetcher of the default corpus is installed too.
[ -x "$p/bin/ruvllm-fetch-corpus" ] || fail "ruvllm-fetch-corpus is not executable"
run ruvllm pretrain --corpus ds/claude_training_train.jsonl --out base.gguf --dim 8 --epochs 1 \
    --bucket 1000 --min-count 1 -q || fail "installed pretrain"
run ruvllm train --data ds/claude_training_train.jsonl --base base.gguf --dim 8 --epochs 2 \
    --out router.gguf -q || fail "installed train"
run ruvllm eval -m router.gguf -i ds/claude_training_test.jsonl >/dev/null || fail "installed eval"
out=$(run ruvllm route -m router.gguf "fix the flaky login test") || fail "installed route"
[[ $out == *'"agent":'* ]] || fail "route printed '$out'"

# The environment still wins.
run env RUVLLM_DATA_DIR="$tmp/nodata" ruvllm generate --out ds3 -q && fail "generate succeeded"
grep -qF "ruvllm: $tmp/nodata/library: library directory not found" "$tmp/err" ||
    fail "RUVLLM_DATA_DIR was not used"

# ---- the man page and the completion ----
: >"$tmp/err"
man=$p/share/man/man1/ruvllm.1
head -n 3 "$man" | grep -q '^\.TH RUVLLM "1"' || fail "ruvllm.1 has no .TH RUVLLM \"1\" header"
grep -q '^generate, gen$' "$man" || fail "ruvllm.1 lacks the verbs"
grep -q '^\.SH ENVIRONMENT' "$man" || fail "ruvllm.1 lacks its ENVIRONMENT section (ruvllm.h2m)"
! grep -qF "$build" "$man" || fail "ruvllm.1 names the build folder $build"

complete_words() {
    run bash -c 'source "$1"; shift; COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); _ruvllm
                 printf "%s\n" "${COMPREPLY[*]}"' _ "$p/share/bash-completion/completions/ruvllm" "$@"
}
out=$(complete_words ruvllm ge) || fail "completion script"
[ "$out" = "generate gen" ] || fail "completion of 'ruvllm ge': '$out'"
out=$(complete_words ruvllm generate --per-c)
[ "$out" = "--per-category" ] || fail "completion of 'ruvllm generate --per-c': '$out'"
out=$(complete_words ruvllm generate --labels "")
[ "$out" = "categories agents" ] || fail "completion of 'ruvllm generate --labels ': '$out'"

echo "install_cli: ok (installed, moved to $p, run from $tmp/work)"
