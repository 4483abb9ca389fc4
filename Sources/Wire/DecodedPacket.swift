// Wire: the fixed-size result of decoding one frame — the contract between the decoder and the flow table.
// The decoder fills one of these in place per packet; it holds no references and allocates nothing.

/// What became of one packet. Every packet ends as exactly one of these, so totals always add up.
public enum DecodeStatus: UInt8, Sendable {
    /// An IP packet whose flow key is complete (ports known, or a protocol without ports).
    case decoded
    /// Understood but not IP traffic segcheck classifies (ARP, LLDP, STP, other EtherTypes, unsupported link type).
    case skipped
    /// Broken: truncated headers, bad lengths, bad versions. `event` names what was wrong.
    case malformed
}

/// One IP layer's 5-tuple. `srcPort`/`dstPort` hold ICMP type and code for ICMP/ICMPv6.
public struct FlowTuple: Hashable, Sendable {
    public var src: IPAddress
    public var dst: IPAddress
    public var srcPort: UInt16
    public var dstPort: UInt16
    public var proto: UInt8
    public init(src: IPAddress = .zero, dst: IPAddress = .zero, srcPort: UInt16 = 0, dstPort: UInt16 = 0, proto: UInt8 = 0) {
        self.src = src; self.dst = dst; self.srcPort = srcPort; self.dstPort = dstPort; self.proto = proto
    }
}

/// The decoded summary of one frame.
public struct DecodedPacket: Sendable {
    public var status: DecodeStatus = .skipped
    /// Why the packet was skipped or malformed (a named decoder event); `.none` when decoded.
    public var event: DecodeEvent = .none

    public var srcMAC: MACAddress = MACAddress(0)
    public var dstMAC: MACAddress = MACAddress(0)
    /// Up to two 802.1Q tags, outermost first; `vlanCount` says how many are valid.
    public var vlan0: UInt16 = 0
    public var vlan1: UInt16 = 0
    public var vlanCount: UInt8 = 0

    /// The innermost IP layer's tuple: this is what the flow table keys on.
    public var tuple = FlowTuple()
    /// The outermost IP layer's tuple when the packet was tunnelled (GRE, IP-in-IP, 6in4, 4in6, VXLAN); `tunnelDepth` > 0.
    public var outer = FlowTuple()
    public var tunnelDepth: UInt8 = 0
    /// The innermost tunnel's kind when `tunnelDepth` > 0.
    public var tunnelKind: TunnelKind = .none
    /// The tuple of the IP layer that carries the innermost tunnel (equal to `outer` at depth 1).
    public var tunnelCarrier = FlowTuple()
    /// A non-fatal event on a packet that still decoded (`ipv4OptionsMalformed`, `tunnelTooDeep`, or the event of a
    /// tunnel payload that was not IP or was broken): the tuple is usable, but the flow layer should report the
    /// oddity. For a tunnel deeper than `Decoder.maxTunnelDepth`, `tuple` is the deepest IP layer decoded (proto 4,
    /// 41, 47 or UDP). When a tunnel's payload is skipped or malformed (ARP inside VXLAN, a truncated inner header),
    /// the packet is still the carrier's traffic: it is `.decoded` with `tuple` = the carrier's tuple, one tunnel
    /// level less, and `anomaly` = the inner event. Nothing that crossed the wire as IP is silently dropped.
    public var anomaly: DecodeEvent = .none

    public var tcpFlags: UInt8 = 0
    public var tcpSequence: UInt32 = 0
    public var tcpAcknowledgement: UInt32 = 0
    /// Where the innermost TCP/UDP payload starts in the frame and how many of its bytes were captured.
    public var payloadOffset: UInt32 = 0
    public var payloadLength: UInt32 = 0
    /// Bytes of the frame as captured, and as it was on the wire.
    public var capturedLength: UInt32 = 0
    public var wireLength: UInt32 = 0

