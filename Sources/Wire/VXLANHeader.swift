// Wire: VXLAN header view (RFC 7348), carried in UDP to port 4789.

/// A view of the 8-byte VXLAN header: flags (I bit = VNI valid) and the 24-bit VXLAN network identifier.
public struct VXLANHeader {
    public static let length = 8
    public static let udpPort: UInt16 = 4789
    /// The port the Linux kernel used before IANA assigned 4789, still the default of flannel and older OpenStack.
    public static let linuxUDPPort: UInt16 = 8472
    @usableFromInline let p: UnsafeRawPointer

    @inlinable init(unchecked base: UnsafeRawPointer) { p = base }
    public init?(_ bytes: UnsafeRawBufferPointer) {
        guard bytes.count >= Self.length, let b = bytes.baseAddress else { return nil }
        p = b
    }

    public var flags: UInt8 { p.u8(0) }
    public var vniValid: Bool { flags & 0x08 != 0 }
    public var vni: UInt32 { p.be32(4) >> 8 }

    public static func emit(into out: UnsafeMutableRawPointer, vni: UInt32) {
        out.put32(0, 0x0800_0000); out.put32(4, (vni & 0xFF_FFFF) << 8)
    }
}
