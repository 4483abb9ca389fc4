// Wire: IPv4 header view with options walking (RFC 791).

/// A view of an IPv4 header. The checked initialiser verifies the 20 fixed bytes; `headerLength` may claim more
/// (options), which the decoder checks against what was captured.
public struct IPv4Header {
    public static let minimumLength = 20
    @usableFromInline let p: UnsafeRawPointer

    @inlinable init(unchecked base: UnsafeRawPointer) { p = base }
    public init?(_ bytes: UnsafeRawBufferPointer) {
        guard bytes.count >= Self.minimumLength, let b = bytes.baseAddress else { return nil }
        p = b
    }

    public var version: UInt8 { p.u8(0) >> 4 }
    /// IHL in bytes (IHL field × 4).
    public var headerLength: Int { Int(p.u8(0) & 0x0F) &* 4 }
    public var dscpECN: UInt8 { p.u8(1) }
    public var totalLength: UInt16 { p.be16(2) }
    public var identification: UInt16 { p.be16(4) }
    public var dontFragment: Bool { p.u8(6) & 0x40 != 0 }
    public var moreFragments: Bool { p.u8(6) & 0x20 != 0 }
    /// Fragment offset in 8-byte units.
    public var fragmentOffset: UInt16 { p.be16(6) & 0x1FFF }
    public var ttl: UInt8 { p.u8(8) }
    public var protocolNumber: UInt8 { p.u8(9) }
    public var checksum: UInt16 { p.be16(10) }
    public var source: IPAddress { p.ipv4(12) }
    public var destination: IPAddress { p.ipv4(16) }

    /// Walks the options between byte 20 and `headerLength` (which the caller has checked is captured).
    /// False when an option's length byte is missing, below 2, or runs past the header.
    public func optionsWellFormed() -> Bool {
        let end = headerLength
        var i = Self.minimumLength
        while i < end {
            let kind = p.u8(i)
            if kind == 0 { return true }            // end of option list
            if kind == 1 { i += 1; continue }       // no-operation
            guard i + 1 < end else { return false }
            let len = Int(p.u8(i + 1))
            guard len >= 2, i + len <= end else { return false }
            i += len
        }
        return true
    }

    /// Writes a 20-byte header (no options) with a correct checksum.
    public static func emit(into out: UnsafeMutableRawPointer, source: IPAddress, destination: IPAddress, protocolNumber: UInt8,
                            payloadLength: Int, identification: UInt16 = 0, ttl: UInt8 = 64,
                            moreFragments: Bool = false, fragmentOffset: UInt16 = 0, dontFragment: Bool = false) {
        out.put8(0, 0x45); out.put8(1, 0); out.put16(2, UInt16(truncatingIfNeeded: 20 + payloadLength))
        out.put16(4, identification)
        out.put16(6, (dontFragment ? 0x4000 : 0) | (moreFragments ? 0x2000 : 0) | (fragmentOffset & 0x1FFF))
        out.put8(8, ttl); out.put8(9, protocolNumber); out.put16(10, 0)
        out.put32(12, source.v4Value); out.put32(16, destination.v4Value)
        let sum = internetChecksumSum(UnsafeRawBufferPointer(start: out, count: 20))
        out.put16(10, ~UInt16(sum))
    }
}
