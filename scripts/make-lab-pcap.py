#!/usr/bin/env python3
"""Writes a classic pcap of lab traffic for tcpreplay (scripts/bench-monitor.sh, drop-counter tests).

  make-lab-pcap.py OUT.pcap [--packets N] [--flows F] [--size BYTES]

Ethernet/IPv4/UDP frames between the lab's segments (10.10.0.0/24, 10.20.0.0/24, 10.30.0.0/24), F flows round-robin,
each with its own source port; a third of them cross a forbidden zone pair, so the monitor has alerts to raise.
"""
import argparse, struct

def checksum(b):
    if len(b) % 2: b += b"\0"
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    while s >> 16: s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF

def frame(src, dst, sport, dport, size):
    payload = b"\x00" * max(0, size - 14 - 20 - 8)
    udp = struct.pack("!HHHH", sport, dport, 8 + len(payload), 0) + payload
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(udp), 0, 0x4000, 64, 17, 0, bytes(src), bytes(dst))
    ip = ip[:10] + struct.pack("!H", checksum(ip)) + ip[12:]
    eth = bytes.fromhex("020000000002") + bytes.fromhex("020000000001") + b"\x08\x00"
    return eth + ip + udp

def main():
    p = argparse.ArgumentParser()
    p.add_argument("out"); p.add_argument("--packets", type=int, default=100000)
    p.add_argument("--flows", type=int, default=1000); p.add_argument("--size", type=int, default=128)
    a = p.parse_args()
    pairs = [((10, 20, 0, 10), (10, 30, 0, 10), 8080),   # lgwan -> inet, tcp port allowed but this is UDP: default deny
             ((10, 10, 0, 10), (10, 20, 0, 10), 514),    # mynumber -> lgwan syslog: allowed
             ((10, 20, 0, 11), (10, 20, 0, 12), 5000)]   # intra-zone
    frames = []
    for f in range(a.flows):
        src, dst, dport = pairs[f % 3]
        frames.append(frame(src, dst, 20000 + f % 40000, dport, a.size))
    with open(a.out, "wb") as out:
        out.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 262144, 1))
        for i in range(a.packets):
            fr = frames[i % len(frames)]
            out.write(struct.pack("<IIII", 1_700_000_000 + i // 1_000_000, i % 1_000_000, len(fr), len(fr)))
            out.write(fr)

if __name__ == "__main__":
    main()
