// Wire: Linux "cooked" capture header v1 (LINKTYPE_LINUX_SLL, 16 bytes) view.

/// The 16-byte Linux cooked-mode header: packet type, ARPHRD type, link address, protocol (EtherType).
public struct LinuxSLLHeader {
    public static let length = 16
    @usableFromInline let p: UnsafeRawPointer

    @inlinable init(unchecked base: UnsafeRawPointer) { p = base }
    public init?(_ bytes: UnsafeRawBufferPointer) {
        guard bytes.count >= Self.length, let b = bytes.baseAddress else { return nil }
        p = b
    }

    /// 0 to us, 1 broadcast, 2 multicast, 3 to someone else, 4 sent by us.
    public var packetType: UInt16 { p.be16(0) }
    public var arphrdType: UInt16 { p.be16(2) }
    public var addressLength: UInt16 { p.be16(4) }
    /// The sender's link address when it is a 6-byte MAC, else nil.
    public var sourceMAC: MACAddress? { addressLength == 6 ? p.mac(6) : nil }
    /// EtherType of the payload (or a Linux pseudo-protocol below 0x0600).
    public var protocolType: UInt16 { p.be16(14) }

    public static func emit(into out: UnsafeMutableRawPointer, packetType: UInt16 = 0, source: MACAddress, protocolType: UInt16) {
        out.put16(0, packetType); out.put16(2, 1); out.put16(4, 6); out.putMAC(6, source); out.put16(12, 0)
        out.put16(14, protocolType)
    }
}
