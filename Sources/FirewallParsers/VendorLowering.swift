// VendorLowering: turns a parsed vendor configuration into the firewall rule model (chains, attachments, notes) and lists the vendor formats for detection.
import Firewall
import Policy
import Wire

extension VendorFormat {
    /// Name used by `--format` and in `RuleSet.format`.
    public var formatName: String { rawValue }

    /// Address families the format's filters see. Families a device does not filter are not analysed (reported in a note).
    var families: FamilySet {
        switch self {
        case .yamaha, .ix, .ios, .fortigate: return .ipv4
        case .asa, .panos, .junos: return .both
        }
    }

    /// Cheap sniffing of the first lines: true if the text looks like this format.
    public func looksLike(_ text: String) -> Bool {
        var n = 0
        for raw in text.split(separator: "\n", omittingEmptySubsequences: true) {
            n += 1
            if n > 400 { break }
            let line = raw.drop(while: { $0 == " " || $0 == "\t" })
            switch self {
            case .fortigate:
                if line.hasPrefix("config firewall policy") || line.hasPrefix("config firewall address") || line.hasPrefix("config firewall service") { return true }
            case .panos:
                if line.hasPrefix("set rulebase security") || (line.hasPrefix("set ") && line.contains(" rulebase security rules ")) { return true }
                if line.contains("<rulebase>") || line.contains("<security>") && text.contains("<rules>") { return true }
            case .junos:
                if line.hasPrefix("set security policies") || line.hasPrefix("set security zones") || line.hasPrefix("set security address-book") { return true }
                if line.hasPrefix("security {") || (line.hasPrefix("policies {") && text.contains("from-zone")) { return true }
            case .ix:
                if line.hasPrefix("ip access-list ") && line.contains(" src ") && line.contains(" dest ") { return true }
            case .asa:
                if line.hasPrefix("ASA Version") || (line.hasPrefix("access-group ") && line.contains(" interface ")) { return true }
                if line.hasPrefix("access-list ") && line.contains(" extended ") { return true }
            case .ios:
                if line.hasPrefix("ip access-list extended ") || line.hasPrefix("ip access-list standard ") || line.hasPrefix("ip access-group ") { return true }
                if line.hasPrefix("access-list "), let w = line.split(separator: " ").dropFirst().first, VendorParse.uint(w, max: 2699) != nil { return true }
            case .yamaha:
                if line.hasPrefix("ip filter ") || (line.hasPrefix("ip ") && line.contains(" secure filter ")) { return true }
            }
        }
        return false
    }
}

public enum VendorLowering {
    /// Detection order: the most specific signatures first.
    public static let detectionOrder: [VendorFormat] = [.fortigate, .panos, .junos, .ix, .asa, .ios, .yamaha]

    /// The vendor formats as `RuleSetFormat`s for `segcheck firewall` (`--format` names: yamaha, ix, fortigate, ios, asa, panos, junos).
    public static var formats: [RuleSetFormat] {
        detectionOrder.map { f in
            RuleSetFormat(name: f.formatName, detect: { f.looksLike($0) }, parse: { text, file in
                try VendorLowering.parse(text, file: file, format: f)
            })
        }
    }

    /// Parses and lowers in one step; errors come back as `ConfigError` (file, line, column, reason).
    public static func parse(_ text: String, file: String, format: VendorFormat) throws(ConfigError) -> RuleSet {
        do { return lower(try format.parseVendor(text, file: file)) } catch let e {
            throw ConfigError(SourceLocation(file: e.file, line: e.line, column: e.column), e.reason)
        }
    }

