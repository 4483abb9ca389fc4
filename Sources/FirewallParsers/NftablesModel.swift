// nftables: the syntax-neutral form shared by the text (`nft list ruleset`) and JSON (`nft -j list ruleset`)
// parsers — tables, chains, sets, rules as (selector, operator, value) matches plus statements — and its
// translation into the firewall rule model (base chains → attachments ordered by priority, sets, vmaps, jumps).
import Firewall
import Policy
import Wire

/// A literal as written: an address, number, name, or range/prefix/set/concatenation of them.
indirect enum NftValue {
    case atom(String, SourceLocation)
    case range(NftValue, NftValue)
    case prefix(String, Int, SourceLocation)
    case set([NftValue])
    case named(String, SourceLocation)
    case concat([NftValue])
    /// `ct state established,related` (comma-separated flags without braces).
    case list([NftValue])

    var location: SourceLocation? {
        switch self {
        case .atom(_, let l), .prefix(_, _, let l), .named(_, let l): return l
        case .range(let a, _): return a.location
        case .set(let xs), .concat(let xs), .list(let xs): return xs.first?.location
        }
    }
}

/// What a match looks at.
enum NftSelector: Equatable {
    case address(src: Bool, v6: Bool)
    case l4proto(family: FamilySet?)          // ip protocol (v4), ip6 nexthdr (v6), meta l4proto (any)
    case nfproto
    case iface(input: Bool)
    case port(src: Bool, proto: UInt8?)       // tcp/udp/sctp/dccp/udplite sport/dport; nil = th (any port protocol)
    case icmpType(v6: Bool)
    case icmpCode(v6: Bool)
    case ctState
    case unknown(String)
}

struct NftMatch {
    var selectors: [NftSelector]          // more than one = concatenation
    var negated: Bool
    /// "==", "!=", "<", ">", "<=", ">=", "in"
    var op: String
    var value: NftValue
    var location: SourceLocation
    var text: String
}

enum NftStatement {
    case match(NftMatch)
    case verdict(FirewallAction, SourceLocation)
    /// `vmap`: selector → verdict per element.
    case vmap([NftSelector], [(NftValue, FirewallAction)], SourceLocation, String)
    case vmapNamed([NftSelector], String, SourceLocation, String)
    /// A match the parsers do not model (limit, meta mark, tcp flags, ...): may or may not match.
    case unknownMatch(String, SourceLocation)
    /// counter, log, comment, mark set: no effect on acceptance.
    case effectless
}

struct NftRule {
    var statements: [NftStatement]
    var location: SourceLocation
    var text: String
}

struct NftChain {
    var family: String
    var table: String
    var name: String
    var type: String?
    var hook: String?
    var priority: Int
    var policy: FirewallAction
    var rules: [NftRule]
    var location: SourceLocation
    var qualifiedName: String { "\(family) \(table) \(name)" }
}

struct NftSet {
    var family: String
    var table: String
    var name: String
    var elements: [NftValue]
    /// For maps: element → verdict.
    var verdicts: [(NftValue, FirewallAction)]
    var location: SourceLocation
}

struct NftRuleset {
    var chains: [NftChain] = []
    var sets: [NftSet] = []
    var notes: [ParseNote] = []
}

enum NftTranslate {
    static let priorityNames: [String: Int] = ["raw": -300, "mangle": -150, "dstnat": -100, "filter": 0, "security": 50, "srcnat": 100, "out": 100]

    static let protoNames: [String: UInt8] = IptablesParser.protocolNumbers

    /// Builds the RuleSet: every filter/route chain of family ip, ip6 or inet on a hook becomes an attachment.
    static func ruleSet(_ n: NftRuleset, format: String, file: String) throws -> RuleSet {
        var rs = RuleSet(format: format, file: file, families: [], notes: n.notes)
        var setIndex: [String: NftSet] = [:]
        for s in n.sets { setIndex["\(s.family) \(s.table) \(s.name)"] = s }
        var names = Set<String>()
        for c in n.chains { names.insert(c.qualifiedName) }
        for c in n.chains {
            let fam: FamilySet
            switch c.family {
            case "ip": fam = .ipv4
            case "ip6": fam = .ipv6
            case "inet": fam = .both
            default:
                rs.notes.append(ParseNote(.info, c.location, "chain \(c.name) of family \(c.family) is not analysed (only ip, ip6 and inet tables filter routed IP traffic here); ignoring it can only over-estimate what passes"))
                continue
            }
            var chain = Chain(name: c.qualifiedName, defaultAction: c.hook == nil ? .return : c.policy, location: c.location)
            for r in c.rules {
                chain.rules += try rules(r, chain: c, sets: setIndex, chainNames: names, notes: &rs.notes)
            }
            rs.chains.append(chain)
            if let hookName = c.hook {
                guard let hook = Hook(rawValue: hookName) else {
                    rs.notes.append(ParseNote(.info, c.location, "chain \(c.name) on hook \(hookName) is not analysed"))
                    continue
                }
                if c.type == "nat" {
                    rs.notes.append(ParseNote(.info, c.location, "nat chain \(c.name) is not analysed (address translation is not modelled)"))
                    continue
                }
                rs.attachments.append(Attachment(chain: chain.name, hook: hook, priority: c.priority, families: fam, location: c.location))
                rs.families.formUnion(fam)
            }
        }
        if rs.families.isEmpty { rs.families = .both }
        return rs
    }

