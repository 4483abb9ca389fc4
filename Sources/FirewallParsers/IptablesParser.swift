// iptables-save / ip6tables-save parser: filter table (INPUT, FORWARD, OUTPUT, user chains) into the rule model.
//
// Modelled: -s/-d (CIDR, dotted masks, comma lists), -p, -i/-o (with `+` wildcards), `!` negation (before or after
// the option), -m tcp/udp/sctp --sport/--dport, -m multiport --sports/--dports/--ports, -m iprange
// --src-range/--dst-range, -m conntrack --ctstate, -m state --state, -m icmp/icmp6 --icmp-type/--icmpv6-type,
// -m comment; targets ACCEPT, DROP, REJECT, RETURN, LOG/NFLOG (continue), user chains (-j jump, -g goto).
// Anything else (-m limit, -m set, --syn, -f, unknown targets, ...) is kept as an unknown match/target with its
// line and column, listed as a note, and treated conservatively by the analysis (may match for accepting rules,
// does not match for dropping rules). Other tables (nat, mangle, raw, security) are skipped with a note.
import Firewall
import Policy
import Wire

public enum IptablesParser {
    public static let format = RuleSetFormat(
        name: "iptables-save",
        detect: { text in
            for line in text.split(separator: "\n", maxSplits: 200, omittingEmptySubsequences: true).prefix(200) {
                let t = line.drop { $0 == " " || $0 == "\t" }
                if t.hasPrefix("#") || t.isEmpty { continue }
                if t.hasPrefix("*filter") || t.hasPrefix("*nat") || t.hasPrefix("*mangle") || t.hasPrefix("*raw") || t.hasPrefix("*security") { return true }
                return false
            }
            return false
        },
        parse: { text, file in try IptablesParser.parse(text, file: file) })

    struct Token {
        var text: String
        var column: Int
    }

    /// Splits a line into words; double quotes group (iptables-save quotes comments), backslash escapes inside them.
    static func tokenize(_ line: Substring, file: String, lineNumber: Int) throws -> [Token] {
        var out: [Token] = []
        var current = ""
        var start = 0
        var inQuotes = false
        var escaped = false
        var haveToken = false
        var col = 0
        for ch in line {
            col += 1
            if inQuotes {
                if escaped { current.append(ch); escaped = false; continue }
                if ch == "\\" { escaped = true; continue }
                if ch == "\"" { inQuotes = false; continue }
                current.append(ch)
                continue
            }
            if ch == " " || ch == "\t" || ch == "\r" {
                if haveToken { out.append(Token(text: current, column: start)); current = ""; haveToken = false }
                continue
            }
            if !haveToken { haveToken = true; start = col }
            if ch == "\"" { inQuotes = true; continue }
            current.append(ch)
        }
        if inQuotes { throw ConfigError(SourceLocation(file: file, line: lineNumber, column: start), "unterminated double quote") }
        if haveToken { out.append(Token(text: current, column: start)) }
        return out
    }

    /// Parses `10.0.0.0/8`, `10.0.0.0/255.0.0.0`, `fd00::/8` or a bare address into one range.
    public static func parseAddressSpec(_ s: Substring) -> ClosedRange<IPAddress>? {
        let parts = s.split(separator: "/", maxSplits: 1, omittingEmptySubsequences: false)
        guard let addr = IPAddress(parts[0]) else { return nil }
        if parts.count == 1 { return addr...addr }
        let m = parts[1]
        if m.contains(".") {
            guard addr.isIPv4, let mask = IPAddress(m), mask.isIPv4 else { return nil }
            let v = mask.v4Value
            let len = v.nonzeroBitCount
            guard len == 32 || v == 0 || (~v) & (~v &+ 1) == 0 else { return nil }   // contiguous
            let net = IPNetwork(address: addr, prefixLength: 96 + len)
            return net.first...net.last
        }
        guard let net = IPNetwork(s) else { return nil }
        return net.first...net.last
    }

