#!/usr/bin/env bash
# Benchmark: highest tcpreplay rate into the lab's mirror link with zero kernel drops — segcheck monitor (1 and 2 workers) vs tcpdump -w /dev/null.
#
#   sudo scripts/bench-monitor.sh            # builds release, runs the lab, prints a Markdown table
#
# Environment: BENCH_PACKETS (per trial, default 200000), BENCH_SIZE (frame bytes, default 512), BENCH_FLOWS (default 2000),
# BENCH_MAX_PPS (search ceiling, default 2000000), SEGCHECK (binary; default .build/release/segcheck).
# Every tool gets the same capture settings: snaplen 262144, 32 MiB ring, promiscuous, immediate mode (the "-blocks" variants: block mode, TPACKET_V3), on the same
# interface (mon0 in the sensor namespace), with the same pcap replayed by tcpreplay from the router namespace.
# A trial passes when the tool reports 0 kernel drops and tcpreplay reached at least 90 % of the asked rate
# (otherwise the sender, not the tool, was the limit and the search stops there). Bounded: 2 s of traffic per trial (at most BENCH_PACKETS packets).
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
[ "$(id -u)" = 0 ] || { echo "bench-monitor.sh needs root (network namespaces)" >&2; exit 2; }
export LAB_PREFIX="${LAB_PREFIX:-mon-bench}" LAB_OUT="${LAB_OUT:-/tmp/mon-bench}"
PACKETS="${BENCH_PACKETS:-200000}" SIZE="${BENCH_SIZE:-512}" FLOWS="${BENCH_FLOWS:-2000}" MAXPPS="${BENCH_MAX_PPS:-2000000}"
if [ -z "${SEGCHECK:-}" ]; then
  (cd "$ROOT" && swift build -c release --product segcheck 2>&1 | grep -vE '^\[[0-9]+/[0-9]+\]' || true)
  SEGCHECK="$ROOT/.build/release/segcheck"
fi
export SEGCHECK
LAB="$ROOT/scripts/lab-monitor.sh"
trap 'bash "$LAB" down >/dev/null 2>&1 || true' EXIT
bash "$LAB" up >/dev/null
PCAP="$LAB_OUT/bench.pcap"
python3 "$ROOT/scripts/make-lab-pcap.py" "$PCAP" --packets "$PACKETS" --flows "$FLOWS" --size "$SIZE"
POLICY="$ROOT/Tests/MonitorTests/Fixtures/lab-policy.yaml"
SENSOR="$LAB_PREFIX-sensor"

# One trial: start TOOL, replay at RATE pps (0 = top speed), stop TOOL; prints "drops achieved_pps".
trial() {
  local tool="$1" rate="$2" pid drops achieved log="$LAB_OUT/trial.log" eve="$LAB_OUT/trial.json"
  rm -f "$log" "$eve"
  case "$tool" in
    tcpdump) ip netns exec "$SENSOR" tcpdump -i mon0 -n -s 262144 -B 32768 --immediate-mode -Z root -w /dev/null 2>"$log" & ;;
    segcheck-1) ip netns exec "$SENSOR" "$SEGCHECK" monitor -i mon0 --policy "$POLICY" --workers 1 --eve "$eve" --flows alerted --stats-interval 0 --dead-feed 0 2>"$log" & ;;
    segcheck-2) ip netns exec "$SENSOR" "$SEGCHECK" monitor -i mon0 --policy "$POLICY" --workers 2 --eve "$eve" --flows alerted --stats-interval 0 --dead-feed 0 2>"$log" & ;;
    # Block mode (TPACKET_V3, no immediate mode): tcpdump's own default, and segcheck's --no-immediate-mode.
    tcpdump-blocks) ip netns exec "$SENSOR" tcpdump -i mon0 -n -s 262144 -B 32768 -Z root -w /dev/null 2>"$log" & ;;
    segcheck-1-blocks) ip netns exec "$SENSOR" "$SEGCHECK" monitor -i mon0 --policy "$POLICY" --workers 1 --no-immediate-mode --eve "$eve" --flows alerted --stats-interval 0 --dead-feed 0 2>"$log" & ;;
  esac
  pid=$!
  for _ in $(seq 100); do
    if grep -qE "listening on|capturing on" "$log" 2>/dev/null; then break; fi
    sleep 0.05
  done
  sleep 0.3
  local speed=(--topspeed --limit="$PACKETS"); [ "$rate" -gt 0 ] && speed=(--pps "$rate" --limit="$(( rate * 2 < PACKETS ? rate * 2 : PACKETS ))")
  local out; out="$(ip netns exec "$LAB_PREFIX-router" tcpreplay -i r-mirror "${speed[@]}" "$PCAP" 2>&1)"
  achieved="$(echo "$out" | sed -nE 's/.*Rated: [0-9.]+ Bps, [0-9.]+ Mbps, ([0-9.]+) pps.*/\1/p' | head -1)"
  sleep 0.5
  kill -TERM "$pid"; wait "$pid" 2>/dev/null || true
  if [ "${tool%%-*}" = tcpdump ]; then
    drops="$(sed -nE 's/^([0-9]+) packets? dropped by kernel.*/\1/p' "$log")"
  else
    drops="$(grep '"event_type":"stats"' "$eve" | tail -1 | sed -nE 's/.*"kernel_drops":([0-9]+).*/\1/p')"
  fi
  echo "${drops:-unknown} ${achieved%.*}"
}

