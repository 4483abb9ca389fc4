// YamahaRTX: reads Yamaha RTX `show config` text (ip filter, ip filter dynamic, ip IF secure filter) into vendor rules; rejoins console-wrapped lines.
//
// Semantics (Yamaha RT command reference, rt-common 9.1.1 「IP パケットのフィルタの設定」 ip filter,
// 9.1.14 「動的フィルタの定義」 ip filter dynamic, vrx 5.1.23 「フィルタリングによるセキュリティの設定」 ip INTERFACE secure filter):
// - filters bound with `ip IF secure filter in|out N...` are tried in the listed order; the first match decides;
//   a packet matching none of them is discarded. An interface/direction with no list passes everything.
// - omitted trailing fields of `ip filter` mean `*` (any); `restrict` passes while the line is up, so it is treated as pass.
// - `ip filter dynamic` lists are stateful: they admit replies (and, for form 2 `in` lists and FTP, reverse connections)
//   after a trigger; they never admit a new initiator packet by themselves, so they are reported, not modelled.
// Console wrapping: `show config` on an 80-column console breaks every line longer than 79 characters after column 79
// with a bare line break, no marker, possibly mid-token. A physical line is taken as a continuation of the previous one
// when the previous physical line is exactly 79 characters long and this line does not begin with a known command word;
// it is appended with no separator. When the previous line is 78 characters (an editor stripped the trailing blank of a
// break that fell on a space) the same test applies and one blank is put back.
import Wire
import Policy

public enum YamahaRTXParser {
    /// Characters per physical line before the console breaks it.
    public static let wrapWidth = 79

    /// First words of RTX commands (used to tell a new command from a wrapped continuation).
    static let commandWords: Set<String> = [
        "ip", "ipv6", "pp", "tunnel", "nat", "dhcp", "dns", "ipsec", "l2tp", "pptp", "syslog", "ntp", "ntpdate", "schedule",
        "console", "login", "administrator", "timezone", "security", "description", "lan", "switch", "sshd", "telnetd",
        "httpd", "sftpd", "tftp", "statistics", "upnp", "bgp", "ospf", "rip", "ethernet", "provider", "netvolante-dns",
        "user", "wins", "alarm", "operation", "vlan", "bridge", "save", "show", "quit", "no", "isdn", "analog", "sip",
        "wan", "mobile", "wlan", "snmp", "snmpv2c", "snmpv3", "heartbeat", "lua", "external-memory", "usbhost", "sd",
        "system", "cooperation", "dashboard", "vrrp", "mail", "url", "qos", "queue", "speed", "clear", "set", "loopback",
        "auth", "radius", "ppp", "keepalive", "hide", "ping", "traceroute", "date", "time", "interface", "lan-map",
        "l2ms", "ethernet-filter", "ip6", "dhcp6", "mld", "ra", "ndp", "netvolante", "cold", "restart", "embedded",
        "fast-path", "http", "telnet", "ssh", "sftp", "email", "ddns", "remote", "line", "pki", "wireless",
        "bgp", "ipv6cp", "ipcp", "ccp", "lcp", "pap", "chap", "mp", "pppoe", "network", "filter", "vendor",
    ]

    /// A logical configuration line: its text and the physical line it starts on.
    public struct LogicalLine: Sendable, Equatable {
        public var line: Int
        public var text: String
        /// Physical lines it was rejoined from (1 when not wrapped).
        public var physicalLines: Int
    }

    /// Undoes console wrapping (see the header comment for the rule).
    public static func rejoin(_ text: String, width: Int = wrapWidth) -> [LogicalLine] {
        var out: [LogicalLine] = []
        var prevPhysical: Substring? = nil   // last physical segment of the current logical line
        for (n, raw) in vendorLines(text) {
            let trimmed = raw.drop(while: { $0 == " " || $0 == "\t" })
            if trimmed.isEmpty || trimmed.hasPrefix("#") {
                out.append(LogicalLine(line: n, text: String(raw), physicalLines: 1))
                prevPhysical = nil
                continue
            }
            if let prev = prevPhysical, !out.isEmpty {
                let firstWord = trimmed.prefix(while: { $0 != " " && $0 != "\t" }).lowercased()
                let isCommand = commandWords.contains(firstWord)
                let len = prev.count
                if !isCommand && len == width {
                    out[out.count - 1].text += raw
                    out[out.count - 1].physicalLines += 1
                    prevPhysical = raw
                    continue
                }
                if !isCommand && len == width - 1 && prev.last != " " && raw.first != " " {
                    out[out.count - 1].text += " " + raw
                    out[out.count - 1].physicalLines += 1
                    prevPhysical = raw
                    continue
                }
            }
            out.append(LogicalLine(line: n, text: String(raw), physicalLines: 1))
            prevPhysical = raw
        }
        return out
    }

