// Capture: reader for classic pcap (both byte orders, µs/ns, Kuznetsov variant) and pcapng (several sections,
// per-interface link types, snap lengths and timestamp resolutions), plain or gzip-compressed, file or stdin.

import CPrefetch
import CZlib
import Wire

/// Reads one capture file record by record. Format and byte order are detected from the magic number.
///
///     var reader = try CaptureFileReader.open(path: "week1.pcapng.gz")
///     while let record = try reader.next() { ... record.bytes is valid until the next call ... }
///
/// Errors name the file, the stream offset and the reason; every record before the error has been returned.
public struct CaptureFileReader: ~Copyable {
    public let path: String
    public private(set) var format: CaptureFormat = .pcap
    /// Records returned so far.
    public private(set) var packetsRead = 0
    /// pcapng: blocks of unknown or unused types skipped (not packets: name resolution, statistics, custom, ...).
    public private(set) var blocksSkipped = 0

    var source: ByteSource

    // Classic pcap state.
    var swapped = false
    var nanosecond = false
    var recordHeaderLength = 16
    var linkType: UInt32 = 0
    var snapLength: UInt32 = 0

    // pcapng state: the current section's byte order and interfaces.
    var interfaces: [Interface] = []
    var sectionCount = 0

    struct Interface {
        var linkType: UInt32
        var snapLength: UInt32
        /// Timestamp units per second = base^exponent; ns = ts * mul / div (or ts * 1e9 >> shift for binary units).
        var multiplier: UInt64 = 1000     // default resolution: microseconds
        var divisor: UInt64 = 1
        var binaryShift: Int = -1         // ≥ 0: units are 2^-shift seconds
        var offsetNanoseconds: Int64 = 0

        func nanoseconds(_ ts: UInt64) -> Int64 {
            var ns: UInt64
            if binaryShift >= 0 {
                let (hi, lo) = ts.multipliedFullWidth(by: 1_000_000_000)
                if binaryShift == 0 { ns = hi != 0 ? UInt64.max : lo }
                else if binaryShift >= 64 { ns = hi >> UInt64(binaryShift - 64) }
                else { ns = (lo >> UInt64(binaryShift)) | (hi << UInt64(64 - binaryShift)) }
            } else if divisor > 1 {
                ns = ts / divisor
            } else {
                let (v, overflow) = ts.multipliedReportingOverflow(by: multiplier)
                ns = overflow ? UInt64(Int64.max) : v
            }
            return Int64(clamping: ns) &+ offsetNanoseconds
        }
    }

    /// Largest captured length accepted for one classic pcap record, whatever the header's snap length says.
    public static let maxRecordLength = 16 << 20

    /// Opens `path` (`-` for standard input). Throws when it cannot be opened or is not a pcap/pcapng file.
    /// (A static function rather than a throwing init: Swift cannot yet throw from an init after a noncopyable
    /// field is set.)
    public static func open(path: String) throws(CaptureError) -> CaptureFileReader {
        var reader = CaptureFileReader(path: path, source: try ByteSource(path: path))
        try reader.start()
        return reader
    }

    private init(path: String, source: consuming ByteSource) {
        self.path = path
        self.source = source
    }

    private mutating func start() throws(CaptureError) {
        format = try CaptureFileReader.detectFormat(&source, path)
        if format == .pcap { try readPcapHeader() }
    }

    private static func detectFormat(_ src: inout ByteSource, _ path: String) throws(CaptureError) -> CaptureFormat {
        guard try src.ensure(4) else {
            throw CaptureError(src.available == 0 ? .notACapture : .truncated, file: path, offset: 0,
                               reason: src.available == 0 ? "empty file" : "file shorter than a capture header")
        }
        let magic = src.cursor.loadUnaligned(as: UInt32.self)   // host (little-endian on every supported CPU) order
        switch magic {
        case 0xA1B2_C3D4, 0xD4C3_B2A1, 0xA1B2_3C4D, 0x4D3C_B2A1, 0xA1B2_CD34, 0x34CD_B2A1:
            return .pcap
        case 0x0A0D_0D0A:
            return .pcapng
        default:
            throw CaptureError(.notACapture, file: path, offset: 0,
                               reason: "not a pcap or pcapng file (magic 0x\(String(UInt32(bigEndian: magic), radix: 16)))")
        }
    }

