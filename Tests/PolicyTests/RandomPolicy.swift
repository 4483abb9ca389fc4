// Random policies for the property test: laminar zone/host address blocks (IPv4 and IPv6, CIDRs and ranges, nested and
// overlapping prefixes), rules over zones, host groups, tiers and any, with protocols, port ranges and ICMP type/code.
import Policy
import Wire

/// SplitMix64: small, fast and reproducible from a seed.
struct SeededRandom: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

struct RandomPolicy {
    var policy: Policy
    /// Every block's bounds, for choosing interesting addresses (at, just inside and just outside each edge).
    var edges: [IPAddress]
    var portEdges: [UInt16]

    static func make(seed: UInt64, maxRules: Int) -> RandomPolicy {
        var rng = SeededRandom(seed: seed)
        let here = SourceLocation(file: "random", line: 1, column: 1)
        var blocks: [(IPAddress, IPAddress)] = []
        func laminar(_ f: IPAddress, _ l: IPAddress) -> Bool {
            for (bf, bl) in blocks {
                if bf == f && bl == l { return false }
                let disjoint = l < bf || bl < f
                let nested = (bf <= f && l <= bl) || (f <= bf && bl <= l)
                if !disjoint && !nested { return false }
            }
            return true
        }
        // A few base prefixes so blocks nest and collide often: 10/8-ish IPv4 and 2001:db8::/32-ish IPv6.
        func randomBlock(inside: (IPAddress, IPAddress)?) -> (IPNetwork?, IPAddress, IPAddress) {
            let v6 = inside.map { !$0.0.isIPv4 } ?? (Int.random(in: 0..<4, using: &rng) == 0)
            if let (f, l) = inside, Bool.random(using: &rng) {
                // A sub-range of the enclosing block.
                let a = random(in: f, l), b = random(in: f, l)
                return (nil, min(a, b), max(a, b))
            }
            var base: IPAddress
            var minLen: Int
            if let (f, _) = inside { base = f; minLen = 0 } else if v6 {
                base = IPAddress(hi: 0x2001_0db8_0000_0000 | (rng.next() & 0x3_0000_0000), lo: rng.next()); minLen = 30
            } else {
                base = IPAddress(v4: 0x0A00_0000 | UInt32(truncatingIfNeeded: rng.next() & 0x03FF_FFFF)); minLen = 96 + 6
            }
            if let (f, l) = inside { base = random(in: f, l) }
            let len = Int.random(in: min(128, max(minLen, (inside.map { prefixLength(of: $0) } ?? minLen) + 1))...128, using: &rng)
            let net = IPNetwork(address: base, prefixLength: min(len, 128))
            return (net, net.first, net.last)
        }
        func prefixLength(of b: (IPAddress, IPAddress)) -> Int {
            for len in 0...128 where IPNetwork(address: b.0, prefixLength: len).last <= b.1 { return len }
            return 128
        }
        func random(in f: IPAddress, _ l: IPAddress) -> IPAddress {
            // Uniform enough: pick the high or low part and clamp.
            var a = IPAddress(hi: f.hi == l.hi ? f.hi : UInt64.random(in: f.hi...l.hi, using: &rng), lo: rng.next())
            if a < f { a = f }
            if a > l { a = l }
            return a
        }

        var policy = Policy(name: "random \(seed)")
        let tiers = ["mynumber", "lgwan", "internet", "external", "juki"]
        let zoneCount = Int.random(in: 2...24, using: &rng)
        var zoneBlocks: [[(IPAddress, IPAddress)]] = []
        for z in 0..<zoneCount {
            var zone = Zone(name: "z\(z)", tier: tiers.randomElement(using: &rng)!, networks: [], location: here)
            var mine: [(IPAddress, IPAddress)] = []
            if z == 0 && Bool.random(using: &rng) {
                // A catch-all like `external: [0.0.0.0/0, ::/0]`.
                for n in [IPNetwork("0.0.0.0/0")!, IPNetwork("::/0")!] where laminar(n.first, n.last) {
                    zone.networks.append(n); blocks.append((n.first, n.last)); mine.append((n.first, n.last))
                }
            }
            for _ in 0..<Int.random(in: 1...4, using: &rng) {
                let parent = (!blocks.isEmpty && Int.random(in: 0..<3, using: &rng) == 0) ? blocks.randomElement(using: &rng) : nil
                let (net, f, l) = randomBlock(inside: parent)
                guard laminar(f, l) else { continue }
                blocks.append((f, l)); mine.append((f, l))
                if let net { zone.networks.append(net) } else { zone.ranges.append(f...l) }
            }
            zoneBlocks.append(mine)
            policy.zones.append(zone)
        }
        for h in 0..<Int.random(in: 0...40, using: &rng) {
            let z = Int.random(in: 0..<zoneCount, using: &rng)
            guard let parent = zoneBlocks[z].randomElement(using: &rng) else { continue }
            var host = HostGroup(name: "h\(h)", zone: "z\(z)", networks: [], location: here)
            for _ in 0..<Int.random(in: 1...3, using: &rng) {
                // Sometimes nest inside an existing host block of the same zone's block to get host chains.
                let (net, f, l) = randomBlock(inside: parent)
                guard laminar(f, l) else { continue }
                blocks.append((f, l))
                if let net { host.networks.append(net) } else { host.ranges.append(f...l) }
            }
            if !host.networks.isEmpty || !host.ranges.isEmpty { policy.hosts.append(host) }
        }

        let names = policy.zones.map(\.name) + policy.hosts.map(\.name) + ["any", "any"] + tiers.map { "tier:" + $0 }
        let hotPorts: [UInt16] = [0, 22, 25, 53, 80, 443, 445, 1494, 3389, 8080, 65535]
        var portEdges: [UInt16] = hotPorts
        func port() -> UInt16 {
            Bool.random(using: &rng) ? hotPorts.randomElement(using: &rng)! : UInt16.random(in: 0...65535, using: &rng)
        }
        for r in 0..<Int.random(in: 1...maxRules, using: &rng) {
            var rule = FlowRule(id: "r\(r)", from: names.randomElement(using: &rng)!, to: names.randomElement(using: &rng)!,
                                action: [.allow, .deny, .alert].randomElement(using: &rng)!, location: here, inheritedFrom: "random")
            switch Int.random(in: 0..<10, using: &rng) {
            case 0, 1: rule.proto = nil
            case 2, 3, 4: rule.proto = 6
            case 5, 6: rule.proto = 17
            case 7: rule.proto = 1
            case 8: rule.proto = 58
            default: rule.proto = UInt8.random(in: 0...255, using: &rng)
            }
            let p = rule.proto
            let canPort = p == nil || [6, 17, 33, 132, 136].contains(p!)
            if canPort && Int.random(in: 0..<3, using: &rng) > 0 {
                for _ in 0..<Int.random(in: 1...3, using: &rng) {
                    let a = port(), b = Bool.random(using: &rng) ? a : port()
                    rule.ports.append(PortRange(min(a, b), max(a, b)))
                    portEdges += [min(a, b), max(a, b)]
                }
            }
            if (p == 1 || p == 58) && Bool.random(using: &rng) {
                rule.icmpType = UInt8.random(in: 0...12, using: &rng)
                if Bool.random(using: &rng) { rule.icmpCode = UInt8.random(in: 0...4, using: &rng) }
            }
            policy.flows.append(rule)
        }
        var edges: [IPAddress] = []
        for (f, l) in blocks {
            edges.append(f); edges.append(l)
            if f != .zero { edges.append(f.lo == 0 ? IPAddress(hi: f.hi - 1, lo: .max) : IPAddress(hi: f.hi, lo: f.lo - 1)) }
            if l != .max { edges.append(l.lo == .max ? IPAddress(hi: l.hi + 1, lo: 0) : IPAddress(hi: l.hi, lo: l.lo + 1)) }
        }
        return RandomPolicy(policy: policy, edges: edges, portEdges: portEdges)
    }

