#!/usr/bin/env python3
# Writes the example inputs for docs/report-example.png: a week of `segcheck monitor` EVE output and a firewall check
# result for the 飯塚市 (例) policy (rulesets/examples/iizuka.yaml). Hand-made, deterministic (fixed seed); Community IDs
# are computed per the Community ID v1 spec. Run: python3 docs/example/generate.py
# The previous week is gzip-compressed (segcheck report reads .gz EVE files directly).
import base64, gzip, hashlib, ipaddress, json, random, socket, struct, datetime, os

random.seed(20261126)
here = os.path.dirname(os.path.abspath(__file__))
JST = datetime.timezone(datetime.timedelta(hours=9))
PROTO = {"TCP": 6, "UDP": 17, "ICMP": 1}

def community_id(src, dst, proto, sport, dport):
    s, d = ipaddress.ip_address(src).packed, ipaddress.ip_address(dst).packed
    if (s, sport) > (d, dport):
        s, d, sport, dport = d, s, dport, sport
    data = struct.pack("!H", 0) + s + d + struct.pack("!BB", PROTO[proto], 0) + struct.pack("!HH", sport, dport)
    return "1:" + base64.b64encode(hashlib.sha1(data).digest()).decode()

ZONES = {"mynumber": "マイナンバー利用事務系", "lgwan": "LGWAN接続系", "inet": "インターネット接続系",
         "public-web": "公開ウェブサーバ", "lgwan-wan": "LGWAN", "security-cloud": "福岡県自治体情報セキュリティクラウド",
         "external": "インターネット"}
CITE = {
    "LG-INET": "飯塚市情報セキュリティ対策基準 4(2)①: 両環境間の通信環境を分離した上で、必要な通信だけを許可 (L260)",
    "MN-LG": "飯塚市情報セキュリティ対策基準 4(1)①: マイナンバー利用事務系と他の領域を通信できないようにしなければならない (L244)",
    "INET-EXT": "飯塚市情報セキュリティ対策基準 4(3)②: インターネットとの通信は自治体情報セキュリティクラウドに集約 (L272)",
    "EXT-LG": "飯塚市情報セキュリティ対策基準 7.2(2)⑦: 内部のネットワーク…に対するインターネットを介した外部からのアクセスを原則として禁止 (L677)",
    "MN-WAN": "飯塚市情報セキュリティ対策基準 4(1)①: 外部との通信は通信経路及びポート番号のレベルで限定 (L244)",
}
RULE_LINE = {"LG-INET": 52, "MN-LG": 29, "INET-EXT": 65, "EXT-LG": 78, "MN-WAN": 37}

