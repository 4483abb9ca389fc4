#!/usr/bin/env bash
# Installs the Debian packages segcheck builds against and its tests drive (root, Debian 12).
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive
SUDO=""; [ "$(id -u)" = 0 ] || SUDO=sudo
pkgs=(libpcap-dev zlib1g-dev libssl-dev pkg-config tcpdump tshark tcpreplay iproute2 iptables nftables procps python3 bc time)
# monitor lab (scripts/lab-monitor.sh): ping and python3 drive the traffic, setpriv (util-linux) runs it unprivileged.
pkgs+=(iputils-ping python3 util-linux)
pkgs+=(time bc)   # scripts/bench-review.sh: GNU time (peak RSS) and bc
if [ "${SEGCHECK_WITH_CHROMIUM:-1}" = 1 ]; then pkgs+=(chromium fonts-noto-cjk); fi
missing=()
for p in "${pkgs[@]}"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
if [ ${#missing[@]} -gt 0 ]; then
  $SUDO apt-get update -qq
  echo "wireshark-common wireshark-common/install-setuid boolean false" | $SUDO debconf-set-selections
  $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