    /// A random flow biased to block edges, in-block addresses and rule port edges.
    func flow(_ rng: inout SeededRandom) -> (IPAddress, IPAddress, UInt8, UInt16, UInt16) {
        func address() -> IPAddress {
            switch Int.random(in: 0..<4, using: &rng) {
            case 0: return IPAddress(v4: UInt32.random(in: 0...UInt32.max, using: &rng))
            case 1: return IPAddress(hi: rng.next(), lo: rng.next())
            default: return edges.isEmpty ? .zero : edges.randomElement(using: &rng)!
            }
        }
        let protos: [UInt8] = [6, 6, 17, 1, 58, 47, 132, 0, 255]
        let proto = Bool.random(using: &rng) ? protos.randomElement(using: &rng)! : UInt8.random(in: 0...255, using: &rng)
        func port() -> UInt16 {
            let e = portEdges.randomElement(using: &rng)!
            switch Int.random(in: 0..<4, using: &rng) {
            case 0: return e &+ 1
            case 1: return e &- 1
            case 2: return UInt16.random(in: 0...65535, using: &rng)
            default: return e
            }
        }
        if proto == 1 || proto == 58 {
            return (address(), address(), proto, UInt16.random(in: 0...13, using: &rng), UInt16.random(in: 0...5, using: &rng))
        }
        return (address(), address(), proto, port(), port())
    }
}