    public static func lower(_ v: VendorRuleSet) -> RuleSet {
        var rs = RuleSet(format: v.format.formatName, file: v.file, families: v.format.families)
        let fam = v.format.families
        for f in v.filters {
            var rules = f.rules.map { lower($0, v) }
            let applies: MatchExpr
            switch f.binding {
            case .interface(let name, let dir):
                let pat: [InterfacePattern] = [.exact(name)]
                applies = .test(dir == .in ? .inInterface(pat) : .outInterface(pat))
            case .zoneTable:
                applies = .any
            }
            if f.intraZoneDefaultPermit {
                var parts: [MatchExpr] = []
                for zone in v.zoneInterfaces.keys.sorted() {
                    let pats = patterns([zone], v)
                    parts.append(.and([.test(.inInterface(pats)), .test(.outInterface(pats))]))
                }
                if !parts.isEmpty {
                    rules.append(FirewallRule(match: .or(parts), action: .accept, location: f.location,
                                              text: "intrazone-default allow (same ingress and egress zone)", label: "intrazone-default"))
                }
            }
            // Chain names must be unique; bound lists are named after their binding.
            var name = f.name
            var k = 2
            while rs.chains.contains(where: { $0.name == name }) { name = "\(f.name) #\(k)"; k += 1 }
            rs.chains.append(Chain(name: name, rules: rules, defaultAction: f.defaultAction == .permit ? .accept : .drop, location: f.location))
            rs.attachments.append(Attachment(chain: name, hook: .forward, priority: 0, families: fam, applies: applies, location: f.location))
        }
        for u in v.unsupported {
            if u.skipped {
                rs.notes.append(ParseNote(.info, u.location, "skipped: \(u.reason): \(u.text)"))
            } else {
                rs.notes.append(ParseNote(.warning, u.location, "unsupported: \(u.reason) — may affect \(u.scope): \(u.text)"))
            }
        }
        for f in v.filters {
            for r in f.rules {
                for n in r.notes { rs.notes.append(ParseNote(.info, r.location, "\(r.name): \(n)")) }
            }
        }
        if fam == .ipv4 {
            rs.notes.append(ParseNote(.info, SourceLocation(file: v.file, line: 1, column: 1),
                                      "\(v.format.displayName) filters read as IPv4 only; IPv6 traffic is not analysed"))
        }
        return rs
    }

    /// Interface patterns for vendor zones/interfaces: the name itself plus the zone's member interfaces.
    static func patterns(_ names: [String], _ v: VendorRuleSet) -> [InterfacePattern] {
        var out: [InterfacePattern] = []
        var seen = Set<String>()
        for n in names {
            if seen.insert(n).inserted { out.append(.exact(n)) }
            for m in v.zoneInterfaces[n] ?? [] where seen.insert(m).inserted { out.append(.exact(m)) }
        }
        return out
    }

    static func addressExpr(_ a: VendorAddressSet, source: Bool, _ loc: SourceLocation) -> MatchExpr {
        if a.isAny && a.unresolved.isEmpty { return .any }
        var parts: [MatchExpr] = []
        if !a.ranges.isEmpty { parts.append(.test(source ? .srcAddress(a.ranges) : .dstAddress(a.ranges))) }
        for u in a.unresolved { parts.append(.unknown(UnknownMatch(text: u, location: loc))) }
        let base: MatchExpr = parts.isEmpty ? .none : (parts.count == 1 ? parts[0] : .or(parts))
        return a.negated ? .not(base) : base
    }

    static func serviceExpr(_ s: VendorService, _ loc: SourceLocation) -> MatchExpr {
        var parts: [MatchExpr] = []
        if let p = s.proto { parts.append(.test(.proto([p]))) }
        let isICMP = s.proto == IPProto.icmp || s.proto == IPProto.icmpv6
        if isICMP {
            if let t = s.icmpType { parts.append(.test(.icmpType([t]))) }
            if let c = s.icmpCode { parts.append(.test(.icmpCode([c]))) }
        } else {
            if !s.srcPorts.isEmpty { parts.append(.test(.srcPort(mergePorts(s.srcPorts)))) }
            if !s.dstPorts.isEmpty { parts.append(.test(.dstPort(mergePorts(s.dstPorts)))) }
        }
        if s.establishedOnly { parts.append(.test(.state([.established]))) }
        if let u = s.unknown { parts.append(.unknown(UnknownMatch(text: u, location: loc))) }
        return MatchExpr.all(parts)
    }

    static func lower(_ r: VendorRule, _ v: VendorRuleSet) -> FirewallRule {
        var parts: [MatchExpr] = []
        if !r.fromZones.isEmpty { parts.append(.test(.inInterface(patterns(r.fromZones, v)))) }
        if !r.toZones.isEmpty { parts.append(.test(.outInterface(patterns(r.toZones, v)))) }
        parts.append(addressExpr(r.sources, source: true, r.location))
        parts.append(addressExpr(r.destinations, source: false, r.location))
        if !r.services.isEmpty {
            let svc = r.services.map { serviceExpr($0, r.location) }
            let e: MatchExpr = svc.count == 1 ? svc[0] : .or(svc)
            parts.append(r.servicesNegated ? .not(e) : e)
        } else if r.servicesNegated {
            parts.append(.none)
        }
        for u in r.unknowns { parts.append(.unknown(UnknownMatch(text: u, location: r.location))) }
        return FirewallRule(match: MatchExpr.all(parts), action: r.action == .permit ? .accept : .drop,
                            location: r.location, text: r.text, label: r.name)
    }
}
