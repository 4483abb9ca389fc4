// Policy documents as read from a file (text + position of every value), and their checked assembly into a Policy.
// YAML and CSV readers both fill a PolicyDocument, so every field is parsed and validated by the same code here.
import Foundation
import Wire

/// A piece of text from a policy file together with where it was written.
public struct Located: Sendable, Hashable {
    public var text: String
    public var location: SourceLocation
    public init(_ text: String, _ location: SourceLocation) { self.text = text; self.location = location }
}

/// One policy file, before its values are parsed. Readers fill it; `assemble()` turns it into a checked `Policy`.
struct PolicyDocument {
    struct ZoneEntry {
        var name: Located
        var tier: Located?
        var label: Located?
        var networks: [Located] = []
        var vlans: [Located] = []
        var location: SourceLocation
    }
    struct HostEntry {
        var name: Located
        var zone: Located?
        var label: Located?
        var addresses: [Located] = []
        var macs: [Located] = []
        var location: SourceLocation
    }
    struct FlowEntry {
        var id: Located?
        var from: Located?
        var to: Located?
        var proto: Located?
        var ports: [Located] = []
        var icmpType: Located?
        var icmpCode: Located?
        var action: Located?
        var via: Located?
        var cite: Located?
        var note: Located?
        var location: SourceLocation
    }

    var file: String
    var name: Located?
    var extends: Located?
    var zones: [ZoneEntry] = []
    var hosts: [HostEntry] = []
    var flows: [FlowEntry] = []
    var interfaces: [(Located, Located)] = []
}

/// Where each address block of a policy was written: kept beside the Policy for overlap errors.
struct AddressBlock {
    var first: IPAddress
    var last: IPAddress
    var zone: Int
    var host: Int        // -1 for a zone's own network
    var location: SourceLocation
}

// MARK: - Field parsers (shared by YAML and CSV)

enum FieldParser {
    static func protocolNumber(_ v: Located) throws(PolicyError) -> UInt8? {
        let t = v.text.trimmingCharacters(in: .whitespaces).lowercased()
        switch t {
        case "", "any", "all", "ip": return nil
        case "tcp": return IPProto.tcp
        case "udp": return IPProto.udp
        case "icmp": return IPProto.icmp
        case "icmpv6", "ipv6-icmp", "icmp6": return IPProto.icmpv6
        case "gre": return IPProto.gre
        case "esp": return 50
        case "ah": return 51
        case "sctp": return 132
        default:
            if let n = Int(t), (0...255).contains(n) { return UInt8(n) }
            throw PolicyError(v.location, "unknown protocol '\(v.text)': expected tcp, udp, icmp, icmpv6, any or a number 0-255")
        }
    }

    static func portRange(_ v: Located) throws(PolicyError) -> PortRange {
        let t = v.text.trimmingCharacters(in: .whitespaces)
        let parts = t.split(separator: "-", maxSplits: 1, omittingEmptySubsequences: false)
        func port(_ s: Substring) -> UInt16? {
            let s = s.trimmingCharacters(in: .whitespaces)
            guard !s.isEmpty, s.allSatisfy({ $0.isASCII && $0.isNumber }), let n = Int(s), n <= 65535 else { return nil }
            return UInt16(n)
        }
        if parts.count == 1, let p = port(parts[0]) { return PortRange(p, p) }
        if parts.count == 2, let lo = port(parts[0]), let hi = port(parts[1]) {
            guard lo <= hi else { throw PolicyError(v.location, "port range '\(t)' runs backwards: expected low-high") }
            return PortRange(lo, hi)
        }
        throw PolicyError(v.location, "bad port '\(v.text)': expected a number 0-65535 or a range such as 1494-1495")
    }

    static func byte(_ v: Located, what: String) throws(PolicyError) -> UInt8 {
        let t = v.text.trimmingCharacters(in: .whitespaces)
        guard let n = Int(t), (0...255).contains(n) else { throw PolicyError(v.location, "bad \(what) '\(v.text)': expected a number 0-255") }
        return UInt8(n)
    }

