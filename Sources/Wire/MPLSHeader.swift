// Wire: MPLS label stack entry view (label, traffic class, bottom-of-stack, TTL).

/// One 4-byte MPLS label stack entry.
public struct MPLSHeader {
    public static let length = 4
    @usableFromInline let p: UnsafeRawPointer

    @inlinable init(unchecked base: UnsafeRawPointer) { p = base }
    public init?(_ bytes: UnsafeRawBufferPointer) {
        guard bytes.count >= Self.length, let b = bytes.baseAddress else { return nil }
        p = b
    }

    public var entry: UInt32 { p.be32(0) }
    public var label: UInt32 { entry >> 12 }
    public var trafficClass: UInt8 { UInt8((entry >> 9) & 7) }
    public var bottomOfStack: Bool { entry & 0x100 != 0 }
    public var ttl: UInt8 { UInt8(truncatingIfNeeded: entry) }

    public static func emit(into out: UnsafeMutableRawPointer, label: UInt32, bottomOfStack: Bool, ttl: UInt8 = 64) {
        out.put32(0, (label & 0xFFFFF) << 12 | (bottomOfStack ? 0x100 : 0) | UInt32(ttl))
    }
}
