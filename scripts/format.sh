#!/usr/bin/env bash
# Formats the C++ files with clang-format; --check only reports differences (exit 1).
set -euo pipefail
cd "$(git rev-parse --show-toplevel)"
# Tracked and new (untracked, not ignored) files alike.
mapfile -t files < <(git ls-files --cached --others --exclude-standard '*.h' '*.cpp')
if [ "${1:-}" = "--check" ]; then
    clang-format --dry-run -Werror "${files[@]}"
else
    clang-format -i "${files[@]}"
fi
