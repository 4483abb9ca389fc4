#!/usr/bin/env bash
# Live-monitor lab: three segments + an iptables router in network namespaces, its traffic mirrored (tc mirred) to a sensor running `segcheck monitor`.
#
#   scripts/lab-monitor.sh run                 # whole demo: up, start monitor, traffic, stop, show alerts, down
#   scripts/lab-monitor.sh up                  # build namespaces, veths, routes, iptables, mirror, echo servers
#   scripts/lab-monitor.sh start [ARGS...]     # start `segcheck monitor -i mon0 ARGS` in the sensor namespace
#   scripts/lab-monitor.sh traffic [PHASE]     # drive traffic: PHASE = base (default) | reload | silent
#   scripts/lab-monitor.sh replay PCAP [OPTS]  # tcpreplay PCAP into the mirror link (OPTS go to tcpreplay, e.g. --pps 5000)
#   scripts/lab-monitor.sh signal SIG          # send SIG (HUP, USR1, TERM) to the monitor
#   scripts/lab-monitor.sh stop                # SIGTERM the monitor, wait, print its exit code
#   scripts/lab-monitor.sh down                # kill everything, delete the namespaces
#   scripts/lab-monitor.sh exec NS CMD...      # run a command in one of the lab's namespaces (mynum lgwan inet router sensor)
#
# Environment: LAB_PREFIX (namespace prefix, must start with "mon-"; default mon-lab), LAB_OUT (output dir,
# default /tmp/$LAB_PREFIX), SEGCHECK (binary; default .build/debug/segcheck or .build/release/segcheck),
# LAB_POLICY (default Tests/MonitorTests/Fixtures/lab-policy.yaml), LAB_WRAP (command prefix for the monitor).
#
# Addresses (only inside the lab's namespaces):
#   My Number segment  10.10.0.0/24  host 10.10.0.10   router 10.10.0.1
#   LGWAN segment      10.20.0.0/24  host 10.20.0.10   router 10.20.0.1
#   Internet segment   10.30.0.0/24  host 10.30.0.10   router 10.30.0.1
# The router mirrors every packet arriving on its three segment interfaces (tc ingress + mirred) out of r-mirror,
# whose veth peer is mon0 in the sensor namespace. The router's iptables FORWARD chain allows some flows the
# policy forbids, on purpose: those are what the monitor must report.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
P="${LAB_PREFIX:-mon-lab}"
case "$P" in mon-*) ;; *) echo "LAB_PREFIX must start with mon-" >&2; exit 2 ;; esac
OUT="${LAB_OUT:-/tmp/$P}"
POLICY="${LAB_POLICY:-$ROOT/Tests/MonitorTests/Fixtures/lab-policy.yaml}"
TRAFFIC="$ROOT/scripts/lab-traffic.py"
PY="$(command -v python3)"
if [ -z "${SEGCHECK:-}" ]; then
  if [ -x "$ROOT/.build/debug/segcheck" ]; then SEGCHECK="$ROOT/.build/debug/segcheck"; else SEGCHECK="$ROOT/.build/release/segcheck"; fi
fi

ns() { echo "$P-$1"; }
inns() { local n="$1"; shift; ip netns exec "$(ns "$n")" "$@"; }

need_root() { [ "$(id -u)" = 0 ] || { echo "lab-monitor.sh: needs root (network namespaces)" >&2; exit 2; }; }

