#!/usr/bin/env python3
"""segcheck: generates the small captures in captures/ and the alerts they must raise (expected-alerts.json).

The captures are committed; the tests read them and never run this script. Rerun it (pip install scapy==2.8.0)
only to change them:  python3 captures/generate.py

Every capture is checked against captures/test-policy.yaml, except example.pcap, which goes with
rulesets/examples/iizuka.yaml (the README example). The expected alerts are written here, by construction
(which flows this script makes forbidden), not copied from segcheck's output.
"""
import gzip
import json
import os
import struct

from scapy.all import (ARP, GRE, ICMP, IP, UDP, TCP, VXLAN, CookedLinux, CookedLinuxV2, Dot1AD, Dot1Q, Ether,
                       IPv6, IPv6ExtHdrDestOpt, IPv6ExtHdrHopByHop, IPv6ExtHdrRouting, Raw, fragment, raw)
from scapy.contrib.mpls import MPLS

HERE = os.path.dirname(os.path.abspath(__file__))
BASE = 1795597200.0          # 2026-11-25T09:00:00Z
CLIENT_MAC = "02:00:00:00:00:01"
SERVER_MAC = "02:00:00:00:00:02"
PINNED_MAC = "02:00:00:00:01:10"   # mn-terminal's allowed MAC
WRONG_MAC = "02:00:00:00:09:99"

expected = {}


# ---- file writers (written by hand so link type, byte order and resolution are exact) ----

def write_pcap(name, linktype, packets, nano=False, big_endian=False, compress=False, snaplen=262144):
    """packets: list of (time_float, bytes)."""
    e = ">" if big_endian else "<"
    magic = 0xA1B23C4D if nano else 0xA1B2C3D4
    out = struct.pack(e + "IHHiIII", magic, 2, 4, 0, 0, snaplen, linktype)
    for t, data in packets:
        sec = int(t)
        frac = round((t - sec) * (1e9 if nano else 1e6))
        out += struct.pack(e + "IIII", sec, frac, len(data), len(data)) + data
    path = os.path.join(HERE, name)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    if compress:
        with gzip.GzipFile(path, "wb", mtime=0) as f:
            f.write(out)
    else:
        with open(path, "wb") as f:
            f.write(out)


def write_pcapng(name, interfaces, packets):
    """interfaces: list of (linktype, snaplen); packets: list of (iface, time_float, bytes)."""
    def block(btype, body):
        pad = (4 - len(body) % 4) % 4
        total = 12 + len(body) + pad
        return struct.pack("<II", btype, total) + body + b"\0" * pad + struct.pack("<I", total)
    out = block(0x0A0D0D0A, struct.pack("<IHHq", 0x1A2B3C4D, 1, 0, -1))
    for lt, snap in interfaces:
        out += block(1, struct.pack("<HHI", lt, 0, snap))          # default resolution: microseconds
    for iface, t, data in packets:
        us = round(t * 1e6)
        out += block(6, struct.pack("<IIIII", iface, us >> 32, us & 0xFFFFFFFF, len(data), len(data)) + data
                     + b"\0" * ((4 - len(data) % 4) % 4))
    with open(os.path.join(HERE, name), "wb") as f:
        f.write(out)


# ---- traffic builders ----

class Clock:
    def __init__(self, start):
        self.t = start

    def tick(self, dt=0.001):
        self.t += dt
        return self.t


def tcp_session(clock, l3, c, s, sport, dport, wrap=lambda p, to_server: p, handshake=True):
    """A whole TCP conversation: SYN, SYN/ACK, ACK+data, ACK+data, FIN, FIN, ACK (4 to server, 3 to client)."""
    def ip(src, dst):
        return l3(src, dst)
    pkts = []
    seq_c, seq_s = 1000, 5000
    steps = [
        (True, "S", b""), (False, "SA", b""), (True, "PA", b"hello"), (False, "PA", b"world!"),
        (True, "FA", b""), (False, "FA", b""), (True, "A", b""),
    ]
    if not handshake:
        steps = steps[2:]
    for to_server, flags, data in steps:
        if to_server:
            p = ip(c, s) / TCP(sport=sport, dport=dport, flags=flags, seq=seq_c, ack=seq_s) / Raw(data)
        else:
            p = ip(s, c) / TCP(sport=dport, dport=sport, flags=flags, seq=seq_s, ack=seq_c) / Raw(data)
        pkts.append((clock.tick(), wrap(p, to_server)))
    return pkts