    static func rules(_ r: NftRule, chain: NftChain, sets: [String: NftSet], chainNames: Set<String>, notes: inout [ParseNote]) throws -> [FirewallRule] {
        var parts: [MatchExpr] = []
        var action: FirewallAction = .continue
        var vmapRules: [FirewallRule] = []
        func target(_ a: FirewallAction, _ loc: SourceLocation) throws -> FirewallAction {
            switch a {
            case .jump(let t), .goto(let t):
                let q = "\(chain.family) \(chain.table) \(t)"
                guard chainNames.contains(q) else { throw ConfigError(loc, "jump to chain \(t), which is not defined in table \(chain.family) \(chain.table)") }
                if case .jump = a { return .jump(q) }
                return .goto(q)
            default: return a
            }
        }
        for s in r.statements {
            switch s {
            case .match(let m):
                parts.append(try expr(m, chain: chain, sets: sets, notes: &notes))
            case .verdict(let a, let loc):
                action = try target(a, loc)
            case .unknownMatch(let text, let loc):
                parts.append(.unknown(UnknownMatch(text: text, location: loc)))
                notes.append(ParseNote(.warning, loc, "'\(text)' is not modelled; treated conservatively (may match for accepting rules, never for dropping rules)"))
            case .effectless:
                continue
            case .vmap(let sels, let elems, let loc, let text):
                let prefix = MatchExpr.all(parts)
                for (k, v) in elems {
                    let m = try expr(NftMatch(selectors: sels, negated: false, op: "==", value: k, location: loc, text: text), chain: chain, sets: sets, notes: &notes)
                    vmapRules.append(FirewallRule(match: .all([prefix, m]), action: try target(v, loc), location: r.location, text: r.text))
                }
            case .vmapNamed(let sels, let name, let loc, let text):
                guard let set = sets["\(chain.family) \(chain.table) \(name)"] else { throw ConfigError(loc, "verdict map @\(name) is not defined") }
                let prefix = MatchExpr.all(parts)
                for (k, v) in set.verdicts {
                    let m = try expr(NftMatch(selectors: sels, negated: false, op: "==", value: k, location: loc, text: text), chain: chain, sets: sets, notes: &notes)
                    vmapRules.append(FirewallRule(match: .all([prefix, m]), action: try target(v, loc), location: r.location, text: r.text))
                }
            }
        }
        if !vmapRules.isEmpty { return vmapRules }
        return [FirewallRule(match: .all(parts), action: action, location: r.location, text: r.text)]
    }

    /// The implicit conditions of a selector (tcp dport ⇒ protocol tcp; ip saddr ⇒ IPv4).
    static func dependency(_ s: NftSelector) -> MatchExpr {
        switch s {
        case .address(_, let v6): return .test(.family(v6 ? .ipv6 : .ipv4))
        case .l4proto(let f): return f.map { .test(.family($0)) } ?? .any
        case .port(_, let p): return .test(.proto(p.map { [$0] } ?? [6, 17, 132, 33, 136]))
        case .icmpType(let v6), .icmpCode(let v6): return .all([.test(.family(v6 ? .ipv6 : .ipv4)), .test(.proto([v6 ? 58 : 1]))])
        default: return .any
        }
    }

