#!/usr/bin/env bash
# Benchmarks `segcheck firewall` on generated 10,000-rule iptables-save and nftables rule sets against the kernel
# tools' own check of the same file (`iptables-restore --test`, `nft -c -f`, run in a throw-away network namespace),
# with peak memory; writes docs/benchmarks.md section "Firewall analysis".
#
#   scripts/bench-firewall.sh                  # 10,000 rules, best of 3
#   RULES=20000 RUNS=1 scripts/bench-firewall.sh
#   NO_WRITE=1 scripts/bench-firewall.sh       # print the table, leave docs/benchmarks.md alone
set -euo pipefail
cd "$(dirname "$0")/.."
RULES=${RULES:-10000}
RUNS=${RUNS:-3}

swift build -c release --product segcheck 2>&1 | grep -vE '^\[[0-9]+/[0-9]+\]' || true
BIN=$PWD/.build/release/segcheck
test -x "$BIN"
WORK=$(mktemp -d /tmp/segcheck-bench-firewall.XXXXXX)
trap 'rm -rf "$WORK"' EXIT
POLICY=Tests/FirewallTests/Fixtures/firewall/three-tier.yaml

# Generator: a municipal-looking rule set over the fixture policy's zones (10.10/16 My Number, 10.20/16 LGWAN,
# 10.30/16 Internet) plus outside addresses: conntrack accept, per-interface user chains, host and subnet rules,
# single ports, port lists and ranges, TCP/UDP/ICMP, mostly ACCEPT with some DROP and RETURN.
python3 - "$RULES" "$WORK" <<'EOF'
import random, sys
n, out = int(sys.argv[1]), sys.argv[2]
rnd = random.Random(20261126)
zones = [(10, 10), (10, 20), (10, 30), (172, 16), (192, 168)]
ifaces = ["lan-mynumber", "lan-lgwan", "lan-inet"]
chains = [f"c{i:02d}" for i in range(20)]
def addr():
    a, b = rnd.choice(zones); r = rnd.random()
    if r < 0.5: return f"{a}.{b}.{rnd.randrange(256)}.{rnd.randrange(1, 255)}/32"
    if r < 0.8: return f"{a}.{b}.{rnd.randrange(256)}.0/24"
    if r < 0.85: return f"{a}.{b}.0.0/16"
    return None
rules = []
for i in range(n - 2 - len(chains)):
    chain = "FORWARD" if i < 200 else chains[i % len(chains)]
    s, d = addr(), addr()
    p = rnd.random()
    proto = "tcp" if p < 0.6 else ("udp" if p < 0.9 else "icmp")
    ports = None
    if proto != "icmp":
        q = rnd.random()
        if q < 0.6: ports = [str(rnd.choice([22, 25, 53, 80, 123, 389, 443, 445, 3389, 8080]) if rnd.random() < 0.5 else rnd.randrange(1, 65536))]
        elif q < 0.8: ports = [str(rnd.randrange(1, 65536)) for _ in range(3)]
        else:
            lo = rnd.randrange(1, 60000); ports = [f"{lo}:{lo + rnd.randrange(1, 5000)}"]
    a = rnd.random()
    action = "ACCEPT" if a < 0.85 else ("DROP" if a < 0.95 or chain == "FORWARD" else "RETURN")
    rules.append((chain, s, d, proto, ports, action))
with open(f"{out}/bench.rules", "w") as f:
    f.write("*filter\n:INPUT ACCEPT [0:0]\n:FORWARD DROP [0:0]\n:OUTPUT ACCEPT [0:0]\n")
    for c in chains: f.write(f":{c} - [0:0]\n")
    f.write("-A FORWARD -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT\n-A FORWARD -m conntrack --ctstate INVALID -j DROP\n")
    for k, c in enumerate(chains): f.write(f"-A FORWARD -i {ifaces[k % 3]} -j {c}\n")
    for chain, s, d, proto, ports, action in rules:
        line = f"-A {chain}"
        if s: line += f" -s {s}"
        if d: line += f" -d {d}"
        line += f" -p {proto}"
        if ports and len(ports) == 1: line += f" -m {proto} --dport {ports[0]}"
        elif ports: line += f" -m multiport --dports {','.join(ports)}"
        f.write(line + f" -j {action}\n")
    f.write("COMMIT\n")
def nftports(ps):
    ps = [p.replace(":", "-") for p in ps]
    return ps[0] if len(ps) == 1 else "{ " + ", ".join(ps) + " }"
with open(f"{out}/bench.nft", "w") as f:
    f.write("table ip filter {\n")
    f.write("\tchain forward {\n\t\ttype filter hook forward priority filter; policy drop;\n")
    f.write("\t\tct state established,related accept\n\t\tct state invalid drop\n")
    for k, c in enumerate(chains): f.write(f"\t\tiifname \"{ifaces[k % 3]}\" jump {c}\n")
    body = {c: [] for c in chains}; body["FORWARD"] = []
    for chain, s, d, proto, ports, action in rules:
        parts = []
        if s: parts.append(f"ip saddr {s}")
        if d: parts.append(f"ip daddr {d}")
        if ports: parts.append(f"{proto} dport {nftports(ports)}")
        else: parts.append(f"meta l4proto {proto}")
        body[chain].append(" ".join(parts) + " " + action.lower())
    for r in body["FORWARD"]: f.write(f"\t\t{r}\n")
    f.write("\t}\n")
    for c in chains:
        f.write(f"\tchain {c} {{\n")
        for r in body[c]: f.write(f"\t\t{r}\n")
        f.write("\t}\n")
    f.write("}\n")
