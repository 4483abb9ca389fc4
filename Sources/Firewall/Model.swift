// Firewall rule model: the vendor-neutral form every rule-set parser (iptables, nftables, Yamaha, NEC, Cisco, ...) produces.
//
// HOW TO PARSE INTO THIS MODEL (for parser authors)
// -------------------------------------------------
// A configuration file becomes one `RuleSet`:
//   * `chains`: named, ordered rule lists (an iptables chain, an nftables chain, a Cisco/NEC/Yamaha access list,
//     a FortiGate/PAN/SRX policy list). Each `Chain` has a `defaultAction` taken when no rule decides:
//     `.accept`/`.drop` for base chains and interface-bound lists (implicit deny = `.drop`), `.return` for
//     iptables/nftables user chains (fall back to the caller).
//   * `attachments`: where a chain filters traffic. The kernel/device runs every attachment whose hook, family
//     and `applies` match the packet, ordered by `priority` (lower first); a packet passes only if EVERY applicable
//     attachment accepts it (a drop anywhere is final). Examples:
//       iptables `FORWARD`         → Attachment(chain: "FORWARD", hook: .forward, priority: 0, families: [.ipv4])
//       nftables base chain        → Attachment(chain: "inet filter fwd", hook: .forward, priority: -10, families: [.ipv4, .ipv6])
//       Cisco `access-group A in interface outside`
//                                  → Attachment(chain: "A", hook: .forward, applies: .test(.inInterface([.exact("outside")])))
//       Yamaha `ip lan1 secure filter out 10 20` → a chain "lan1 out" whose rules are filters 10, 20 in that
//                                    order, default `.drop`, applies `.test(.outInterface([.exact("lan1")]))`.
//       Zone-based policies (FortiGate, PAN-OS, SRX): one chain; each rule's match includes
//                                    `.inInterface`/`.outInterface` with the vendor zone or interface names.
//     A list that is defined but bound nowhere filters nothing: give it no attachment.
//   * Interface names are whatever the device calls the attachment point (interface or vendor zone). The
//     segcheck policy's `interfaces:` table maps these names to policy zones.
//   * `notes`: every line the parser did not fully understand (unknown match, unsupported statement, ignored
//     table), with its location. Never drop a line silently. A rule whose match the parser cannot model keeps
//     a `.unknown(...)` node in its match; the analysis treats it conservatively (see below).
//   * Malformed input: throw `ConfigError` (file, line, column, reason); the CLI exits 2.
//
// A rule (`FirewallRule`) = `match` (a `MatchExpr` tree: and/or/not over header predicates) + `action`
// (accept, drop, reject, jump, goto, return, continue (log/counter: no verdict), or unknown target) +
// `location` (file, 1-based line and column) + `text` (the rule as written, for reports) + optional `label`
// (vendor rule id/name). Multi-valued objects (address groups, service groups, nftables sets) become `.or`
// or a multi-element predicate; per-field negation (`! -s`, negate-source) is `.not`.
//
// Header predicates (`Predicate`) range over the packet header space analysed symbolically:
//   src/dst address (128-bit, IPv4 held IPv4-mapped: use `IPAddress(v4:)` / `IPNetwork`), IP protocol number,
//   src/dst port, ICMP type/code, input/output interface, connection-tracking state, address family.
//   Conventions: for ICMP/ICMPv6 the ICMP type lives in the source-port field and the code in the destination-port
//   field (as in PolicyCompiler.classify); port predicates do NOT imply a protocol, so add `.proto([6])` etc.
//   yourself (`tcp dport 22` = proto 6 AND dport 22). Protocols without ports carry ports 0.
//
// Conservative treatment of what cannot be modelled: a `.unknown` node is compiled to two sets, "certainly
// matches" = nothing and "may match" = everything (negation swaps them). The accept set computed is the
// union of everything that MAY be accepted: rules that accept (or jump) use the may-match set, rules that drop,
// reject, return or goto away remove only packets that CERTAINLY match. So an unknown match can only add
// findings (marked as depending on that line), never hide one: an empty answer remains a proof.
import Policy
import Wire

/// An address family a rule or chain applies to.
public struct FamilySet: OptionSet, Hashable, Sendable {
    public let rawValue: UInt8
    public init(rawValue: UInt8) { self.rawValue = rawValue }
    public static let ipv4 = FamilySet(rawValue: 1)
    public static let ipv6 = FamilySet(rawValue: 2)
    public static let both: FamilySet = [.ipv4, .ipv6]
}