    static let protocolNumbers: [String: UInt8] = [
        "tcp": 6, "udp": 17, "icmp": 1, "icmpv6": 58, "ipv6-icmp": 58, "esp": 50, "ah": 51, "gre": 47, "sctp": 132,
        "udplite": 136, "dccp": 33, "igmp": 2, "ipip": 4, "ipencap": 4, "ospf": 89, "vrrp": 112, "pim": 103, "l2tp": 115,
    ]

    static let serviceNames: [String: UInt16] = [
        "ftp-data": 20, "ftp": 21, "ssh": 22, "telnet": 23, "smtp": 25, "domain": 53, "bootps": 67, "bootpc": 68, "tftp": 69,
        "http": 80, "www": 80, "pop3": 110, "ntp": 123, "netbios-ns": 137, "netbios-dgm": 138, "netbios-ssn": 139,
        "imap": 143, "imap2": 143, "snmp": 161, "ldap": 389, "https": 443, "microsoft-ds": 445, "submission": 587,
        "ldaps": 636, "imaps": 993, "pop3s": 995, "ms-sql-s": 1433, "mysql": 3306, "ms-wbt-server": 3389, "rdp": 3389,
        "postgresql": 5432, "syslog": 514, "isakmp": 500, "http-alt": 8080,
    ]

    static let icmpTypes: [String: (UInt8, UInt8?)] = [
        "echo-reply": (0, nil), "pong": (0, nil), "destination-unreachable": (3, nil), "network-unreachable": (3, 0),
        "host-unreachable": (3, 1), "protocol-unreachable": (3, 2), "port-unreachable": (3, 3), "fragmentation-needed": (3, 4),
        "source-quench": (4, nil), "redirect": (5, nil), "echo-request": (8, nil), "ping": (8, nil), "router-advertisement": (9, nil),
        "router-solicitation": (10, nil), "time-exceeded": (11, nil), "ttl-exceeded": (11, nil), "ttl-zero-during-transit": (11, 0),
        "parameter-problem": (12, nil), "timestamp-request": (13, nil), "timestamp-reply": (14, nil),
        "address-mask-request": (17, nil), "address-mask-reply": (18, nil),
    ]
    static let icmpv6Types: [String: (UInt8, UInt8?)] = [
        "destination-unreachable": (1, nil), "packet-too-big": (2, nil), "time-exceeded": (3, nil), "ttl-exceeded": (3, nil),
        "parameter-problem": (4, nil), "echo-request": (128, nil), "ping": (128, nil), "echo-reply": (129, nil), "pong": (129, nil),
        "router-solicitation": (133, nil), "router-advertisement": (134, nil), "neighbour-solicitation": (135, nil),
        "neighbor-solicitation": (135, nil), "neighbour-advertisement": (136, nil), "neighbor-advertisement": (136, nil), "redirect": (137, nil),
    ]

    static func parsePort(_ s: Substring) -> UInt16? {
        if let v = UInt16(s) { return v }
        return serviceNames[String(s)]
    }

    /// `22`, `1024:65535`, `:1023`, `1024:` (iptables ranges use a colon).
    static func parsePortRange(_ s: Substring) -> PortRange? {
        if let c = s.firstIndex(of: ":") {
            let a = s[..<c], b = s[s.index(after: c)...]
            let lo = a.isEmpty ? 0 : parsePort(a), hi = b.isEmpty ? 65535 : parsePort(b)
            guard let lo, let hi, lo <= hi else { return nil }
            return PortRange(lo, hi)
        }
        guard let p = parsePort(s) else { return nil }
        return PortRange(p, p)
    }

