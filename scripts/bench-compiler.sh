#!/usr/bin/env bash
# Rules-compiler benchmark: builds Benchmarks/ in release, then for 10, 100, 1k, 10k and 100k synthetic rules measures
# compiled lookups/s (single and batched) vs the linear first-match scan (same flows, same process), compile time and memory; pinned to one core.
# Usage: scripts/bench-compiler.sh [sizes...]      e.g. scripts/bench-compiler.sh 10 1000
set -euo pipefail
cd "$(dirname "$0")/.."
sizes=("$@"); [ ${#sizes[@]} -gt 0 ] || sizes=(10 100 1000 10000 100000)
[ -n "${SEGCHECK_BENCH_NO_BUILD:-}" ] || swift build -c release --package-path Benchmarks --product bench-compiler 2>&1 | grep -vE '^\[[0-9]+/[0-9]+\]' || true
bin=Benchmarks/.build/release/bench-compiler
pin=(); command -v taskset >/dev/null && pin=(taskset -c 0)
echo "Run $(date -u +%Y-%m-%dT%H:%MZ) $(uname -m), $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)"
lines=()
for n in "${sizes[@]}"; do lines+=("$("${pin[@]}" "$bin" --rules "$n")"); done
printf '%s\n' "${lines[@]}" | grep '^rules=' | awk '
  { for (i = 1; i <= NF; i++) { split($i, kv, "="); v[NR, kv[1]] = kv[2] } }
  END {
    print "| rules | zones | hosts | addr classes | key classes | pair classes | rows | chunks | compile CPU ms | table MB | compile peak RSS MB | compiled lookups/s | batched lookups/s | linear lookups/s | compiled ÷ linear | lookup time vs first size | batched time vs first size |"
    print "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|"
    base = v[1, "compiled_lookups_per_s"]; bbase = v[1, "batched_lookups_per_s"]
    for (r = 1; r <= NR; r++) {
      c = v[r, "compiled_lookups_per_s"]; l = v[r, "linear_lookups_per_s"]; b = v[r, "batched_lookups_per_s"]
      printf "| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %.1fM | %.1fM | %.3fM | %.0fx | %.2fx | %.2fx |\n", v[r,"rules"], v[r,"zones"], v[r,"hosts"], v[r,"classes"], v[r,"keyclasses"], v[r,"pairs"], v[r,"rows"], v[r,"chunks"], v[r,"compile_ms"], v[r,"table_mb"], v[r,"compile_peak_mb"], c / 1e6, b / 1e6, l / 1e6, c / l, base / c, bbase / b
    }
  }'