def v4(src, dst):
    return IP(src=src, dst=dst, ttl=64, id=1)


def v6(src, dst):
    return IPv6(src=src, dst=dst, hlim=64)


def eth(to_server, src_mac=CLIENT_MAC):
    return Ether(src=src_mac if to_server else SERVER_MAC, dst=SERVER_MAC if to_server else src_mac)


def on_ether(src_mac=CLIENT_MAC):
    return lambda p, to_server: eth(to_server, src_mac) / p


def alert(finding, src, sport, dst, dport, proto, rule, initiator, **extra):
    a = {"finding": finding, "src_ip": src, "src_port": sport, "dest_ip": dst, "dest_port": dport, "proto": proto,
         "rule": rule, "initiator": initiator}
    a.update(extra)
    return a


def frames(pkts):
    return [(t, raw(p)) for t, p in pkts]


# ---- the captures ----

def basic():
    c = Clock(BASE)
    pkts = []
    # a. allowed cross-zone: mail text from the mail gateway to the LGWAN mail server.
    pkts += tcp_session(c, v4, "10.3.0.25", "10.2.0.25", 40001, 25, on_ether())
    # b. denied by rule MN-LG.
    pkts += tcp_session(c, v4, "10.1.0.50", "10.2.0.80", 40002, 445, on_ether())
    # c. no rule lgwan → mynumber: default deny.
    pkts += tcp_session(c, v4, "10.2.0.80", "10.1.0.50", 40003, 3389, on_ether())
    # d. DNS lgwan → inet matches the alert rule LG-DNS (reported, not a violation).
    pkts.append((c.tick(), eth(True) / v4("10.2.0.53", "10.3.0.53") / UDP(sport=53000, dport=53) / Raw(b"q" * 20)))
    pkts.append((c.tick(), eth(False) / v4("10.3.0.53", "10.2.0.53") / UDP(sport=53, dport=53000) / Raw(b"r" * 40)))
    # e. ping lgwan → inet, allowed by LG-PING.
    pkts.append((c.tick(), eth(True) / v4("10.2.0.60", "10.3.0.60") / ICMP(type=8, id=7, seq=1) / Raw(b"p" * 32)))
    pkts.append((c.tick(), eth(False) / v4("10.3.0.60", "10.2.0.60") / ICMP(type=0, id=7, seq=1) / Raw(b"p" * 32)))
    # f. a SYN to an address in no zone.
    pkts.append((c.tick(), eth(True) / v4("10.3.0.99", "198.18.0.1") / TCP(sport=40004, dport=443, flags="S")))
    # g. the pinned host 10.1.0.10 sending from a MAC not on its list (intra-zone flow otherwise fine).
    pkts += tcp_session(c, v4, "10.1.0.10", "10.1.0.20", 40005, 22, on_ether(WRONG_MAC))
    # h. the same host from its own MAC: fine.
    pkts += tcp_session(c, v4, "10.1.0.10", "10.1.0.20", 40006, 22, on_ether(PINNED_MAC))
    # i. the capture catches an echo reply first: the receiver asked (lgwan → inet ping, allowed).
    pkts.append((c.tick(), eth(False) / v4("10.3.0.70", "10.2.0.70") / ICMP(type=0, id=9, seq=1)))
    pkts.append((c.tick(), eth(True) / v4("10.2.0.70", "10.3.0.70") / ICMP(type=8, id=9, seq=2)))
    # j. not IP: ARP (skipped), and a truncated IPv4 header (malformed).
    pkts.append((c.tick(), Ether(src=CLIENT_MAC, dst="ff:ff:ff:ff:ff:ff") / ARP(psrc="10.2.0.1", pdst="10.2.0.2")))
    truncated = raw(Ether(src=CLIENT_MAC, dst=SERVER_MAC, type=0x0800)) + raw(v4("10.2.0.1", "10.2.0.2") / UDP())[:12]
    out = frames(pkts) + [(c.tick(), truncated)]
    write_pcap("basic.pcap", 1, out)
    expected["basic.pcap"] = [
        alert("denied", "10.1.0.50", 40002, "10.2.0.80", 445, "TCP", "MN-LG", "handshake"),
        alert("default-deny", "10.2.0.80", 40003, "10.1.0.50", 3389, "TCP", "default-deny", "handshake"),
        alert("alert-rule", "10.2.0.53", 53000, "10.3.0.53", 53, "UDP", "LG-DNS", "first-packet"),
        alert("unknown-zone", "10.3.0.99", 40004, "198.18.0.1", 443, "TCP", "default-deny", "handshake"),
        alert("mac-not-allowed", "10.1.0.10", 40005, "10.1.0.20", 22, "TCP", "intra-zone", "handshake"),
    ]


