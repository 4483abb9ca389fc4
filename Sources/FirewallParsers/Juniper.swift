// Juniper: reads Junos SRX security policies, zones, address books and applications, in `set` form or the curly-brace hierarchy.
//
// Semantics (Junos OS Security Policies User Guide for Security Devices: "Security Policies Overview",
// "Configuring Security Policies", "Global Policies", "Address Books and Address Sets", "Predefined Applications";
// statement hierarchy [edit security policies], [edit security zones], [edit applications]):
// - for a packet from zone A to zone B, the policies `from-zone A to-zone B` are tried in configuration order, then the
//   global policies in order, then the default policy (`default-policy deny-all` unless `permit-all` is set).
// - `then permit` passes; `then deny` and `then reject` block. `deactivate`d / `inactive:` policies are skipped.
// - address names resolve in the zone's address book first, then in the global address book; address-sets nest.
//   `source-address-excluded` / `destination-address-excluded` negate the field.
// - `junos-*` applications come from the junos-defaults group (table below, `show groups junos-defaults`); an unknown
//   predefined application is kept as an unknown condition.
import Wire
import Policy

public enum JuniperParser {
    static let junosDefaults: [String: [VendorService]] = {
        func tcp(_ p: UInt16...) -> [VendorService] { p.map { VendorService(proto: IPProto.tcp, dstPorts: [PortRange($0, $0)]) } }
        func udp(_ p: UInt16...) -> [VendorService] { p.map { VendorService(proto: IPProto.udp, dstPorts: [PortRange($0, $0)]) } }
        return [
            "junos-ftp": tcp(21), "junos-tftp": udp(69), "junos-ssh": tcp(22), "junos-telnet": tcp(23), "junos-smtp": tcp(25),
            "junos-dns-udp": udp(53), "junos-dns-tcp": tcp(53), "junos-http": tcp(80), "junos-https": tcp(443),
            "junos-pop3": tcp(110), "junos-imap": tcp(143), "junos-imaps": tcp(993), "junos-ntp": udp(123),
            "junos-snmp-agentx": tcp(705), "junos-syslog": udp(514), "junos-ldap": tcp(389), "junos-radius": udp(1812),
            "junos-radacct": udp(1813), "junos-ike": udp(500), "junos-ike-nat": udp(4500), "junos-ms-sql": tcp(1433),
            "junos-smb-session": tcp(445), "junos-netbios-session": tcp(139), "junos-nbname": udp(137), "junos-nbds": udp(138),
            "junos-bgp": tcp(179), "junos-http-ext": tcp(7001), "junos-sqlnet-v2": tcp(1521), "junos-nfsd-tcp": tcp(2049),
            "junos-nfsd-udp": udp(2049), "junos-rsh": tcp(514), "junos-sip": udp(5060) + tcp(5060),
            "junos-ping": [VendorService(proto: IPProto.icmp, icmpType: 8)], "junos-icmp-ping": [VendorService(proto: IPProto.icmp, icmpType: 8)],
            "junos-icmp-all": [VendorService(proto: IPProto.icmp)], "junos-gre": [VendorService(proto: IPProto.gre)],
            "junos-ospf": [VendorService(proto: 89)], "junos-cifs": tcp(139, 445), "junos-ms-rpc-tcp": tcp(135),
            "junos-ms-rpc-udp": udp(135),
        ]
    }()

    public static func parse(_ text: String, file: String) throws(VendorParseError) -> VendorRuleSet {
        let sink = VendorErrorSink(file: file)
        let isSet = vendorLines(text).contains { l in
            let t = l.text.drop(while: { $0 == " " || $0 == "\t" })
            return t.hasPrefix("set ") || t.hasPrefix("deactivate ")
        }
        let stmts = isSet ? try PaloAltoParser.setStatements(text, sink, verb: ["set", "deactivate", "activate", "delete"])
                          : try braces(text, sink)
        return try interpret(stmts, file: file, sink)
    }

