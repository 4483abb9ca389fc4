#!/usr/bin/env bash
# Builds the libFuzzer targets in Fuzz/ with -sanitize=fuzzer,address and runs each for a fixed time, seeded from
# the tcpdump test corpus. Usage: scripts/fuzz.sh [seconds-per-target (default 60)] [decoder|reader ...]
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
SECONDS_PER_TARGET="${1:-60}"
shift || true
TARGETS=("$@"); [ ${#TARGETS[@]} -gt 0 ] || TARGETS=(decoder reader)
if [ -n "${SEGCHECK_SHARED:-}" ]; then SHARED="$SEGCHECK_SHARED"
elif [ -d "$ROOT/../shared" ]; then SHARED="$ROOT/../shared"
else SHARED=/work/shared; fi
CORPUS="$SHARED/corpus/tcpdump-tests"
B="$ROOT/.build/fuzz"
mkdir -p "$B/mods"
FLAGS=(-parse-as-library -sanitize=fuzzer,address -O -g)

echo "== building fuzz targets in $B"
swiftc "${FLAGS[@]}" -wmo -c -module-name Wire -emit-module -emit-module-path "$B/mods/Wire.swiftmodule" \
  "$ROOT"/Sources/Wire/*.swift -o "$B/Wire.o"
swiftc "${FLAGS[@]}" -wmo -c -module-name Capture -emit-module -emit-module-path "$B/mods/Capture.swiftmodule" \
  -I "$B/mods" -I "$ROOT/Sources/CZlib" -I "$ROOT/Sources/CPcap" "$ROOT"/Sources/Capture/*.swift -o "$B/Capture.o"
swiftc "${FLAGS[@]}" -module-name DecoderFuzz -I "$B/mods" "$ROOT/Fuzz/DecoderFuzz.swift" "$B/Wire.o" \
  -o "$B/decoder-fuzz" 2> >(grep -v "Cannot export local symbol" >&2)
swiftc "${FLAGS[@]}" -module-name ReaderFuzz -I "$B/mods" -I "$ROOT/Sources/CZlib" -I "$ROOT/Sources/CPcap" \
  "$ROOT/Fuzz/ReaderFuzz.swift" "$B/Capture.o" "$B/Wire.o" -lz -lpcap -o "$B/reader-fuzz" 2> >(grep -v "Cannot export local symbol" >&2)

seed() {
  local target=$1 dir="$B/$1/seeds"
  [ -d "$dir" ] && return 0
  mkdir -p "$dir"
  if [ "$target" = reader ]; then
    for f in "$CORPUS"/*.pcap "$CORPUS"/*.pcapng; do cp "$f" "$dir/"; done
    for f in $(ls "$CORPUS"/*.pcap | head -20); do gzip -nc "$f" > "$dir/$(basename "$f").gz"; done
  else
    # One seed per frame: [link-type selector][length/4][frame], selector = index in DecoderFuzz.swift's table.
    python3 - "$CORPUS" "$dir" <<'PY'
import os, struct, sys
corpus, out = sys.argv[1], sys.argv[2]
table = [1, 0, 108, 101, 228, 229, 113, 276, 9, 50, 104, 12]
n = 0
for name in sorted(os.listdir(corpus)):
    data = open(os.path.join(corpus, name), 'rb').read()
    if data[:4] not in (b'\xd4\xc3\xb2\xa1', b'\xa1\xb2\xc3\xd4', b'\x4d\x3c\xb2\xa1', b'\xa1\xb2\x3c\x4d'): continue
    e = '<' if data[:4] in (b'\xd4\xc3\xb2\xa1', b'\x4d\x3c\xb2\xa1') else '>'
    lt = struct.unpack(e + 'I', data[20:24])[0] & 0x3FFFFFF
    if lt not in table: continue
    off, k = 24, 0
    while off + 16 <= len(data) and k < 8:
        caplen = struct.unpack(e + 'I', data[off + 8:off + 12])[0]
        frame = data[off + 16:off + 16 + min(caplen, 1020)]
        frame = frame[:len(frame) // 4 * 4]
        open(os.path.join(out, '%s-%d' % (name, k)), 'wb').write(bytes([table.index(lt), len(frame) // 4]) + frame)
        off += 16 + caplen; k += 1; n += 1
print('decoder seeds:', n)
PY
  fi
}

status=0
for t in "${TARGETS[@]}"; do
  seed "$t"
  mkdir -p "$B/$t/corpus" "$B/$t/crashes"
  echo "== fuzzing $t for ${SECONDS_PER_TARGET}s"
  set +e
  # Inputs up to 16 KiB for the reader (longer corpus files are cut, which exercises truncation), 4 KiB for frames.
  if [ "$t" = reader ]; then MAXLEN=16384; else MAXLEN=4096; fi
  "$B/$t-fuzz" -max_total_time="$SECONDS_PER_TARGET" -max_len=$MAXLEN -timeout=10 -rss_limit_mb=2048 \
    -print_final_stats=1 -artifact_prefix="$B/$t/crashes/" "$B/$t/corpus" "$B/$t/seeds" > "$B/$t/log.txt" 2>&1
  rc=$?
  set -e
  grep -E "^#[0-9]+.*(DONE|pulse|NEW)" "$B/$t/log.txt" | tail -1 || true
  grep -E "stat::number_of_executed_units|stat::peak_rss_mb|SUMMARY" "$B/$t/log.txt" || true
  crashes=$(ls "$B/$t/crashes" | wc -l)
  echo "$t: exit $rc, crash artifacts: $crashes (log: $B/$t/log.txt)"
  if [ $rc -ne 0 ] || [ "$crashes" -gt 0 ]; then status=1; fi
done
exit $status