/// Netfilter-style hook a chain is attached to. Routers/firewalls of other vendors use `.forward` for transit
/// traffic and `.input`/`.output` for traffic to/from the device itself.
public enum Hook: String, Hashable, Sendable, CaseIterable {
    case prerouting, input, forward, output, postrouting
}

/// Connection-tracking states (iptables `--ctstate`, nftables `ct state`, stateful vendor filters).
public struct ConnStates: OptionSet, Hashable, Sendable {
    public let rawValue: UInt8
    public init(rawValue: UInt8) { self.rawValue = rawValue }
    public static let new = ConnStates(rawValue: 1)
    public static let established = ConnStates(rawValue: 2)
    public static let related = ConnStates(rawValue: 4)
    public static let invalid = ConnStates(rawValue: 8)
    public static let untracked = ConnStates(rawValue: 16)
    public static let all: ConnStates = [.new, .established, .related, .invalid, .untracked]
    /// Names as iptables/nftables write them (lower case).
    public static let names: [(String, ConnStates)] = [("new", .new), ("established", .established),
                                                        ("related", .related), ("invalid", .invalid), ("untracked", .untracked)]
    public var names: [String] { ConnStates.names.filter { contains($0.1) }.map { $0.0 } }
}

/// An interface name pattern: exact (`eth0`), or a prefix (iptables `eth+`, nftables `"eth*"`).
public enum InterfacePattern: Hashable, Sendable, CustomStringConvertible {
    case exact(String)
    case prefix(String)
    public func matches(_ name: String) -> Bool {
        switch self {
        case .exact(let n): return n == name
        case .prefix(let p): return name.hasPrefix(p)
        }
    }
    public var description: String {
        switch self { case .exact(let n): return n; case .prefix(let p): return p + "*" }
    }
}

/// One test on one header field; a multi-element list means "any of these".
public enum Predicate: Hashable, Sendable {
    case srcAddress([ClosedRange<IPAddress>])
    case dstAddress([ClosedRange<IPAddress>])
    /// IP protocol numbers (6 TCP, 17 UDP, 1 ICMP, 58 ICMPv6, ...).
    case proto([UInt8])
    case srcPort([PortRange])
    case dstPort([PortRange])
    /// ICMP/ICMPv6 type (stored in the source-port field); add `.proto([1])` or `.proto([58])` yourself.
    case icmpType([UInt8])
    /// ICMP/ICMPv6 code (stored in the destination-port field).
    case icmpCode([UInt8])
    case inInterface([InterfacePattern])
    case outInterface([InterfacePattern])
    case state(ConnStates)
    case family(FamilySet)

    /// Address predicates from CIDR networks.
    public static func src(_ nets: [IPNetwork]) -> Predicate { .srcAddress(nets.map { $0.first...$0.last }) }
    public static func dst(_ nets: [IPNetwork]) -> Predicate { .dstAddress(nets.map { $0.first...$0.last }) }
}

/// A construct a parser could not model (unknown iptables match, nft expression, vendor option).
public struct UnknownMatch: Hashable, Sendable {
    public var text: String
    public var location: SourceLocation
    public init(text: String, location: SourceLocation) { self.text = text; self.location = location }
}

/// A rule's match condition: a small boolean expression over header predicates.
public indirect enum MatchExpr: Hashable, Sendable {
    case any
    case none
    case test(Predicate)
    case and([MatchExpr])
    case or([MatchExpr])
    case not(MatchExpr)
    /// May or may not match (see the file header for how the analysis treats it).
    case unknown(UnknownMatch)

    /// `and` that flattens and drops `.any`.
    public static func all(_ parts: [MatchExpr]) -> MatchExpr {
        var out: [MatchExpr] = []
        for p in parts {
            switch p {
            case .any: continue
            case .and(let inner): out.append(contentsOf: inner)
            default: out.append(p)
            }
        }
        if out.isEmpty { return .any }
        if out.count == 1 { return out[0] }
        return .and(out)
    }

    /// Every `.unknown` node in the expression.
    public var unknowns: [UnknownMatch] {
        switch self {
        case .any, .none, .test: return []
        case .and(let xs), .or(let xs): return xs.flatMap { $0.unknowns }
        case .not(let x): return x.unknowns
        case .unknown(let u): return [u]
        }
    }

    /// Every predicate mentioned (negated or not), for choosing natural witness values.
    public var predicates: [Predicate] {
        switch self {
        case .any, .none, .unknown: return []
        case .test(let p): return [p]
        case .and(let xs), .or(let xs): return xs.flatMap { $0.predicates }
        case .not(let x): return x.predicates
        }
    }
}

