#!/usr/bin/env bash
# client_cli.sh node|python RUVLLM MODEL: runs a client library's tests (clients/node,
# clients/python) against the real `ruvllm serve`, which each test starts itself on an
# ephemeral loopback port. A missing interpreter is a failure, not a skip: scripts/setup
# installs nodejs and python3.
set -uo pipefail
lang=$1 bin=$2 model=$3
root=$(cd "$(dirname "$0")/.." && pwd)
export RUVLLM_BIN=$bin RUVLLM_MODEL=$model
case $lang in
    node) tool=node pkg=nodejs cmd=(node --test "$root/clients/node/test/client.test.js") ;;
    python) tool=python3 pkg=python3 cmd=(python3 "$root/clients/python/test_client.py") ;;
    *) echo "client_cli: unknown client '$lang', expected node or python" >&2; exit 2 ;;
esac
if ! command -v "$tool" >/dev/null; then
    echo "client_cli: FAIL: $tool not found; install the Debian package $pkg" \
        "(scripts/setup does)" >&2
    exit 1
fi
export PYTHONDONTWRITEBYTECODE=1  # no __pycache__ in the source tree
exec "${cmd[@]}"
