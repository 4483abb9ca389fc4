// Capture: pcapng writer for evidence mixing link types (one interface per link type, nanosecond timestamps).

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Writes packets of any link types to one pcapng file: an interface description block is added the first time a
/// link type is seen, timestamps are nanoseconds (if_tsresol 9). Wireshark, tshark and this package's reader open
/// it; prefer `PcapWriter` when every packet shares one link type (older tools read classic pcap only).
public struct PcapngWriter: ~Copyable {
    public let path: String
    public let snapLength: UInt32
    private var file: UnsafeMutablePointer<FILE>?
    private var interfaceOfLinkType: [UInt32: UInt32] = [:]
    private var scratch: [UInt8] = []
    public private(set) var packetsWritten = 0

    private init(path: String, snapLength: UInt32, file: UnsafeMutablePointer<FILE>) {
        self.path = path; self.snapLength = snapLength; self.file = file
    }

    /// Creates (truncates) `path` and writes the section header.
    public static func create(path: String, snapLength: UInt32 = 262_144) throws(CaptureError) -> PcapngWriter {
        guard let f = fopen(path, "wb") else {
            throw CaptureError(.writeFailed, file: path, offset: 0, reason: String(cString: strerror(errno)))
        }
        setvbuf(f, nil, _IOFBF, 1 << 20)
        var w = PcapngWriter(path: path, snapLength: snapLength, file: f)
        // SHB: type, length 28, byte-order magic, version 1.0, section length unknown (-1), length.
        w.scratch.removeAll(keepingCapacity: true)
        w.append32(0x0A0D_0D0A); w.append32(28); w.append32(0x1A2B_3C4D); w.append16(1); w.append16(0)
        w.append32(0xFFFF_FFFF); w.append32(0xFFFF_FFFF); w.append32(28)
        try w.flushScratch()
        return w
    }

    private mutating func append16(_ v: UInt16) { withUnsafeBytes(of: v.littleEndian) { scratch.append(contentsOf: $0) } }
    private mutating func append32(_ v: UInt32) { withUnsafeBytes(of: v.littleEndian) { scratch.append(contentsOf: $0) } }

    private mutating func flushScratch() throws(CaptureError) {
        guard let file else { throw CaptureError(.writeFailed, file: path, offset: 0, reason: "writer is closed") }
        let n = scratch.count
        let ok = scratch.withUnsafeBytes { fwrite($0.baseAddress, 1, n, file) == n }
        scratch.removeAll(keepingCapacity: true)
        if !ok { throw CaptureError(.writeFailed, file: path, offset: 0, reason: String(cString: strerror(errno))) }
    }

    private mutating func interface(for linkType: UInt32) throws(CaptureError) -> UInt32 {
        if let id = interfaceOfLinkType[linkType] { return id }
        let id = UInt32(interfaceOfLinkType.count)
        interfaceOfLinkType[linkType] = id
        // IDB: link type, reserved, snap length, if_tsresol = 9 (ns), end of options.
        append32(1); append32(32); append16(UInt16(truncatingIfNeeded: linkType)); append16(0); append32(snapLength)
        append16(9); append16(1); scratch.append(contentsOf: [9, 0, 0, 0]); append16(0); append16(0); append32(32)
        try flushScratch()
        return id
    }

    /// Appends one packet of `linkType`.
    public mutating func write(timestampNanoseconds: Int64, linkType: UInt32, bytes: UnsafeRawBufferPointer,
                               wireLength: UInt32? = nil) throws(CaptureError) {
        let id = try interface(for: linkType)
        let caplen = min(bytes.count, Int(snapLength))
        let padded = (caplen + 3) & ~3
        let total = UInt32(32 + padded)
        let ts = UInt64(max(0, timestampNanoseconds))
        append32(6); append32(total); append32(id); append32(UInt32(ts >> 32)); append32(UInt32(truncatingIfNeeded: ts))
        append32(UInt32(caplen)); append32(wireLength ?? UInt32(bytes.count))
        scratch.append(contentsOf: UnsafeRawBufferPointer(rebasing: bytes[0..<caplen]))
        scratch.append(contentsOf: repeatElement(0, count: padded - caplen))
        append32(total)
        try flushScratch()
        packetsWritten += 1
    }

    public mutating func write(_ record: PacketRecord) throws(CaptureError) {
        try write(timestampNanoseconds: record.timestampNanoseconds, linkType: record.linkType, bytes: record.bytes,
                  wireLength: record.wireLength)
    }

    /// Flushes and closes. Throws when the data could not be written.
    public mutating func close() throws(CaptureError) {
        guard let f = file else { return }
        file = nil
        if fclose(f) != 0 {
            throw CaptureError(.writeFailed, file: path, offset: 0, reason: String(cString: strerror(errno)))
        }
    }

    deinit { if let file { fclose(file) } }
}
