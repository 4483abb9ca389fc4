#!/usr/bin/env bash
# Benchmarks `segcheck report` reading EVE JSON Lines: wall time and peak memory against a baseline run in the same
# invocation — Python's json.loads over the same lines (what a script-based report generator would do first).
#   scripts/bench-report.sh [ALERTS] [FLOWS]       default 200000 alerts + 200000 flow records
# Uses .build/release/segcheck (swift build -c release --product segcheck) unless SEGCHECK_BIN is set.
set -euo pipefail
cd "$(dirname "$0")/.."
alerts=${1:-200000}
flows=${2:-200000}
bin=${SEGCHECK_BIN:-.build/release/segcheck}
[ -x "$bin" ] || { echo "bench-report: $bin missing (swift build -c release --product segcheck)" >&2; exit 2; }
dir=.build/bench
mkdir -p "$dir"
eve="$dir/report-eve-${alerts}-${flows}.json"
if [ ! -f "$eve" ]; then
  python3 - "$eve" "$alerts" "$flows" <<'PY'
import json, random, sys
path, alerts, flows = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
random.seed(7)
zones = [("mynumber", "マイナンバー利用事務系"), ("lgwan", "LGWAN接続系"), ("inet", "インターネット接続系")]
cites = {"MN-LG": "飯塚市情報セキュリティ対策基準 4(1)①: マイナンバー利用事務系と他の領域を通信できないようにしなければならない (L244)",
         "LG-INET": "飯塚市情報セキュリティ対策基準 4(2)①: 両環境間の通信環境を分離した上で、必要な通信だけを許可 (L260)"}
with open(path, "w", encoding="utf-8") as f:
    n = alerts + flows
    for i in range(n):
        t = "2026-11-%02dT%02d:%02d:%02d.%06d+0000" % (16 + i * 7 // n, (i // 3600) % 24, (i // 60) % 60, i % 60, i % 1000000)
        a, b = (zones[0], zones[1]) if i % 2 else (zones[1], zones[2])
        rule = "MN-LG" if i % 2 else "LG-INET"
        base = {"timestamp": t, "flow_id": 10**12 + i, "in_iface": "eno2", "vlan": [20], "src_ip": "192.0.2.%d" % (i % 250),
                "src_port": 1024 + i % 60000, "dest_ip": "192.0.2.%d" % (128 + i % 60), "dest_port": 445, "proto": "TCP",
                "community_id": "1:%027d=" % i}
        seg = {"finding": "denied", "verdict": "denied", "src_zone": a[0], "src_zone_label": a[1], "dest_zone": b[0],
               "dest_zone_label": b[1], "rule": rule, "cite": cites[rule], "initiator": "handshake", "layer": 0, "policy": "飯塚市 (例)"}
        if i < alerts:
            e = dict(base, event_type="alert", alert={"action": "allowed", "gid": 1, "signature_id": 9100001, "rev": 1,
                     "signature": "SEGCHECK forbidden flow %s -> %s denied by rule %s" % (a[0], b[0], rule),
                     "category": "Segregation Violation", "severity": 1}, segcheck=seg)
        else:
            e = dict(base, event_type="flow", flow={"pkts_toserver": 5, "pkts_toclient": 4, "bytes_toserver": 400,
                     "bytes_toclient": 300, "state": "closed", "reason": "timeout", "alerted": False},
                     segcheck={k: seg[k] for k in ("src_zone", "dest_zone", "verdict", "rule")})
        f.write(json.dumps(e, ensure_ascii=False, separators=(",", ":")) + "\n")
PY
fi
lines=$(wc -l < "$eve"); bytes=$(stat -c %s "$eve")
cat "$eve" > /dev/null   # page cache
run() {  # prints "seconds maxrss_kb" of the best of 3 runs
  local best="" rss=""
  for _ in 1 2 3; do
    /usr/bin/time -f "%e %M" -o "$dir/time.txt" "$@" >/dev/null 2>&1 || true
    read -r s m < <(tail -1 "$dir/time.txt")
    if [ -z "$best" ] || awk "BEGIN{exit !($s < $best)}"; then best=$s; rss=$m; fi
  done
  echo "$best $rss"
}
read -r base_s base_m < <(run python3 -c 'import json,sys
n=0
for line in open(sys.argv[1], encoding="utf-8"):
    json.loads(line); n+=1
print(n)' "$eve")
read -r html_s html_m < <(run "$bin" report --eve "$eve" --format html -o "$dir/report.html")
read -r csv_s csv_m < <(run "$bin" report --eve "$eve" --format csv -o "$dir/report.csv")
echo "input: $eve, $lines lines ($alerts alerts, $flows flows), $bytes bytes; load $(cut -d' ' -f1-3 /proc/loadavg)"
printf '| %-34s | %8s | %10s | %8s | %s |\n' variant seconds "lines/s" "max RSS" "time vs baseline"
printf '|---|---:|---:|---:|---:|\n'
for row in "python3 json.loads per line (baseline)|$base_s|$base_m" "segcheck report --format html|$html_s|$html_m" "segcheck report --format csv|$csv_s|$csv_m"; do
  IFS='|' read -r name s m <<<"$row"
  awk -v n="$name" -v s="$s" -v m="$m" -v l="$lines" -v b="$base_s" 'BEGIN{printf "| %s | %.2f | %.0f | %.0f MB | %.2fx |\n", n, s, l/s, m/1024, s/b}'
done