    // MARK: classic pcap

    private mutating func readPcapHeader() throws(CaptureError) {
        guard try source.ensure(24) else {
            throw CaptureError(.truncated, file: path, offset: 0, reason: "pcap file header truncated (\(source.available) of 24 bytes)")
        }
        let p = source.cursor
        let magic = p.loadUnaligned(as: UInt32.self)
        switch magic {
        case 0xA1B2_C3D4: swapped = false
        case 0xD4C3_B2A1: swapped = true
        case 0xA1B2_3C4D: swapped = false; nanosecond = true
        case 0x4D3C_B2A1: swapped = true; nanosecond = true
        case 0xA1B2_CD34: swapped = false; recordHeaderLength = 24   // Alexey Kuznetsov's patched libpcap
        default: swapped = true; recordHeaderLength = 24
        }
        let major = u16(p, 4)
        guard major == 2 else {
            throw CaptureError(.corrupt, file: path, offset: 4, reason: "unsupported pcap version \(major).\(u16(p, 6))")
        }
        snapLength = u32(p, 16)
        linkType = LinkType.base(u32(p, 20))
        source.consume(24)
    }

    @inline(__always) func u16(_ p: UnsafeRawPointer, _ o: Int) -> UInt16 {
        let v = p.loadUnaligned(fromByteOffset: o, as: UInt16.self)
        return swapped ? v.byteSwapped : v
    }
    @inline(__always) func u32(_ p: UnsafeRawPointer, _ o: Int) -> UInt32 {
        let v = p.loadUnaligned(fromByteOffset: o, as: UInt32.self)
        return swapped ? v.byteSwapped : v
    }

    /// The next record, or nil at a clean end of file. The record's bytes are valid until the next call.
    public mutating func next() throws(CaptureError) -> PacketRecord? {
        source.releaseConsumed()      // the previous record is no longer valid: its pages may go
        return format == .pcap ? try nextPcap() : try nextPcapng()
    }

    /// Up to `max` records into `out`, all valid together until the next call (to `next` or `nextBatch`); 0 at a
    /// clean end of file. A batch stops early where the buffer would have to be refilled (which moves its bytes), so
    /// a record that needs a refill or is broken always comes first in its batch and errors are thrown in order:
    /// every record before the error has been returned.
    public mutating func nextBatch(into out: UnsafeMutablePointer<PacketRecord>, max: Int) throws(CaptureError) -> Int {
        guard max > 0, let first = try next() else { return 0 }
        out[0] = first
        guard format == .pcap else { return 1 }   // pcapng: one record per batch (blocks of other types may refill)
        var n = 1
        let hl = recordHeaderLength
        let limit = Swift.min(Swift.max(Int(snapLength), 262_144), CaptureFileReader.maxRecordLength)
        while n < max && source.available >= hl {
            segcheck_prefetch(source.cursor + 2048)      // the records a few batches on (a hint; never faults)
            let caplen = Int(u32(source.cursor, 8))
            guard caplen <= limit && source.available >= hl + caplen else { break }
            guard let r = try nextPcap() else { break }   // cannot refill or throw here: the checks above passed
            out[n] = r
            n += 1
        }
        return n
    }

    @inline(__always) private mutating func nextPcap() throws(CaptureError) -> PacketRecord? {
        let hl = recordHeaderLength
        if source.available < hl {
            guard try source.ensure(hl) else {
                if source.available == 0 { return nil }
                throw CaptureError(.truncated, file: path, offset: source.offset,
                                   reason: "record header truncated (\(source.available) of \(hl) bytes) after \(packetsRead) packets")
            }
        }
        var p = source.cursor
        let sec = u32(p, 0), frac = u32(p, 4), caplen = u32(p, 8), wirelen = u32(p, 12)
        let limit = max(Int(snapLength), 262_144)
        guard Int(caplen) <= min(limit, CaptureFileReader.maxRecordLength) else {
            throw CaptureError(.corrupt, file: path, offset: source.offset,
                               reason: "record claims \(caplen) captured bytes (snap length \(snapLength)) after \(packetsRead) packets")
        }
        let total = hl + Int(caplen)
        if source.available < total {
            guard try source.ensure(total) else {
                throw CaptureError(.truncated, file: path, offset: source.offset,
                                   reason: "packet data truncated (\(source.available - hl) of \(caplen) bytes) after \(packetsRead) packets")
            }
            p = source.cursor
        }
        let ns = Int64(sec) &* 1_000_000_000 &+ (nanosecond ? Int64(frac) : Int64(frac) &* 1000)
        let record = PacketRecord(timestampNanoseconds: ns, capturedLength: caplen, wireLength: wirelen, linkType: linkType,
                                  interfaceIndex: 0, bytes: UnsafeRawBufferPointer(start: p + hl, count: Int(caplen)))
        source.consume(total)
        packetsRead += 1
        return record
    }

