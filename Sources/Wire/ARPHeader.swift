// Wire: ARP header view for Ethernet/IPv4 (RFC 826): operation, sender and target hardware and protocol addresses.

/// A view of a 28-byte Ethernet/IPv4 ARP packet.
public struct ARPHeader {
    public static let length = 28
    @usableFromInline let p: UnsafeRawPointer

    @inlinable init(unchecked base: UnsafeRawPointer) { p = base }
    public init?(_ bytes: UnsafeRawBufferPointer) {
        guard bytes.count >= Self.length, let b = bytes.baseAddress else { return nil }
        p = b
    }

    public var hardwareType: UInt16 { p.be16(0) }
    public var protocolType: UInt16 { p.be16(2) }
    public var hardwareLength: UInt8 { p.u8(4) }
    public var protocolLength: UInt8 { p.u8(5) }
    /// 1 request, 2 reply.
    public var operation: UInt16 { p.be16(6) }
    /// True when the addresses are Ethernet MACs and IPv4 addresses (the only layout the accessors below read).
    public var isEthernetIPv4: Bool { hardwareLength == 6 && protocolLength == 4 && protocolType == EtherType.ipv4 }
    public var senderMAC: MACAddress { p.mac(8) }
    public var senderIP: IPAddress { p.ipv4(14) }
    public var targetMAC: MACAddress { p.mac(18) }
    public var targetIP: IPAddress { p.ipv4(24) }

    public static func emit(into out: UnsafeMutableRawPointer, operation: UInt16, senderMAC: MACAddress, senderIP: IPAddress,
                            targetMAC: MACAddress, targetIP: IPAddress) {
        out.put16(0, 1); out.put16(2, EtherType.ipv4); out.put8(4, 6); out.put8(5, 4); out.put16(6, operation)
        out.putMAC(8, senderMAC); out.put32(14, senderIP.v4Value); out.putMAC(18, targetMAC); out.put32(24, targetIP.v4Value)
    }
}
