// The segmentation policy as BDDs over the same header space: zone address sets (longest prefix wins), the
// first-match set of flows the policy allows, and a concrete classifier for witnesses.
import Policy
import Wire

public final class PolicySpace {
    public let policy: Policy
    public let space: HeaderSpace
    var bdd: BDD { space.bdd }
    /// Per zone: source/destination addresses that belong to it (after more specific zones took theirs).
    public private(set) var srcZone: [BDDRef] = []
    public private(set) var dstZone: [BDDRef] = []
    /// Per zone: in/out interface constraint from `policy.interfaces` (true when the zone has no interface).
    public private(set) var inIface: [BDDRef] = []
    public private(set) var outIface: [BDDRef] = []
    /// Per zone: interface names the policy maps to it.
    public private(set) var zoneInterfaces: [[String]] = []
    /// Packets the policy allows (first match over `policy.flows`; cross-zone default deny, intra-zone allowed).
    public private(set) var allowed: BDDRef = BDD.falseRef
    /// Zone ranges ordered most specific first: (range, zone index).
    let ordered: [(ClosedRange<IPAddress>, Int)]
    /// Per flow rule: its match set.
    public private(set) var flowMatch: [BDDRef] = []
    public private(set) var notes: [String] = []

    public init(policy: Policy, space: HeaderSpace) {
        self.policy = policy
        self.space = space
        var entries: [(ClosedRange<IPAddress>, Int)] = []
        for (i, z) in policy.zones.enumerated() {
            for n in z.networks { entries.append((n.first...n.last, i)) }
            for r in z.ranges { entries.append((r, i)) }
        }
        func size(_ r: ClosedRange<IPAddress>) -> (UInt64, UInt64) {
            let lo = r.upperBound.lo &- r.lowerBound.lo
            let borrow: UInt64 = r.upperBound.lo < r.lowerBound.lo ? 1 : 0
            return (r.upperBound.hi &- r.lowerBound.hi &- borrow, lo)
        }
        ordered = entries.enumerated().sorted { a, b in
            let sa = size(a.element.0), sb = size(b.element.0)
            return sa != sb ? (sa.0 != sb.0 ? sa.0 < sb.0 : sa.1 < sb.1) : a.offset < b.offset
        }.map { $0.element }
        var src = Array(repeating: BDD.falseRef, count: policy.zones.count)
        var dst = src
        var claimedS = BDD.falseRef, claimedD = BDD.falseRef
        for (r, z) in ordered {
            let s = space.srcIn([r]), d = space.dstIn([r])
            src[z] = bdd.or(src[z], bdd.andNot(s, claimedS)); claimedS = bdd.or(claimedS, s)
            dst[z] = bdd.or(dst[z], bdd.andNot(d, claimedD)); claimedD = bdd.or(claimedD, d)
        }
        srcZone = src; dstZone = dst
        for z in policy.zones {
            let names = policy.interfaces.filter { $0.value == z.name }.map { $0.key }.sorted()
            zoneInterfaces.append(names)
            let idx = names.compactMap { space.index(ofInterface: $0) }
            inIface.append(idx.isEmpty ? BDD.trueRef : space.interfaceIn(space.inIface, idx))
            outIface.append(idx.isEmpty ? BDD.trueRef : space.interfaceIn(space.outIface, idx))
        }
        var matches: [BDDRef] = []
        for f in policy.flows { matches.append(flowSet(f)) }
        flowMatch = matches
        // First match: fold from the last rule; nothing matched → allowed only inside one zone.
        var acc = sameZone
        for (i, f) in policy.flows.enumerated().reversed() {
            let allows = f.action != .deny
            acc = allows ? bdd.or(matches[i], acc) : bdd.andNot(acc, matches[i])
        }
        allowed = acc
    }

    lazy var sameZone: BDDRef = {
        var s = BDD.falseRef
        for i in policy.zones.indices { s = bdd.or(s, bdd.and(srcZone[i], dstZone[i])) }
        return s
    }()

