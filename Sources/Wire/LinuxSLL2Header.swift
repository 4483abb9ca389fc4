// Wire: Linux "cooked" capture header v2 (LINKTYPE_LINUX_SLL2, 20 bytes) view.

/// The 20-byte Linux cooked-mode v2 header: protocol first, then interface index, ARPHRD type, packet type, address.
public struct LinuxSLL2Header {
    public static let length = 20
    @usableFromInline let p: UnsafeRawPointer

    @inlinable init(unchecked base: UnsafeRawPointer) { p = base }
    public init?(_ bytes: UnsafeRawBufferPointer) {
        guard bytes.count >= Self.length, let b = bytes.baseAddress else { return nil }
        p = b
    }

    public var protocolType: UInt16 { p.be16(0) }
    public var interfaceIndex: UInt32 { p.be32(4) }
    public var arphrdType: UInt16 { p.be16(8) }
    public var packetType: UInt8 { p.u8(10) }
    public var addressLength: UInt8 { p.u8(11) }
    public var sourceMAC: MACAddress? { addressLength == 6 ? p.mac(12) : nil }

    public static func emit(into out: UnsafeMutableRawPointer, protocolType: UInt16, interfaceIndex: UInt32 = 1,
                            packetType: UInt8 = 0, source: MACAddress) {
        out.put16(0, protocolType); out.put16(2, 0); out.put32(4, interfaceIndex); out.put16(8, 1)
        out.put8(10, packetType); out.put8(11, 6); out.putMAC(12, source); out.put16(18, 0)
    }
}
