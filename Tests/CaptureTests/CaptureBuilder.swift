// CaptureTests: builds classic pcap and pcapng byte streams (either byte order) for reader tests.
import Foundation

struct ByteWriter {
    var data = Data()
    var bigEndian: Bool
    init(bigEndian: Bool) { self.bigEndian = bigEndian }
    mutating func u8(_ v: UInt8) { data.append(v) }
    mutating func u16(_ v: UInt16) { let x = bigEndian ? v.bigEndian : v.littleEndian; withUnsafeBytes(of: x) { data.append(contentsOf: $0) } }
    mutating func u32(_ v: UInt32) { let x = bigEndian ? v.bigEndian : v.littleEndian; withUnsafeBytes(of: x) { data.append(contentsOf: $0) } }
    mutating func u64(_ v: UInt64) { let x = bigEndian ? v.bigEndian : v.littleEndian; withUnsafeBytes(of: x) { data.append(contentsOf: $0) } }
    mutating func bytes(_ b: [UInt8]) { data.append(contentsOf: b) }
    mutating func pad4() { while data.count % 4 != 0 { data.append(0) } }
}

/// A classic pcap file.
func pcapFile(bigEndian: Bool, nanosecond: Bool, linkType: UInt32, snapLength: UInt32 = 65535,
              packets: [(sec: UInt32, frac: UInt32, bytes: [UInt8], wire: UInt32?)]) -> Data {
    var w = ByteWriter(bigEndian: bigEndian)
    w.u32(nanosecond ? 0xA1B2_3C4D : 0xA1B2_C3D4); w.u16(2); w.u16(4); w.u32(0); w.u32(0); w.u32(snapLength); w.u32(linkType)
    for p in packets {
        w.u32(p.sec); w.u32(p.frac); w.u32(UInt32(p.bytes.count)); w.u32(p.wire ?? UInt32(p.bytes.count)); w.bytes(p.bytes)
    }
    return w.data
}

/// A pcapng stream built block by block.
struct PcapngBuilder {
    var w: ByteWriter
    init(bigEndian: Bool) { w = ByteWriter(bigEndian: bigEndian) }
    var data: Data { w.data }

    private mutating func block(_ type: UInt32, _ body: (inout ByteWriter) -> Void) {
        var b = ByteWriter(bigEndian: w.bigEndian)
        body(&b)
        b.pad4()
        let total = UInt32(12 + b.data.count)
        w.u32(type); w.u32(total); w.data.append(b.data); w.u32(total)
    }
    mutating func section(bigEndian: Bool? = nil) {
        if let bigEndian { w.bigEndian = bigEndian }
        block(0x0A0D_0D0A) { b in b.u32(0x1A2B_3C4D); b.u16(1); b.u16(0); b.u64(UInt64.max) }
    }
    /// tsresol: nil = default µs; else the raw if_tsresol byte. tsoffset in seconds.
    mutating func interface(linkType: UInt16, snapLength: UInt32 = 0, tsresol: UInt8? = nil, tsoffset: Int64? = nil) {
        block(1) { b in
            b.u16(linkType); b.u16(0); b.u32(snapLength)
            b.u16(2); b.u16(4); b.bytes(Array("eth0".utf8))   // if_name, to check options are skipped
            if let tsresol { b.u16(9); b.u16(1); b.u8(tsresol); b.pad4() }
            if let tsoffset { b.u16(14); b.u16(8); b.u64(UInt64(bitPattern: tsoffset)) }
            b.u16(0); b.u16(0)
        }
    }
    mutating func enhanced(interface: UInt32, timestamp: UInt64, bytes: [UInt8], wire: UInt32? = nil) {
        block(6) { b in
            b.u32(interface); b.u32(UInt32(timestamp >> 32)); b.u32(UInt32(truncatingIfNeeded: timestamp))
            b.u32(UInt32(bytes.count)); b.u32(wire ?? UInt32(bytes.count)); b.bytes(bytes); b.pad4()
            b.u16(1); b.u16(3); b.bytes(Array("hi!".utf8)); b.pad4(); b.u16(0); b.u16(0)   // opt_comment
        }
    }
    mutating func simple(bytes: [UInt8], wire: UInt32) {
        block(3) { b in b.u32(wire); b.bytes(bytes) }
    }
    mutating func obsolete(interface: UInt16, timestamp: UInt64, bytes: [UInt8]) {
        block(2) { b in
            b.u16(interface); b.u16(0); b.u32(UInt32(timestamp >> 32)); b.u32(UInt32(truncatingIfNeeded: timestamp))
            b.u32(UInt32(bytes.count)); b.u32(UInt32(bytes.count)); b.bytes(bytes)
        }
    }
    mutating func unknown(type: UInt32) {
        block(type) { b in b.bytes([1, 2, 3, 4, 5, 6, 7]) }
    }
}

/// A temporary directory removed at the end of the test.
final class TempDir {
    let path: String
    init() {
        path = NSTemporaryDirectory() + "segcheck-capture-" + UUID().uuidString
        try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }
    func file(_ name: String, _ data: Data) -> String {
        let p = path + "/" + name
        try? FileManager.default.createDirectory(atPath: (p as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        FileManager.default.createFile(atPath: p, contents: data)
        return p
    }
    deinit { try? FileManager.default.removeItem(atPath: path) }
}

/// gzip-compresses a file in place with the system gzip (-n: no name/time, so output is deterministic).
func gzipFile(_ path: String) throws -> String {
    let p = Process()
    p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    p.arguments = ["gzip", "-n", "-f", path]
    try p.run(); p.waitUntilExit()
    return path + ".gz"
}
