// Wire: UDP header view (RFC 768).

/// A view of the 8-byte UDP header.
public struct UDPHeader {
    public static let length = 8
    @usableFromInline let p: UnsafeRawPointer

    @inlinable init(unchecked base: UnsafeRawPointer) { p = base }
    public init?(_ bytes: UnsafeRawBufferPointer) {
        guard bytes.count >= Self.length, let b = bytes.baseAddress else { return nil }
        p = b
    }

    public var sourcePort: UInt16 { p.be16(0) }
    public var destinationPort: UInt16 { p.be16(2) }
    /// Header plus payload, in bytes.
    public var totalLength: UInt16 { p.be16(4) }
    public var checksum: UInt16 { p.be16(6) }

    public static func emit(into out: UnsafeMutableRawPointer, sourcePort: UInt16, destinationPort: UInt16, payloadLength: Int) {
        out.put16(0, sourcePort); out.put16(2, destinationPort)
        out.put16(4, UInt16(truncatingIfNeeded: 8 + payloadLength)); out.put16(6, 0)
    }
}