    // MARK: pcapng

    private mutating func nextPcapng() throws(CaptureError) -> PacketRecord? {
        while true {
            guard try source.ensure(12) else {
                if source.available == 0 { return nil }
                throw CaptureError(.truncated, file: path, offset: source.offset,
                                   reason: "block header truncated (\(source.available) of 12 bytes) after \(packetsRead) packets")
            }
            var p = source.cursor
            let rawType = p.loadUnaligned(as: UInt32.self)
            if rawType == 0x0A0D_0D0A {
                // Section header: its byte-order magic decides how to read everything in the section, its own length included.
                let bom = p.loadUnaligned(fromByteOffset: 8, as: UInt32.self)
                if bom == 0x1A2B_3C4D { swapped = false }
                else if bom == 0x4D3C_2B1A { swapped = true }
                else {
                    throw CaptureError(.corrupt, file: path, offset: source.offset + 8,
                                       reason: "section header has bad byte-order magic 0x\(String(bom, radix: 16))")
                }
            } else if sectionCount == 0 {
                throw CaptureError(.corrupt, file: path, offset: source.offset, reason: "pcapng block before the first section header")
            }
            let type = u32(p, 0)
            let length = Int(u32(p, 4))
            guard length >= 12, length % 4 == 0 else {
                throw CaptureError(.corrupt, file: path, offset: source.offset,
                                   reason: "block type 0x\(String(type, radix: 16)) has invalid length \(length)")
            }
            guard length <= ByteSource.maxWindow else {
                throw CaptureError(.corrupt, file: path, offset: source.offset,
                                   reason: "block type 0x\(String(type, radix: 16)) claims \(length) bytes (limit \(ByteSource.maxWindow))")
            }
            if source.available < length {
                guard try source.ensure(length) else {
                    throw CaptureError(.truncated, file: path, offset: source.offset,
                                       reason: "block type 0x\(String(type, radix: 16)) truncated (\(source.available) of \(length) bytes) after \(packetsRead) packets")
                }
                p = source.cursor
            }
            guard Int(u32(p, length - 4)) == length else {
                throw CaptureError(.corrupt, file: path, offset: source.offset,
                                   reason: "block type 0x\(String(type, radix: 16)): trailing length \(u32(p, length - 4)) differs from \(length)")
            }
            let blockOffset = source.offset
            switch type {
            case 0x0A0D_0D0A:
                guard length >= 28 else {
                    throw CaptureError(.corrupt, file: path, offset: blockOffset, reason: "section header block too short (\(length) bytes)")
                }
                let major = u16(p, 12)
                guard major == 1 else {
                    throw CaptureError(.corrupt, file: path, offset: blockOffset, reason: "unsupported pcapng version \(major).\(u16(p, 14))")
                }
                interfaces.removeAll(keepingCapacity: true)
                sectionCount += 1
                source.consume(length)
            case 1:
                guard length >= 20 else {
                    throw CaptureError(.corrupt, file: path, offset: blockOffset, reason: "interface description block too short (\(length) bytes)")
                }
                var iface = Interface(linkType: LinkType.base(UInt32(u16(p, 8))), snapLength: u32(p, 12))
                try readInterfaceOptions(p, from: 16, to: length - 4, into: &iface, blockOffset: blockOffset)
                interfaces.append(iface)
                source.consume(length)
            case 6, 2:
                // Enhanced packet block, or the obsolete packet block (16-bit interface id + drop count).
                guard length >= 32 else {
                    throw CaptureError(.corrupt, file: path, offset: blockOffset, reason: "packet block too short (\(length) bytes)")
                }
                let ifid = type == 6 ? Int(u32(p, 8)) : Int(u16(p, 8))
                guard ifid < interfaces.count else {
                    throw CaptureError(.corrupt, file: path, offset: blockOffset,
                                       reason: "packet refers to interface \(ifid) but the section describes \(interfaces.count)")
                }
                let caplen = Int(u32(p, 20))
                let wirelen = u32(p, 24)
                guard caplen <= length - 32 else {
                    throw CaptureError(.corrupt, file: path, offset: blockOffset,
                                       reason: "packet claims \(caplen) captured bytes in a \(length)-byte block")
                }
                let ts = UInt64(u32(p, 12)) << 32 | UInt64(u32(p, 16))
                let iface = interfaces[ifid]
                let record = PacketRecord(timestampNanoseconds: iface.nanoseconds(ts), capturedLength: UInt32(caplen),
                                          wireLength: wirelen, linkType: iface.linkType, interfaceIndex: UInt32(ifid),
                                          bytes: UnsafeRawBufferPointer(start: p + 28, count: caplen))
                source.consume(length)
                packetsRead += 1
                return record
            case 3:
                // Simple packet block: interface 0, no timestamp; captured length is implied by the block length.
                guard length >= 16 else {
                    throw CaptureError(.corrupt, file: path, offset: blockOffset, reason: "simple packet block too short (\(length) bytes)")
                }
                guard !interfaces.isEmpty else {
                    throw CaptureError(.corrupt, file: path, offset: blockOffset, reason: "simple packet block before any interface description")
                }
                let wirelen = u32(p, 8)
                var caplen = min(Int(wirelen), length - 16)
                let snap = Int(interfaces[0].snapLength)
                if snap > 0 { caplen = min(caplen, snap) }
                let record = PacketRecord(timestampNanoseconds: 0, capturedLength: UInt32(caplen), wireLength: wirelen,
                                          linkType: interfaces[0].linkType, interfaceIndex: 0,
                                          bytes: UnsafeRawBufferPointer(start: p + 12, count: caplen))
                source.consume(length)
                packetsRead += 1
                return record
            default:
                blocksSkipped += 1
                source.consume(length)
            }
        }
    }