/// What a rule does with the packets it matches.
public enum FirewallAction: Hashable, Sendable, CustomStringConvertible {
    case accept
    case drop
    /// Drop with an ICMP error / TCP reset: for segregation the same as drop.
    case reject
    /// Evaluate the named chain; come back here on `return` or when it ends.
    case jump(String)
    /// Evaluate the named chain; never come back (its `return` goes to our caller).
    case goto(String)
    case `return`
    /// Non-terminating (log, counter, mark): go on with the next rule.
    case `continue`
    /// A target/verdict the parser does not model (NFQUEUE, a vendor action). Treated as "may accept, may go on".
    case unknown(String)

    public var description: String {
        switch self {
        case .accept: return "accept"
        case .drop: return "drop"
        case .reject: return "reject"
        case .jump(let c): return "jump \(c)"
        case .goto(let c): return "goto \(c)"
        case .return: return "return"
        case .continue: return "continue"
        case .unknown(let t): return "unknown(\(t))"
        }
    }
}

/// One rule as written in a configuration.
public struct FirewallRule: Hashable, Sendable {
    public var match: MatchExpr
    public var action: FirewallAction
    public var location: SourceLocation
    /// The rule's text as written (one line, trimmed), for reports.
    public var text: String
    /// Vendor rule id or name (FortiGate policy id, PAN rule name, Yamaha filter number), if any.
    public var label: String?
    public init(match: MatchExpr, action: FirewallAction, location: SourceLocation, text: String, label: String? = nil) {
        self.match = match; self.action = action; self.location = location; self.text = text; self.label = label
    }
}

/// An ordered rule list with the action taken when no rule decides.
public struct Chain: Hashable, Sendable {
    public var name: String
    public var rules: [FirewallRule]
    /// `.accept` / `.drop` for base chains and bound lists, `.return` for user chains.
    public var defaultAction: FirewallAction
    /// Where the chain (or its policy) is declared.
    public var location: SourceLocation
    public init(name: String, rules: [FirewallRule] = [], defaultAction: FirewallAction, location: SourceLocation) {
        self.name = name; self.rules = rules; self.defaultAction = defaultAction; self.location = location
    }
}

/// A chain bound to a hook (and optionally to interfaces through `applies`).
public struct Attachment: Hashable, Sendable {
    public var chain: String
    public var hook: Hook
    /// Lower runs first (nftables priority; 0 for single-chain formats).
    public var priority: Int
    /// Packets of other families are not seen by this chain.
    public var families: FamilySet
    /// Which packets the chain is applied to (e.g. `.test(.inInterface([.exact("lan1")]))`); `.any` for all.
    public var applies: MatchExpr
    public var location: SourceLocation
    public init(chain: String, hook: Hook, priority: Int = 0, families: FamilySet = .both, applies: MatchExpr = .any, location: SourceLocation) {
        self.chain = chain; self.hook = hook; self.priority = priority; self.families = families; self.applies = applies; self.location = location
    }
}

/// Something the parser wants the reader to know (an unsupported line, an ignored table, an assumption).
public struct ParseNote: Hashable, Sendable {
    public enum Severity: String, Sendable { case info, warning }
    public var severity: Severity
    public var location: SourceLocation
    public var message: String
    public init(_ severity: Severity, _ location: SourceLocation, _ message: String) {
        self.severity = severity; self.location = location; self.message = message
    }
}

/// A whole parsed configuration.
public struct RuleSet: Sendable {
    /// "iptables-save", "nftables", "nftables-json", "yamaha-rtx", ...
    public var format: String
    public var file: String
    /// Chains in declaration order (names unique).
    public var chains: [Chain]
    public var attachments: [Attachment]
    /// Address families this configuration filters at all (iptables-save: IPv4; ip6tables-save: IPv6).
    public var families: FamilySet
    public var notes: [ParseNote]
    public init(format: String, file: String, chains: [Chain] = [], attachments: [Attachment] = [], families: FamilySet = .both, notes: [ParseNote] = []) {
        self.format = format; self.file = file; self.chains = chains; self.attachments = attachments; self.families = families; self.notes = notes
    }
    public func chain(named name: String) -> Chain? { chains.first { $0.name == name } }
}

/// Unusable input: file, line, column and what was expected. The CLI prints it and exits 2.
public struct ConfigError: Error, Sendable, CustomStringConvertible {
    public var location: SourceLocation
    public var message: String
    public init(_ location: SourceLocation, _ message: String) { self.location = location; self.message = message }
    public var description: String { "\(location): error: \(message)" }
}
