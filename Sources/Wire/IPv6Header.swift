// Wire: IPv6 fixed header and extension header views (RFC 8200), including the fragment header.

/// A view of the 40-byte IPv6 fixed header.
public struct IPv6Header {
    public static let length = 40
    @usableFromInline let p: UnsafeRawPointer

    @inlinable init(unchecked base: UnsafeRawPointer) { p = base }
    public init?(_ bytes: UnsafeRawBufferPointer) {
        guard bytes.count >= Self.length, let b = bytes.baseAddress else { return nil }
        p = b
    }

    public var version: UInt8 { p.u8(0) >> 4 }
    public var trafficClass: UInt8 { UInt8(truncatingIfNeeded: p.be16(0) >> 4) }
    public var flowLabel: UInt32 { p.be32(0) & 0xFFFFF }
    public var payloadLength: UInt16 { p.be16(4) }
    public var nextHeader: UInt8 { p.u8(6) }
    public var hopLimit: UInt8 { p.u8(7) }
    public var source: IPAddress { p.ipv6(8) }
    public var destination: IPAddress { p.ipv6(24) }

    public static func emit(into out: UnsafeMutableRawPointer, source: IPAddress, destination: IPAddress, nextHeader: UInt8,
                            payloadLength: Int, hopLimit: UInt8 = 64) {
        out.put32(0, 0x6000_0000); out.put16(4, UInt16(truncatingIfNeeded: payloadLength))
        out.put8(6, nextHeader); out.put8(7, hopLimit); out.putIPv6(8, source); out.putIPv6(24, destination)
    }
}

/// A generic IPv6 extension header (hop-by-hop, routing, destination options, mobility, HIP, shim6, AH):
/// next header, and a length whose unit depends on the type.
public struct IPv6ExtensionHeader {
    /// Every extension header has at least 8 bytes (AH has 12 but its first 8 carry the length).
    public static let minimumLength = 8
    @usableFromInline let p: UnsafeRawPointer

    @inlinable init(unchecked base: UnsafeRawPointer) { p = base }
    public init?(_ bytes: UnsafeRawBufferPointer) {
        guard bytes.count >= Self.minimumLength, let b = bytes.baseAddress else { return nil }
        p = b
    }

    public var nextHeader: UInt8 { p.u8(0) }
    /// Total length in bytes for a header of type `kind`: AH counts 4-byte units minus 2, the rest 8-byte units minus 1.
    public func length(kind: UInt8) -> Int {
        kind == IPv6ExtensionHeader.authentication ? (Int(p.u8(1)) + 2) * 4 : (Int(p.u8(1)) + 1) * 8
    }

    public static let hopByHop: UInt8 = 0
    public static let routing: UInt8 = 43
    public static let fragment: UInt8 = 44
    public static let esp: UInt8 = 50
    public static let authentication: UInt8 = 51
    public static let noNextHeader: UInt8 = 59
    public static let destinationOptions: UInt8 = 60
    public static let mobility: UInt8 = 135
    public static let hip: UInt8 = 139
    public static let shim6: UInt8 = 140

    /// True for the types that chain with a next-header byte and a length byte.
    @inlinable public static func isChained(_ kind: UInt8) -> Bool {
        switch kind {
        case 0, 43, 51, 60, 135, 139, 140, 253, 254: return true
        default: return false
        }
    }
}

/// The 8-byte IPv6 fragment header.
public struct IPv6FragmentHeader {
    public static let length = 8
    @usableFromInline let p: UnsafeRawPointer

    @inlinable init(unchecked base: UnsafeRawPointer) { p = base }
    public init?(_ bytes: UnsafeRawBufferPointer) {
        guard bytes.count >= Self.length, let b = bytes.baseAddress else { return nil }
        p = b
    }

    public var nextHeader: UInt8 { p.u8(0) }
    /// Offset in 8-byte units.
    public var fragmentOffset: UInt16 { p.be16(2) >> 3 }
    public var moreFragments: Bool { p.be16(2) & 1 != 0 }
    public var identification: UInt32 { p.be32(4) }

    public static func emit(into out: UnsafeMutableRawPointer, nextHeader: UInt8, fragmentOffset: UInt16, moreFragments: Bool,
                            identification: UInt32) {
        out.put8(0, nextHeader); out.put8(1, 0); out.put16(2, fragmentOffset << 3 | (moreFragments ? 1 : 0))
        out.put32(4, identification)
    }
}