    struct StaticFilter {
        var number: UInt64
        var rule: VendorRule?        // nil when the filter can never match (an unsupported deny)
        var line: Int
    }

    struct Bind {
        var iface: String
        var direction: VendorDirection
        var statics: [(UInt64, Int)]   // filter number, column
        var dynamics: [UInt64]
        var line: Int
    }

    public static func parse(_ text: String, file: String) throws(VendorParseError) -> VendorRuleSet {
        let sink = VendorErrorSink(file: file)
        var set = VendorRuleSet(format: .yamaha, file: file)
        var statics: [UInt64: StaticFilter] = [:]
        var dynamics: [UInt64: (line: Int, text: String, reverse: Bool)] = [:]
        var binds: [String: Bind] = [:]   // key "iface dir"
        var bindOrder: [String] = []
        var ppContext: String? = nil
        var tunnelContext: String? = nil

        for logical in rejoin(text) {
            if logical.text.utf8.count > VendorLimits.maxLineLength { throw sink.error(logical.line, 1, "line longer than \(VendorLimits.maxLineLength) bytes") }
            let body = Substring(logical.text)
            let (tokens, open) = VendorTokenizer.split(body)
            if let col = open { throw sink.error(logical.line, col, "unterminated quoted string") }
            guard let first = tokens.first else { continue }
            if first.text.hasPrefix("#") { continue }
            let w = tokens.map { $0.text }
            let word0 = first.text.lowercased()
            let loc = sink.loc(logical.line, first.column)
            let lineText = logical.text.vendorTrimmed

            switch word0 {
            case "pp":
                if w.count >= 3, w[1] == "select" { ppContext = w[2] == "none" ? nil : "pp" + w[2] }
                set.ignoredLines += 1
            case "tunnel":
                if w.count >= 3, w[1] == "select" { tunnelContext = w[2] == "none" ? nil : "tunnel" + w[2] }
                set.ignoredLines += 1
            case "ip":
                guard w.count >= 2 else { throw sink.error(logical.line, first.column, "incomplete ip command") }
                if w[1] == "filter" {
                    guard w.count >= 3 else { throw sink.error(logical.line, tokens[1].column, "ip filter: expected a filter number") }
                    if w[2] == "dynamic" {
                        try parseDynamic(tokens, logical.line, lineText, sink, &dynamics, &set)
                    } else if VendorParse.uint(w[2], max: 2_147_483_647) != nil {
                        let f = try parseStatic(tokens, logical.line, lineText, sink, &set)
                        statics[f.number] = f
                    } else if w[2] == "set" {
                        set.unsupported.append(VendorUnsupported(location: loc, text: lineText, reason: "filter sets (ip filter set) are not modelled", scope: .everything))
                    } else if ["source-route", "directed-broadcast"].contains(String(w[2])) {
                        set.ignoredLines += 1
                    } else {
                        throw sink.error(logical.line, tokens[2].column, "ip filter: expected a filter number, `dynamic` or `set`, found `\(w[2])`")
                    }
                } else if w.count >= 4, w[2] == "secure", w[3] == "filter" {
                    var iface = String(w[1])
                    if iface == "pp" {
                        guard let ctx = ppContext else { throw sink.error(logical.line, tokens[1].column, "ip pp secure filter outside a `pp select` block") }
                        iface = ctx
                    } else if iface == "tunnel" {
                        guard let ctx = tunnelContext else { throw sink.error(logical.line, tokens[1].column, "ip tunnel secure filter outside a `tunnel select` block") }
                        iface = ctx
                    }
                    guard w.count >= 5 else { throw sink.error(logical.line, tokens[3].column, "secure filter: expected in, out or name") }
                    if w[4] == "name" {
                        set.unsupported.append(VendorUnsupported(location: loc, text: lineText, reason: "filter sets (secure filter name) are not modelled", scope: .interface(iface)))
                        continue
                    }
                    guard let dir = VendorDirection(rawValue: String(w[4])) else { throw sink.error(logical.line, tokens[4].column, "secure filter: expected in or out, found `\(w[4])`") }
                    var b = Bind(iface: iface, direction: dir, statics: [], dynamics: [], line: logical.line)
                    var inDynamic = false
                    for t in tokens.dropFirst(5) {
                        if t.text == "dynamic" { inDynamic = true; continue }
                        guard let n = VendorParse.uint(t.text, max: 2_147_483_647) else {
                            throw sink.error(logical.line, t.column, "secure filter: expected a filter number, found `\(t.text)`")
                        }
                        if inDynamic { b.dynamics.append(n) } else { b.statics.append((n, t.column)) }
                    }
                    let key = "\(iface) \(dir.rawValue)"
                    if binds[key] == nil { bindOrder.append(key) }
                    binds[key] = b
                } else {
                    set.ignoredLines += 1
                }
            case "ipv6":
                if w.contains("filter") {
                    let scope: VendorScope = (w.count >= 3 && w[2] == "secure") ? .interface(String(w[1])) : .everything
                    set.unsupported.append(VendorUnsupported(location: loc, text: lineText, reason: "IPv6 filters are not modelled; IPv6 packets are not analysed", scope: scope))
                } else { set.ignoredLines += 1 }
            default:
                if commandWords.contains(word0) {
                    set.ignoredLines += 1
                } else {
                    set.unsupported.append(VendorUnsupported(location: loc, text: lineText, reason: "unknown command `\(first.text)`", scope: .everything))
                }
            }
        }

        for key in bindOrder {
            guard let b = binds[key] else { continue }
            var rules: [VendorRule] = []
            for (n, col) in b.statics {
                if let f = statics[n] {
                    if let r = f.rule { rules.append(r) }
                } else {
                    set.unsupported.append(VendorUnsupported(location: sink.loc(b.line, col), text: "ip \(b.iface) secure filter \(b.direction.rawValue) … \(n)",
                        reason: "filter \(n) is listed but not defined; it matches nothing", scope: .interface(b.iface)))
                }
            }
            var seenDynamic = Set<UInt64>()
            for n in b.dynamics where seenDynamic.insert(n).inserted {
                guard let d = dynamics[n] else {
                    set.unsupported.append(VendorUnsupported(location: sink.loc(b.line), text: "ip \(b.iface) secure filter \(b.direction.rawValue) … dynamic \(n)",
                        reason: "dynamic filter \(n) is listed but not defined", scope: .interface(b.iface)))
                    continue
                }
                if d.reverse {
                    set.unsupported.append(VendorUnsupported(location: sink.loc(d.line), text: d.text,
                        reason: "dynamic filter \(n) on \(b.iface) \(b.direction.rawValue) can admit reverse-direction connections after a trigger; not modelled",
                        scope: .interface(b.iface)))
                }
            }
            set.filters.append(VendorFilter(name: "\(b.iface) \(b.direction.rawValue)", binding: .interface(name: b.iface, direction: b.direction),
                                            rules: rules, defaultAction: .deny, location: sink.loc(b.line)))
        }
        return set
    }