    func endpoint(_ name: String, src: Bool) -> BDDRef {
        if name == "any" || name == "*" { return BDD.trueRef }
        if name.hasPrefix("tier:") {
            let tier = name.dropFirst(5)
            return policy.zones.indices.filter { policy.zones[$0].tier == tier }.reduce(BDD.falseRef) { bdd.or($0, src ? srcZone[$1] : dstZone[$1]) }
        }
        if let z = policy.zones.firstIndex(where: { $0.name == name }) { return src ? srcZone[z] : dstZone[z] }
        if let h = policy.hosts.first(where: { $0.name == name }) {
            let rs = h.networks.map { $0.first...$0.last } + h.ranges
            return src ? space.srcIn(rs) : space.dstIn(rs)
        }
        notes.append("policy names \(name), which is neither a zone nor a host group; treated as matching nothing")
        return BDD.falseRef
    }

    func flowSet(_ f: FlowRule) -> BDDRef {
        var m = bdd.and(endpoint(f.from, src: true), endpoint(f.to, src: false))
        let icmp = space.protoIn([IPProto.icmp, IPProto.icmpv6])
        if let p = f.proto { m = bdd.and(m, space.protoIn([p])) }
        // As PolicyCompiler: `ports` restrict a rule to port-carrying protocols, ICMP type/code to ICMP.
        if !f.ports.isEmpty { m = bdd.and(m, bdd.and(space.protoIn(HeaderSpace.portProtocols), space.portsIn(space.dstPort, f.ports))) }
        if let t = f.icmpType { m = bdd.and(m, bdd.and(icmp, space.equals(space.srcPort, FieldValue(lo: UInt64(t))))) }
        if let c = f.icmpCode { m = bdd.and(m, bdd.and(icmp, space.equals(space.dstPort, FieldValue(lo: UInt64(c))))) }
        return m
    }

    /// Packets from zone a to zone b (addresses and, when the policy maps interfaces, the interfaces).
    public func pair(_ a: Int, _ b: Int) -> BDDRef {
        bdd.and(bdd.and(srcZone[a], dstZone[b]), bdd.and(inIface[a], outIface[b]))
    }

    /// Packets from zone a to zone b the policy forbids.
    public func forbidden(_ a: Int, _ b: Int) -> BDDRef { bdd.andNot(pair(a, b), allowed) }

    /// The zone an address belongs to (most specific network wins).
    public func zone(of a: IPAddress) -> Int? { ordered.first { $0.0.contains(a) }?.1 }

    /// The first policy rule matching a packet (nil = none: default), and whether the policy allows it.
    public func classify(_ p: Packet) -> (rule: Int?, allowed: Bool) {
        let sz = zone(of: p.src), dz = zone(of: p.dst)
        for (i, f) in policy.flows.enumerated() where flowMatches(f, p, sz, dz) {
            return (i, f.action != .deny)
        }
        return (nil, sz != nil && sz == dz)
    }

    func flowMatches(_ f: FlowRule, _ p: Packet, _ sz: Int?, _ dz: Int?) -> Bool {
        func ep(_ name: String, _ a: IPAddress, _ z: Int?) -> Bool {
            if name == "any" || name == "*" { return true }
            if name.hasPrefix("tier:") { return z.map { policy.zones[$0].tier == name.dropFirst(5) } ?? false }
            if let zi = policy.zones.firstIndex(where: { $0.name == name }) { return z == zi }
            if let h = policy.hosts.first(where: { $0.name == name }) {
                return h.networks.contains { $0.contains(a) } || h.ranges.contains { $0.contains(a) }
            }
            return false
        }
        guard ep(f.from, p.src, sz), ep(f.to, p.dst, dz) else { return false }
        if let pr = f.proto, pr != p.proto { return false }
        if !f.ports.isEmpty && (!HeaderSpace.portProtocols.contains(p.proto) || !f.ports.contains(where: { $0.contains(p.dstPort) })) { return false }
        if let t = f.icmpType, !p.isICMP || UInt16(t) != p.srcPort { return false }
        if let c = f.icmpCode, !p.isICMP || UInt16(c) != p.dstPort { return false }
        return true
    }
}