    /// Curly-brace hierarchy → `set` path statements (`inactive:` marks the subtree inactive; `[ a b ]` expands).
    static func braces(_ text: String, _ sink: VendorErrorSink) throws(VendorParseError) -> [PathStatement] {
        var out: [PathStatement] = []
        var path: [(words: [String], inactive: Bool, line: Int)] = []
        var words: [String] = []
        var wordLine = 0, wordCol = 0
        var inList = false
        var list: [String] = []
        let b = Array(text.utf8)
        var i = 0, line = 1, col = 1
        func adv() { if b[i] == 10 { line += 1; col = 1 } else { col += 1 }; i += 1 }
        func finish(_ terminatorLine: Int) throws(VendorParseError) {
            guard !words.isEmpty else { return }
            var inactive = path.contains { $0.inactive }
            var ws = words
            if ws.first == "inactive:" { inactive = true; ws.removeFirst() }
            let prefix = path.flatMap { $0.words }
            let lists = list.isEmpty ? [[]] : list.map { [$0] }
            for v in lists {
                out.append(PathStatement(words: ["set"] + prefix + ws + v, line: wordLine, column: wordCol, inactive: inactive,
                                         text: (prefix + ws + v).joined(separator: " ")))
            }
            words = []; list = []
        }
        while i < b.count {
            let c = b[i]
            if c == 32 || c == 9 || c == 10 || c == 13 { adv(); continue }
            if c == UInt8(ascii: "#") { while i < b.count && b[i] != 10 { adv() }; continue }
            if c == UInt8(ascii: "/") && i + 1 < b.count && b[i + 1] == UInt8(ascii: "*") {
                let (l, cc) = (line, col)
                adv(); adv()
                while i + 1 < b.count && !(b[i] == UInt8(ascii: "*") && b[i + 1] == UInt8(ascii: "/")) { adv() }
                guard i + 1 < b.count else { throw sink.error(l, cc, "comment not closed by */") }
                adv(); adv(); continue
            }
            if c == UInt8(ascii: "{") {
                guard !words.isEmpty, !inList else { throw sink.error(line, col, "`{` without a statement name") }
                var ws = words
                var inactive = false
                if ws.first == "inactive:" { inactive = true; ws.removeFirst() }
                if path.count >= 64 { throw sink.error(line, col, "hierarchy nested too deeply") }
                path.append((ws, inactive, wordLine))
                words = []
                adv(); continue
            }
            if c == UInt8(ascii: "}") {
                guard words.isEmpty else { throw sink.error(line, col, "expected `;` before `}`") }
                guard !path.isEmpty else { throw sink.error(line, col, "`}` without a matching `{`") }
                path.removeLast()
                adv(); continue
            }
            if c == UInt8(ascii: ";") {
                guard !inList else { throw sink.error(line, col, "`[` list not closed before `;`") }
                guard !words.isEmpty else { throw sink.error(line, col, "empty statement") }
                try finish(line)
                adv(); continue
            }
            if c == UInt8(ascii: "[") { guard !inList else { throw sink.error(line, col, "nested `[`") }; inList = true; adv(); continue }
            if c == UInt8(ascii: "]") { guard inList else { throw sink.error(line, col, "`]` without `[`") }; inList = false; adv(); continue }
            // A word, possibly quoted.
            let (l, cc) = (line, col)
            var word = ""
            if c == UInt8(ascii: "\"") {
                adv()
                var bytes: [UInt8] = []
                while i < b.count && b[i] != UInt8(ascii: "\"") {
                    if b[i] == UInt8(ascii: "\\") && i + 1 < b.count { adv() }
                    bytes.append(b[i]); adv()
                }
                guard i < b.count else { throw sink.error(l, cc, "unterminated quoted string") }
                adv()
                word = String(decoding: bytes, as: UTF8.self)
            } else {
                let s = i
                while i < b.count, !(b[i] == 32 || b[i] == 9 || b[i] == 10 || b[i] == 13 || b[i] == UInt8(ascii: ";") || b[i] == UInt8(ascii: "{") || b[i] == UInt8(ascii: "}") || b[i] == UInt8(ascii: "[") || b[i] == UInt8(ascii: "]")) { adv() }
                word = String(decoding: b[s..<i], as: UTF8.self)
            }
            if inList { list.append(word) } else {
                if words.isEmpty { wordLine = l; wordCol = cc }
                words.append(word)
            }
        }
        if inList { throw sink.error(line, col, "`[` list not closed") }
        if !words.isEmpty { throw sink.error(wordLine, wordCol, "statement `\(words.joined(separator: " "))` not ended by `;`") }
        if let open = path.last { throw sink.error(open.line, 1, "`\(open.words.joined(separator: " ")) {` is not closed") }
        return out
    }