    static func action(_ v: Located) throws(PolicyError) -> RuleAction {
        guard let a = RuleAction(rawValue: v.text.trimmingCharacters(in: .whitespaces).lowercased()) else {
            throw PolicyError(v.location, "unknown action '\(v.text)': expected allow, deny or alert")
        }
        return a
    }

    /// An address, a CIDR or an inclusive range `a-b`; returns the first and last address covered.
    static func addressBlock(_ v: Located) throws(PolicyError) -> (network: IPNetwork?, range: ClosedRange<IPAddress>) {
        let t = v.text.trimmingCharacters(in: .whitespaces)
        if t.contains("-") {
            let parts = t.split(separator: "-", maxSplits: 1)
            guard parts.count == 2,
                  let a = IPAddress(Substring(parts[0].trimmingCharacters(in: .whitespaces))),
                  let b = IPAddress(Substring(parts[1].trimmingCharacters(in: .whitespaces))) else {
                throw PolicyError(v.location, "bad address range '\(t)': expected first-last, e.g. 192.0.2.10-192.0.2.20")
            }
            guard a.isIPv4 == b.isIPv4 else { throw PolicyError(v.location, "address range '\(t)' mixes IPv4 and IPv6") }
            guard a <= b else { throw PolicyError(v.location, "address range '\(t)' runs backwards: expected first-last") }
            return (nil, a...b)
        }
        guard let n = IPNetwork(Substring(t)) else {
            throw PolicyError(v.location, "bad network '\(t)': expected an IPv4/IPv6 address, a CIDR such as 192.0.2.0/24, or a range")
        }
        // Reject host bits set after the prefix (10.1.2.3/16): almost always a typo for a different network.
        let slash = t.split(separator: "/")
        if slash.count == 2, let a = IPAddress(slash[0]), a != n.address {
            throw PolicyError(v.location, "network '\(t)' has host bits set: did you mean \(n)?")
        }
        return (n, n.first...n.last)
    }

    static func mac(_ v: Located) throws(PolicyError) -> MACAddress {
        guard let m = MACAddress(v.text.trimmingCharacters(in: .whitespaces)) else {
            throw PolicyError(v.location, "bad MAC address '\(v.text)': expected six hex pairs such as 02:00:00:00:05:05")
        }
        return m
    }

    static func vlan(_ v: Located) throws(PolicyError) -> UInt16 {
        guard let n = Int(v.text.trimmingCharacters(in: .whitespaces)), (1...4094).contains(n) else {
            throw PolicyError(v.location, "bad VLAN '\(v.text)': expected a number 1-4094")
        }
        return UInt16(n)
    }

    static let portProtocols: Set<UInt8> = [6, 17, 33, 132, 136]
}

// MARK: - Assembly and validation