    static func parseStatic(_ t: [VendorToken], _ line: Int, _ text: String, _ sink: VendorErrorSink, _ set: inout VendorRuleSet) throws(VendorParseError) -> StaticFilter {
        let number = VendorParse.uint(t[2].text, max: 2_147_483_647)!
        guard t.count >= 4 else { throw sink.error(line, t[2].column, "ip filter \(number): expected an action (pass, reject, restrict)") }
        if t.count > 9 { throw sink.error(line, t[9].column, "ip filter \(number): unexpected `\(t[9].text)` after the destination ports") }
        let actionWord = t[3].text.lowercased()
        let action: VendorAction
        var notes: [String] = []
        switch actionWord {
        case "pass", "pass-log", "pass-nolog": action = .permit
        case "reject", "reject-log", "reject-nolog": action = .deny
        case "restrict", "restrict-log", "restrict-nolog":
            action = .permit; notes.append("restrict passes while the line is connected; treated as pass")
        default: throw sink.error(line, t[3].column, "ip filter \(number): unknown action `\(t[3].text)` (pass, reject, restrict[-log|-nolog])")
        }
        let name = "ip filter \(number)"
        var neverMatches = false
        func addresses(_ i: Int) throws(VendorParseError) -> VendorAddressSet {
            guard i < t.count, t[i].text != "*" else { return .anyV4 }
            var ranges: [ClosedRange<IPAddress>] = []
            var unresolved: [String] = []
            var col = t[i].column
            for item in t[i].text.split(separator: ",", omittingEmptySubsequences: false) {
                defer { col += item.count + 1 }
                if item == "*" { return .anyV4 }
                if let n = VendorParse.network(item), n.address.isIPv4 { ranges.append(n.first...n.last); continue }
                if let r = VendorParse.range(item), r.lowerBound.isIPv4 { ranges.append(r); continue }
                if item.contains(where: { $0.isLetter }) && !item.contains("/") {
                    // FQDN: resolved by the router at run time; may be any address.
                    unresolved.append("host name \(item)")
                    set.unsupported.append(VendorUnsupported(location: sink.loc(line, col), text: text,
                        reason: "host name `\(item)` is resolved at run time; treated as possibly any address", scope: .rule(name)))
                    continue
                }
                throw sink.error(line, col, "ip filter \(number): bad address `\(item)` (expected *, A, A/len, A/mask, A-B or a comma list)")
            }
            return VendorAddressSet(ranges: ranges, unresolved: unresolved)
        }
        let src = try addresses(4)
        let dst = try addresses(5)

        // Protocols → service bases.
        struct Base { var proto: UInt8?; var icmpTypes: [UInt8]?; var established: Bool; var portsApply: Bool; var unknown: String? = nil }
        var bases: [Base] = []
        if t.count > 6 && t[6].text != "*" {
            var col = t[6].column
            for item in t[6].text.split(separator: ",", omittingEmptySubsequences: false) {
                defer { col += item.count + 1 }
                switch item.lowercased() {
                case "*", "ip": bases.append(Base(proto: nil, icmpTypes: nil, established: false, portsApply: false))
                case "tcp": bases.append(Base(proto: IPProto.tcp, icmpTypes: nil, established: false, portsApply: true))
                case "udp": bases.append(Base(proto: IPProto.udp, icmpTypes: nil, established: false, portsApply: true))
                case "icmp": bases.append(Base(proto: IPProto.icmp, icmpTypes: nil, established: false, portsApply: false))
                case "icmp-error": bases.append(Base(proto: IPProto.icmp, icmpTypes: [3, 4, 5, 11, 12], established: false, portsApply: false))
                case "icmp-info": bases.append(Base(proto: IPProto.icmp, icmpTypes: [0, 8, 9, 10, 13, 14, 15, 16, 17, 18], established: false, portsApply: false))
                case "established":
                    bases.append(Base(proto: IPProto.tcp, icmpTypes: nil, established: true, portsApply: true))
                case "tcpsyn", "tcpfin", "tcprst":
                    bases.append(Base(proto: IPProto.tcp, icmpTypes: nil, established: false, portsApply: true, unknown: "\(item) (TCP flag test)"))
                default:
                    if item.lowercased().hasPrefix("tcpflag") {
                        bases.append(Base(proto: IPProto.tcp, icmpTypes: nil, established: false, portsApply: true, unknown: "\(item) (TCP flag test)"))
                    } else if let p = VendorParse.proto(item) {
                        bases.append(Base(proto: p, icmpTypes: nil, established: false, portsApply: p == IPProto.tcp || p == IPProto.udp))
                    } else {
                        throw sink.error(line, col, "ip filter \(number): unknown protocol `\(item)`")
                    }
                }
            }
        } else {
            bases.append(Base(proto: nil, icmpTypes: nil, established: false, portsApply: false))
        }

        func ports(_ i: Int) throws(VendorParseError) -> [PortRange] {
            guard i < t.count, t[i].text != "*" else { return [] }
            var out: [PortRange] = []
            var col = t[i].column
            for item in t[i].text.split(separator: ",", omittingEmptySubsequences: false) {
                defer { col += item.count + 1 }
                if let p = VendorPorts.lookup(item) { out.append(PortRange(p, p)); continue }
                let parts = item.split(separator: "-", maxSplits: 1, omittingEmptySubsequences: false)
                if parts.count == 2 {
                    let lo = parts[0].isEmpty ? 0 : VendorPorts.lookup(parts[0])
                    let hi = parts[1].isEmpty ? 65535 : VendorPorts.lookup(parts[1])
                    if let lo, let hi, lo <= hi { out.append(PortRange(lo, hi)); continue }
                }
                throw sink.error(line, col, "ip filter \(number): bad port `\(item)` (number, name, a-b, a-, -b or a comma list)")
            }
            return out
        }
        var services: [VendorService] = []
        let onlyICMP = bases.count == 1 && bases[0].proto == IPProto.icmp && bases[0].icmpTypes == nil
        if onlyICMP {
            // For icmp alone the port fields are ICMP type and code.
            var type: UInt8? = nil, code: UInt8? = nil
            if t.count > 7, t[7].text != "*" {
                guard let v = VendorParse.uint(t[7].text, max: 255) else { throw sink.error(line, t[7].column, "ip filter \(number): ICMP type must be 0-255") }
                type = UInt8(v)
            }
            if t.count > 8, t[8].text != "*" {
                guard let v = VendorParse.uint(t[8].text, max: 255) else { throw sink.error(line, t[8].column, "ip filter \(number): ICMP code must be 0-255") }
                code = UInt8(v)
            }
            services = [VendorService(proto: IPProto.icmp, icmpType: type, icmpCode: code)]
        } else {
            let sp = try ports(7), dp = try ports(8)
            let portsGiven = !sp.isEmpty || !dp.isEmpty
            for b in bases {
                if let types = b.icmpTypes {
                    for ty in types { services.append(VendorService(proto: b.proto, icmpType: ty)) }
                } else if b.proto == nil && portsGiven {
                    services.append(VendorService(proto: IPProto.tcp, srcPorts: sp, dstPorts: dp))
                    services.append(VendorService(proto: IPProto.udp, srcPorts: sp, dstPorts: dp))
                } else if b.portsApply {
                    services.append(VendorService(proto: b.proto, srcPorts: sp, dstPorts: dp, establishedOnly: b.established, unknown: b.unknown))
                } else {
                    services.append(VendorService(proto: b.proto))
                }
            }
            if services.contains(where: { $0.proto == nil && $0.unknown == nil }) { services = [] }  // any protocol
            else if services.isEmpty { neverMatches = true }
        }
        if neverMatches { return StaticFilter(number: number, rule: nil, line: line) }
        let rule = VendorRule(name: name, action: action, sources: src, destinations: dst, services: services,
                              location: sink.loc(line, t[0].column), text: text, notes: notes)
        return StaticFilter(number: number, rule: rule, line: line)
    }

