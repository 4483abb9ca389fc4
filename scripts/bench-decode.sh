#!/usr/bin/env bash
# Reader + decoder throughput against a bare libpcap read of the same file, in one invocation (release build).
# Usage: scripts/bench-decode.sh [capture.pcap] [rounds]   (default: a generated 2-million-packet mixed capture)
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
B="$ROOT/.build/bench"
mkdir -p "$B/mods"
FILE="${1:-$B/mixed-2m.pcap}"
ROUNDS="${2:-5}"
if [ ! -f "$FILE" ]; then
  echo "== generating $FILE (2,000,000 packets)"
  python3 "$ROOT/scripts/gen-bench-capture.py" "$FILE" --packets 2000000
fi
echo "== building (swiftc -O -wmo)"
O=(-O -wmo -parse-as-library)
swiftc "${O[@]}" -c -module-name Wire -emit-module -emit-module-path "$B/mods/Wire.swiftmodule" "$ROOT"/Sources/Wire/*.swift -o "$B/Wire.o"
swiftc "${O[@]}" -c -module-name Capture -emit-module -emit-module-path "$B/mods/Capture.swiftmodule" -I "$B/mods" \
  -I "$ROOT/Sources/CZlib" -I "$ROOT/Sources/CPcap" "$ROOT"/Sources/Capture/*.swift -o "$B/Capture.o"
swiftc -O -module-name DecodeThroughput -I "$B/mods" -I "$ROOT/Sources/CZlib" -I "$ROOT/Sources/CPcap" \
  "$ROOT/Benchmarks/DecodeThroughput/main.swift" "$B/Capture.o" "$B/Wire.o" -lz -lpcap -o "$B/decode-throughput"
echo "== $(uname -m), $(nproc) cores, $(swiftc --version 2>&1 | head -1)"
"$B/decode-throughput" "$FILE" "$ROUNDS"
if [ -z "${1:-}" ]; then
  # The same packets as pcapng (the native reader's other path; libpcap reads it too: one link type) and gzip.
  [ -f "$B/mixed-2m.pcapng" ] || editcap -F pcapng "$FILE" "$B/mixed-2m.pcapng"
  [ -f "$B/mixed-2m.pcap.gz" ] || gzip -1 -c "$FILE" > "$B/mixed-2m.pcap.gz"
  echo; "$B/decode-throughput" "$B/mixed-2m.pcapng" "$ROUNDS"
  echo; "$B/decode-throughput" "$B/mixed-2m.pcap.gz" "$ROUNDS" "$FILE"
fi
