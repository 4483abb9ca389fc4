// Wire: Ethernet II header view (destination, source, EtherType) over raw frame bytes.

/// A view of a 14-byte Ethernet II header. Construct with the checked initialiser; accessors then never fail.
public struct EthernetHeader {
    public static let length = 14
    @usableFromInline let p: UnsafeRawPointer

    /// The caller guarantees `length` readable bytes at `base`.
    @inlinable init(unchecked base: UnsafeRawPointer) { p = base }
    /// Nil when `bytes` is shorter than the header.
    public init?(_ bytes: UnsafeRawBufferPointer) {
        guard bytes.count >= Self.length, let b = bytes.baseAddress else { return nil }
        p = b
    }

    public var destination: MACAddress { p.mac(0) }
    public var source: MACAddress { p.mac(6) }
    /// EtherType, or an 802.3 length when below 0x0600.
    public var etherType: UInt16 { p.be16(12) }

    /// Writes a header at `out` (14 bytes).
    public static func emit(into out: UnsafeMutableRawPointer, destination: MACAddress, source: MACAddress, etherType: UInt16) {
        out.putMAC(0, destination); out.putMAC(6, source); out.put16(12, etherType)
    }
}
