#!/usr/bin/env python3
# Firewall lab packet tool: sends hand-built IPv4 frames (raw AF_PACKET, correct checksums) and records what arrives.
#   send IFACE DST_MAC LIST    one packet per line of LIST: "ID PROTO SRC DST SPORT DPORT" (ICMP: SPORT=type, DPORT=code)
#   recv IFACE OUT             append "ID PROTO SRC DST SPORT DPORT" for every IPv4 packet arriving on IFACE until killed
# The packet ID travels in the IP identification field, so each received packet is matched to the one sent.
import os
import signal
import socket
import struct
import sys
import time


def checksum(data: bytes) -> int:
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def mac_bytes(text: str) -> bytes:
    return bytes(int(x, 16) for x in text.split(":"))


def frame(src_mac: bytes, dst_mac: bytes, ident: int, proto: int, src: str, dst: str, sport: int, dport: int) -> bytes:
    s, d = socket.inet_aton(src), socket.inet_aton(dst)
    if proto == 6:
        l4 = struct.pack("!HHIIBBHHH", sport, dport, 1000 + ident, 0, 5 << 4, 0x02, 64240, 0, 0)
    elif proto == 17:
        payload = b"segcheck"
        l4 = struct.pack("!HHHH", sport, dport, 8 + len(payload), 0) + payload
    elif proto == 1:
        l4 = struct.pack("!BBHHH", sport, dport, 0, ident & 0xFFFF, 1) + b"segcheck"
        l4 = l4[:2] + struct.pack("!H", checksum(l4)) + l4[4:]
    else:
        l4 = b"segcheck"
    if proto in (6, 17):
        pseudo = s + d + struct.pack("!BBH", 0, proto, len(l4))
        c = checksum(pseudo + l4)
        if proto == 17 and c == 0:
            c = 0xFFFF
        off = 16 if proto == 6 else 6
        l4 = l4[:off] + struct.pack("!H", c) + l4[off + 2:]
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(l4), ident & 0xFFFF, 0, 64, proto, 0, s, d)
    ip = ip[:10] + struct.pack("!H", checksum(ip)) + ip[12:]
    return dst_mac + src_mac + b"\x08\x00" + ip + l4


def send(iface: str, dst_mac: str, listing: str) -> None:
    sock = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
    sock.bind((iface, 0))
    src_mac = sock.getsockname()[4][:6]
    n = 0
    with open(listing) as f:
        for line in f:
            parts = line.split()
            if len(parts) != 6:
                continue
            ident, proto, src, dst, sport, dport = int(parts[0]), int(parts[1]), parts[2], parts[3], int(parts[4]), int(parts[5])
            sock.send(frame(src_mac, mac_bytes(dst_mac), ident, proto, src, dst, sport, dport))
            n += 1
            if n % 50 == 0:
                time.sleep(0.01)
    print(f"sent {n}")


def recv(iface: str, out: str) -> None:
    sock = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(0x0800))
    sock.bind((iface, 0))
    f = open(out, "a", buffering=1)
    stop = []
    # The parent may have blocked signals (e.g. Foundation's Process); unblock SIGTERM and also watch OUT.stop.
    signal.pthread_sigmask(signal.SIG_UNBLOCK, [signal.SIGTERM])
    signal.signal(signal.SIGTERM, lambda *_: stop.append(1))
    sock.settimeout(0.1)
    with open(out + ".ready", "w") as r:
        r.write("ready\n")
    while not stop and not os.path.exists(out + ".stop"):
        try:
            data, addr = sock.recvfrom(65535)
        except socket.timeout:
            continue
        if addr[2] == socket.PACKET_OUTGOING or len(data) < 34:
            continue
        ip = data[14:]
        ihl = (ip[0] & 15) * 4
        ident = struct.unpack("!H", ip[4:6])[0]
        proto = ip[9]
        src, dst = socket.inet_ntoa(ip[12:16]), socket.inet_ntoa(ip[16:20])
        l4 = ip[ihl:]
        if proto in (6, 17) and len(l4) >= 4:
            sport, dport = struct.unpack("!HH", l4[:4])
        elif proto == 1 and len(l4) >= 2:
            sport, dport = l4[0], l4[1]
        else:
            sport, dport = 0, 0
        f.write(f"{ident} {proto} {src} {dst} {sport} {dport}\n")
    f.close()


if __name__ == "__main__":
    if len(sys.argv) == 5 and sys.argv[1] == "send":
        send(sys.argv[2], sys.argv[3], sys.argv[4])
    elif len(sys.argv) == 4 and sys.argv[1] == "recv":
        recv(sys.argv[2], sys.argv[3])
    else:
        sys.exit(__doc__ or "usage: lab-firewall.py send IFACE DST_MAC LIST | recv IFACE OUT")
