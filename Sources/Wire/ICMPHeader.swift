// Wire: ICMP (IPv4) header view: type, code, checksum, rest of header.

/// A view of the 8-byte ICMP header.
public struct ICMPHeader {
    public static let length = 8
    @usableFromInline let p: UnsafeRawPointer

    @inlinable init(unchecked base: UnsafeRawPointer) { p = base }
    public init?(_ bytes: UnsafeRawBufferPointer) {
        guard bytes.count >= Self.length, let b = bytes.baseAddress else { return nil }
        p = b
    }

    public var type: UInt8 { p.u8(0) }
    public var code: UInt8 { p.u8(1) }
    public var checksum: UInt16 { p.be16(2) }
    /// Identifier of echo request/reply.
    public var identifier: UInt16 { p.be16(4) }
    public var sequence: UInt16 { p.be16(6) }

    public static let echoReply: UInt8 = 0, destinationUnreachable: UInt8 = 3, echoRequest: UInt8 = 8, timeExceeded: UInt8 = 11

    public static func emit(into out: UnsafeMutableRawPointer, type: UInt8, code: UInt8, identifier: UInt16 = 0, sequence: UInt16 = 0) {
        out.put8(0, type); out.put8(1, code); out.put16(2, 0); out.put16(4, identifier); out.put16(6, sequence)
    }
}