    public static func parse(_ text: String, file: String) throws -> RuleSet {
        var rs = RuleSet(format: "iptables-save", file: file, families: .ipv4)
        var chains: [String: Int] = [:]
        var chainList: [Chain] = []
        var table: String? = nil
        var tableLine = 0
        var sawFilter = false
        var sawV6 = text.hasPrefix("# Generated by ip6tables-save")
        var skippedCounts: [String: Int] = [:]
        var lineNumber = 0
        var pendingJumps: [(String, SourceLocation)] = []
        for rawLine in text.split(separator: "\n", omittingEmptySubsequences: false) {
            lineNumber += 1
            var line = rawLine
            if line.hasSuffix("\r") { line = line.dropLast() }
            let trimmed = line.drop { $0 == " " || $0 == "\t" }
            if trimmed.isEmpty || trimmed.hasPrefix("#") { continue }
            let col = line.count - trimmed.count + 1
            let loc = SourceLocation(file: file, line: lineNumber, column: col)
            if trimmed.hasPrefix("*") {
                if let t = table { throw ConfigError(loc, "table \(t) (line \(tableLine)) is not closed with COMMIT before a new table starts") }
                let name = String(trimmed.dropFirst()).trimmingSpaces
                guard !name.isEmpty else { throw ConfigError(loc, "expected a table name after '*'") }
                table = name; tableLine = lineNumber
                if name == "filter" { sawFilter = true }
                else if !["nat", "mangle", "raw", "security"].contains(name) {
                    throw ConfigError(loc, "unknown table \(name) (expected filter, nat, mangle, raw or security)")
                }
                continue
            }
            if trimmed == "COMMIT" || trimmed.hasPrefix("COMMIT ") {
                guard table != nil else { throw ConfigError(loc, "COMMIT outside a table") }
                if let t = table, t != "filter", let n = skippedCounts[t], n > 0 {
                    rs.notes.append(ParseNote(t == "nat" ? .warning : .info, SourceLocation(file: file, line: tableLine, column: 1),
                        "table \(t): \(n) rule(s) not analysed" + (t == "nat" ? " (address translation is not modelled: the filter table is checked on the addresses it sees)" : "")))
                }
                table = nil
                continue
            }
            guard let currentTable = table else {
                throw ConfigError(loc, "expected a table header such as *filter before this line")
            }
            if currentTable != "filter" {
                if trimmed.hasPrefix("-A") || trimmed.hasPrefix("[") { skippedCounts[currentTable, default: 0] += 1 }
                continue
            }
            if trimmed.hasPrefix(":") {
                let toks = try tokenize(line, file: file, lineNumber: lineNumber)
                guard toks.count >= 2 else { throw ConfigError(loc, "expected ':CHAIN POLICY [packets:bytes]'") }
                let name = String(toks[0].text.dropFirst())
                guard !name.isEmpty else { throw ConfigError(loc, "empty chain name") }
                let policyTok = toks[1]
                let builtin = ["INPUT", "FORWARD", "OUTPUT"].contains(name)
                let action: FirewallAction
                switch policyTok.text {
                case "ACCEPT": action = .accept
                case "DROP": action = .drop
                case "-": action = .return
                default:
                    throw ConfigError(SourceLocation(file: file, line: lineNumber, column: policyTok.column),
                                      "expected chain policy ACCEPT, DROP or '-', found \(policyTok.text)")
                }
                if builtin && policyTok.text == "-" {
                    throw ConfigError(SourceLocation(file: file, line: lineNumber, column: policyTok.column), "built-in chain \(name) needs a policy (ACCEPT or DROP)")
                }
                if chains[name] != nil { throw ConfigError(loc, "chain \(name) is declared twice") }
                chains[name] = chainList.count
                chainList.append(Chain(name: name, defaultAction: action, location: loc))
                if builtin {
                    let hook: Hook = name == "INPUT" ? .input : name == "FORWARD" ? .forward : .output
                    rs.attachments.append(Attachment(chain: name, hook: hook, priority: 0, families: .both, location: loc))
                }
                continue
            }
            var toks = try tokenize(line, file: file, lineNumber: lineNumber)
            if let f = toks.first, f.text.hasPrefix("[") && f.text.hasSuffix("]") { toks.removeFirst() }   // iptables-save -c counters
            guard let first = toks.first else { continue }
            guard first.text == "-A" || first.text == "--append" else {
                throw ConfigError(SourceLocation(file: file, line: lineNumber, column: first.column),
                                  "expected -A CHAIN, a chain declaration ':CHAIN POLICY' or COMMIT, found \(first.text)")
            }
            let text = String(trimmed)
            let (rule, chainName, v6) = try parseRule(toks, text: text, file: file, line: lineNumber, notes: &rs.notes)
            if v6 { sawV6 = true }
            guard let ci = chains[chainName] else {
                throw ConfigError(SourceLocation(file: file, line: lineNumber, column: toks[1].column), "chain \(chainName) is not declared (add ':\(chainName) - [0:0]')")
            }
            switch rule.action {
            case .jump(let t), .goto(let t): pendingJumps.append((t, rule.location))
            default: break
            }
            chainList[ci].rules.append(rule)
        }
        if let t = table {
            throw ConfigError(SourceLocation(file: file, line: lineNumber, column: 1), "table \(t) opened on line \(tableLine) is not closed with COMMIT")
        }
        if !sawFilter { rs.notes.append(ParseNote(.warning, SourceLocation(file: file, line: 1, column: 1), "no *filter table: nothing is filtered")) }
        for (t, loc) in pendingJumps where chains[t] == nil {
            throw ConfigError(loc, "jump to chain \(t), which is not declared")
        }
        rs.chains = chainList
        if sawV6 {
            rs.families = .ipv6
            rs.format = "ip6tables-save"
        }
        for i in rs.attachments.indices { rs.attachments[i].families = rs.families }
        return rs
    }