    /// IP fragment state of the innermost IP layer decoded (ports are unknown unless this is a first fragment
    /// carrying them). The flow layer feeds every packet with `isFragment` to a `Defragmenter`, which returns the
    /// whole datagram's tuple. IPv6 atomic fragments (offset 0, no more fragments) are not fragments.
    public var isFragment: Bool = false
    public var fragmentOffset: UInt16 = 0     // in 8-byte units
    public var moreFragments: Bool = false
    public var ipIdentification: UInt32 = 0
    /// Offset of the innermost IP layer's payload (after the IP header and any IPv6 extension headers) in the
    /// frame, and its length as the IP header declares it (`l4Length`) — what fragment reassembly needs.
    public var l4Offset: UInt32 = 0
    public var l4Length: UInt32 = 0
    /// How many of the `l4Length` bytes were actually captured.
    public var l4CapturedLength: UInt32 = 0

    public init() {}

    @inlinable public var vlan: UInt16 { vlanCount == 0 ? 0 : (vlanCount == 1 ? vlan0 : vlan1) }
}

/// The encapsulation the innermost tunnel used.
public enum TunnelKind: UInt8, Sendable {
    case none, ipInIP, gre, vxlan, geneve
}

/// Named decoder events in the spirit of Suricata's. Which events appear where:
/// - `.skipped`: `arp` (the tuple then holds the ARP sender/target IPv4 addresses and the operation in `srcPort`),
///   `lldp`, `stp`, `otherEthertype` (also non-IP families on loopback and non-IP PPP), `unsupportedLinkType`.
/// - `.malformed`: the `…Truncated`, `…Bad…`, `emptyPacket`, `tooManyLabels`, `ipv6TooManyExtensionHeaders` cases.
/// - `anomaly` of a `.decoded` packet: `ipv4OptionsMalformed`, `tunnelTooDeep`, the GRE events (`greTruncated`,
///   `greBadVersion`, `greRoutingUnsupported`: the packet is then the GRE flow itself), and any skip or malformed
///   event of a tunnel's payload (the packet is then the carrier's flow).
/// - `Defragmenter` results: `fragmentOverlap`, `fragmentTooSmall`, `fragmentTooLarge`, `fragmentTooMany`.
/// - Not produced by the decoder: `otherIPProtocol` and `ipv6NoNextHeader` (such packets are IP traffic between two
///   addresses and are `.decoded` with their protocol number and zero ports), `fragmentTimeout`, `fragmentEvicted`
///   (counted in `DefragCounters` instead). (`IPV4_TRUNC_PKT`, ...). Open for growth: add cases, keep names stable.
public enum DecodeEvent: UInt16, CaseIterable, Sendable {
    case none = 0
    // skipped
    case arp, lldp, stp, otherEthertype, unsupportedLinkType, otherIPProtocol, ipv6NoNextHeader, tunnelTooDeep
    // malformed
    case ethernetTruncated, vlanTruncated, mplsTruncated, sllTruncated, nullTruncated
    case ipv4Truncated, ipv4BadVersion, ipv4BadHeaderLength, ipv4BadTotalLength, ipv4OptionsMalformed
    case ipv6Truncated, ipv6BadVersion, ipv6ExtensionTruncated
    case tcpTruncated, tcpBadHeaderLength, udpTruncated, icmpTruncated, icmpv6Truncated
    case greTruncated, greBadVersion, vxlanTruncated
    case fragmentOverlap, fragmentTooSmall, fragmentTooLarge
    // added by the decoder (append only; raw values are stable)
    case arpTruncated, pppTruncated, pppoeTruncated, ciscoHDLCTruncated, sll2Truncated
    case ipv6TooManyExtensionHeaders, tooManyLabels, greRoutingUnsupported, emptyPacket
    case fragmentTooMany, fragmentTimeout, fragmentEvicted

    /// Suricata-style upper-case name used in stats and EVE output.
    public var name: String {
        var out = ""
        for ch in String(describing: self) {
            if ch.isUppercase && !out.isEmpty { out += "_" }
            out += ch.uppercased()
        }
        return out
    }
}