def clean():
    c = Clock(BASE + 100)
    pkts = tcp_session(c, v4, "10.3.0.25", "10.2.0.25", 41001, 25, on_ether())
    pkts.append((c.tick(), eth(True) / v4("10.2.0.60", "10.3.0.60") / ICMP(type=8, id=1, seq=1)))
    pkts.append((c.tick(), eth(False) / v4("10.3.0.60", "10.2.0.60") / ICMP(type=0, id=1, seq=1)))
    write_pcap("clean.pcap", 1, frames(pkts))
    expected["clean.pcap"] = []


def tagged():
    c = Clock(BASE + 200)
    pkts = tcp_session(c, v4, "10.1.0.51", "10.2.0.81", 40010, 445,
                       lambda p, ts: eth(ts) / Dot1Q(vlan=10) / p)
    write_pcap("vlan.pcap", 1, frames(pkts))
    expected["vlan.pcap"] = [alert("denied", "10.1.0.51", 40010, "10.2.0.81", 445, "TCP", "MN-LG", "handshake", vlan=[10])]

    pkts = tcp_session(c, v4, "10.1.0.52", "10.2.0.82", 40011, 445,
                       lambda p, ts: eth(ts) / Dot1AD(vlan=100) / Dot1Q(vlan=10) / p)
    write_pcap("qinq.pcap", 1, frames(pkts))
    expected["qinq.pcap"] = [alert("denied", "10.1.0.52", 40011, "10.2.0.82", 445, "TCP", "MN-LG", "handshake", vlan=[100, 10])]

    pkts = tcp_session(c, v4, "10.1.0.53", "10.2.0.83", 40012, 445,
                       lambda p, ts: eth(ts) / MPLS(label=1000, s=0, ttl=64) / MPLS(label=2000, s=1, ttl=64) / p)
    write_pcap("mpls.pcap", 1, frames(pkts))
    expected["mpls.pcap"] = [alert("denied", "10.1.0.53", 40012, "10.2.0.83", 445, "TCP", "MN-LG", "handshake")]


def link_types():
    c = Clock(BASE + 300)
    pkts = tcp_session(c, v4, "10.2.0.84", "10.1.0.54", 40013, 22,
                       lambda p, ts: CookedLinux(pkttype=0 if not ts else 4, lladdrtype=1, lladdrlen=6,
                                                 src=bytes.fromhex("020000000001") + b"\0\0", proto=0x0800) / p)
    write_pcap("sll.pcap", 113, frames(pkts))
    expected["sll.pcap"] = [alert("default-deny", "10.2.0.84", 40013, "10.1.0.54", 22, "TCP", "default-deny", "handshake")]

    pkts = tcp_session(c, v4, "10.2.0.85", "10.1.0.55", 40014, 22,
                       lambda p, ts: CookedLinuxV2(proto=0x0800, ifindex=2, lladdrtype=1, pkttype=4, lladdrlen=6,
                                                   src=bytes.fromhex("020000000001") + b"\0\0") / p)
    write_pcap("sll2.pcap", 276, frames(pkts))
    expected["sll2.pcap"] = [alert("default-deny", "10.2.0.85", 40014, "10.1.0.55", 22, "TCP", "default-deny", "handshake")]

    pkts = tcp_session(c, v4, "10.1.0.56", "10.2.0.86", 40015, 80)
    write_pcap("rawip.pcap", 101, frames(pkts))
    expected["rawip.pcap"] = [alert("denied", "10.1.0.56", 40015, "10.2.0.86", 80, "TCP", "MN-LG", "handshake")]

    # BSD loopback (DLT_NULL): 4-byte address family in host (here little-endian) order; 30 = AF_INET6 on macOS.
    out = [(t, struct.pack("<I", 2) + raw(p)) for t, p in tcp_session(c, v4, "10.1.0.57", "10.2.0.87", 40016, 80)]
    out += [(t, struct.pack("<I", 30) + raw(p)) for t, p in tcp_session(c, v6, "fd00:1::57", "fd00:2::87", 40016, 80)]
    write_pcap("null.pcap", 0, out)
    expected["null.pcap"] = [
        alert("denied", "10.1.0.57", 40016, "10.2.0.87", 80, "TCP", "MN-LG", "handshake"),
        alert("denied", "fd00:1::57", 40016, "fd00:2::87", 80, "TCP", "MN-LG", "handshake"),
    ]