    static func parseRule(_ toks: [Token], text: String, file: String, line: Int, notes: inout [ParseNote]) throws -> (FirewallRule, String, Bool) {
        func loc(_ t: Token) -> SourceLocation { SourceLocation(file: file, line: line, column: t.column) }
        guard toks.count >= 2 else { throw ConfigError(loc(toks[0]), "expected a chain name after -A") }
        let chainName = toks[1].text
        var parts: [MatchExpr] = []
        var action: FirewallAction = .continue
        var sawV6 = false
        var proto: UInt8? = nil
        var i = 2
        var negateNext = false
        var negateLoc: Token? = nil
        var module: String? = nil
        var targetSeen = false
        func arg() throws -> Token {
            guard i < toks.count else { throw ConfigError(loc(toks[i - 1]), "option \(toks[i - 1].text) needs a value") }
            let t = toks[i]; i += 1
            return t
        }
        /// Value with optional leading "!" (the older `--opt ! value` form).
        func negArg() throws -> (Token, Bool) {
            var t = try arg()
            var neg = negateNext
            negateNext = false
            if t.text == "!" { neg.toggle(); t = try arg() }
            return (t, neg)
        }
        func add(_ e: MatchExpr, _ neg: Bool) { parts.append(neg ? .not(e) : e) }
        func unknownClause(_ start: Token, _ first: String) {
            // Take the option with its values (tokens up to the next option).
            var words = [first]
            while i < toks.count, !toks[i].text.hasPrefix("-") || Int(toks[i].text) != nil {
                if toks[i].text == "!" && i + 1 < toks.count && toks[i + 1].text.hasPrefix("-") { break }
                words.append(toks[i].text); i += 1
            }
            let u = UnknownMatch(text: words.joined(separator: " "), location: loc(start))
            let neg = negateNext
            negateNext = false
            parts.append(neg ? .not(.unknown(u)) : .unknown(u))
            notes.append(ParseNote(.warning, loc(start), "match '\(u.text)' is not modelled; treated conservatively (may match for accepting rules, never for dropping rules)"))
        }
        while i < toks.count {
            let t = toks[i]; i += 1
            if targetSeen {
                // Target options (REJECT --reject-with, LOG --log-prefix): skip the option and its values.
                continue
            }
            switch t.text {
            case "!":
                negateNext.toggle(); negateLoc = t
            case "-s", "--source", "--src", "-d", "--destination", "--dst":
                let (v, neg) = try negArg()
                var ranges: [ClosedRange<IPAddress>] = []
                for piece in v.text.split(separator: ",") {
                    guard let r = parseAddressSpec(piece) else {
                        throw ConfigError(loc(v), "expected an address, address/prefix or address/mask, found \(piece)")
                    }
                    if !r.lowerBound.isIPv4 { sawV6 = true }
                    ranges.append(r)
                }
                let isSrc = t.text.hasPrefix("-s") || t.text.hasPrefix("--s")
                add(.test(isSrc ? .srcAddress(ranges) : .dstAddress(ranges)), neg)
            case "-p", "--protocol":
                let (v, neg) = try negArg()
                let name = v.text.lowercased()
                if name == "all" || name == "0" {
                    if neg { add(.none, false) }
                    continue
                }
                guard let n = protocolNumbers[name] ?? UInt8(name) else {
                    throw ConfigError(loc(v), "unknown protocol \(v.text)")
                }
                if n == 58 { sawV6 = true }
                if !neg { proto = n }
                add(.test(.proto([n])), neg)
            case "-i", "--in-interface", "-o", "--out-interface":
                let (v, neg) = try negArg()
                let pat: InterfacePattern = v.text.hasSuffix("+") ? .prefix(String(v.text.dropLast())) : .exact(v.text)
                let isIn = t.text == "-i" || t.text == "--in-interface"
                add(.test(isIn ? .inInterface([pat]) : .outInterface([pat])), neg)
            case "-m", "--match":
                let v = try arg()
                module = v.text
            case "--sport", "--source-port", "--dport", "--destination-port":
                let (v, neg) = try negArg()
                guard let r = parsePortRange(Substring(v.text)) else { throw ConfigError(loc(v), "expected a port or port range a:b, found \(v.text)") }
                let isSrc = t.text.hasPrefix("--s")
                add(.test(isSrc ? .srcPort([r]) : .dstPort([r])), neg)
            case "--sports", "--source-ports", "--dports", "--destination-ports", "--ports":
                let (v, neg) = try negArg()
                var rs: [PortRange] = []
                for piece in v.text.split(separator: ",") {
                    guard let r = parsePortRange(piece) else { throw ConfigError(loc(v), "expected a port list such as 80,443,8000:8080, found \(piece)") }
                    rs.append(r)
                }
                let e: MatchExpr
                if t.text == "--ports" { e = .or([.test(.srcPort(rs)), .test(.dstPort(rs))]) }
                else { e = .test(t.text.hasPrefix("--s") ? .srcPort(rs) : .dstPort(rs)) }
                add(e, neg)
            case "--src-range", "--dst-range":
                let (v, neg) = try negArg()
                let ab = v.text.split(separator: "-", maxSplits: 1)
                guard ab.count == 2, let a = IPAddress(ab[0]), let b = IPAddress(ab[1]), a <= b else {
                    throw ConfigError(loc(v), "expected an address range a.b.c.d-e.f.g.h, found \(v.text)")
                }
                if !a.isIPv4 { sawV6 = true }
                add(.test(t.text == "--src-range" ? .srcAddress([a...b]) : .dstAddress([a...b])), neg)
            case "--ctstate", "--state":
                let (v, neg) = try negArg()
                var s: ConnStates = []
                for piece in v.text.split(separator: ",") {
                    switch piece.uppercased() {
                    case "NEW": s.insert(.new)
                    case "ESTABLISHED": s.insert(.established)
                    case "RELATED": s.insert(.related)
                    case "INVALID": s.insert(.invalid)
                    case "UNTRACKED": s.insert(.untracked)
                    case "SNAT", "DNAT":
                        unknownClause(v, "--ctstate \(piece)")
                        continue
                    default: throw ConfigError(loc(v), "unknown connection state \(piece) (expected NEW, ESTABLISHED, RELATED, INVALID, UNTRACKED)")
                    }
                }
                add(.test(.state(s)), neg)
            case "--icmp-type", "--icmpv6-type":
                let (v, neg) = try negArg()
                let v6 = t.text == "--icmpv6-type"
                if v6 { sawV6 = true }
                let table = v6 ? icmpv6Types : icmpTypes
                var type: UInt8, code: UInt8? = nil
                if v.text == "any" { add(.any, neg); continue }
                if let known = table[v.text] { type = known.0; code = known.1 }
                else {
                    let tc = v.text.split(separator: "/", maxSplits: 1)
                    guard let ty = UInt8(tc[0]) else { throw ConfigError(loc(v), "unknown ICMP type \(v.text)") }
                    type = ty
                    if tc.count == 2 { guard let c = UInt8(tc[1]) else { throw ConfigError(loc(v), "bad ICMP code in \(v.text)") }; code = c }
                }
                var e: [MatchExpr] = [.test(.icmpType([type]))]
                if let code { e.append(.test(.icmpCode([code]))) }
                add(.all(e), neg)
            case "--comment":
                _ = try arg()
            case "-j", "--jump", "-g", "--goto":
                let v = try arg()
                targetSeen = true
                let goto = t.text == "-g" || t.text == "--goto"
                switch v.text {
                case "ACCEPT": action = .accept
                case "DROP": action = .drop
                case "REJECT": action = .reject
                case "RETURN": action = .return
                case "LOG", "NFLOG", "ULOG", "AUDIT": action = .continue
                default:
                    if v.text.uppercased() == v.text && !v.text.isEmpty && v.text.first!.isLetter && Self.knownTargets.contains(v.text) {
                        action = .unknown(v.text)
                        notes.append(ParseNote(.warning, loc(v), "target \(v.text) is not modelled; treated as 'may accept'"))
                    } else {
                        action = goto ? .goto(v.text) : .jump(v.text)
                    }
                }
            case "-4", "--ipv4":
                continue
            case "-6", "--ipv6":
                sawV6 = true
            default:
                if t.text.hasPrefix("-") {
                    let name = (module.map { "-m \($0) " } ?? "") + t.text
                    unknownClause(t, name)
                } else {
                    throw ConfigError(loc(t), "unexpected word \(t.text) (expected an option such as -s, -p, -m or -j)")
                }
            }
        }
        if negateNext, let n = negateLoc { throw ConfigError(loc(n), "'!' is not followed by an option") }
        _ = proto
        let rule = FirewallRule(match: .all(parts), action: action, location: SourceLocation(file: file, line: line, column: toks[0].column), text: text)
        return (rule, chainName, sawV6)
    }

    /// Targets that exist in netfilter but do not decide acceptance in a way the model knows.
    static let knownTargets: Set<String> = ["NFQUEUE", "QUEUE", "MARK", "CONNMARK", "CT", "TCPMSS", "CLASSIFY", "DSCP", "TOS", "TRACE",
                                            "SET", "SECMARK", "CONNSECMARK", "TEE", "HMARK", "IDLETIMER", "LED", "CHECKSUM", "NOTRACK",
                                            "SYNPROXY", "TPROXY", "MASQUERADE", "SNAT", "DNAT", "REDIRECT", "NETMAP"]
}

extension String {
    var trimmingSpaces: String {
        var s = Substring(self)
        while let f = s.first, f == " " || f == "\t" { s = s.dropFirst() }
        while let l = s.last, l == " " || l == "\t" { s = s.dropLast() }
        return String(s)
    }
}
