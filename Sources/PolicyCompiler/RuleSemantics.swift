// What one flow rule matches, stated once per field: endpoints (zone, tier, host group, any), protocol, ports, ICMP type/code.
// The compiler evaluates these per equivalence class at build time; nothing here runs per packet.
import Policy
import Wire

/// A rule's endpoint resolved against the policy's tables.
enum Endpoint: Equatable {
    case any
    case zone(Int32)
    case tier(String)
    case host(Int32)

    init(_ name: String, policy: Policy, zoneIndex: [String: Int32], hostIndex: [String: Int32]) {
        if name == "any" { self = .any }
        else if name.hasPrefix("tier:") { self = .tier(String(name.dropFirst(5))) }
        else if let z = zoneIndex[name] { self = .zone(z) }
        else if let h = hostIndex[name] { self = .host(h) }
        else { self = .tier("\u{0}unknown:" + name) }   // cannot happen after validation; matches nothing
    }

    /// Does an address of this class match the endpoint? (Addresses in no zone never reach rule matching.)
    func matches(_ info: AddressClassInfo, zoneTiers: [String]) -> Bool {
        guard info.zone >= 0 else { return false }
        switch self {
        case .any: return true
        case .zone(let z): return info.zone == z
        case .tier(let t): return zoneTiers[Int(info.zone)] == t
        case .host(let h): return info.hostChain.contains(h)
        }
    }
}

enum ServiceMatch {
    /// Protocols whose flows carry ports (TCP, UDP, DCCP, SCTP, UDP-Lite); a rule with `ports` only matches these.
    static let portProtocols: Set<UInt8> = [6, 17, 33, 132, 136]

    @inline(__always) static func isICMP(_ p: UInt8) -> Bool { p == IPProto.icmp || p == IPProto.icmpv6 }

    /// Whether a rule can match flows of protocol `p` at all (protocol field, and ports/ICMP fields that need a kind of protocol).
    static func ruleApplies(_ r: FlowRule, toProtocol p: UInt8) -> Bool {
        if let rp = r.proto, rp != p { return false }
        if !r.ports.isEmpty && !portProtocols.contains(p) { return false }
        if r.icmpType != nil && !isICMP(p) { return false }
        return true
    }

    /// The service-key intervals a rule accepts (for a protocol it applies to). nil = every key.
    static func keyRanges(_ r: FlowRule, proto p: UInt8) -> [ClosedRange<UInt16>]? {
        if portProtocols.contains(p), !r.ports.isEmpty { return r.ports.map { $0.lo...$0.hi } }
        if isICMP(p), let t = r.icmpType {
            let base = UInt16(t) << 8
            if let c = r.icmpCode { return [(base | UInt16(c))...(base | UInt16(c))] }
            return [base...(base | 0xFF)]
        }
        return nil
    }
}
