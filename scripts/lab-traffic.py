#!/usr/bin/env python3
"""Lab traffic for scripts/lab-monitor.sh: echo servers and clients over real sockets (TCP, UDP).

  lab-traffic.py serve --tcp 443,8080 --udp 53,514       # echo servers, run until killed
  lab-traffic.py tcp HOST PORT [--count N] [--sport P] [--hold S]  # N connections: connect, send, read echo, (wait S), close
  lab-traffic.py udp HOST PORT [--count N] [--sport P]   # N datagrams, each answered
Exit status 0 when every exchange got its answer, 1 otherwise (the router may block some on purpose).
"""
import argparse, socket, sys, threading, time

def serve(args):
    def tcp_loop(port):
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind(("0.0.0.0", port)); s.listen(64)
        while True:
            c, _ = s.accept()
            try:
                c.settimeout(2)
                data = c.recv(4096)
                if data: c.sendall(b"echo:" + data)
            except OSError:
                pass
            finally:
                c.close()
    def udp_loop(port):
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.bind(("0.0.0.0", port))
        while True:
            data, peer = s.recvfrom(4096)
            s.sendto(b"echo:" + data, peer)
    threads = [threading.Thread(target=tcp_loop, args=(int(p),), daemon=True) for p in args.tcp.split(",") if p]
    threads += [threading.Thread(target=udp_loop, args=(int(p),), daemon=True) for p in args.udp.split(",") if p]
    for t in threads: t.start()
    print("ready", flush=True)
    while True: time.sleep(3600)

def tcp_client(args):
    ok = 0
    for i in range(args.count):
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.settimeout(args.timeout)
        if args.sport: s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1); s.bind(("0.0.0.0", args.sport + i))
        try:
            s.connect((args.host, args.port)); s.sendall(b"hello %d" % i)
            if s.recv(4096).startswith(b"echo:"): ok += 1
            if args.hold: time.sleep(args.hold)
        except OSError:
            pass
        finally:
            s.close()
    print(f"tcp {args.host}:{args.port} {ok}/{args.count} answered", flush=True)
    return 0 if ok == args.count else 1

def udp_client(args):
    ok = 0
    for i in range(args.count):
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.settimeout(args.timeout)
        if args.sport: s.bind(("0.0.0.0", args.sport + i))
        try:
            s.sendto(b"query %d" % i, (args.host, args.port))
            data, _ = s.recvfrom(4096)
            if data.startswith(b"echo:"): ok += 1
        except OSError:
            pass
        finally:
            s.close()
    print(f"udp {args.host}:{args.port} {ok}/{args.count} answered", flush=True)
    return 0 if ok == args.count else 1

def main():
    p = argparse.ArgumentParser()
    sub = p.add_subparsers(dest="cmd", required=True)
    s = sub.add_parser("serve"); s.add_argument("--tcp", default=""); s.add_argument("--udp", default="")
    for name in ("tcp", "udp"):
        c = sub.add_parser(name); c.add_argument("host"); c.add_argument("port", type=int)
        c.add_argument("--count", type=int, default=1); c.add_argument("--sport", type=int, default=0)
        c.add_argument("--timeout", type=float, default=2.0)
        c.add_argument("--hold", type=float, default=0.0, help="keep each TCP connection open this long after the echo")
    a = p.parse_args()
    if a.cmd == "serve": serve(a)
    elif a.cmd == "tcp": sys.exit(tcp_client(a))
    else: sys.exit(udp_client(a))

if __name__ == "__main__":
    main()