    static func expr(_ m: NftMatch, chain: NftChain, sets: [String: NftSet], notes: inout [ParseNote]) throws -> MatchExpr {
        for s in m.selectors {
            if case .unknown(let what) = s {
                notes.append(ParseNote(.warning, m.location, "'\(m.text)' (\(what)) is not modelled; treated conservatively"))
                return .unknown(UnknownMatch(text: m.text, location: m.location))
            }
        }
        var value = m.value
        if case .named(let name, let loc) = value {
            guard let set = sets["\(chain.family) \(chain.table) \(name)"] else { throw ConfigError(loc, "set @\(name) is not defined in table \(chain.family) \(chain.table)") }
            value = .set(set.elements)
        }
        let deps = MatchExpr.all(m.selectors.map(dependency))
        var core: MatchExpr
        switch m.op {
        case "==", "in", "!=":
            core = try membership(m.selectors, value)
            if m.op == "!=" || m.negated { core = .not(core) }
        case "<", ">", "<=", ">=", "lt", "gt", "le", "ge":
            guard m.selectors.count == 1, case .atom(let a, let loc) = value else {
                throw ConfigError(m.location, "comparison \(m.op) needs a single value")
            }
            core = try comparison(m.selectors[0], m.op, a, loc)
        default:
            throw ConfigError(m.location, "unknown operator \(m.op)")
        }
        // ct state flags: `ct state established,related` = any of them (nft tests flags with a bitmask).
        return .all([deps, core])
    }

    static func membership(_ sels: [NftSelector], _ v: NftValue) throws -> MatchExpr {
        switch v {
        case .set(let xs), .list(let xs):
            return .or(try xs.map { try membership(sels, $0) })
        case .concat(let xs):
            guard xs.count == sels.count else {
                throw ConfigError(v.location ?? SourceLocation(file: "", line: 0, column: 0), "concatenation has \(xs.count) parts, the selector has \(sels.count)")
            }
            return .all(try zip(sels, xs).map { try membership([$0.0], $0.1) })
        default:
            guard sels.count == 1 else { throw ConfigError(v.location ?? SourceLocation(file: "", line: 0, column: 0), "expected a concatenation of \(sels.count) values") }
            return try single(sels[0], v)
        }
    }

    static func single(_ s: NftSelector, _ v: NftValue) throws -> MatchExpr {
        let loc = v.location ?? SourceLocation(file: "", line: 0, column: 0)
        switch s {
        case .address(let src, _):
            let r: ClosedRange<IPAddress>
            switch v {
            case .atom(let a, let l):
                guard let x = IPAddress(a) else { throw ConfigError(l, "expected an IP address, found \(a)") }
                r = x...x
            case .prefix(let a, let len, let l):
                guard let net = IPNetwork("\(a)/\(len)") else { throw ConfigError(l, "bad prefix \(a)/\(len)") }
                r = net.first...net.last
            case .range(.atom(let a, let l), .atom(let b, _)):
                guard let x = IPAddress(a), let y = IPAddress(b), x <= y else { throw ConfigError(l, "bad address range \(a)-\(b)") }
                r = x...y
            default: throw ConfigError(loc, "expected an address, prefix or range")
            }
            return .test(src ? .srcAddress([r]) : .dstAddress([r]))
        case .l4proto:
            guard case .atom(let a, let l) = v else { throw ConfigError(loc, "expected a protocol name or number") }
            guard let p = protoNames[a.lowercased()] ?? UInt8(a) else { throw ConfigError(l, "unknown protocol \(a)") }
            return .test(.proto([p]))
        case .nfproto:
            guard case .atom(let a, let l) = v else { throw ConfigError(loc, "expected ipv4 or ipv6") }
            switch a { case "ipv4": return .test(.family(.ipv4)); case "ipv6": return .test(.family(.ipv6)); default: throw ConfigError(l, "expected ipv4 or ipv6, found \(a)") }
        case .iface(let input):
            guard case .atom(let a, _) = v else { throw ConfigError(loc, "expected an interface name") }
            let pat: InterfacePattern = a.hasSuffix("*") && !a.hasSuffix("\\*") ? .prefix(String(a.dropLast())) : .exact(a)
            return .test(input ? .inInterface([pat]) : .outInterface([pat]))
        case .port(let src, _):
            let r: PortRange
            switch v {
            case .atom(let a, let l):
                guard let p = IptablesParser.parsePort(Substring(a)) else { throw ConfigError(l, "expected a port number or service name, found \(a)") }
                r = PortRange(p, p)
            case .range(.atom(let a, let l), .atom(let b, _)):
                guard let x = IptablesParser.parsePort(Substring(a)), let y = IptablesParser.parsePort(Substring(b)), x <= y else { throw ConfigError(l, "bad port range \(a)-\(b)") }
                r = PortRange(x, y)
            default: throw ConfigError(loc, "expected a port, port range or set")
            }
            return .test(src ? .srcPort([r]) : .dstPort([r]))
        case .icmpType(let v6), .icmpCode(let v6):
            var isType = false
            if case .icmpType = s { isType = true }
            let vals: ClosedRange<Int>
            switch v {
            case .atom(let a, let l):
                if let n = UInt8(a) { vals = Int(n)...Int(n) }
                else if isType, let t = (v6 ? IptablesParser.icmpv6Types : IptablesParser.icmpTypes)[a] { vals = Int(t.0)...Int(t.0) }
                else if !isType, let c = icmpCodeNames[a] { vals = c...c }
                else { throw ConfigError(l, "unknown ICMP \(isType ? "type" : "code") \(a)") }
            case .range(.atom(let a, let l), .atom(let b, _)):
                guard let x = UInt8(a), let y = UInt8(b), x <= y else { throw ConfigError(l, "bad range \(a)-\(b)") }
                vals = Int(x)...Int(y)
            default: throw ConfigError(loc, "expected an ICMP type or code")
            }
            let list = vals.map { UInt8($0) }
            return .test(isType ? .icmpType(list) : .icmpCode(list))
        case .ctState:
            guard case .atom(let a, let l) = v else { throw ConfigError(loc, "expected a connection state") }
            guard let st = ConnStates.names.first(where: { $0.0 == a.lowercased() })?.1 else {
                throw ConfigError(l, "unknown connection state \(a) (expected new, established, related, invalid, untracked)")
            }
            return .test(.state(st))
        case .unknown(let w):
            throw ConfigError(loc, "cannot match \(w)")
        }
    }

