// Wire: TCP header view (ports, sequence numbers, data offset, flags).

/// A view of a TCP header. The checked initialiser verifies the 20 fixed bytes.
public struct TCPHeader {
    public static let minimumLength = 20
    @usableFromInline let p: UnsafeRawPointer

    @inlinable init(unchecked base: UnsafeRawPointer) { p = base }
    public init?(_ bytes: UnsafeRawBufferPointer) {
        guard bytes.count >= Self.minimumLength, let b = bytes.baseAddress else { return nil }
        p = b
    }

    public var sourcePort: UInt16 { p.be16(0) }
    public var destinationPort: UInt16 { p.be16(2) }
    public var sequenceNumber: UInt32 { p.be32(4) }
    public var acknowledgementNumber: UInt32 { p.be32(8) }
    /// Data offset in bytes (field × 4).
    public var headerLength: Int { Int(p.u8(12) >> 4) &* 4 }
    public var flags: UInt8 { p.u8(13) }
    public var window: UInt16 { p.be16(14) }

    public static let fin: UInt8 = 0x01, syn: UInt8 = 0x02, rst: UInt8 = 0x04, psh: UInt8 = 0x08
    public static let ack: UInt8 = 0x10, urg: UInt8 = 0x20, ece: UInt8 = 0x40, cwr: UInt8 = 0x80

    /// Writes a 20-byte header (checksum left zero).
    public static func emit(into out: UnsafeMutableRawPointer, sourcePort: UInt16, destinationPort: UInt16, flags: UInt8,
                            sequenceNumber: UInt32 = 0, acknowledgementNumber: UInt32 = 0, window: UInt16 = 65535) {
        out.put16(0, sourcePort); out.put16(2, destinationPort); out.put32(4, sequenceNumber); out.put32(8, acknowledgementNumber)
        out.put8(12, 5 << 4); out.put8(13, flags); out.put16(14, window); out.put32(16, 0)
    }
}
