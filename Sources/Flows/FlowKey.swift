// Flows: the canonical (direction-free) flow key, its hash, and how the initiator of a flow is decided.
import Wire

/// A flow key that both directions of a conversation map to: the (address, port) pair that sorts lower is `a`.
/// `layer` separates an outer tunnel flow from the flow carried inside it; `vlan0`/`vlan1` are the 802.1Q tags
/// (0 when untagged or when VLANs are not used for tracking).
public struct FlowKey: Hashable, Sendable {
    public var a: IPAddress
    public var b: IPAddress
    public var aPort: UInt16
    public var bPort: UInt16
    public var vlan0: UInt16
    public var vlan1: UInt16
    public var proto: UInt8
    public var layer: UInt8

    @inlinable public init(a: IPAddress, b: IPAddress, aPort: UInt16, bPort: UInt16, proto: UInt8, vlan0: UInt16 = 0, vlan1: UInt16 = 0, layer: UInt8 = 0) {
        self.a = a; self.b = b; self.aPort = aPort; self.bPort = bPort; self.proto = proto; self.vlan0 = vlan0; self.vlan1 = vlan1; self.layer = layer
    }

    /// Builds the canonical key for a packet going `src:srcPort → dst:dstPort`; `srcIsA` says which end the sender is.
    /// ICMP/ICMPv6 ports must already be normalised with `ICMPPairing` (so requests and replies share a key).
    @inlinable
    public static func canonical(src: IPAddress, dst: IPAddress, srcPort: UInt16, dstPort: UInt16, proto: UInt8,
                                 vlan0: UInt16 = 0, vlan1: UInt16 = 0, layer: UInt8 = 0) -> (key: FlowKey, srcIsA: Bool) {
        let srcFirst: Bool
        if src != dst { srcFirst = src < dst } else { srcFirst = srcPort <= dstPort }
        if srcFirst {
            return (FlowKey(a: src, b: dst, aPort: srcPort, bPort: dstPort, proto: proto, vlan0: vlan0, vlan1: vlan1, layer: layer), true)
        }
        return (FlowKey(a: dst, b: src, aPort: dstPort, bPort: srcPort, proto: proto, vlan0: vlan0, vlan1: vlan1, layer: layer), false)
    }

    /// Field-by-field equality, written as word compares (the synthesized one becomes a memcmp call).
    @inlinable @inline(__always) public static func == (l: FlowKey, r: FlowKey) -> Bool {
        ((l.a.hi ^ r.a.hi) | (l.a.lo ^ r.a.lo) | (l.b.hi ^ r.b.hi) | (l.b.lo ^ r.b.lo)) == 0
            && l.aPort == r.aPort && l.bPort == r.bPort && l.vlan0 == r.vlan0 && l.vlan1 == r.vlan1
            && l.proto == r.proto && l.layer == r.layer
    }

    /// A 64-bit hash, the same for both directions (the key is canonical). Never zero.
    @inlinable public var hash64: UInt64 {
        @inline(__always) get {
            @inline(__always) func fmix(_ k: UInt64) -> UInt64 {
                var k = k
                k ^= k >> 33; k = k &* 0xff51_afd7_ed55_8ccd
                k ^= k >> 33; k = k &* 0xc4ce_b9fe_1a85_ec53
                k ^= k >> 33
                return k
            }
            var h: UInt64 = 0x9E37_79B9_7F4A_7C15
            h = fmix(h ^ a.hi) &+ a.lo
            h = fmix(h ^ b.hi) &+ b.lo
            let small = UInt64(aPort) | UInt64(bPort) << 16 | UInt64(vlan0 & 0xFFF) << 32 | UInt64(vlan1 & 0xFFF) << 44
                | UInt64(proto) << 56
            h = fmix(h ^ UInt64(layer))
            h = fmix(h ^ small)
            return h == 0 ? 1 : h
        }
    }
}