EOF

# best_of CMD...: smallest CPU time (user+system s) over $RUNS runs, with that run's wall time and peak RSS (KB).
best_of() {
  local best="" wall="" rss="" rc
  for _ in $(seq "$RUNS"); do
    rc=0; /usr/bin/time -f "%U %S %e %M" -o "$WORK/time" "$@" >"$WORK/stdout" 2>"$WORK/stderr" || rc=$?
    if [ "$rc" -gt 1 ]; then cat "$WORK/stderr" "$WORK/time" >&2; return 1; fi
    read -r u s e m < <(tail -1 "$WORK/time")
    cpu=$(echo "$u + $s" | bc)
    if [ -z "$best" ] || [ "$(echo "$cpu < $best" | bc)" = 1 ]; then best=$cpu; wall=$e; rss=$m; fi
  done
  echo "$best $wall $rss"
}
ratio() { echo "scale=2; $1 / $2" | bc; }

rules_ipt=$(grep -c '^-A' "$WORK/bench.rules")
rules_nft=$(grep -cP '^\t\t(?!type )' "$WORK/bench.nft")
echo "== iptables-save, $rules_ipt rules" >&2
read -r b_ipt bw_ipt br_ipt < <(best_of unshare --net iptables-restore --test "$WORK/bench.rules")
read -r t_ipt w_ipt r_ipt < <(best_of "$BIN" firewall --policy "$POLICY" --json "$WORK/bench.rules")
cp "$WORK/stdout" "$WORK/ipt.json"
read -r n_ipt nw_ipt nr_ipt < <(best_of "$BIN" firewall --policy "$POLICY" --json --no-anomalies "$WORK/bench.rules")
echo "== nftables, $rules_nft rules" >&2
read -r b_nft bw_nft br_nft < <(best_of unshare --net nft -c -f "$WORK/bench.nft")
read -r t_nft w_nft r_nft < <(best_of "$BIN" firewall --policy "$POLICY" --json "$WORK/bench.nft")
cp "$WORK/stdout" "$WORK/nft.json"
read -r n_nft nw_nft nr_nft < <(best_of "$BIN" firewall --policy "$POLICY" --json --no-anomalies "$WORK/bench.nft")
f_ipt=$(python3 -c "import json,sys; d=json.load(open(sys.argv[1])); print(len(d['findings']), len(d['anomalies']))" "$WORK/ipt.json")
f_nft=$(python3 -c "import json,sys; d=json.load(open(sys.argv[1])); print(len(d['findings']), len(d['anomalies']))" "$WORK/nft.json")

table=$(cat <<EOT
## Firewall analysis

\`scripts/bench-firewall.sh\` (RULES=$RULES, best of $RUNS by CPU time; $(nproc) cores shared with other jobs; $(date -u +%Y-%m-%d)).
Generated rule sets over the three-tier fixture policy (\`Tests/FirewallTests/Fixtures/firewall/three-tier.yaml\`):
20 per-interface user chains, host/subnet rules, single ports, port lists, ranges, TCP/UDP/ICMP. Baseline = the
kernel tool's own validity check of the same file in a throw-away network namespace (parse + netlink check, no
semantics). segcheck = parse + symbolic analysis of all 6 zone pairs (+ anomalies), JSON written.

| Rule set | rules | baseline | baseline CPU s | segcheck CPU s (wall) | ratio | peak RSS | without anomalies CPU s | findings / anomalies |
|---|---:|---|---:|---:|---:|---:|---:|---|
| iptables-save | $rules_ipt | \`iptables-restore --test\` | $b_ipt | $t_ipt ($w_ipt) | $(ratio "$t_ipt" "$b_ipt")× | $((r_ipt / 1024)) MB | $n_ipt | ${f_ipt/ / \/ } |
| nftables text | $rules_nft | \`nft -c -f\` | $b_nft | $t_nft ($w_nft) | $(ratio "$t_nft" "$b_nft")× | $((r_nft / 1024)) MB | $n_nft | ${f_nft/ / \/ } |

Target (issue 6): under 2 s and 500 MB for 10,000 rules: memory $( [ $((r_ipt / 1024)) -lt 500 ] && [ $((r_nft / 1024)) -lt 500 ] && echo met || echo "NOT met" ),
time $( [ "$(echo "$t_ipt < 2 && $t_nft < 2" | bc)" = 1 ] && echo met || echo "NOT met on this run (CPU seconds above)" ).
EOT
)
echo "$table"
if [ "${NO_WRITE:-0}" != 1 ]; then
  python3 - "$table" <<'EOF'
import re, sys, os
table = sys.argv[1].rstrip() + "\n"
path = "docs/benchmarks.md"
text = open(path).read() if os.path.exists(path) else "# Benchmarks\n"
pattern = re.compile(r"^## Firewall analysis\n.*?(?=^## |\Z)", re.S | re.M)
text = pattern.sub(lambda m: table + "\n", text) if pattern.search(text) else text.rstrip() + "\n\n" + table
open(path, "w").write(text)
EOF
  echo "updated docs/benchmarks.md" >&2
fi
