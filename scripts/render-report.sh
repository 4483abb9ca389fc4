#!/usr/bin/env bash
# Renders a segcheck HTML report with headless Chromium: the first A4 page to PNG (and the whole report to PDF).
# Fails (exit 1) when Chromium is missing, rendering fails, or the PNG is not a real, non-blank image.
#
#   scripts/render-report.sh REPORT.html OUT.png [OUT.pdf]
#   scripts/render-report.sh --example [OUT.png]   builds the example report from docs/example/ with the built
#                                                 segcheck and renders it (default OUT: docs/report-example.png)
set -euo pipefail
cd "$(dirname "$0")/.."

chromium_bin() {
  for c in chromium chromium-browser google-chrome; do
    if command -v "$c" >/dev/null 2>&1; then echo "$c"; return 0; fi
  done
  echo "render-report: Chromium not found (Debian: apt-get install chromium fonts-noto-cjk; see scripts/install-deps.sh)" >&2
  return 1
}

# A4 at 96 dpi is 794 x 1123 CSS pixels; the screenshot is the first page as it appears on screen.
WIDTH=794
HEIGHT=1123

render() {
  local html=$1 png=$2 pdf=${3:-}
  [ -f "$html" ] || { echo "render-report: $html: no such file" >&2; return 1; }
  grep -q 'id="segcheck-report-data"' "$html" || { echo "render-report: $html: not a segcheck HTML report" >&2; return 1; }
  local chrome profile url
  chrome=$(chromium_bin)
  profile=$(mktemp -d "${TMPDIR:-/tmp}/segcheck-render.XXXXXX")
  trap 'rm -rf "$profile"' RETURN
  url="file://$(cd "$(dirname "$html")" && pwd)/$(basename "$html")"
  rm -f "$png"
  local flags=(--headless=new --no-sandbox --disable-gpu --no-first-run --no-default-browser-check --hide-scrollbars
               --force-device-scale-factor=1 --user-data-dir="$profile" --disable-extensions --disable-dev-shm-usage)
  if ! timeout 120 "$chrome" "${flags[@]}" --window-size="$WIDTH,$HEIGHT" --screenshot="$png" "$url" >"$profile/log" 2>&1; then
    echo "render-report: Chromium failed to render $html:" >&2; tail -5 "$profile/log" >&2; return 1
  fi
  if [ -n "$pdf" ]; then
    rm -f "$pdf"
    timeout 120 "$chrome" "${flags[@]}" --no-pdf-header-footer --print-to-pdf="$pdf" "$url" >"$profile/log" 2>&1 \
      || { echo "render-report: Chromium failed to print $html to PDF" >&2; tail -5 "$profile/log" >&2; return 1; }
    [ "$(head -c 5 "$pdf")" = "%PDF-" ] || { echo "render-report: $pdf is not a PDF" >&2; return 1; }
  fi
  check_png "$png"
}

# A PNG signature, the expected size in its IHDR, and enough bytes to hold more than a blank page.
check_png() {
  local png=$1
  [ -s "$png" ] || { echo "render-report: no PNG written ($png)" >&2; return 1; }
  local sig w h size
  sig=$(head -c 8 "$png" | od -An -tx1 | tr -d ' \n')
  [ "$sig" = "89504e470d0a1a0a" ] || { echo "render-report: $png is not a PNG" >&2; return 1; }
  w=$(od -An -tu1 -j16 -N4 "$png" | awk '{print $1*16777216+$2*65536+$3*256+$4}')
  h=$(od -An -tu1 -j20 -N4 "$png" | awk '{print $1*16777216+$2*65536+$3*256+$4}')
  [ "$w" = "$WIDTH" ] && [ "$h" = "$HEIGHT" ] || { echo "render-report: $png is ${w}x${h}, expected ${WIDTH}x${HEIGHT}" >&2; return 1; }
  size=$(stat -c %s "$png")
  [ "$size" -gt 20000 ] || { echo "render-report: $png is only $size bytes: the page looks blank" >&2; return 1; }
  echo "render-report: $png ${w}x${h}, $size bytes"
}

if [ "${1:-}" = "--example" ]; then
  out=${2:-docs/report-example.png}
  bin=${SEGCHECK_BIN:-.build/debug/segcheck}
  [ -x "$bin" ] || swift build --product segcheck >/dev/null
  ex=docs/example
  policy=()
  [ -f rulesets/examples/iizuka.yaml ] && policy=(--policy rulesets/examples/iizuka.yaml)
  # Fixed generation time (2026-11-26 14:00 JST) so the example is reproducible.
  export SOURCE_DATE_EPOCH=1795669200
  set +e
  "$bin" report "${policy[@]}" --eve "$ex/eve-previous-week.json.gz" -o "$ex/report-previous.html"; rc1=$?
  "$bin" report "${policy[@]}" --eve "$ex/eve-this-week.json" --firewall "$ex/firewall-honcho.json" \
         --previous "$ex/report-previous.html" -o "$ex/report.html"; rc2=$?
  set -e
  # Exit 1 = the report lists findings (expected here); 2 = error.
  [ $rc1 -le 1 ] && [ $rc2 -le 1 ] || { echo "render-report: segcheck report failed" >&2; exit 1; }
  render "$ex/report.html" "$out"
  exit 0
fi

[ $# -ge 2 ] || { sed -n '2,8p' "$0" >&2; exit 2; }
render "$1" "$2" "${3:-}"