def ipv6_ext():
    c = Clock(BASE + 400)
    chain = lambda s, d: v6(s, d) / IPv6ExtHdrHopByHop() / IPv6ExtHdrDestOpt() / IPv6ExtHdrRouting(addresses=[], segleft=0)
    pkts = tcp_session(c, chain, "fd00:1::10", "fd00:2::20", 40017, 445, on_ether())
    write_pcap("ipv6-ext.pcap", 1, frames(pkts))
    expected["ipv6-ext.pcap"] = [alert("denied", "fd00:1::10", 40017, "fd00:2::20", 445, "TCP", "MN-LG", "handshake")]


def tunnels():
    c = Clock(BASE + 500)
    # GRE between two core routers (one zone), carrying a forbidden flow and an allowed one.
    gre = lambda p, ts: eth(ts) / (v4("172.16.0.1", "172.16.0.2") if ts else v4("172.16.0.2", "172.16.0.1")) / GRE(proto=0x0800) / p
    pkts = tcp_session(c, v4, "10.3.0.40", "10.1.0.40", 40018, 445, gre)
    pkts += tcp_session(c, v4, "10.3.0.25", "10.2.0.25", 40031, 25, gre)
    write_pcap("gre.pcap", 1, frames(pkts))
    expected["gre.pcap"] = [alert("default-deny", "10.3.0.40", 40018, "10.1.0.40", 445, "TCP", "default-deny", "handshake",
                                  tunnel=True)]

    ipip = lambda p, ts: eth(ts) / (IP(src="172.16.0.1", dst="172.16.0.3", proto=4) if ts else IP(src="172.16.0.3", dst="172.16.0.1", proto=4)) / p
    pkts = tcp_session(c, v4, "10.2.0.41", "10.1.0.41", 40019, 22, ipip)
    write_pcap("ipip.pcap", 1, frames(pkts))
    expected["ipip.pcap"] = [alert("default-deny", "10.2.0.41", 40019, "10.1.0.41", 22, "TCP", "default-deny", "handshake",
                                   tunnel=True)]

    six = lambda p, ts: eth(ts) / (IP(src="172.16.0.1", dst="172.16.0.4", proto=41) if ts else IP(src="172.16.0.4", dst="172.16.0.1", proto=41)) / p
    pkts = tcp_session(c, v6, "fd00:3::42", "fd00:1::42", 40020, 443, six)
    write_pcap("6in4.pcap", 1, frames(pkts))
    expected["6in4.pcap"] = [alert("default-deny", "fd00:3::42", 40020, "fd00:1::42", 443, "TCP", "default-deny", "handshake",
                                   tunnel=True)]

    def vx(p, ts):
        outer = v4("172.16.0.5", "172.16.0.6") if ts else v4("172.16.0.6", "172.16.0.5")
        inner_eth = Ether(src="02:00:00:00:aa:01", dst="02:00:00:00:aa:02") if ts else Ether(src="02:00:00:00:aa:02", dst="02:00:00:00:aa:01")
        return eth(ts) / outer / UDP(sport=49152, dport=4789) / VXLAN(vni=42, flags=0x08) / inner_eth / p
    pkts = tcp_session(c, v4, "10.2.0.43", "10.1.0.43", 40021, 445, vx)
    pkts += tcp_session(c, v4, "10.3.0.25", "10.2.0.25", 40022, 25, vx)
    write_pcap("vxlan.pcap", 1, frames(pkts))
    expected["vxlan.pcap"] = [alert("default-deny", "10.2.0.43", 40021, "10.1.0.43", 445, "TCP", "default-deny", "handshake",
                                    tunnel=True)]


