#!/usr/bin/env bash
# Builds one libFuzzer binary per vendor parser (swiftc -sanitize=fuzzer,address, outside SwiftPM so the main package
# needs no unsafe flags) and runs each for SECONDS (default 30) seeded with the vendor fixtures.
# Usage: Fuzz/vendors/run.sh [SECONDS] [FORMAT...]   Output: one summary line per target (runs, exec/s, coverage).
set -euo pipefail
cd "$(dirname "$0")/../.."
secs="${1:-30}"; shift || true
formats=("$@"); [ ${#formats[@]} -eq 0 ] && formats=(yamaha ix fortigate ios asa panos junos)
out=.build-fuzz/vendors; mkdir -p "$out"
flags=(-parse-as-library -sanitize=fuzzer,address -O)
swiftc "${flags[@]}" -module-name Wire -emit-module -emit-module-path "$out/Wire.swiftmodule" -wmo -c Sources/Wire/Addresses.swift -o "$out/Wire.o" 2>/dev/null
swiftc "${flags[@]}" -module-name Policy -I "$out" -emit-module -emit-module-path "$out/Policy.swiftmodule" -wmo -c Sources/Policy/Model.swift -o "$out/Policy.o" 2>/dev/null
status=0
parsers=(Sources/FirewallParsers/{VendorCommon,YamahaRTX,NECIX,FortiGate,CiscoACL,PaloAlto,Juniper}.swift)
# The parsers are compiled once (instrumented) into one object; each target only adds its entry point.
swiftc "${flags[@]}" -module-name VendorParsers -I "$out" -emit-module -emit-module-path "$out/VendorParsers.swiftmodule" -wmo -c "${parsers[@]}" -o "$out/VendorParsers.o" 2>/dev/null
for f in "${formats[@]}"; do
  bin="$out/fuzz-$f"
  swiftc "${flags[@]}" -module-name "Fuzz_$f" -I "$out" "$out/Wire.o" "$out/Policy.o" "$out/VendorParsers.o" \
    Fuzz/vendors/VendorFuzzCommon.swift "Fuzz/vendors/Fuzz_$f.swift" -o "$bin" 2>&1 | grep -v "Cannot export local symbol" || true
  corpus="$out/corpus-$f"; mkdir -p "$corpus"
  dir=$f; seeds=(Tests/FirewallTests/Fixtures/vendors/$dir/*)
  for s in "${seeds[@]}"; do case "$s" in *.yaml) ;; *) cp "$s" "$corpus/" ;; esac; done
  log="$out/fuzz-$f.log"
  mkdir -p "$out/crashes-$f"
  if ! "$bin" "$corpus" -max_total_time="$secs" -max_len=65536 -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
       -artifact_prefix="$out/crashes-$f/" >"$log" 2>&1; then
    echo "$f: FAILED, crash input in $out/crashes-$f/ (log: $log)"; status=1; continue
  fi
  runs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$')
  rate=$(grep -o 'stat::average_exec_per_sec: *[0-9]*' "$log" | grep -o '[0-9]*$')
  cov=$(grep -o 'cov: [0-9]*' "$log" | tail -1 | grep -o '[0-9]*')
  echo "$f: ${secs}s, ${runs} inputs, ${rate} exec/s, coverage ${cov} edges, no crash"
done
exit $status
