// Wire: ICMPv6 header view (RFC 4443): type, code, checksum.

/// A view of the ICMPv6 header (4 fixed bytes plus 4 type-specific ones).
public struct ICMPv6Header {
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

    public static let echoRequest: UInt8 = 128, echoReply: UInt8 = 129
    public static let neighborSolicitation: UInt8 = 135, neighborAdvertisement: UInt8 = 136

    public static func emit(into out: UnsafeMutableRawPointer, type: UInt8, code: UInt8, body: UInt32 = 0) {
        out.put8(0, type); out.put8(1, code); out.put16(2, 0); out.put32(4, body)
    }
}