up() {
  need_root
  down >/dev/null 2>&1 || true
  mkdir -p "$OUT"
  for n in mynum lgwan inet router sensor; do
    ip netns add "$(ns $n)"
    # IPv6 off: link-local neighbour discovery would be traffic from no segment.
    inns $n sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
    inns $n ip link set lo up
  done
  local seg i=0 nets=(10.10.0 10.20.0 10.30.0)
  for seg in mynum lgwan inet; do
    local net="${nets[$i]}"; i=$((i+1))
    ip link add eth0 netns "$(ns $seg)" type veth peer name "r-$seg" netns "$(ns router)"
    inns $seg ip addr add "$net.10/24" dev eth0
    inns $seg ip link set eth0 up
    inns $seg ip route add default via "$net.1"
    inns router ip addr add "$net.1/24" dev "r-$seg"
    inns router ip link set "r-$seg" up
  done
  # Mirror link: router r-mirror -> sensor mon0 (no addresses: a SPAN port).
  ip link add r-mirror netns "$(ns router)" type veth peer name mon0 netns "$(ns sensor)"
  inns router ip link set r-mirror up
  inns sensor ip link set mon0 up
  inns router sysctl -qw net.ipv4.ip_forward=1
  for seg in mynum lgwan inet; do
    inns router tc qdisc add dev "r-$seg" handle ffff: ingress
    inns router tc filter add dev "r-$seg" parent ffff: protocol all u32 match u32 0 0 action mirred egress mirror dev r-mirror
  done
  # The router's firewall. It lets through some flows the segcheck policy forbids (marked FORBIDDEN).
  inns router iptables -P FORWARD DROP
  inns router iptables -A FORWARD -m conntrack --ctstate ESTABLISHED,RELATED -j ACCEPT
  inns router iptables -A FORWARD -s 10.20.0.0/24 -d 10.30.0.0/24 -p tcp --dport 8080 -j ACCEPT   # LGWAN -> proxy: allowed by policy
  inns router iptables -A FORWARD -s 10.10.0.0/24 -d 10.20.0.0/24 -p tcp --dport 443 -j ACCEPT    # MyNumber -> LGWAN API: allowed
  inns router iptables -A FORWARD -s 10.10.0.0/24 -d 10.20.0.0/24 -p udp --dport 514 -j ACCEPT    # MyNumber -> LGWAN syslog: allowed
  inns router iptables -A FORWARD -s 10.20.0.0/24 -d 10.30.0.0/24 -p udp --dport 53 -j ACCEPT     # FORBIDDEN: LGWAN -> Internet DNS
  inns router iptables -A FORWARD -s 10.10.0.0/24 -d 10.30.0.0/24 -p tcp --dport 80 -j ACCEPT     # FORBIDDEN: MyNumber -> Internet
  inns router iptables -A FORWARD -s 10.30.0.0/24 -d 10.20.0.0/24 -p tcp --dport 22 -j ACCEPT     # FORBIDDEN: Internet -> LGWAN (explicit deny rule)
  inns router iptables -A FORWARD -s 10.20.0.0/24 -d 10.10.0.0/24 -p icmp -j ACCEPT                # FORBIDDEN: LGWAN -> MyNumber ping
  inns router iptables -A FORWARD -s 10.20.0.0/24 -d 10.30.0.0/24 -p tcp --dport 9090 -j ACCEPT   # allowed only after the reload policy
  # Echo servers in every segment.
  for seg in mynum lgwan inet; do
    ip netns exec "$(ns $seg)" "$PY" "$TRAFFIC" serve --tcp 22,80,443,3389,8080,9090 --udp 53,514 >"$OUT/server-$seg.log" 2>&1 &
    echo $! >"$OUT/server-$seg.pid"
  done
  for seg in mynum lgwan inet; do
    for _ in $(seq 50); do grep -q ready "$OUT/server-$seg.log" 2>/dev/null && break; sleep 0.1; done
  done
  # Warm ARP so the first measured packets are the flows themselves.
  inns mynum ping -c1 -W1 10.10.0.1 >/dev/null; inns lgwan ping -c1 -W1 10.20.0.1 >/dev/null; inns inet ping -c1 -W1 10.30.0.1 >/dev/null
  inns router ping -c1 -W1 10.10.0.10 >/dev/null; inns router ping -c1 -W1 10.20.0.10 >/dev/null; inns router ping -c1 -W1 10.30.0.10 >/dev/null
  echo "lab $P up (outputs in $OUT)"
}