extension PolicyDocument {
    /// Parses every field and checks names, references and address overlaps. Flows from `extends:` are added by the loader.
    func assemble(strictTiers: Bool = true) throws(PolicyError) -> (Policy, [AddressBlock]) {
        var policy = Policy(name: name?.text ?? "", extends: extends?.text)
        policy.sources = [file]
        var names: [String: SourceLocation] = [:]
        func claim(_ n: Located, what: String) throws(PolicyError) {
            let t = n.text
            guard !t.isEmpty else { throw PolicyError(n.location, "empty \(what) name") }
            guard t != "any", !t.hasPrefix("tier:") else {
                throw PolicyError(n.location, "'\(t)' cannot be a \(what) name: 'any' and 'tier:...' are reserved in flow rules")
            }
            if let earlier = names[t] { throw PolicyError(n.location, "\(what) name '\(t)' is already used at \(earlier)") }
            names[t] = n.location
        }

        var blocks: [AddressBlock] = []
        for z in zones {
            try claim(z.name, what: "zone")
            var zone = Zone(name: z.name.text, tier: z.tier?.text ?? z.name.text, label: z.label?.text, networks: [], location: z.location)
            if let tier = z.tier, tier.text.isEmpty { throw PolicyError(tier.location, "empty tier for zone '\(z.name.text)'") }
            for n in z.networks {
                let (net, range) = try FieldParser.addressBlock(n)
                if let net { zone.networks.append(net) } else { zone.ranges.append(range) }
                blocks.append(AddressBlock(first: range.lowerBound, last: range.upperBound, zone: policy.zones.count, host: -1, location: n.location))
            }
            for v in z.vlans { zone.vlans.append(try FieldParser.vlan(v)) }
            policy.zones.append(zone)
        }
        let zoneIndex = Dictionary(uniqueKeysWithValues: policy.zones.enumerated().map { ($1.name, $0) })

        for h in hosts {
            try claim(h.name, what: "host group")
            guard let zoneName = h.zone else { throw PolicyError(h.location, "host group '\(h.name.text)' needs 'zone:' naming the zone it belongs to") }
            guard let zi = zoneIndex[zoneName.text] else {
                throw PolicyError(zoneName.location, "unknown zone '\(zoneName.text)' for host group '\(h.name.text)'" + suggestion(zoneName.text, Array(zoneIndex.keys)))
            }
            var host = HostGroup(name: h.name.text, zone: zoneName.text, label: h.label?.text, networks: [], location: h.location)
            if h.addresses.isEmpty { throw PolicyError(h.location, "host group '\(h.name.text)' has no addresses") }
            for a in h.addresses {
                let (net, range) = try FieldParser.addressBlock(a)
                if let net { host.networks.append(net) } else { host.ranges.append(range) }
                // A host group belongs to its zone: each of its blocks must lie inside one of that zone's blocks.
                let inside = blocks.contains { $0.host == -1 && $0.zone == zi && $0.first <= range.lowerBound && range.upperBound <= $0.last }
                guard inside else {
                    throw PolicyError(a.location, "address '\(a.text)' of host group '\(h.name.text)' is not inside any network of its zone '\(zoneName.text)'")
                }
                blocks.append(AddressBlock(first: range.lowerBound, last: range.upperBound, zone: zi, host: policy.hosts.count, location: a.location))
            }
            for m in h.macs { host.macs.append(try FieldParser.mac(m)) }
            policy.hosts.append(host)
        }
        try AddressOverlap.check(blocks, policy: policy)

        let hostNames = Set(policy.hosts.map(\.name))
        let tiers = Set(policy.zones.map(\.tier))
        var ids: [String: SourceLocation] = [:]
        for (i, f) in flows.enumerated() {
            let id = f.id?.text.isEmpty == false ? f.id!.text : "R\(i + 1)"
            if let earlier = ids[id] { throw PolicyError(f.id?.location ?? f.location, "rule id '\(id)' is already used at \(earlier)") }
            ids[id] = f.id?.location ?? f.location
            guard let from = f.from else { throw PolicyError(f.location, "rule '\(id)' needs 'from:' (the initiating zone, host group, tier:NAME or any)") }
            guard let to = f.to else { throw PolicyError(f.location, "rule '\(id)' needs 'to:' (the responding zone, host group, tier:NAME or any)") }
            guard let action = f.action else { throw PolicyError(f.location, "rule '\(id)' needs 'action:' (allow, deny or alert)") }
            for end in [from, to] {
                let t = end.text
                if t == "any" || zoneIndex[t] != nil || hostNames.contains(t) { continue }
                if t.hasPrefix("tier:") {
                    let tier = String(t.dropFirst(5))
                    if tier.isEmpty { throw PolicyError(end.location, "'tier:' needs a tier name, e.g. tier:lgwan") }
                    // A policy's own rule naming a tier no zone has would never match: say so. Presets may name absent tiers.
                    if strictTiers && !tiers.contains(tier) {
                        throw PolicyError(end.location, "no zone has tier '\(tier)' (rule '\(id)'); tiers here: \(tiers.sorted().joined(separator: ", "))")
                    }
                    continue
                }
                throw PolicyError(end.location, "unknown zone or host group '\(t)' in rule '\(id)'" + suggestion(t, Array(zoneIndex.keys) + Array(hostNames)))
            }
            var rule = FlowRule(id: id, from: from.text, to: to.text, action: try FieldParser.action(action),
                                via: f.via?.text, cite: f.cite?.text ?? "", location: f.location, note: f.note?.text)
            if let p = f.proto { rule.proto = try FieldParser.protocolNumber(p) }
            for p in f.ports { rule.ports.append(try FieldParser.portRange(p)) }
            let isICMP = rule.proto == IPProto.icmp || rule.proto == IPProto.icmpv6
            if !rule.ports.isEmpty {
                if let p = rule.proto, !FieldParser.portProtocols.contains(p) {
                    throw PolicyError(f.ports[0].location, "rule '\(id)' gives ports for protocol \(IPProto.eveName(p)), which has none: use icmp_type/icmp_code for ICMP")
                }
            }
            if let t = f.icmpType {
                guard isICMP else { throw PolicyError(t.location, "icmp_type needs proto icmp or icmpv6 in rule '\(id)'") }
                rule.icmpType = try FieldParser.byte(t, what: "ICMP type")
            }
            if let c = f.icmpCode {
                guard rule.icmpType != nil else { throw PolicyError(c.location, "icmp_code needs icmp_type in rule '\(id)'") }
                rule.icmpCode = try FieldParser.byte(c, what: "ICMP code")
            }
            policy.flows.append(rule)
        }
        let allNames = Set(zoneIndex.keys)
        for (iface, zone) in interfaces {
            guard allNames.contains(zone.text) else { throw PolicyError(zone.location, "unknown zone '\(zone.text)' for interface '\(iface.text)'") }
            if policy.interfaces[iface.text] != nil { throw PolicyError(iface.location, "interface '\(iface.text)' is listed twice") }
            policy.interfaces[iface.text] = zone.text
        }
        return (policy, blocks)
    }