    static func parseDynamic(_ t: [VendorToken], _ line: Int, _ text: String, _ sink: VendorErrorSink,
                             _ dynamics: inout [UInt64: (line: Int, text: String, reverse: Bool)], _ set: inout VendorRuleSet) throws(VendorParseError) {
        guard t.count >= 4, let n = VendorParse.uint(t[3].text, max: 2_147_483_647) else {
            throw sink.error(line, t.count >= 4 ? t[3].column : t[2].column, "ip filter dynamic: expected a filter number")
        }
        guard t.count >= 7 else { throw sink.error(line, t[t.count - 1].column, "ip filter dynamic \(n): expected source, destination and an application or `filter`") }
        var reverse = false
        if t[6].text == "filter" {
            var mode = "filter"
            for tok in t.dropFirst(7) {
                if tok.text == "in" || tok.text == "out" { mode = String(tok.text); continue }
                if tok.text.contains("=") { continue }   // syslog=on, timer=...
                guard VendorParse.uint(tok.text, max: 2_147_483_647) != nil else {
                    throw sink.error(line, tok.column, "ip filter dynamic \(n): expected a filter number, found `\(tok.text)`")
                }
                if mode == "in" { reverse = true }
            }
        } else {
            let app = t[6].text.lowercased()
            reverse = ["ftp", "tftp", "netmeeting", "h323", "sip"].contains(app)
        }
        dynamics[n] = (line, text, reverse)
    }
}
