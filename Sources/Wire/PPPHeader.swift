// Wire: PPP / Cisco HDLC / PPPoE framing views, enough to find the IPv4 or IPv6 payload.

/// A PPP header as seen in LINKTYPE_PPP, PPP-in-HDLC and PPTP: optional 0xFF 0x03 address/control, then a
/// 1- or 2-byte protocol field (protocol-field compression).
public struct PPPHeader {
    /// Protocol numbers for the network layers segcheck follows.
    public static let protocolIPv4: UInt16 = 0x0021
    public static let protocolIPv6: UInt16 = 0x0057
    public static let protocolMPLSUnicast: UInt16 = 0x0281
    public static let protocolMPLSMulticast: UInt16 = 0x0283

    /// Parses the framing in `bytes`; nil when too short. Returns the protocol and the header length.
    public static func parse(_ bytes: UnsafeRawBufferPointer) -> (protocolNumber: UInt16, length: Int)? {
        guard let p = bytes.baseAddress else { return nil }
        var off = 0
        if bytes.count >= 2 && p.u8(0) == 0xFF && p.u8(1) == 0x03 { off = 2 }
        guard bytes.count > off else { return nil }
        if p.u8(off) & 1 == 1 { return (UInt16(p.u8(off)), off + 1) }   // compressed one-byte protocol
        guard bytes.count >= off + 2 else { return nil }
        return (p.be16(off), off + 2)
    }
}

/// Cisco HDLC: address, control, then an EtherType.
public struct CiscoHDLCHeader {
    public static let length = 4
    @usableFromInline let p: UnsafeRawPointer
    @inlinable init(unchecked base: UnsafeRawPointer) { p = base }
    public init?(_ bytes: UnsafeRawBufferPointer) {
        guard bytes.count >= Self.length, let b = bytes.baseAddress else { return nil }
        p = b
    }
    public var address: UInt8 { p.u8(0) }
    public var etherType: UInt16 { p.be16(2) }
}

/// PPPoE session header (6 bytes) followed by a 2-byte PPP protocol.
public struct PPPoEHeader {
    public static let length = 8
    @usableFromInline let p: UnsafeRawPointer
    @inlinable init(unchecked base: UnsafeRawPointer) { p = base }
    public init?(_ bytes: UnsafeRawBufferPointer) {
        guard bytes.count >= Self.length, let b = bytes.baseAddress else { return nil }
        p = b
    }
    public var versionType: UInt8 { p.u8(0) }
    public var code: UInt8 { p.u8(1) }
    public var sessionID: UInt16 { p.be16(2) }
    public var payloadLength: UInt16 { p.be16(4) }
    public var pppProtocol: UInt16 { p.be16(6) }
}
