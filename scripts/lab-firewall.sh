#!/usr/bin/env bash
# Firewall lab: a router namespace (fw-r) between one namespace per zone (fw-<zone>), for replaying witness packets
# through a real iptables/nftables rule set. Root only. Everything lives in namespaces named fw-*; nothing touches the host.
#
#   lab-firewall.sh up ZONE:IFACE:CIDR...   create fw-r and fw-ZONE; IFACE is the router's interface towards the zone
#                                           (use the names the rule set and the policy's interfaces: table use)
#   lab-firewall.sh load iptables|nft|nft-json FILE   load a rule set into fw-r (iptables-restore / nft -f / nft -j -f)
#   lab-firewall.sh run LIST OUT            LIST lines "ZONE ID PROTO SRC DST SPORT DPORT": each packet is sent from
#                                           fw-ZONE to the router; OUT gets "ID PROTO SRC DST SPORT DPORT" for every
#                                           packet that arrived in any zone namespace (i.e. the kernel forwarded it)
#   lab-firewall.sh down                    delete the namespaces
#   lab-firewall.sh demo                    up + load + run on the bundled fixtures, printing what was forwarded
#
# Addressing: zone i is reached over a transit link 172.31.i.0/30 (router .1, zone .2); the router routes the zone's
# CIDR to the zone namespace, so packets to any address of the zone arrive there without ARP for every host.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
LAB="${FW_LAB_DIR:-/tmp/segcheck-fw-lab}"
PY="${PYTHON:-python3}"
# Namespace names: ${FW_LAB_PREFIX}r and ${FW_LAB_PREFIX}ZONE (tests set a per-process prefix so parallel runs never collide).
P="${FW_LAB_PREFIX:-fw-}"
case "$P" in fw-*) ;; *) echo "lab-firewall: FW_LAB_PREFIX must start with fw-" >&2; exit 2 ;; esac

need_root() { [ "$(id -u)" = 0 ] || { echo "lab-firewall: needs root (network namespaces)" >&2; exit 2; }; }

cmd_down() {
  if [ -f "$LAB/namespaces" ]; then
    while read -r ns; do ip netns del "$ns" 2>/dev/null || true; done < "$LAB/namespaces"
    rm -f "$LAB/namespaces"
  fi
}

cmd_up() {
  need_root
  cmd_down
  mkdir -p "$LAB"
  : > "$LAB/zones"
  echo ${P}r > "$LAB/namespaces"
  ip netns add ${P}r
  ip -n ${P}r link set lo up
  ip netns exec ${P}r sysctl -qw net.ipv4.ip_forward=1
  ip netns exec ${P}r sysctl -qw net.ipv4.conf.all.rp_filter=0
  ip netns exec ${P}r sysctl -qw net.ipv4.conf.default.rp_filter=0
  local i=0
  for spec in "$@"; do
    i=$((i + 1))
    IFS=: read -r zone iface cidr <<< "$spec"
    local ns="${P}$zone"
    echo "$ns" >> "$LAB/namespaces"
    ip netns add "$ns"
    ip -n "$ns" link set lo up
    ip link add "fwv$i" netns ${P}r type veth peer name eth0 netns "$ns"
    ip -n ${P}r link set "fwv$i" name "$iface"
    ip -n ${P}r addr add "172.31.$i.1/30" dev "$iface"
    ip -n ${P}r link set "$iface" up
    ip netns exec ${P}r sysctl -qw "net.ipv4.conf.$iface.rp_filter=0"
    ip -n "$ns" addr add "172.31.$i.2/30" dev eth0
    ip -n "$ns" link set eth0 up
    ip -n "$ns" route add default via "172.31.$i.1"
    ip -n ${P}r route add "$cidr" via "172.31.$i.2" dev "$iface"
    local mac
    mac=$(ip -n ${P}r -br link show "$iface" | awk '{print $3}')
    echo "$zone $iface $cidr $i $mac" >> "$LAB/zones"
  done
  # Resolve the transit neighbours now so the first forwarded packets are not queued behind ARP.
  while read -r zone iface cidr i mac; do
    ip netns exec "${P}$zone" ping -c1 -W1 "172.31.$i.1" >/dev/null 2>&1 || true
  done < "$LAB/zones"
}

cmd_load() {
  need_root
  local kind="$1" file="$2"
  case "$kind" in
    iptables) ip netns exec ${P}r iptables-restore < "$file" ;;
    nft) ip netns exec ${P}r nft -f "$file" ;;
    nft-json) ip netns exec ${P}r nft -j -f "$file" ;;
    *) echo "lab-firewall: load iptables|nft|nft-json FILE" >&2; exit 2 ;;
  esac
}

cmd_run() {
  need_root
  local list="$1" out="$2"
  : > "$out"
  local pids=()
  while read -r zone iface cidr i mac; do
    rm -f "$out.$zone" "$out.$zone.ready" "$out.$zone.stop"
    ip netns exec "${P}$zone" "$PY" "$here/lab-firewall.py" recv eth0 "$out.$zone" &
    pids+=($!)
  done < "$LAB/zones"
  while read -r zone iface cidr i mac; do
    for _ in $(seq 100); do [ -f "$out.$zone.ready" ] && break; sleep 0.05; done
  done < "$LAB/zones"
  while read -r zone iface cidr i mac; do
    grep "^$zone " "$list" | cut -d' ' -f2- > "$out.send.$zone" || true
    if [ -s "$out.send.$zone" ]; then
      ip netns exec "${P}$zone" "$PY" "$here/lab-firewall.py" send eth0 "$mac" "$out.send.$zone" >/dev/null
    fi
    rm -f "$out.send.$zone"
  done < "$LAB/zones"
  sleep 0.5
  while read -r zone iface cidr i mac; do : > "$out.$zone.stop"; done < "$LAB/zones"
  for p in "${pids[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
  for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
  while read -r zone iface cidr i mac; do
    # Count only packets that crossed the router (not the zone's own transit traffic).
    [ -f "$out.$zone" ] && grep -v ' 172\.31\.' "$out.$zone" >> "$out" || true
    rm -f "$out.$zone" "$out.$zone.ready" "$out.$zone.stop"
  done < "$LAB/zones"
}

cmd_demo() {
  need_root
  local fx="$here/../Tests/FirewallTests/Fixtures/firewall"
  cmd_up mynumber:lan-mynumber:10.10.0.0/16 lgwan:lan-lgwan:10.20.0.0/16 internet:lan-inet:10.30.0.0/16
  cmd_load nft "$fx/three-tier-hole.nft"
  printf 'lgwan 1 17 10.20.0.1 10.10.0.1 49152 53\nlgwan 2 6 10.20.0.1 10.10.0.1 49152 22\n' > "$LAB/demo.list"
  cmd_run "$LAB/demo.list" "$LAB/demo.out"
  echo "forwarded (ID PROTO SRC DST SPORT DPORT):"; cat "$LAB/demo.out"
  cmd_down
}

case "${1:-}" in
  up) shift; cmd_up "$@" ;;
  load) shift; cmd_load "$@" ;;
  run) shift; cmd_run "$@" ;;
  down) cmd_down ;;
  demo) cmd_demo ;;
  *) sed -n '2,18p' "$0"; exit 2 ;;
esac