def ts(t):
    return t.astimezone(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%f+0000")

flow_counter = [1000000000]
def alert(t, src, sport, dst, dport, proto, sz, dz, rule, verdict, vlan, iface):
    flow_counter[0] += random.randint(1000, 90000)
    # The segcheck object as `segcheck review`/`monitor` write it (plus rule_location, which they may add).
    seg = {"finding": verdict, "verdict": verdict, "src_zone": sz or None, "src_zone_label": ZONES.get(sz) if sz else None,
           "dest_zone": dz, "dest_zone_label": ZONES.get(dz, dz),
           "rule": rule or "default-deny", "rule_location": f"iizuka.yaml:{RULE_LINE[rule]}" if rule else None,
           "cite": CITE.get(rule, ""), "initiator": "handshake", "layer": 0, "policy": "飯塚市 (例)"}
    seg = {k: v for k, v in seg.items() if v is not None}
    sig = f"segcheck {ZONES.get(sz, sz)} → {ZONES.get(dz, dz)} {verdict}" + (f" ({rule})" if rule else "")
    return {"timestamp": ts(t), "flow_id": flow_counter[0], "in_iface": iface, "event_type": "alert", "vlan": [vlan],
            "src_ip": src, "src_port": sport, "dest_ip": dst, "dest_port": dport, "proto": proto,
            "community_id": community_id(src, dst, proto, sport, dport),
            "alert": {"action": "allowed", "gid": 1, "signature_id": 9000001, "rev": 1, "signature": sig,
                      "category": "segregation", "severity": 1},
            "segcheck": seg}

def flow(t, src, dst, sz, dz, iface, vlan):
    return {"timestamp": ts(t), "flow_id": random.randint(10**14, 10**15), "in_iface": iface, "event_type": "flow",
            "vlan": [vlan], "src_ip": src, "src_port": random.randint(1024, 65535), "dest_ip": dst, "dest_port": 443,
            "proto": "TCP", "flow": {"pkts_toserver": 5, "pkts_toclient": 4}, "segcheck": {"src_zone": sz, "dest_zone": dz}}

def stats(t, pk, drops, malformed, final=False):
    # The shape `segcheck monitor` writes: totals, then per interface; inspector counters under "inspect".
    ifaces = [{"name": i, "kernel_packets": pk[i], "kernel_drops": drops[i], "interface_drops": 0, "feed": "alive"} for i in sorted(pk)]
    total, dropped = sum(pk.values()), sum(drops.values())
    return {"timestamp": ts(t), "event_type": "stats",
            "stats": {"uptime": int((t - START).total_seconds()), "final": final,
                      "capture": {"kernel_packets": total, "kernel_drops": dropped, "interface_drops": 0,
                                  "delivered": total - dropped, "interfaces": ifaces},
                      "inspect": {"packets": total - dropped, "decoded": total - dropped - malformed, "malformed": malformed}}}

ALLOWED = [("lgwan", "192.0.2.75", "lgwan-wan", "198.51.100.20", 20), ("lgwan", "192.0.2.80", "inet", "192.0.2.141", 20),
           ("inet", "192.0.2.133", "security-cloud", "203.0.113.10", 30), ("mynumber", "192.0.2.10", "lgwan-wan", "198.51.100.10", 10),
           ("lgwan", "192.0.2.90", "lgwan", "192.0.2.70", 20), ("inet", "192.0.2.130", "lgwan", "192.0.2.70", 30),
           ("external", "198.18.0.9", "public-web", "192.0.2.195", 30), ("mynumber", "192.0.2.20", "mynumber", "192.0.2.5", 10)]

def week(start, incidents, outage, reload=None):
    events = []
    for day in range(7):
        base = start + datetime.timedelta(days=day)
        for hour in range(8, 19):
            for (sz, s, dz, d, vlan) in ALLOWED:
                for _ in range(random.randint(0, 2)):
                    t = base + datetime.timedelta(hours=hour, seconds=random.randint(0, 3599))
                    events.append(flow(t, s, d, sz, dz, "eno2" if vlan != 10 else "eno3", vlan))
    events += incidents
    if outage:
        t0, t1 = outage  # as monitor writes them: a feed event when it goes dead and when packets return
        events.append({"timestamp": ts(t0), "event_type": "feed", "in_iface": "eno3",
                       "feed": {"interface": "eno3", "state": "dead", "silent_seconds": 300.2, "threshold_seconds": 300}})
        events.append({"timestamp": ts(t1), "event_type": "feed", "in_iface": "eno3",
                       "feed": {"interface": "eno3", "state": "alive", "dead_seconds": (t1 - t0).total_seconds() + 300}})
    if reload:
        events.append({"timestamp": ts(reload), "event_type": "policy_reload",
                       "policy_reload": {"result": "applied", "policy": "/etc/segcheck/iizuka.yaml", "generation": 2,
                                         "workers": 2, "workers_switched": 2}})
    events.sort(key=lambda e: e["timestamp"])
    # Cumulative stats every 6 hours, as monitor writes them; the last one is the final snapshot.
    global START
    START = start
    out, pk, drops, malformed = [], {"eno2": 0, "eno3": 0}, {"eno2": 0, "eno3": 0}, 0
    nxt = start + datetime.timedelta(hours=6)
    for e in events:
        while e["timestamp"] > ts(nxt):
            for i in pk:
                pk[i] += random.randint(800000, 1200000)
            malformed += random.randint(0, 3)
            out.append(stats(nxt, pk, drops, malformed))
            nxt += datetime.timedelta(hours=6)
        out.append(e)
    if outage:
        drops["eno2"] = 1432
    for i in pk:
        pk[i] += 500000
    out.append(stats(nxt, pk, drops, malformed + 5, final=True))
    return out

def incidents_current(start):
    ev = []
    d = lambda day, h, m: start + datetime.timedelta(days=day, hours=h, minutes=m, seconds=random.randint(0, 59))
    # Windows file sharing from an LGWAN terminal to the internet side (a new finding this week), repeated.
    for k in range(14):
        ev.append(alert(d(2, 9 + k // 3, (k * 11) % 60), "192.0.2.71", 49152 + k, "192.0.2.140", 445, "TCP",
                        "lgwan", "inet", "LG-INET", "denied", 20, "eno2"))
    # Direct DNS from the internet-side segment, bypassing the security cloud (continuing from last week).
    for k in range(9):
        ev.append(alert(d(k % 7, 10 + k % 6, 5 * k), "192.0.2.135", 53000 + k, "8.8.8.8", 53, "UDP",
                        "inet", "external", "INET-EXT", "denied", 30, "eno2"))
    # An address in no zone talking to the mynumber segment.
    ev.append(alert(d(4, 15, 42), "172.16.9.9", 51515, "192.0.2.12", 139, "TCP", "", "mynumber", "", "unknown-zone", 10, "eno3"))
    # Mynumber terminal to LGWAN mail server.
    for k in range(3):
        ev.append(alert(d(5, 11, 3 + k), "192.0.2.12", 50100 + k, "192.0.2.70", 25, "TCP",
                        "mynumber", "lgwan", "MN-LG", "denied", 10, "eno3"))
    return ev

def incidents_previous(start):
    ev = []
    d = lambda day, h, m: start + datetime.timedelta(days=day, hours=h, minutes=m, seconds=random.randint(0, 59))
    for k in range(21):
        ev.append(alert(d(k % 7, 9 + k % 8, 3 * k), "192.0.2.135", 52000 + k, "8.8.8.8", 53, "UDP",
                        "inet", "external", "INET-EXT", "denied", 30, "eno2"))
    for k in range(4):
        ev.append(alert(d(1, 14, 10 + k), "198.18.0.77", 40000 + k, "192.0.2.66", 3389, "TCP",
                        "external", "lgwan", "EXT-LG", "denied", 20, "eno2"))
    return ev

def write(name, events):
    text = "".join(json.dumps(e, ensure_ascii=False, separators=(",", ":")) + "\n" for e in events).encode()
    path = os.path.join(here, name)
    if name.endswith(".gz"):  # mtime 0: the same bytes on every run
        with open(path, "wb") as raw, gzip.GzipFile(fileobj=raw, mode="wb", mtime=0, filename="") as f:
            f.write(text)
    else:
        with open(path, "wb") as f:
            f.write(text)

cur = datetime.datetime(2026, 11, 16, 0, 0, tzinfo=JST)
prev = cur - datetime.timedelta(days=7)
write("eve-previous-week.json.gz", week(prev, incidents_previous(prev), None))
write("eve-this-week.json", week(cur, incidents_current(cur),
                                 (cur + datetime.timedelta(days=3, hours=13, minutes=20), cur + datetime.timedelta(days=3, hours=14, minutes=5)),
                                 cur + datetime.timedelta(days=4, hours=8, minutes=30)))

def zone(name, tier):
    return {"name": name, "label": ZONES[name], "tier": tier}

def rule(line, text, action="ACCEPT"):
    return {"file": "fw-honcho.rules", "line": line, "column": 1, "chain": "FORWARD", "text": text, "action": action, "is_default": False}

# Shaped after `segcheck firewall --json` (schema segcheck-firewall/1, see docs/firewall.md): findings with zone refs,
# deciding rule, trace, broken policy rule and witness; proofs; anomalies. `segcheck report` also accepts flat variants.
def witness(proto, src, sport, dst, dport, i, o):
    return {"src_ip": src, "dest_ip": dst, "proto": proto, "proto_number": PROTO[proto.upper()], "src_port": sport,
            "dest_port": dport, "in_interface": i, "out_interface": o, "ct_state": "new"}

def finding(n, sz, tsz, dz, tdz, r, policy_rule, w):
    return {"id": f"FW-{n:04d}", "kind": "forbidden-flow", "severity": "error", "config": "fw-honcho.rules",
            "src_zone": zone(sz, tsz), "dest_zone": zone(dz, tdz), "rule": r, "trace": [r],
            "policy": {"rule_id": policy_rule, "action": "deny", "cite": CITE[policy_rule],
                       "location": {"file": "rulesets/examples/iizuka.yaml", "line": RULE_LINE[policy_rule], "column": 5}},
            "witness": w, "uncertain": False, "depends_on": []}

firewall = {
    "schema": "segcheck-firewall/1",
    "policy": {"name": "飯塚市 (例)", "sources": ["rulesets/examples/iizuka.yaml"]},
    "configs": [{"file": "fw-honcho.rules", "format": "iptables-save", "families": ["ipv4"], "chains": 3, "rules": 41,
                 "forbidden_pairs": 8, "proven_pairs": 6, "notes": []}],
    "findings": [
        finding(1, "lgwan", "lgwan", "inet", "internet", rule(23, "-A FORWARD -i lg0 -o inet0 -p tcp -m tcp --dport 445 -j ACCEPT"),
                "LG-INET", witness("tcp", "192.0.2.64", 1024, "192.0.2.128", 445, "lg0", "inet0")),
        finding(2, "mynumber", "mynumber", "lgwan-wan", "lgwan-wan", rule(31, "-A FORWARD -i mn0 -o wan0 -j ACCEPT"),
                "MN-WAN", witness("udp", "192.0.2.0", 0, "198.51.100.0", 0, "mn0", "wan0")),
    ],
    "proofs": [{"config": "fw-honcho.rules", "src_zone": zone(a, ta), "dest_zone": zone(b, tb),
                "statement": f"no packet from {a} to {b} that the policy forbids is accepted (exhaustive symbolic check)"}
               for (a, ta, b, tb) in [
        ("mynumber", "mynumber", "inet", "internet"), ("inet", "internet", "mynumber", "mynumber"),
        ("inet", "internet", "lgwan", "lgwan"), ("mynumber", "mynumber", "external", "external"),
        ("external", "external", "lgwan", "lgwan"), ("external", "external", "mynumber", "mynumber")]],
    "anomalies": [
        {"kind": "shadowed", "config": "fw-honcho.rules", "rule": rule(40, "-A FORWARD -i inet0 -o sc0 -p tcp --dport 8080 -j ACCEPT"),
         "blocking": [rule(38, "-A FORWARD -i inet0 -o sc0 -j ACCEPT")],
         "message": "fw-honcho.rules:38 (-A FORWARD -i inet0 -o sc0 -j ACCEPT) がすべて先に一致するため、このルールは使われません",
         "src_zone": zone("inet", "internet"), "dest_zone": zone("security-cloud", "security-cloud"), "witness": None}],
    "diff": None,
    "summary": {"findings": 2, "anomalies": 1, "forbidden_pairs": 8, "proven_pairs": 6, "exit_code": 1},
}
with open(os.path.join(here, "firewall-honcho.json"), "w", encoding="utf-8") as f:
    json.dump(firewall, f, ensure_ascii=False, indent=2); f.write("\n")