    static let icmpCodeNames: [String: Int] = ["net-unreachable": 0, "host-unreachable": 1, "prot-unreachable": 2, "port-unreachable": 3,
                                               "frag-needed": 4, "net-prohibited": 9, "host-prohibited": 10, "admin-prohibited": 13,
                                               "no-route": 0, "addr-unreachable": 3]

    static func comparison(_ s: NftSelector, _ op: String, _ a: String, _ loc: SourceLocation) throws -> MatchExpr {
        guard case .port(let src, _) = s else { throw ConfigError(loc, "comparison \(op) is only modelled for ports") }
        guard let p = IptablesParser.parsePort(Substring(a)) else { throw ConfigError(loc, "expected a port, found \(a)") }
        let r: PortRange?
        switch op {
        case "<", "lt": r = p == 0 ? nil : PortRange(0, p - 1)
        case ">", "gt": r = p == 65535 ? nil : PortRange(p + 1, 65535)
        case "<=", "le": r = PortRange(0, p)
        default: r = PortRange(p, 65535)
        }
        guard let r else { return .none }
        return .test(src ? .srcPort([r]) : .dstPort([r]))
    }

    /// Maps `protocol field` words of the text syntax (and JSON payload/meta/ct keys) to selectors.
    static func selector(_ proto: String, _ field: String) -> NftSelector {
        switch (proto, field) {
        case ("ip", "saddr"): return .address(src: true, v6: false)
        case ("ip", "daddr"): return .address(src: false, v6: false)
        case ("ip6", "saddr"): return .address(src: true, v6: true)
        case ("ip6", "daddr"): return .address(src: false, v6: true)
        case ("ip", "protocol"): return .l4proto(family: .ipv4)
        case ("ip6", "nexthdr"): return .l4proto(family: .ipv6)
        case ("meta", "l4proto"): return .l4proto(family: nil)
        case ("meta", "nfproto"): return .nfproto
        case ("meta", "iifname"), ("meta", "iif"): return .iface(input: true)
        case ("meta", "oifname"), ("meta", "oif"): return .iface(input: false)
        case ("tcp", "sport"), ("udp", "sport"), ("sctp", "sport"), ("dccp", "sport"), ("udplite", "sport"):
            return .port(src: true, proto: protoNames[proto])
        case ("tcp", "dport"), ("udp", "dport"), ("sctp", "dport"), ("dccp", "dport"), ("udplite", "dport"):
            return .port(src: false, proto: protoNames[proto])
        case ("th", "sport"): return .port(src: true, proto: nil)
        case ("th", "dport"): return .port(src: false, proto: nil)
        case ("icmp", "type"): return .icmpType(v6: false)
        case ("icmp", "code"): return .icmpCode(v6: false)
        case ("icmpv6", "type"): return .icmpType(v6: true)
        case ("icmpv6", "code"): return .icmpCode(v6: true)
        case ("ct", "state"): return .ctState
        default: return .unknown("\(proto) \(field)")
        }
    }
}
