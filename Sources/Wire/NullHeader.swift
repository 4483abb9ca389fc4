// Wire: BSD loopback header view (LINKTYPE_NULL host byte order, LINKTYPE_LOOP big-endian): a 4-byte address family.

/// The 4-byte address-family header of BSD loopback captures.
public struct NullHeader {
    public static let length = 4
    @usableFromInline let p: UnsafeRawPointer

    @inlinable init(unchecked base: UnsafeRawPointer) { p = base }
    public init?(_ bytes: UnsafeRawBufferPointer) {
        guard bytes.count >= Self.length, let b = bytes.baseAddress else { return nil }
        p = b
    }

    /// The family as written by a host of either byte order (LINKTYPE_NULL): families are small, so the
    /// non-zero half tells the order.
    public var familyAnyOrder: UInt32 {
        let be = p.be32(0)
        return be & 0xFFFF == 0 ? be.byteSwapped : be
    }
    /// The family in network byte order (LINKTYPE_LOOP).
    public var familyBigEndian: UInt32 { p.be32(0) }

    /// AF_INET everywhere.
    public static let familyIPv4: UInt32 = 2
    /// AF_INET6 differs per OS: Linux 10, NetBSD/OpenBSD/BSD/OS 24, FreeBSD/DragonFly 28, Darwin 30.
    @inlinable public static func isIPv6Family(_ f: UInt32) -> Bool { f == 10 || f == 24 || f == 28 || f == 30 }

    public static func emit(into out: UnsafeMutableRawPointer, family: UInt32, bigEndian: Bool) {
        out.storeBytes(of: bigEndian ? family.bigEndian : family.littleEndian, toByteOffset: 0, as: UInt32.self)
    }
}
