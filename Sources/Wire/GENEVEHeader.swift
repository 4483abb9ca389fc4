// Wire: GENEVE header view (RFC 8926), carried in UDP to port 6081: version, options length, protocol type, VNI.

/// A view of the 8-byte fixed GENEVE header; `headerLength` adds the variable options.
public struct GENEVEHeader {
    public static let minimumLength = 8
    public static let udpPort: UInt16 = 6081
    @usableFromInline let p: UnsafeRawPointer

    @inlinable init(unchecked base: UnsafeRawPointer) { p = base }
    public init?(_ bytes: UnsafeRawBufferPointer) {
        guard bytes.count >= Self.minimumLength, let b = bytes.baseAddress else { return nil }
        p = b
    }

    public var version: UInt8 { p.u8(0) >> 6 }
    /// Options length in bytes (field × 4).
    public var optionsLength: Int { Int(p.u8(0) & 0x3F) * 4 }
    public var headerLength: Int { Self.minimumLength + optionsLength }
    /// EtherType of the payload: 0x6558 for an Ethernet frame.
    public var protocolType: UInt16 { p.be16(2) }
    public var vni: UInt32 { p.be32(4) >> 8 }

    public static func emit(into out: UnsafeMutableRawPointer, protocolType: UInt16, vni: UInt32, optionsLength: Int = 0) {
        out.put8(0, UInt8(optionsLength / 4) & 0x3F); out.put8(1, 0); out.put16(2, protocolType)
        out.put32(4, (vni & 0xFF_FFFF) << 8)
    }
}