start() {
  need_root
  mkdir -p "$OUT"
  [ -x "$SEGCHECK" ] || { echo "no segcheck binary at $SEGCHECK (swift build first)" >&2; exit 2; }
  local args=("$@")
  if [ ${#args[@]} -eq 0 ]; then
    args=(--policy "$POLICY" --eve "$OUT/eve.json" --stats-interval 1 --dead-feed 0)
  fi
  # LAB_WRAP: a command prefix, e.g. "setpriv --reuid=nobody ... --ambient-caps=+net_raw" to run without root.
  # shellcheck disable=SC2086
  rm -f "$OUT/monitor.rc" "$OUT/monitor.pid"
  (
    ip netns exec "$(ns sensor)" ${LAB_WRAP:-} "$SEGCHECK" monitor -i mon0 "${args[@]}" >"$OUT/monitor.stdout" 2>"$OUT/monitor.stderr" &
    echo $! >"$OUT/monitor.pid"
    rc=0; wait $! || rc=$?
    echo "$rc" >"$OUT/monitor.rc"
  ) &
  for _ in $(seq 50); do [ -s "$OUT/monitor.pid" ] && break; sleep 0.02; done
  for _ in $(seq 100); do
    grep -q "capturing on" "$OUT/monitor.stderr" 2>/dev/null && { echo "monitor running (pid $(cat "$OUT/monitor.pid"))"; return 0; }
    kill -0 "$(cat "$OUT/monitor.pid")" 2>/dev/null || break
    sleep 0.1
  done
  echo "monitor did not start:" >&2; cat "$OUT/monitor.stderr" >&2; exit 2
}

# Each client line: namespace, protocol, destination, port. Expected verdicts in Tests/MonitorTests/MonitorLabTests.swift.
traffic() {
  local phase="${1:-base}" rc=0
  case "$phase" in
    base)
      inns lgwan "$PY" "$TRAFFIC" tcp 10.30.0.10 8080 --count 2 || rc=1   # allowed: lgwan-proxy
      inns mynum "$PY" "$TRAFFIC" tcp 10.20.0.10 443 --count 2 || rc=1    # allowed: mynumber-lgwan-api
      inns mynum "$PY" "$TRAFFIC" udp 10.20.0.10 514 --sport 40514 || rc=1  # allowed: mynumber-lgwan-syslog
      inns lgwan "$PY" "$TRAFFIC" udp 10.30.0.10 53 --sport 40053 || rc=1   # FORBIDDEN: default deny
      inns mynum "$PY" "$TRAFFIC" tcp 10.30.0.10 80 || rc=1               # FORBIDDEN: default deny
      inns inet "$PY" "$TRAFFIC" tcp 10.20.0.10 22 || rc=1                # FORBIDDEN: deny rule internet-to-lgwan
      inns lgwan ping -c 2 -i 0.2 -W 1 10.10.0.10 >/dev/null || rc=1       # FORBIDDEN: default deny (ICMP)
      inns inet "$PY" "$TRAFFIC" tcp 10.10.0.10 3389 --timeout 0.5 && rc=1 || true   # FORBIDDEN and blocked by the router: an attempt
      ;;
    reload)
      inns lgwan "$PY" "$TRAFFIC" tcp 10.30.0.10 9090 || rc=1             # forbidden before the reload, allowed after
      ;;
    burst)
      inns lgwan "$PY" "$TRAFFIC" udp 10.30.0.10 53 --count "${LAB_BURST:-200}" --sport 41000 --timeout 0.5 || rc=1
      ;;
    silent) ;;
    *) echo "unknown phase $phase" >&2; exit 2 ;;
  esac
  return $rc
}

# Replays a pcap into the mirror link (router r-mirror -> sensor mon0), e.g. replay FILE --pps 10000.
replay() {
  local pcap="$1"; shift
  inns router tcpreplay -q -i r-mirror "$@" "$pcap"
}

signal() {
  local pid; pid="$(cat "$OUT/monitor.pid")"
  kill -"$1" "$pid"
}

stop() {
  local pid rc=0; pid="$(cat "$OUT/monitor.pid" 2>/dev/null)" || { echo "no monitor running"; return 0; }
  kill -TERM "$pid" 2>/dev/null || true
  for _ in $(seq 200); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  if kill -0 "$pid" 2>/dev/null; then echo "monitor did not stop after SIGTERM within 20 s" >&2; kill -KILL "$pid"; rc=124; fi
  for _ in $(seq 50); do [ -s "$OUT/monitor.rc" ] && break; sleep 0.05; done
  [ "$rc" = 0 ] && rc="$(cat "$OUT/monitor.rc" 2>/dev/null || echo 125)"
  rm -f "$OUT/monitor.pid"
  echo "monitor exit code $rc"
}

down() {
  for f in "$OUT"/server-*.pid "$OUT"/monitor.pid; do
    [ -f "$f" ] || continue
    kill "$(cat "$f")" 2>/dev/null || true
    rm -f "$f"
  done
  for n in mynum lgwan inet router sensor; do
    ip netns pids "$(ns $n)" 2>/dev/null | while read -r p; do kill "$p" 2>/dev/null || true; done
    sleep 0.1
    ip netns pids "$(ns $n)" 2>/dev/null | while read -r p; do kill -KILL "$p" 2>/dev/null || true; done
    ip netns del "$(ns $n)" 2>/dev/null || true
  done
}

run() {
  trap down EXIT
  up
  start
  traffic base || true
  sleep 0.5
  stop
  echo "--- alerts ($OUT/eve.json)"
  grep '"event_type":"alert"' "$OUT/eve.json" || true
}

cmd="${1:-run}"; shift || true
case "$cmd" in
  up|start|traffic|replay|signal|stop|down|run) "$cmd" "$@" ;;
  exec) n="$1"; shift; inns "$n" "$@" ;;
  *) echo "usage: $0 run|up|start|traffic|signal|stop|down|exec" >&2; exit 2 ;;
esac
