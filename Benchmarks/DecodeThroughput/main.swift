// DecodeThroughput: release-built throughput of the native readers and the decoder against a bare libpcap read of
// the same file in the same run (scripts/bench-decode.sh compiles and runs it).
import Capture
import Wire
#if canImport(Glibc)
import Glibc
#endif

func now() -> Double {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
}

struct Run { var seconds: Double; var packets: Int; var check: UInt64 }

func libpcapRead(_ path: String) throws -> Run {
    let t0 = now()
    var r = try LibpcapFileReader.open(path: path)
    var n = 0, check: UInt64 = 0
    while let rec = try r.next() { n += 1; check &+= UInt64(rec.capturedLength) &+ UInt64(rec.bytes[12]) }
    return Run(seconds: now() - t0, packets: n, check: check)
}

func nativeRead(_ path: String) throws -> Run {
    let t0 = now()
    var r = try CaptureFileReader.open(path: path)
    var n = 0, check: UInt64 = 0
    while let rec = try r.next() { n += 1; check &+= UInt64(rec.capturedLength) &+ UInt64(rec.bytes[12]) }
    return Run(seconds: now() - t0, packets: n, check: check)
}

func nativeReadDecode(_ path: String) throws -> Run {
    let t0 = now()
    var r = try CaptureFileReader.open(path: path)
    var n = 0, check: UInt64 = 0
    var p = DecodedPacket()
    while let rec = try r.next() {
        Decoder.decode(rec, into: &p)
        n += 1
        check &+= UInt64(p.tuple.srcPort) &+ UInt64(p.tuple.dst.lo & 0xFF) &+ UInt64(p.status.rawValue)
    }
    return Run(seconds: now() - t0, packets: n, check: check)
}

func libpcapReadDecode(_ path: String) throws -> Run {
    let t0 = now()
    var r = try LibpcapFileReader.open(path: path)
    var n = 0, check: UInt64 = 0
    var p = DecodedPacket()
    while let rec = try r.next() {
        Decoder.decode(rec, into: &p)
        n += 1
        check &+= UInt64(p.tuple.srcPort) &+ UInt64(p.tuple.dst.lo & 0xFF) &+ UInt64(p.status.rawValue)
    }
    return Run(seconds: now() - t0, packets: n, check: check)
}

/// Decoding alone: the first `limit` frames copied into memory, decoded in a loop.
func decodeOnly(_ path: String, limit: Int) throws -> Run {
    var r = try CaptureFileReader.open(path: path)
    var storage: [UInt8] = []
    var spans: [(Int, Int, UInt32)] = []
    while spans.count < limit, let rec = try r.next() {
        spans.append((storage.count, rec.bytes.count, rec.linkType))
        storage.append(contentsOf: rec.bytes)
    }
    var p = DecodedPacket()
    var check: UInt64 = 0
    let t0 = now()
    storage.withUnsafeBytes { all in
        for (off, len, lt) in spans {
            Decoder.decode(UnsafeRawBufferPointer(rebasing: all[off..<off + len]), linkType: lt, into: &p)
            check &+= UInt64(p.tuple.srcPort) &+ UInt64(p.status.rawValue)
        }
    }
    return Run(seconds: now() - t0, packets: spans.count, check: check)
}

let args = CommandLine.arguments
guard args.count >= 2 else { print("usage: DecodeThroughput FILE [rounds] [LIBPCAP-FILE]"); exit(2) }
let path = args[1]
let rounds = args.count > 2 ? Int(args[2]) ?? 5 : 5
// libpcap cannot read gzip: for a .gz FILE the libpcap variants read the uncompressed LIBPCAP-FILE instead.
let libpcapPath = args.count > 3 ? args[3] : path

var best: [String: Run] = [:]
let order = ["libpcap read", "native read", "native read + decode", "libpcap read + decode", "decode only (in memory)"]
do {
    _ = try libpcapRead(libpcapPath)   // warm the page cache
    _ = try nativeRead(path)
    for _ in 0..<rounds {
        // Interleave the variants so machine noise spreads over all of them alike.
        let runs: [(String, () throws -> Run)] = [
            ("libpcap read", { try libpcapRead(libpcapPath) }),
            ("native read", { try nativeRead(path) }),
            ("native read + decode", { try nativeReadDecode(path) }),
            ("libpcap read + decode", { try libpcapReadDecode(libpcapPath) }),
            ("decode only (in memory)", { try decodeOnly(path, limit: 1_000_000) }),
        ]
        for (name, f) in runs {
            let r = try f()
            if let b = best[name], b.seconds <= r.seconds { continue }
            best[name] = r
        }
    }
} catch {
    print("error: \(error)"); exit(2)
}
let base = best["libpcap read"]!
func fmt(_ x: Double, _ digits: Int) -> String {
    var s = String(Int((x * pow(10, Double(digits))).rounded()))
    while s.count <= digits { s = "0" + s }
    return digits == 0 ? s : String(s.dropLast(digits)) + "." + String(s.suffix(digits))
}
print("file: \(path)\(libpcapPath != path ? "  (libpcap variants: \(libpcapPath))" : "")  packets: \(base.packets)  rounds: \(rounds) (best of)")
print("| variant | packets | seconds | Mpps | time vs bare libpcap read |")
print("|---|---:|---:|---:|---:|")
for name in order {
    guard let r = best[name] else { continue }
    let ratio = name.hasPrefix("decode only") ? "n/a (no I/O)" : fmt(r.seconds / base.seconds, 2) + "x"
    print("| \(name) | \(r.packets) | \(fmt(r.seconds, 3)) | \(fmt(Double(r.packets) / r.seconds / 1e6, 1)) | \(ratio) |")
}
