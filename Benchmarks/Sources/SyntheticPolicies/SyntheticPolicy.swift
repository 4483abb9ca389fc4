// Synthetic policies for benchmarks: N rules over zones and host groups, with services drawn from a fixed catalog, the
// shape a large municipality's flow table takes (zone-to-zone service rules plus host-group exceptions).
import Policy
import Wire

/// SplitMix64, so every run builds the same policy and the same flows.
public struct BenchRandom: RandomNumberGenerator {
    var state: UInt64
    public init(seed: UInt64) { state = seed }
    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

public struct Flow: Sendable {
    public var src: IPAddress, dst: IPAddress
    public var proto: UInt8
    public var srcPort: UInt16, dstPort: UInt16
}

public enum SyntheticPolicy {
    /// Zones grow with the rule count up to 64 (each an IPv4 /16 and an IPv6 /48, plus a catch-all external zone);
    /// host groups up to 256 (/28s inside zones); services from a catalog of 512 (TCP/UDP ports and ranges, ICMP types,
    /// any). 80 % of rule ends name a zone or tier, 5 % any, 15 % a host group.
    public static func make(rules n: Int, seed: UInt64 = 42) -> Policy {
        var rng = BenchRandom(seed: seed)
        let here = SourceLocation(file: "synthetic", line: 1, column: 1)
        let zoneCount = min(64, max(4, n / 40))
        let hostCount = min(256, max(2, n / 100))
        let tiers = ["mynumber", "lgwan", "internet", "juki", "school-admin", "school-edu"]
        var policy = Policy(name: "synthetic \(n) rules")
        for z in 0..<zoneCount {
            policy.zones.append(Zone(name: "z\(z)", tier: tiers[z % tiers.count], networks: [
                IPNetwork(address: IPAddress(v4: 0x0A00_0000 | UInt32(z) << 16), prefixLength: 96 + 16),
                IPNetwork(address: IPAddress(hi: 0xFD00_0000_0000_0000 | UInt64(z) << 16, lo: 0), prefixLength: 48),
            ], location: here))
        }
        policy.zones.append(Zone(name: "external", tier: "external", networks: [IPNetwork("0.0.0.0/0")!, IPNetwork("::/0")!], location: here))
        for h in 0..<hostCount {
            let z = h % zoneCount
            let v4 = 0x0A00_0000 | UInt32(z) << 16 | UInt32(h / zoneCount + 1) << 4
            policy.hosts.append(HostGroup(name: "h\(h)", zone: "z\(z)", networks: [IPNetwork(address: IPAddress(v4: v4), prefixLength: 124)], location: here))
        }
        // Service catalog.
        var services: [(UInt8?, [PortRange], UInt8?)] = []
        for i in 0..<512 {
            switch i % 8 {
            case 0, 1, 2, 3: services.append((6, [PortRange(UInt16(20 + i * 97 % 60000), UInt16(20 + i * 97 % 60000))], nil))
            case 4: let lo = UInt16(1024 + i * 53 % 50000); services.append((6, [PortRange(lo, lo + UInt16(i % 16))], nil))
            case 5: services.append((17, [PortRange(UInt16(53 + i * 31 % 60000), UInt16(53 + i * 31 % 60000))], nil))
            case 6: services.append((1, [], UInt8(i % 16)))
            default: services.append((nil, [], nil))
            }
        }
        let zoneNames = policy.zones.dropLast().map(\.name) + tiers.map { "tier:" + $0 }
        func end() -> String {
            let x = Int.random(in: 0..<100, using: &rng)
            if x < 80 { return zoneNames.randomElement(using: &rng)! }
            if x < 85 { return "any" }
            return "h\(Int.random(in: 0..<hostCount, using: &rng))"
        }
        for r in 0..<n {
            let s = services.randomElement(using: &rng)!
            var rule = FlowRule(id: "R\(r)", from: end(), to: end(), proto: s.0, ports: s.1, icmpType: s.2,
                                action: [.allow, .allow, .deny, .alert].randomElement(using: &rng)!, location: here, inheritedFrom: "synthetic")
            if rule.from == "any" && rule.to == "any" { rule.to = "z0" }
            policy.flows.append(rule)
        }
        policy.sources = ["synthetic"]
        return policy
    }

    /// Flows whose ends are mostly inside the policy's zones and host groups, with ports from its rules and at random.
    public static func flows(for policy: Policy, count: Int, seed: UInt64 = 7) -> [Flow] {
        var rng = BenchRandom(seed: seed)
        let blocks = (policy.zones.flatMap(\.networks) + policy.hosts.flatMap(\.networks)).filter { $0.prefixLength > 0 }
        var ports: [UInt16] = [22, 25, 53, 80, 443, 3389]
        for rule in policy.flows { for range in rule.ports { ports.append(range.lo) } }
        func address() -> IPAddress {
            if Int.random(in: 0..<10, using: &rng) == 0 { return IPAddress(v4: UInt32.random(in: 0...UInt32.max, using: &rng)) }
            let n = blocks.randomElement(using: &rng)!
            let host = n.prefixLength >= 128 ? 0 : rng.next() & (UInt64.max >> UInt64(max(64, n.prefixLength) - 64))
            return IPAddress(hi: n.address.hi, lo: n.address.lo | host)
        }
        var out: [Flow] = []
        out.reserveCapacity(count)
        for _ in 0..<count {
            let p: UInt8 = [6, 6, 6, 17, 17, 1, 58, 47].randomElement(using: &rng)!
            let dport: UInt16 = Bool.random(using: &rng) ? ports.randomElement(using: &rng)! : UInt16.random(in: 0...65535, using: &rng)
            let sport: UInt16 = p == 1 ? UInt16.random(in: 0...15, using: &rng) : 40000
            let dportValue: UInt16 = p == 1 ? 0 : dport
            out.append(Flow(src: address(), dst: address(), proto: p, srcPort: sport, dstPort: dportValue))
        }
        return out
    }
}
