// Wire: 802.1Q / 802.1ad (QinQ) tag view: the 4 bytes after a VLAN TPID (TCI + inner EtherType).

/// The part of an 802.1Q or 802.1ad tag after its TPID: priority, DEI, VLAN id, and the EtherType that follows.
public struct VLANHeader {
    public static let length = 4
    @usableFromInline let p: UnsafeRawPointer

    @inlinable init(unchecked base: UnsafeRawPointer) { p = base }
    public init?(_ bytes: UnsafeRawBufferPointer) {
        guard bytes.count >= Self.length, let b = bytes.baseAddress else { return nil }
        p = b
    }

    public var tci: UInt16 { p.be16(0) }
    public var priority: UInt8 { UInt8(tci >> 13) }
    public var dropEligible: Bool { tci & 0x1000 != 0 }
    public var vlanID: UInt16 { tci & 0x0FFF }
    public var etherType: UInt16 { p.be16(2) }

    /// True for the TPIDs that introduce a tag: 0x8100 (802.1Q), 0x88A8 (802.1ad), 0x9100 and 0x9200 (pre-standard QinQ).
    @inlinable public static func isTagProtocol(_ etherType: UInt16) -> Bool {
        etherType == EtherType.vlan || etherType == EtherType.qinq || etherType == EtherType.qinqOld1 || etherType == EtherType.qinqOld2
    }

    public static func emit(into out: UnsafeMutableRawPointer, vlanID: UInt16, priority: UInt8 = 0, etherType: UInt16) {
        out.put16(0, UInt16(priority & 7) << 13 | (vlanID & 0x0FFF)); out.put16(2, etherType)
    }
}
