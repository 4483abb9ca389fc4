// Capture: classic pcap writer (nanosecond magic) for evidence files Wireshark and tcpdump open.

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Writes packets of one link type to a classic pcap file with nanosecond timestamps. Buffered; `close()` (or the
/// end of its lifetime) flushes.
public struct PcapWriter: ~Copyable {
    public let path: String
    public let linkType: UInt32
    public let snapLength: UInt32
    private var file: UnsafeMutablePointer<FILE>?
    public private(set) var packetsWritten = 0

    private init(path: String, linkType: UInt32, snapLength: UInt32, file: UnsafeMutablePointer<FILE>) {
        self.path = path; self.linkType = linkType; self.snapLength = snapLength; self.file = file
    }

    /// Creates (truncates) `path` and writes the file header.
    public static func create(path: String, linkType: UInt32, snapLength: UInt32 = 262_144) throws(CaptureError) -> PcapWriter {
        guard let f = fopen(path, "wb") else {
            throw CaptureError(.writeFailed, file: path, offset: 0, reason: String(cString: strerror(errno)))
        }
        setvbuf(f, nil, _IOFBF, 1 << 20)
        var writer = PcapWriter(path: path, linkType: linkType, snapLength: snapLength, file: f)
        var header = (UInt32(0xA1B2_3C4D), UInt16(2), UInt16(4), Int32(0), UInt32(0), snapLength, linkType)
        try withUnsafeBytes(of: &header) { (b: UnsafeRawBufferPointer) throws(CaptureError) in try writer.put(b) }
        return writer
    }

    private mutating func put(_ bytes: UnsafeRawBufferPointer) throws(CaptureError) {
        guard let file else { throw CaptureError(.writeFailed, file: path, offset: 0, reason: "writer is closed") }
        if bytes.count > 0 && fwrite(bytes.baseAddress, 1, bytes.count, file) != bytes.count {
            throw CaptureError(.writeFailed, file: path, offset: 0, reason: String(cString: strerror(errno)))
        }
    }

    /// Appends one packet (its bytes cut to the snap length). Throws on I/O error.
    public mutating func write(timestampNanoseconds: Int64, bytes: UnsafeRawBufferPointer, wireLength: UInt32? = nil) throws(CaptureError) {
        let caplen = min(bytes.count, Int(snapLength))
        let ts = max(0, timestampNanoseconds)
        var header = (UInt32(truncatingIfNeeded: ts / 1_000_000_000), UInt32(ts % 1_000_000_000), UInt32(caplen),
                      wireLength ?? UInt32(bytes.count))
        try withUnsafeBytes(of: &header) { (b: UnsafeRawBufferPointer) throws(CaptureError) in try put(b) }
        try put(UnsafeRawBufferPointer(rebasing: bytes[0..<caplen]))
        packetsWritten += 1
    }

    /// Appends a record read from another file. Records of a different link type are refused (classic pcap holds one).
    public mutating func write(_ record: PacketRecord) throws(CaptureError) {
        guard record.linkType == linkType else {
            throw CaptureError(.writeFailed, file: path, offset: 0,
                               reason: "packet of link type \(record.linkType) cannot go into a link type \(linkType) pcap file")
        }
        try write(timestampNanoseconds: record.timestampNanoseconds, bytes: record.bytes, wireLength: record.wireLength)
    }

    /// Pushes buffered packets to the file without closing it (the live monitor's evidence file, once a second).
    public mutating func flush() throws(CaptureError) {
        guard let f = file else { return }
        if fflush(f) != 0 {
            throw CaptureError(.writeFailed, file: path, offset: 0, reason: String(cString: strerror(errno)))
        }
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