def fragments():
    c = Clock(BASE + 600)
    # A 3000-byte UDP datagram lgwan → mynumber in three fragments, sent last first: only the last to arrive has the ports.
    dgram = v4("10.2.0.44", "10.1.0.44") / UDP(sport=40023, dport=514) / Raw(b"x" * 3000)
    dgram[IP].id = 4444
    frs = fragment(dgram, fragsize=1200)
    assert len(frs) == 3
    pkts = [(c.tick(), eth(True) / f) for f in reversed(frs)]
    write_pcap("fragments.pcap", 1, frames(pkts))
    expected["fragments.pcap"] = [alert("default-deny", "10.2.0.44", 40023, "10.1.0.44", 514, "UDP", "default-deny", "first-packet",
                                        pkts_toserver=3)]

    # Evasion: overlapping fragments (lgwan → inet DNS, which also matches the alert rule) ...
    payload = raw(UDP(sport=40024, dport=53, len=8 + 200) / Raw(b"A" * 200))
    a = v4("10.2.0.45", "10.3.0.45"); a.id = 4545; a.proto = 17; a.flags = "MF"; a.frag = 0
    b = v4("10.2.0.45", "10.3.0.45"); b.id = 4545; b.proto = 17; b.flags = 0; b.frag = 8   # bytes 64.. overlap bytes 64..95 of the first
    pkts = [(c.tick(), eth(True) / a / Raw(payload[:96])), (c.tick(), eth(True) / b / Raw(payload[64:]))]
    # ... and a tiny first fragment: only the 8-byte UDP header, then the rest (lgwan → inet UDP 161: default deny).
    payload = raw(UDP(sport=40025, dport=161, len=8 + 400) / Raw(b"B" * 400))
    d = v4("10.2.0.46", "10.3.0.46"); d.id = 4646; d.proto = 17; d.flags = "MF"; d.frag = 0
    e = v4("10.2.0.46", "10.3.0.46"); e.id = 4646; e.proto = 17; e.flags = 0; e.frag = 1
    pkts += [(c.tick(), eth(True) / d / Raw(payload[:8])), (c.tick(), eth(True) / e / Raw(payload[8:]))]
    write_pcap("fragments-evasion.pcap", 1, frames(pkts))
    expected["fragments-evasion.pcap"] = [
        {"finding": "fragment-overlap", "src_ip": "10.2.0.45", "dest_ip": "10.3.0.45", "proto": "UDP"},
        alert("alert-rule", "10.2.0.45", 40024, "10.3.0.45", 53, "UDP", "LG-DNS", "first-packet"),
        {"finding": "fragment-too-small", "src_ip": "10.2.0.46", "dest_ip": "10.3.0.46", "proto": "UDP"},
        alert("default-deny", "10.2.0.46", 40025, "10.3.0.46", 161, "UDP", "default-deny", "first-packet"),
    ]


def midstream():
    c = Clock(BASE + 700)
    # The capture starts after the handshake, with the server's answer: the well-known port says who the client is.
    pkts = tcp_session(c, v4, "10.2.0.60", "10.1.0.60", 50123, 445, on_ether(), handshake=False)
    pkts = [pkts[1], pkts[0]] + pkts[2:]     # server → client first
    # Only the SYN/ACK is caught of a handshake: its receiver is the client.
    syn_ack = tcp_session(c, v4, "10.2.0.61", "10.1.0.61", 50200, 22, on_ether())[1:]
    write_pcap("midstream.pcap", 1, frames(pkts + syn_ack))
    expected["midstream.pcap"] = [
        alert("default-deny", "10.2.0.60", 50123, "10.1.0.60", 445, "TCP", "default-deny", "well-known-port"),
        alert("default-deny", "10.2.0.61", 50200, "10.1.0.61", 22, "TCP", "default-deny", "handshake"),
    ]


def mixed_pcapng():
    c = Clock(BASE + 800)
    a = tcp_session(c, v4, "10.1.0.62", "10.2.0.62", 40026, 80, on_ether())
    b = tcp_session(c, v4, "10.1.0.63", "10.2.0.63", 40027, 80)
    pkts = [(0, t, raw(p)) for t, p in a] + [(1, t, raw(p)) for t, p in b]
    pkts.sort(key=lambda x: x[1])
    write_pcapng("mixed-linktypes.pcapng", [(1, 65535), (101, 262144)], pkts)
    expected["mixed-linktypes.pcapng"] = [
        alert("denied", "10.1.0.62", 40026, "10.2.0.62", 80, "TCP", "MN-LG", "handshake"),
        alert("denied", "10.1.0.63", 40027, "10.2.0.63", 80, "TCP", "MN-LG", "handshake"),
    ]


def compressed_and_byte_orders():
    c = Clock(BASE + 900)
    write_pcap("gzip.pcap.gz", 1, frames(tcp_session(c, v4, "10.1.0.64", "10.2.0.64", 40028, 80, on_ether())), compress=True)
    expected["gzip.pcap.gz"] = [alert("denied", "10.1.0.64", 40028, "10.2.0.64", 80, "TCP", "MN-LG", "handshake")]
    c = Clock(BASE + 950.1234555)
    write_pcap("nanosecond-bigendian.pcap", 1, frames(tcp_session(c, v4, "10.1.0.65", "10.2.0.65", 40029, 80, on_ether())),
               nano=True, big_endian=True)
    expected["nanosecond-bigendian.pcap"] = [alert("denied", "10.1.0.65", 40029, "10.2.0.65", 80, "TCP", "MN-LG", "handshake",
                                                   timestamp="2026-11-25T09:15:50.124455+0000")]


