// The plain first-match linear scan, written independently of the compiler: the property-test oracle and the benchmark baseline.
// It reads the Policy directly on every call (no precomputed classes), so it shares no logic with CompiledPolicy.
import Policy
import Wire

public struct LinearClassifier: Sendable {
    public let policy: Policy
    private let zoneTier: [String]
    private let hostZone: [Int]
    /// Every zone and host-group block, flattened once so the scan does not walk nested arrays.
    private let blocks: [(first: IPAddress, last: IPAddress, zone: Int, host: Int)]
    /// Each rule's endpoints, resolved once from their names.
    private enum End { case any, zone(Int), tier(String), host(Int), none }
    private let ends: [(from: End, to: End)]
    /// Each rule's service and action, copied out once so the scan does not copy whole FlowRule values.
    private struct Service { var proto: UInt8?; var ports: [PortRange]; var icmpType: UInt8?; var icmpCode: UInt8?; var action: RuleAction }
    private let services: [Service]

    public init(policy: Policy) {
        self.policy = policy
        zoneTier = policy.zones.map(\.tier)
        var zb: [String: Int] = [:]
        for (i, z) in policy.zones.enumerated() { zb[z.name] = i }
        var hb: [String: Int] = [:]
        for (i, h) in policy.hosts.enumerated() { hb[h.name] = i }
        hostZone = policy.hosts.map { zb[$0.zone] ?? -1 }
        var b: [(IPAddress, IPAddress, Int, Int)] = []
        for (zi, z) in policy.zones.enumerated() {
            for n in z.networks { b.append((n.first, n.last, zi, -1)) }
            for r in z.ranges { b.append((r.lowerBound, r.upperBound, zi, -1)) }
        }
        for (hi, h) in policy.hosts.enumerated() {
            for n in h.networks { b.append((n.first, n.last, zb[h.zone] ?? -1, hi)) }
            for r in h.ranges { b.append((r.lowerBound, r.upperBound, zb[h.zone] ?? -1, hi)) }
        }
        blocks = b
        func end(_ name: String) -> End {
            if name == "any" { return .any }
            if name.hasPrefix("tier:") { return .tier(String(name.dropFirst(5))) }
            if let z = zb[name] { return .zone(z) }
            if let h = hb[name] { return .host(h) }
            return .none
        }
        ends = policy.flows.map { (end($0.from), end($0.to)) }
        services = policy.flows.map { Service(proto: $0.proto, ports: $0.ports, icmpType: $0.icmpType, icmpCode: $0.icmpCode, action: $0.action) }
    }

    /// Size of an inclusive address interval minus one, as a 128-bit number (hi, lo): smaller = more specific.
    private static func span(_ first: IPAddress, _ last: IPAddress) -> (UInt64, UInt64) {
        let (lo, borrow) = last.lo.subtractingReportingOverflow(first.lo)
        return (last.hi &- first.hi &- (borrow ? 1 : 0), lo)
    }

    private static func inside(_ a: IPAddress, _ first: IPAddress, _ last: IPAddress) -> Bool { first <= a && a <= last }

    /// Zone of an address: the zone of the most specific block (zone network/range or host group block) containing it;
    /// on an exact tie a host group's block is more specific than its zone's.
    public func zone(of a: IPAddress) -> Int {
        var best = -1
        var bestSpan: (UInt64, UInt64) = (.max, .max)
        var bestIsHost = false
        for b in blocks where Self.inside(a, b.first, b.last) {
            let s = Self.span(b.first, b.last)
            let isHost = b.host >= 0
            if best < 0 || s < bestSpan || (s == bestSpan && isHost && !bestIsHost) { best = b.zone; bestSpan = s; bestIsHost = isHost }
        }
        return best
    }

    /// Whether host group `h` contains the address (any of its blocks).
    private func hostContains(_ h: Int, _ a: IPAddress) -> Bool {
        let g = policy.hosts[h]
        return g.networks.contains { $0.contains(a) } || g.ranges.contains { $0.contains(a) }
    }

    /// The most specific host group of the address's own zone that contains it, or -1.
    public func host(of a: IPAddress, zone: Int) -> Int {
        var best = -1
        var bestSpan: (UInt64, UInt64) = (.max, .max)
        for b in blocks where b.host >= 0 && b.zone == zone && Self.inside(a, b.first, b.last) {
            let s = Self.span(b.first, b.last)
            if best < 0 || s < bestSpan { best = b.host; bestSpan = s }
        }
        return best
    }

    private func endpointMatches(_ end: End, _ a: IPAddress, zone: Int) -> Bool {
        switch end {
        case .any: return true
        case .tier(let t): return zoneTier[zone] == t
        case .zone(let z): return z == zone
        case .host(let h): return hostZone[h] == zone && hostContains(h, a)
        case .none: return false
        }
    }

    private func serviceMatches(_ r: Service, proto: UInt8, srcPort: UInt16, dstPort: UInt16) -> Bool {
        if let p = r.proto, p != proto { return false }
        let portful = proto == 6 || proto == 17 || proto == 33 || proto == 132 || proto == 136
        let icmp = proto == 1 || proto == 58
        if !r.ports.isEmpty {
            guard portful else { return false }
            if !r.ports.contains(where: { $0.lo <= dstPort && dstPort <= $0.hi }) { return false }
        }
        if let t = r.icmpType {
            guard icmp, srcPort == UInt16(t) else { return false }
            if let c = r.icmpCode, dstPort != UInt16(c) { return false }
        }
        return true
    }

    public func classify(src: IPAddress, dst: IPAddress, proto: UInt8, srcPort: UInt16, dstPort: UInt16) -> Decision {
        let sz = zone(of: src), dz = zone(of: dst)
        let sh = sz >= 0 ? host(of: src, zone: sz) : -1
        let dh = dz >= 0 ? host(of: dst, zone: dz) : -1
        var d = Decision(verdict: .unknownZone, rule: -1, srcZone: Int32(sz), dstZone: Int32(dz), srcHost: Int32(sh), dstHost: Int32(dh))
        guard sz >= 0, dz >= 0 else { return d }
        for i in services.indices {
            guard endpointMatches(ends[i].from, src, zone: sz), endpointMatches(ends[i].to, dst, zone: dz),
                  serviceMatches(services[i], proto: proto, srcPort: srcPort, dstPort: dstPort) else { continue }
            let r = services[i]
            d.rule = Int32(i)
            switch r.action {
            case .allow: d.verdict = .allowed
            case .deny: d.verdict = .denied
            case .alert: d.verdict = .alert
            }
            return d
        }
        d.verdict = sz == dz ? .intraZone : .defaultDeny
        return d
    }
}
