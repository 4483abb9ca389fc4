#!/usr/bin/env python3
"""Writes a classic pcap of mixed traffic for throughput benchmarks (scripts/bench-decode.sh, scripts/bench-review.sh).

  gen-bench-capture.py OUT.pcap [--packets N] [--flows F] [--seed S]

Frames are Ethernet, a fifth of them 802.1Q-tagged; 80 % IPv4 and 20 % IPv6; TCP 60 %, UDP 30 %, ICMP 5 %, and 5 %
tunnelled (VXLAN and GRE carrying IPv4/TCP). Addresses come from 10.0.0.0/8 and fd00::/8 so zone policies of any
size can be drawn over them; F flows, packets round-robin with a little randomness; 60-300 byte frames.
"""
import argparse, random, struct

def mac(n): return struct.pack("!HI", 0x0200, n & 0xFFFFFFFF)

def ipv4(src, dst, proto, payload):
    return struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(payload), 1, 0x4000, 64, proto, 0, src, dst) + payload

def ipv6(src, dst, nh, payload):
    return struct.pack("!IHBB16s16s", 0x60000000, len(payload), nh, 64, src, dst) + payload

def tcp(sp, dp, flags, data): return struct.pack("!HHIIBBHHH", sp, dp, 1, 0, 0x50, flags, 65535, 0, 0) + data
def udp(sp, dp, data): return struct.pack("!HHHH", sp, dp, 8 + len(data), 0) + data
def icmp(data): return struct.pack("!BBHHH", 8, 0, 0, 1, 1) + data

def flow_frame(rng, i):
    v6 = rng.random() < 0.2
    if v6:
        src = bytes.fromhex("fd00") + rng.randbytes(14); dst = bytes.fromhex("fd00") + rng.randbytes(14)
    else:
        src = bytes([10]) + rng.randbytes(3); dst = bytes([10]) + rng.randbytes(3)
    r = rng.random()
    data = b"\x00" * rng.choice([0, 0, 20, 64, 200])
    sp, dp = rng.randrange(1024, 65535), rng.choice([22, 53, 80, 443, 445, 3389, 8080, rng.randrange(1, 65535)])
    if r < 0.60: l4, proto = tcp(sp, dp, 0x18, data), 6
    elif r < 0.90: l4, proto = udp(sp, dp, data), 17
    elif r < 0.95: l4, proto = (icmp(data), 1) if not v6 else (struct.pack("!BBHI", 128, 0, 0, 0) + data, 58)
    else:
        inner = ipv4(bytes([10]) + rng.randbytes(3), bytes([10]) + rng.randbytes(3), 6, tcp(sp, dp, 0x02, b""))
        if rng.random() < 0.5:
            l4, proto = udp(rng.randrange(1024, 65535), 4789, struct.pack("!II", 0x08000000, 100 << 8)
                            + mac(1) + mac(2) + b"\x08\x00" + inner), 17
        else:
            l4, proto = struct.pack("!HH", 0, 0x0800) + inner, 47
    ip = ipv6(src, dst, proto, l4) if v6 else ipv4(src, dst, proto, l4)
    ethertype = b"\x86\xdd" if v6 else b"\x08\x00"
    if rng.random() < 0.2:
        return mac(i) + mac(i + 1) + b"\x81\x00" + struct.pack("!H", rng.randrange(1, 4095)) + ethertype + ip
    return mac(i) + mac(i + 1) + ethertype + ip

def main():
    p = argparse.ArgumentParser()
    p.add_argument("out"); p.add_argument("--packets", type=int, default=2_000_000)
    p.add_argument("--flows", type=int, default=20_000); p.add_argument("--seed", type=int, default=1)
    a = p.parse_args()
    rng = random.Random(a.seed)
    frames = [flow_frame(rng, i) for i in range(a.flows)]
    with open(a.out, "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 262144, 1))
        t = 1_700_000_000 * 1_000_000
        out = []
        for n in range(a.packets):
            fr = frames[(n * 7 + (n >> 10)) % a.flows]
            t += 3
            out.append(struct.pack("<IIII", t // 1_000_000, t % 1_000_000, len(fr), len(fr)))
            out.append(fr)
            if len(out) >= 20000:
                f.write(b"".join(out)); out = []
        f.write(b"".join(out))

if __name__ == "__main__":
    main()
