// Wire: link-layer header types (tcpdump.org LINKTYPE_ values) and EtherTypes the decoder understands.

/// LINKTYPE_ values from https://www.tcpdump.org/linktypes.html that segcheck decodes. Others are counted and skipped.
public enum LinkType {
    public static let null: UInt32 = 0          // BSD loopback: 4-byte address family in the capturing host's byte order
    public static let ethernet: UInt32 = 1
    public static let ppp: UInt32 = 9
    public static let rawOpenBSD: UInt32 = 12   // DLT_RAW on some BSDs
    public static let rawBSDOS: UInt32 = 14
    public static let pppHDLC: UInt32 = 50
    public static let raw: UInt32 = 101         // raw IPv4 or IPv6, version from the first nibble
    public static let ciscoHDLC: UInt32 = 104
    public static let loop: UInt32 = 108        // OpenBSD loopback: address family big-endian
    public static let linuxSLL: UInt32 = 113
    public static let ipv4: UInt32 = 228
    public static let ipv6: UInt32 = 229
    public static let linuxSLL2: UInt32 = 276

    /// The upper 6 bits of a pcap link type field carry FCS information; only the low 26 bits name the type.
    @inlinable public static func base(_ raw: UInt32) -> UInt32 { raw & 0x03FF_FFFF }
}

/// EtherType values the decoder follows.
public enum EtherType {
    public static let ipv4: UInt16 = 0x0800
    public static let arp: UInt16 = 0x0806
    public static let vlan: UInt16 = 0x8100        // 802.1Q customer tag
    public static let qinq: UInt16 = 0x88A8        // 802.1ad service tag
    public static let qinqOld1: UInt16 = 0x9100    // pre-standard QinQ
    public static let qinqOld2: UInt16 = 0x9200
    public static let ipv6: UInt16 = 0x86DD
    public static let mplsUnicast: UInt16 = 0x8847
    public static let mplsMulticast: UInt16 = 0x8848
    public static let pppoeSession: UInt16 = 0x8864
    public static let lldp: UInt16 = 0x88CC
    public static let transparentEthernet: UInt16 = 0x6558  // GRE payload type: a whole Ethernet frame
    public static let ppp: UInt16 = 0x880B                  // GRE payload type (PPTP, GRE version 1)
    public static let wccp: UInt16 = 0x883E                 // GRE payload type: WCCP redirect header + IPv4
    public static let erspan2: UInt16 = 0x88BE
    public static let erspan3: UInt16 = 0x22EB
}
