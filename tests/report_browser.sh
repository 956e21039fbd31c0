#!/usr/bin/env bash
# report_browser.sh BIN RUN_DIR: renders `ruvllm report` of a fixture run in headless Chromium
# (label: interop) with the flags of a closed network, and checks that the page loads without
# console messages, that the DOM holds the eleven charts with their bars, cells and points and no
# <script>, that no SVG is empty, and that a 1280x2000 screenshot is a real picture.
# Prints "SKIPPED: chromium not installed" and exits 0 when there is no Chromium
# (scripts/fetch_oracles installs the Debian package).
set -euo pipefail
bin=$1
run=$2

chrome=$(command -v chromium || command -v chromium-browser || true)
if [ -z "$chrome" ]; then
    echo "SKIPPED: chromium not installed"
    exit 0
fi

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() {
    echo "report_browser: $*" >&2
    exit 1
}

"$bin" report --run "$run" --out "$tmp/report.html" >/dev/null

flags=(--headless --no-sandbox --disable-gpu --disable-background-networking
    --user-data-dir="$tmp/profile" --enable-logging=stderr --v=0 --hide-scrollbars)
export HOME="$tmp"  # Chromium writes caches under $HOME
timeout 120 "$chrome" "${flags[@]}" --dump-dom "file://$tmp/report.html" \
    >"$tmp/dom.html" 2>"$tmp/dom.log" || fail "chromium --dump-dom failed: $(tail -n 3 "$tmp/dom.log")"
timeout 120 "$chrome" "${flags[@]}" --screenshot="$tmp/report.png" --window-size=1280,2000 \
    "file://$tmp/report.html" >/dev/null 2>"$tmp/shot.log" ||
    fail "chromium --screenshot failed: $(tail -n 3 "$tmp/shot.log")"

# The page loaded: a whole DOM, and nothing on the console (the page has no script; a broken
# resource or a CSP/parse complaint would show up here).
grep -q '</html>' "$tmp/dom.html" || fail "the DOM dump is incomplete"
if grep -h 'CONSOLE' "$tmp/dom.log" "$tmp/shot.log"; then
    fail "console messages while loading the page"
fi
grep -q '<h1>ruvllm report' "$tmp/dom.html" || fail "no report heading in the DOM"
if grep -qi '<script' "$tmp/dom.html"; then
    fail "a <script> element in the DOM (an unescaped label?)"
fi
if grep -Eo '(src|href)="[^"#][^"]*"' "$tmp/dom.html"; then
    fail "the page refers to outside resources"
fi

# Eleven charts, none empty: after each opening <svg ...> comes at least one drawn element.
read -r n_svg n_empty < <(awk 'BEGIN { RS = "</svg>" }
    /<svg/ {
        s = substr($0, index($0, "<svg"))
        sub(/^<svg[^>]*>/, "", s)
        n++
        if (s !~ /<(rect|circle|polyline|line|text)[ >]/) empty++
    }
    END { print n + 0, empty + 0 }' "$tmp/dom.html")
[ "$n_svg" -eq 11 ] || fail "$n_svg <svg> elements in the DOM, expected 11"
[ "$n_empty" -eq 0 ] || fail "$n_empty empty <svg> elements"

expect_count() {  # expect_count <pattern> <n>
    local n
    n=$(grep -o "$1" "$tmp/dom.html" | wc -l)
    [ "$n" -eq "$2" ] || fail "$n matches of '$1' in the DOM, expected $2"
}
expect_count '<rect class="cell' 9                     # 3 x 3 confusion matrix
# modes (one basis), the router's labels, P/R, tiers, latency, complexity
expect_count '<rect class="bar"' $((3 + 3 + 6 + 3 + 22 + 3))
expect_count '<circle class="point"' $((4 + 8 + 4 + 4))  # loss, accuracy, 2 GRPO charts

# The screenshot: a PNG of 1280 x 2000 pixels with real content (a blank page compresses to a
# few kB).
[ -s "$tmp/report.png" ] || fail "no screenshot"
[ "$(head -c 8 "$tmp/report.png" | od -An -tx1 | tr -d ' \n')" = "89504e470d0a1a0a" ] ||
    fail "the screenshot is not a PNG"
read -r w h < <(od -An -tu1 -j16 -N8 "$tmp/report.png" |
    awk '{ print $1 * 16777216 + $2 * 65536 + $3 * 256 + $4, $5 * 16777216 + $6 * 65536 + $7 * 256 + $8 }')
[ "$w" -eq 1280 ] && [ "$h" -eq 2000 ] || fail "screenshot is ${w}x${h}, expected 1280x2000"
size=$(wc -c <"$tmp/report.png")
[ "$size" -gt 40000 ] || fail "screenshot has $size bytes, expected a page with charts (> 40000)"
echo "report_browser: ok ($n_svg charts, screenshot ${w}x${h}, $size bytes)"