# Highest rate with zero drops: double from 5k pps until a trial drops (or the sender cannot keep up), then bisect.
search() {
  local tool="$1" lo=0 hi=0 rate=5000 r d a
  while [ "$rate" -le "$MAXPPS" ]; do
    read -r d a < <(trial "$tool" "$rate")
    echo "  $tool @ $rate pps: drops=$d achieved=$a pps" >&2
    if [ "$d" = 0 ] && [ "${a:-0}" -ge $((rate * 9 / 10)) ]; then lo=$rate; rate=$((rate * 2)); else hi=$rate; break; fi
  done
  # No drop, but tcpreplay could not send that fast: the tool kept up with everything the sender managed.
  if [ "$hi" -gt 0 ] && [ "$d" = 0 ]; then echo "$(( a > lo ? a : lo )) sender-limited(no-drops-at-${a}-pps)"; return; fi
  [ "$hi" = 0 ] && { echo "$lo ceiling"; return; }
  for _ in 1 2 3 4; do
    rate=$(((lo + hi) / 2))
    read -r d a < <(trial "$tool" "$rate")
    echo "  $tool @ $rate pps: drops=$d achieved=$a pps" >&2
    if [ "$d" = 0 ]; then lo=$(( a > lo ? (a < rate ? a : rate) : lo )); [ "${a:-0}" -lt $((rate * 9 / 10)) ] && hi=$rate; else hi=$rate; fi
  done
  echo "$lo drops-above-$hi"
}

# What tcpreplay alone reaches on this link (the ceiling of the whole measurement).
read -r _ top < <(trial tcpdump 0)
echo "tcpreplay --topspeed reaches ~${top} pps into the mirror link" >&2
declare -A best note
TOOLS="${BENCH_TOOLS:-tcpdump segcheck-1 segcheck-2 tcpdump-blocks segcheck-1-blocks}"
for tool in $TOOLS; do
  read -r best[$tool] note[$tool] < <(search "$tool")
done
base=${best[tcpdump]}
echo
echo "| tool | highest rate with 0 kernel drops (pps) | vs tcpdump (immediate mode) | note |"
echo "|---|---:|---:|---|"
for tool in $TOOLS; do
  ratio="n/a"; [ "$base" -gt 0 ] && ratio="$(awk -v a="${best[$tool]}" -v b="$base" 'BEGIN{printf "%.2f", a/b}')"
  case "$tool" in
    tcpdump) name="tcpdump --immediate-mode -w /dev/null" ;;
    segcheck-1) name="segcheck monitor, 1 worker" ;;
    segcheck-2) name="segcheck monitor, 2 workers" ;;
    tcpdump-blocks) name="tcpdump -w /dev/null (block mode, its default)" ;;
    segcheck-1-blocks) name="segcheck monitor, 1 worker, --no-immediate-mode" ;;
    *) name="$tool" ;;
  esac
  echo "| $name | ${best[$tool]} | $ratio | ${note[$tool]} |"
done
echo
echo "($PACKETS packets of $SIZE bytes, $FLOWS flows per trial; tcpreplay --topspeed ceiling ~${top} pps; $(nproc) cores; $(date -u +%Y-%m-%d))"