    struct PolicyDraft {
        var from: String?, to: String?
        var name: String
        var line: Int
        var sources: [String] = [], destinations: [String] = [], apps: [String] = []
        var fromZones: [String] = [], toZones: [String] = []   // global policies
        var sourceExcluded = false, destinationExcluded = false
        var action: String?
        var actionLine = 0
        var inactive = false
        var unknowns: [String] = []
        var global: Bool
    }

    static func interpret(_ stmts: [PathStatement], file: String, _ sink: VendorErrorSink) throws(VendorParseError) -> VendorRuleSet {
        var set = VendorRuleSet(format: .junos, file: file)
        var zoneBook: [String: [String: (VendorAddressSet, Int)]] = [:]    // zone → name → set
        var globalBook: [String: (VendorAddressSet, Int)] = [:]
        var zoneSets: [String: [String: ([String], Int)]] = [:]
        var globalSets: [String: ([String], Int)] = [:]
        var apps: [String: (proto: String?, dport: String?, sport: String?, icmpType: String?, line: Int, terms: [String: (String?, String?, String?, String?)])] = [:]
        var appSets: [String: ([String], Int)] = [:]
        var policies: [String: PolicyDraft] = [:]
        var order: [String] = []
        var defaultPermit = false
        var reportedFilters = Set<String>()
        var deactivated: [[String]] = []

        func addrValue(_ w: [String], _ at: Int, _ s: PathStatement) throws(VendorParseError) -> VendorAddressSet {
            guard at < w.count else { throw sink.error(s.line, s.column, "address: expected a value") }
            if w[at] == "range-address" {
                guard at + 3 < w.count, w[at + 2] == "to", let a = IPAddress(w[at + 1]), let b = IPAddress(w[at + 3]), a <= b else {
                    throw sink.error(s.line, s.column, "range-address: expected A to B")
                }
                return VendorAddressSet(ranges: [a...b])
            }
            if w[at] == "dns-name" || w[at] == "wildcard-address" {
                set.unsupported.append(VendorUnsupported(location: sink.loc(s.line, s.column), text: s.text,
                    reason: "\(w[at]) addresses are not modelled; treated as possibly any address", scope: .everything))
                return VendorAddressSet(ranges: [], unresolved: ["\(w[at]) \(at + 1 < w.count ? w[at + 1] : "")"])
            }
            if w[at] == "description" { return VendorAddressSet(ranges: []) }
            guard let n = VendorParse.network(Substring(w[at])) else { throw sink.error(s.line, s.column, "address: bad prefix `\(w[at])`") }
            return .network(n)
        }

        for s in stmts {
            let verb = s.words.first ?? ""
            // `[ a b ]` value lists in set form: the values count one by one.
            var w = Array(s.words.dropFirst()).filter { $0 != "[" && $0 != "]" }
            if verb == "deactivate" { deactivated.append(w); continue }
            if verb == "activate" { deactivated.removeAll { $0 == w }; continue }
            if verb == "delete" {
                set.unsupported.append(VendorUnsupported(location: sink.loc(s.line, s.column), text: s.text, reason: "`delete` edits are not replayed", scope: .everything))
                continue
            }
            guard verb == "set" else {
                set.unsupported.append(VendorUnsupported(location: sink.loc(s.line, s.column), text: s.text, reason: "unknown command `\(verb)`", scope: .everything))
                continue
            }
            if w.first == "groups" && w.count > 2 {
                set.unsupported.append(VendorUnsupported(location: sink.loc(s.line, s.column), text: s.text,
                    reason: "configuration groups are not expanded (apply-groups)", scope: .everything))
                continue
            }
            if w.first == "logical-systems" && w.count > 2 { w = Array(w.dropFirst(2)) }
            guard let head = w.first else { continue }
            if head == "applications" {
                guard w.count >= 3 else { continue }
                if w[1] == "application" {
                    let name = w[2]
                    var a = apps[name] ?? (nil, nil, nil, nil, s.line, [:])
                    var i = 3
                    var term: String? = nil
                    if i + 1 < w.count, w[i] == "term" { term = w[i + 1]; i += 2 }
                    while i + 1 < w.count {
                        let k = w[i], v = w[i + 1]
                        if let t = term {
                            var tv = a.terms[t] ?? (nil, nil, nil, nil)
                            switch k { case "protocol": tv.0 = v; case "destination-port": tv.1 = v; case "source-port": tv.2 = v; case "icmp-type": tv.3 = v; default: break }
                            a.terms[t] = tv
                        } else {
                            switch k { case "protocol": a.proto = v; case "destination-port": a.dport = v; case "source-port": a.sport = v; case "icmp-type": a.icmpType = v; default: break }
                        }
                        i += 2
                    }
                    apps[name] = a
                } else if w[1] == "application-set", w.count >= 5 {
                    appSets[w[2], default: ([], s.line)].0.append(w[4])
                }
                continue
            }
            if head == "firewall" {
                let key = w.prefix(5).joined(separator: " ")
                if w.count >= 4, w.contains("filter"), reportedFilters.insert(key).inserted {
                    set.unsupported.append(VendorUnsupported(location: sink.loc(s.line, s.column), text: s.text,
                        reason: "stateless firewall filters (firewall family … filter) are not modelled", scope: .everything))
                }
                continue
            }
            guard head == "security", w.count >= 2 else { set.ignoredLines += 1; continue }
            switch w[1] {
            case "zones":
                guard w.count >= 4, w[2] == "security-zone" else { set.ignoredLines += 1; continue }
                let zone = w[3]
                if set.zoneInterfaces[zone] == nil { set.zoneInterfaces[zone] = [] }
                if w.count >= 6, w[4] == "interfaces" { set.zoneInterfaces[zone]!.append(w[5]) }
                else if w.count >= 8, w[4] == "address-book", w[5] == "address" {
                    zoneBook[zone, default: [:]][w[6]] = (try addrValue(w, 7, s), s.line)
                } else if w.count >= 9, w[4] == "address-book", w[5] == "address-set" {
                    zoneSets[zone, default: [:]][w[6], default: ([], s.line)].0.append(w[8])
                }
            case "address-book":
                guard w.count >= 6 else { continue }
                if w[3] == "address" { globalBook[w[4]] = (try addrValue(w, 5, s), s.line) }
                else if w[3] == "address-set", w.count >= 7 { globalSets[w[4], default: ([], s.line)].0.append(w[6]) }
                else if w[3] == "attach" {
                    set.unsupported.append(VendorUnsupported(location: sink.loc(s.line, s.column), text: s.text,
                        reason: "address books attached to zones are merged into one global book", scope: .everything))
                }
            case "policies":
                guard w.count >= 3 else { continue }
                if w[2] == "default-policy" { defaultPermit = w.count >= 4 && w[3] == "permit-all"; continue }
                var draftKey: String
                var rest: ArraySlice<String>
                var isGlobal = false
                var from: String? = nil, to: String? = nil, name: String
                if w[2] == "from-zone" {
                    guard w.count >= 8, w[4] == "to-zone", w[6] == "policy" else {
                        if w.count >= 7, w[4] == "to-zone", w[6] != "policy" { set.ignoredLines += 1; continue }
                        throw sink.error(s.line, s.column, "security policies: expected from-zone A to-zone B policy P ...")
                    }
                    from = w[3]; to = w[5]; name = w[7]; rest = w[8...]
                    draftKey = "\(w[3])>\(w[5])>\(w[7])"
                } else if w[2] == "global" {
                    guard w.count >= 5, w[3] == "policy" else { set.ignoredLines += 1; continue }
                    name = w[4]; rest = w[5...]; isGlobal = true
                    draftKey = "global>\(w[4])"
                } else { set.ignoredLines += 1; continue }
                if policies[draftKey] == nil {
                    order.append(draftKey)
                    policies[draftKey] = PolicyDraft(from: from, to: to, name: name, line: s.line, global: isGlobal)
                }
                if s.inactive { policies[draftKey]!.inactive = true }
                let r = Array(rest)
                guard r.count >= 2 else { continue }
                if r[0] == "match" {
                    let k = r[1]
                    let vals = Array(r.dropFirst(2))
                    switch k {
                    case "source-address": policies[draftKey]!.sources += vals
                    case "destination-address": policies[draftKey]!.destinations += vals
                    case "application": policies[draftKey]!.apps += vals
                    case "from-zone": policies[draftKey]!.fromZones += vals
                    case "to-zone": policies[draftKey]!.toZones += vals
                    case "source-address-excluded": policies[draftKey]!.sourceExcluded = true
                    case "destination-address-excluded": policies[draftKey]!.destinationExcluded = true
                    default:
                        policies[draftKey]!.unknowns.append("match \(k)")
                        set.unsupported.append(VendorUnsupported(location: sink.loc(s.line, s.column), text: s.text,
                            reason: "match condition `\(k)` is not modelled; treated as possibly matching", scope: .rule(name)))
                    }
                } else if r[0] == "then" {
                    let a = r[1]
                    if ["permit", "deny", "reject"].contains(a) { policies[draftKey]!.action = a; policies[draftKey]!.actionLine = s.line }
                }
            default:
                set.ignoredLines += 1   // nat, screen, ike, ipsec, flow, ...
            }
        }

        // Resolution helpers.
        var resolving = Set<String>()
        func address(_ name: String, zone: String?, _ line: Int) throws(VendorParseError) -> VendorAddressSet {
            switch name {
            case "any": return .any
            case "any-ipv4": return .anyV4
            case "any-ipv6": return VendorAddressSet(ranges: [IPAddress.zero...IPAddress(hi: .max, lo: 0x0000_FFFE_FFFF_FFFF), IPAddress(hi: 0, lo: 0x0001_0000_0000_0000)...IPAddress.max])
            default: break
            }
            if let z = zone, let a = zoneBook[z]?[name] { return a.0 }
            if let z = zone, let members = zoneSets[z]?[name] {
                return try group(name, members, zone: zone)
            }
            if let a = globalBook[name] { return a.0 }
            if let members = globalSets[name] { return try group(name, members, zone: zone) }
            // Zone-less global policies may use any zone's book.
            if zone == nil { for (_, book) in zoneBook { if let a = book[name] { return a.0 } } }
            set.unsupported.append(VendorUnsupported(location: sink.loc(line), text: name,
                reason: "address `\(name)` is not defined in \(zone.map { "zone \($0) or " } ?? "")the global address book; treated as possibly any address", scope: .rule("using \(name)")))
            return VendorAddressSet(ranges: [], unresolved: ["address \(name)"])
        }
        var setCache: [String: VendorAddressSet] = [:]
        func group(_ name: String, _ members: ([String], Int), zone: String?) throws(VendorParseError) -> VendorAddressSet {
            let key = "\(zone ?? "") \(name)"
            if let c = setCache[key] { return c }
            if resolving.contains(name) || resolving.count > VendorLimits.maxObjectDepth { throw sink.error(members.1, 1, "address-set \(name) contains itself") }
            resolving.insert(name); defer { resolving.remove(name) }
            var parts: [VendorAddressSet] = []
            for m in members.0 { parts.append(try address(m, zone: zone, members.1)) }
            let u = VendorAddressSet.union(parts)
            setCache[key] = u
            return u
        }
        func portRange(_ s: String?, _ line: Int) throws(VendorParseError) -> [PortRange] {
            guard let s else { return [] }
            let ab = s.split(separator: "-", maxSplits: 1, omittingEmptySubsequences: false)
            guard let a = VendorPorts.lookup(ab[0]), let b = ab.count == 2 ? VendorPorts.lookup(ab[1]) : a, a <= b else {
                throw sink.error(line, 1, "application: bad port `\(s)`")
            }
            return [PortRange(a, b)]
        }
        func one(_ proto: String?, _ dport: String?, _ sport: String?, _ icmp: String?, _ line: Int, _ name: String) throws(VendorParseError) -> VendorService {
            guard let p = proto else { throw sink.error(line, 1, "application \(name): no protocol") }
            guard let pn = VendorParse.proto(Substring(p)) else { throw sink.error(line, 1, "application \(name): unknown protocol `\(p)`") }
            if pn == IPProto.icmp { return VendorService(proto: pn, icmpType: icmp.flatMap { VendorParse.uint(Substring($0), max: 255) }.map { UInt8($0) }) }
            return VendorService(proto: pn, srcPorts: try portRange(sport, line), dstPorts: try portRange(dport, line))
        }
        var appCache: [String: [VendorService]] = [:]
        func application(_ name: String, _ line: Int) throws(VendorParseError) -> [VendorService] {
            if name == "any" { return [VendorService()] }
            if let a = apps[name] {
                if !a.terms.isEmpty {
                    var out: [VendorService] = []
                    for (_, t) in a.terms.sorted(by: { $0.key < $1.key }) { out.append(try one(t.0, t.1, t.2, t.3, a.line, name)) }
                    return out
                }
                return [try one(a.proto, a.dport, a.sport, a.icmpType, a.line, name)]
            }
            if let s = appSets[name] {
                if let c = appCache[name] { return c }
                if resolving.contains(name) || resolving.count > VendorLimits.maxObjectDepth { throw sink.error(s.1, 1, "application-set \(name) contains itself") }
                resolving.insert(name); defer { resolving.remove(name) }
                var out: [VendorService] = []
                for m in s.0 { out += try application(m, s.1) }
                appCache[name] = out
                return out
            }
            if let d = junosDefaults[name] { return d }
            set.unsupported.append(VendorUnsupported(location: sink.loc(line), text: name,
                reason: "application `\(name)` is not defined here nor in segcheck's junos-defaults table; treated as possibly any traffic", scope: .rule("using \(name)")))
            return [VendorService(unknown: "application \(name)")]
        }

        var zoneRules: [VendorRule] = [], globalRules: [VendorRule] = []
        for key in order {
            let p = policies[key]!
            let label = p.global ? "global policy \(p.name)" : "policy \(p.from!)→\(p.to!) \(p.name)"
            let loc = sink.loc(p.line)
            let text = (p.global ? "global policy \(p.name)" : "from-zone \(p.from!) to-zone \(p.to!) policy \(p.name)") +
                ": match source-address \(p.sources.joined(separator: ",")) destination-address \(p.destinations.joined(separator: ",")) application \(p.apps.joined(separator: ",")) then \(p.action ?? "?")"
            let isDeactivated = deactivated.contains { d in
                if p.global { return d.count >= 5 && d[0] == "security" && d[2] == "global" && d[4] == p.name && d.count == 5 }
                return d.count == 8 && d[0] == "security" && d[3] == p.from! && d[5] == p.to! && d[7] == p.name
            }
            if p.inactive || isDeactivated {
                set.unsupported.append(VendorUnsupported(location: loc, text: text, reason: "inactive policy skipped", scope: .rule(label), skipped: true))
                continue
            }
            guard let actionWord = p.action else { throw sink.error(p.line, 1, "\(label): no `then permit|deny|reject`") }
            guard !p.sources.isEmpty, !p.destinations.isEmpty, !p.apps.isEmpty else {
                throw sink.error(p.line, 1, "\(label): needs match source-address, destination-address and application")
            }
            var src = VendorAddressSet.union(try p.sources.map { v throws(VendorParseError) in try address(v, zone: p.from, p.line) })
            var dst = VendorAddressSet.union(try p.destinations.map { v throws(VendorParseError) in try address(v, zone: p.to, p.line) })
            if p.sources.contains("any") { src = .any }
            if p.destinations.contains("any") { dst = .any }
            src.negated = p.sourceExcluded
            dst.negated = p.destinationExcluded
            var svcs: [VendorService] = []
            for a in p.apps { svcs += try application(a, p.line) }
            if svcs.contains(VendorService()) { svcs = [] }
            let from = p.global ? p.fromZones.filter { $0 != "any" } : [p.from!]
            let to = p.global ? p.toZones.filter { $0 != "any" } : [p.to!]
            let rule = VendorRule(name: label, action: actionWord == "permit" ? .permit : .deny, sources: src, destinations: dst, services: svcs,
                                  fromZones: from, toZones: to, location: loc, text: text, unknowns: p.unknowns)
            if p.global { globalRules.append(rule) } else { zoneRules.append(rule) }
        }
        set.filters.append(VendorFilter(name: "security policies", binding: .zoneTable, rules: zoneRules + globalRules,
                                        defaultAction: defaultPermit ? .permit : .deny, location: sink.loc(stmts.first?.line ?? 1)))
        return set
    }
}