    private func suggestion(_ name: String, _ candidates: [String]) -> String {
        func distance(_ a: [Character], _ b: [Character]) -> Int {
            var prev = Array(0...b.count)
            for (i, ca) in a.enumerated() {
                var cur = [i + 1] + Array(repeating: 0, count: b.count)
                for (j, cb) in b.enumerated() { cur[j + 1] = min(prev[j + 1] + 1, cur[j] + 1, prev[j] + (ca == cb ? 0 : 1)) }
                prev = cur
            }
            return prev[b.count]
        }
        let target = Array(name.lowercased())
        if let best = candidates.map({ ($0, distance(target, Array($0.lowercased()))) }).min(by: { $0.1 < $1.1 }), best.1 <= 2, best.1 < target.count {
            return " (did you mean '\(best.0)'?)"
        }
        return candidates.isEmpty ? "" : "; known: " + candidates.sorted().prefix(12).joined(separator: ", ")
    }
}

/// Zone and host-group address blocks must nest or be disjoint; otherwise "the longest prefix" is ambiguous.
enum AddressOverlap {
    static func check(_ blocks: [AddressBlock], policy: Policy) throws(PolicyError) {
        let sorted = blocks.sorted { a, b in a.first != b.first ? a.first < b.first : a.last > b.last }
        var stack: [AddressBlock] = []
        func owner(_ b: AddressBlock) -> String {
            b.host >= 0 ? "host group '\(policy.hosts[b.host].name)'" : "zone '\(policy.zones[b.zone].name)'"
        }
        for b in sorted {
            while let top = stack.last, top.last < b.first { stack.removeLast() }
            if let top = stack.last {
                if top.last < b.last {
                    throw PolicyError(b.location, "\(owner(b)) block \(b.first)-\(b.last) partly overlaps \(owner(top)) block at \(top.location): zone membership would be ambiguous; make them nest or not touch")
                }
                if top.first == b.first && top.last == b.last && !(top.host == -1 && b.host >= 0) && !(top.host >= 0 && b.host == -1) {
                    let same = top.zone == b.zone && top.host == b.host
                    throw PolicyError(b.location, same
                        ? "\(owner(b)) lists the same addresses twice (first at \(top.location))"
                        : "\(owner(b)) has exactly the same addresses as \(owner(top)) at \(top.location): which one an address belongs to would be ambiguous")
                }
            }
            stack.append(b)
        }
    }
}