/// How the initiator (the client, `src_*` in every event) of a flow was decided.
public enum InitiatorMethod: UInt8, Sendable, CaseIterable {
    /// TCP: the first packet seen was a SYN without ACK (sender is the initiator), or a SYN+ACK (receiver is).
    case handshake
    /// The sender of the first packet seen.
    case firstPacket
    /// The capture started mid-conversation: the end on the well-known (lower, service) port is the responder.
    case wellKnownPort
    /// ICMP/ICMPv6: a reply type (echo reply, ...) seen first means its receiver asked.
    case icmpType

    /// The word used in EVE output (`segcheck.initiator`).
    public var name: String {
        switch self {
        case .handshake: return "handshake"
        case .firstPacket: return "first-packet"
        case .wellKnownPort: return "well-known-port"
        case .icmpType: return "icmp-type"
        }
    }
}

/// ICMP and ICMPv6 request/reply pairing: both directions of an echo (and the other query/response pairs) share
/// one flow, keyed on the request type.
public enum ICMPPairing {
    /// Returns the key type (the request type of a pair, else the type itself) and whether `type` is a reply.
    @inlinable
    public static func normalize(proto: UInt8, type: UInt8) -> (keyType: UInt8, isReply: Bool) {
        if proto == IPProto.icmp {
            switch type {
            case 0: return (8, true)      // echo reply → echo request
            case 14: return (13, true)    // timestamp reply
            case 16: return (15, true)    // information reply
            case 18: return (17, true)    // address mask reply
            case 9: return (10, true)     // router advertisement → router solicitation
            default: return (type, false)
            }
        }
        switch type {                      // ICMPv6
        case 129: return (128, true)      // echo reply
        case 131: return (130, true)      // MLD report → query
        case 134: return (133, true)      // router advertisement → solicitation
        case 136: return (135, true)      // neighbor advertisement → solicitation
        case 140: return (139, true)      // node information reply
        default: return (type, false)
        }
    }
}

/// Decides which end of a new flow is the initiator from its first packet.
public enum InitiatorRule {
    /// Ports at or above this are taken for ephemeral (client) ports when the capture starts mid-stream.
    public static let ephemeralFloor: UInt16 = 1024

    /// `isReply` is the ICMP pairing result (ignored for other protocols).
    @inlinable
    public static func decide(proto: UInt8, tcpFlags: UInt8, srcPort: UInt16, dstPort: UInt16, isReply: Bool) -> (senderIsInitiator: Bool, method: InitiatorMethod) {
        switch proto {
        case IPProto.tcp:
            let syn = tcpFlags & 0x02 != 0, ack = tcpFlags & 0x10 != 0
            if syn && !ack { return (true, .handshake) }
            if syn && ack { return (false, .handshake) }
            return portHeuristic(srcPort: srcPort, dstPort: dstPort)
        case IPProto.udp:
            // A reply from a service port to an ephemeral one seen first: the capture started mid-stream.
            if srcPort < ephemeralFloor && dstPort >= ephemeralFloor { return (false, .wellKnownPort) }
            return (true, .firstPacket)
        case IPProto.icmp, IPProto.icmpv6:
            return isReply ? (false, .icmpType) : (true, .firstPacket)
        default:
            return (true, .firstPacket)
        }
    }

    /// Mid-stream TCP: the end on the service port is the responder; with no clear answer, the first sender.
    @inlinable
    public static func portHeuristic(srcPort: UInt16, dstPort: UInt16) -> (senderIsInitiator: Bool, method: InitiatorMethod) {
        let srcService = srcPort < ephemeralFloor, dstService = dstPort < ephemeralFloor
        if srcService && !dstService { return (false, .wellKnownPort) }
        if dstService && !srcService { return (true, .wellKnownPort) }
        // Both registered/ephemeral: the one in the dynamic range (49152+) is the client.
        if srcPort >= 49152 && dstPort < 49152 { return (true, .wellKnownPort) }
        if dstPort >= 49152 && srcPort < 49152 { return (false, .wellKnownPort) }
        return (true, .firstPacket)
    }
}