    private func readInterfaceOptions(_ p: UnsafeRawPointer, from: Int, to end: Int, into iface: inout Interface,
                                      blockOffset: Int64) throws(CaptureError) {
        var o = from
        while o + 4 <= end {
            let code = u16(p, o), len = Int(u16(p, o + 2))
            if code == 0 { break }
            guard o + 4 + len <= end else {
                throw CaptureError(.corrupt, file: path, offset: blockOffset + Int64(o),
                                   reason: "interface option \(code) runs past the end of its block")
            }
            if code == 9 && len >= 1 {
                let v = p.load(fromByteOffset: o + 4, as: UInt8.self)
                let exp = Int(v & 0x7F)
                if v & 0x80 != 0 {
                    iface.binaryShift = exp; iface.multiplier = 1; iface.divisor = 1
                } else if exp <= 9 {
                    var m: UInt64 = 1
                    for _ in 0..<(9 - exp) { m *= 10 }
                    iface.multiplier = m; iface.divisor = 1; iface.binaryShift = -1
                } else if exp <= 19 {
                    var d: UInt64 = 1
                    for _ in 0..<(exp - 9) { d *= 10 }
                    iface.multiplier = 1; iface.divisor = d; iface.binaryShift = -1
                } else {
                    throw CaptureError(.corrupt, file: path, offset: blockOffset + Int64(o),
                                       reason: "interface timestamp resolution 10^-\(exp) is out of range")
                }
            } else if code == 14 && len >= 8 {
                let raw = p.loadUnaligned(fromByteOffset: o + 4, as: UInt64.self)
                let secs = Int64(bitPattern: swapped ? raw.byteSwapped : raw)
                iface.offsetNanoseconds = secs.multipliedReportingOverflow(by: 1_000_000_000).overflow ? 0 : secs * 1_000_000_000
            }
            o += 4 + ((len + 3) & ~3)
        }
    }
}