def rotated():
    c = Clock(BASE + 1000)
    pkts = frames(tcp_session(c, v4, "10.2.0.66", "10.1.0.66", 40030, 22, on_ether()))
    # Names sort against time: rot-b holds the handshake, rot-c the data, rot-a the close.
    write_pcap("rotated/rot-b.pcap", 1, pkts[0:2])
    write_pcap("rotated/rot-c.pcap", 1, pkts[2:4])
    write_pcap("rotated/rot-a.pcap", 1, pkts[4:7])
    expected["rotated"] = [alert("default-deny", "10.2.0.66", 40030, "10.1.0.66", 22, "TCP", "default-deny", "handshake",
                                 pkts_toserver=4, pkts_toclient=3)]


def example():
    """captures/example.pcap for the README, with rulesets/examples/iizuka.yaml (飯塚市 (例))."""
    c = Clock(BASE + 2000)
    pkts = []
    mac = lambda m: on_ether(m)
    # Allowed: screen transfer LGWAN terminal → virtual browser (RDP), mail text, マイナンバー連携端末 → 中間サーバー,
    # web proxy via the security cloud, and plain intra-zone traffic.
    pkts += tcp_session(c, v4, "192.0.2.80", "192.0.2.141", 49200, 3389, mac(CLIENT_MAC))
    pkts += tcp_session(c, v4, "192.0.2.130", "192.0.2.70", 49201, 25, mac("02:00:00:00:01:30"))
    pkts += tcp_session(c, v4, "192.0.2.10", "198.51.100.10", 49202, 443, mac("02:00:00:00:00:0a"))
    pkts += tcp_session(c, v4, "192.0.2.135", "203.0.113.10", 49203, 8080, mac(CLIENT_MAC))
    pkts += tcp_session(c, v4, "192.0.2.81", "192.0.2.70", 49204, 25, mac(CLIENT_MAC))
    # Forbidden: LGWAN terminal → internet segment (SMB), internet segment → マイナンバー (SMB),
    # LGWAN terminal straight to the internet (DNS), and the 連携端末's address from another MAC.
    pkts += tcp_session(c, v4, "192.0.2.81", "192.0.2.140", 49205, 445, mac(CLIENT_MAC))
    pkts += tcp_session(c, v4, "192.0.2.135", "192.0.2.20", 49206, 445, mac(CLIENT_MAC))
    pkts.append((c.tick(), eth(True) / v4("192.0.2.85", "8.8.8.8") / UDP(sport=49207, dport=53) / Raw(b"q" * 30)))
    pkts.append((c.tick(), eth(False) / v4("8.8.8.8", "192.0.2.85") / UDP(sport=53, dport=49207) / Raw(b"r" * 60)))
    pkts += tcp_session(c, v4, "192.0.2.10", "198.51.100.10", 49208, 443, mac("02:00:00:00:0b:ad"))
    write_pcap("example.pcap", 1, frames(pkts))
    # Checked in the tests as flows that must be reported (finding kinds depend on the preset's rules).
    expected["example.pcap"] = [
        {"src_ip": "192.0.2.81", "dest_ip": "192.0.2.140", "dest_port": 445, "rule": "LG-INET"},
        {"src_ip": "192.0.2.135", "dest_ip": "192.0.2.20", "dest_port": 445, "rule": "INET-MN"},
        {"src_ip": "192.0.2.85", "dest_ip": "8.8.8.8", "dest_port": 53},
        {"finding": "mac-not-allowed", "src_ip": "192.0.2.10", "dest_ip": "198.51.100.10", "dest_port": 443},
    ]


if __name__ == "__main__":
    basic(); clean(); tagged(); link_types(); ipv6_ext(); tunnels(); fragments(); midstream(); mixed_pcapng()
    compressed_and_byte_orders(); rotated(); example()
    with open(os.path.join(HERE, "expected-alerts.json"), "w") as f:
        json.dump(expected, f, indent=1, ensure_ascii=False, sort_keys=True)
        f.write("\n")
    print("wrote", len(expected), "capture sets")
