// NECIX: reads NEC UNIVERGE IX configurations (ip access-list, ip access-list dynamic, interface `ip filter NAME SEQ in|out`) into vendor rules.
//
// Semantics (UNIVERGE IX コマンドリファレンス 13-3 「IPv4 パケットフィルタ」 ip filter, 24-6/24-7 「アクセスリスト」 ip access-list;
// 機能説明書 2-421〜2-430 フィルタの評価順序):
// - `ip access-list NAME permit|deny PROTO src A dest B [sport OP] [dport OP] [type N [code M]]`: entries kept in input
//   order (no sequence numbers); a re-added entry goes to the end.
// - `ip filter NAME SEQ in|out` inside an `interface` block binds a list; several lists in one direction are evaluated
//   in SEQ order, first match wins, and once any list is bound in a direction an unmatched packet is discarded.
// - `ip access-list dynamic NAME access ACL` passes traffic matching ACL and admits its replies (stateful); modelled as
//   the permit entries of ACL with a note.
import Wire
import Policy

public enum NECIXParser {
    static let topWords: Set<String> = [
        "hostname", "timezone", "logging", "ip", "ipv6", "interface", "ppp", "ike", "ipsec", "proxy-dns", "ntp", "ntpdate",
        "web-proxy", "username", "telnet-server", "http-server", "ssh-server", "snmp-server", "syslog", "route-map",
        "router", "dhcp", "no", "end", "exit", "watch-group", "network-monitor", "track", "clock", "banner", "license",
        "service", "crypto", "access-list", "vrrp", "bridge", "sntp", "aaa", "radius", "ppp-profile", "nat", "schedule",
        "statistics", "mld", "dns-server", "management", "system", "line", "!",
    ]

    struct Entry { var rule: VendorRule?; var text: String; var line: Int }
    struct Bind { var acl: String; var seq: UInt64; var line: Int; var column: Int }

    public static func parse(_ text: String, file: String) throws(VendorParseError) -> VendorRuleSet {
        let sink = VendorErrorSink(file: file)
        var set = VendorRuleSet(format: .ix, file: file)
        var lists: [String: [Entry]] = [:]
        var dynamicLists: [String: (access: String, line: Int)] = [:]
        var binds: [String: [Bind]] = [:]       // "iface dir"
        var bindOrder: [String] = []
        var currentInterface: String? = nil

        for (n, raw) in vendorLines(text) {
            if raw.utf8.count > VendorLimits.maxLineLength { throw sink.error(n, 1, "line longer than \(VendorLimits.maxLineLength) bytes") }
            let indented = raw.first == " " || raw.first == "\t"
            let (tokens, open) = VendorTokenizer.split(raw)
            if let col = open { throw sink.error(n, col, "unterminated quoted string") }
            guard let first = tokens.first else { continue }
            if first.text.hasPrefix("!") || first.text.hasPrefix("#") { if !indented { currentInterface = nil }; continue }
            let w = tokens.map { String($0.text) }
            let lineText = raw.vendorTrimmed
            if !indented { currentInterface = nil }

            if indented, let iface = currentInterface {
                if w[0] == "ip", w.count >= 2, w[1] == "filter" {
                    guard w.count == 5, let seq = VendorParse.uint(tokens[3].text, max: 65535), let dir = VendorDirection(rawValue: w[4]) else {
                        throw sink.error(n, first.column, "ip filter: expected `ip filter NAME SEQ in|out`")
                    }
                    let key = "\(iface) \(dir.rawValue)"
                    if binds[key] == nil { bindOrder.append(key) }
                    binds[key, default: []].removeAll { $0.seq == seq }
                    binds[key, default: []].append(Bind(acl: w[2], seq: seq, line: n, column: tokens[2].column))
                } else if w[0] == "ipv6", w.count >= 2, w[1] == "filter" {
                    set.unsupported.append(VendorUnsupported(location: sink.loc(n, first.column), text: lineText,
                        reason: "IPv6 filters are not modelled; IPv6 packets are not analysed", scope: .interface(iface)))
                } else {
                    set.ignoredLines += 1
                }
                continue
            }
            if indented && currentInterface == nil && !w.isEmpty && w[0] == "ip" && w.count >= 2 && w[1] == "filter" {
                throw sink.error(n, first.column, "ip filter outside an interface block")
            }

            switch w[0] {
            case "interface":
                guard w.count >= 2 else { throw sink.error(n, first.column, "interface: expected a name") }
                currentInterface = w[1]
                set.ignoredLines += 1
            case "ip" where w.count >= 2 && w[1] == "access-list":
                guard w.count >= 4 else { throw sink.error(n, first.column, "ip access-list: expected NAME and permit, deny or dynamic") }
                let name = w[2]
                if w[2] == "dynamic" {
                    // ip access-list dynamic NAME access ACL [cache ACL2] [timer ...]
                    guard w.count >= 5 else { throw sink.error(n, tokens[2].column, "ip access-list dynamic: expected NAME access ACL") }
                    var access: String? = nil
                    var i = 4
                    while i < w.count {
                        if w[i] == "access", i + 1 < w.count { access = w[i + 1]; i += 2; continue }
                        i += 1
                    }
                    guard let acl = access else { throw sink.error(n, tokens[3].column, "ip access-list dynamic \(w[3]): expected `access ACL`") }
                    dynamicLists[w[3]] = (acl, n)
                    continue
                }
                if w[3] == "remark" || w[3] == "option" { set.ignoredLines += 1; continue }
                let entry = try parseEntry(tokens, n, lineText, sink, &set)
                lists[name, default: []].append(entry)
            case "ipv6" where w.count >= 2 && (w[1] == "access-list" || w[1] == "filter"):
                set.unsupported.append(VendorUnsupported(location: sink.loc(n, first.column), text: lineText,
                    reason: "IPv6 access lists are not modelled; IPv6 packets are not analysed", scope: .everything))
            case "no" where w.count >= 3 && w[1] == "ip" && w[2] == "access-list":
                // `no ip access-list NAME <entry>` removes that entry (re-adding moves it to the end).
                guard w.count >= 4 else { throw sink.error(n, first.column, "no ip access-list: expected a list name") }
                let name = w[3]
                let entryText = w.dropFirst(4).joined(separator: " ")
                if entryText.isEmpty { lists[name] = nil } else {
                    lists[name]?.removeAll { e in
                        e.text.split(separator: " ").dropFirst(3).joined(separator: " ") == entryText
                    }
                }
            default:
                if topWords.contains(w[0]) { set.ignoredLines += 1 } else {
                    set.unsupported.append(VendorUnsupported(location: sink.loc(n, first.column), text: lineText, reason: "unknown command `\(w[0])`", scope: .everything))
                }
            }
        }

        for key in bindOrder {
            guard let bs = binds[key] else { continue }
            let parts = key.split(separator: " ")
            let iface = String(parts[0]), dir = VendorDirection(rawValue: String(parts[1]))!
            var rules: [VendorRule] = []
            for b in bs.sorted(by: { $0.seq < $1.seq }) {
                if let entries = lists[b.acl] {
                    rules += entries.compactMap { $0.rule }
                } else if let dyn = dynamicLists[b.acl] {
                    guard let entries = lists[dyn.access] else {
                        set.unsupported.append(VendorUnsupported(location: sink.loc(dyn.line), text: "ip access-list dynamic \(b.acl) access \(dyn.access)",
                            reason: "access list \(dyn.access) is not defined; the dynamic list matches nothing", scope: .interface(iface)))
                        continue
                    }
                    for e in entries {
                        guard var r = e.rule, r.action == .permit else { continue }
                        r.name = "\(b.acl) (dynamic via \(r.name))"
                        r.notes.append("dynamic filter \(b.acl): passes matching traffic and admits its replies")
                        rules.append(r)
                    }
                } else {
                    set.unsupported.append(VendorUnsupported(location: sink.loc(b.line, b.column), text: "ip filter \(b.acl) \(b.seq) \(dir.rawValue)",
                        reason: "access list \(b.acl) is bound but not defined; it matches nothing", scope: .interface(iface)))
                }
            }
            set.filters.append(VendorFilter(name: "\(iface) \(dir.rawValue)", binding: .interface(name: iface, direction: dir), rules: rules,
                                            defaultAction: .deny, location: sink.loc(bs.first!.line)))
        }
        return set
    }

    static func parseEntry(_ t: [VendorToken], _ line: Int, _ text: String, _ sink: VendorErrorSink, _ set: inout VendorRuleSet) throws(VendorParseError) -> Entry {
        let name = String(t[2].text)
        let action: VendorAction
        switch t[3].text {
        case "permit": action = .permit
        case "deny": action = .deny
        default: throw sink.error(line, t[3].column, "ip access-list \(name): expected permit or deny, found `\(t[3].text)`")
        }
        guard t.count >= 5 else { throw sink.error(line, t[3].column, "ip access-list \(name): expected a protocol") }
        let protoWord = t[4].text.lowercased()
        var proto: UInt8? = nil
        if protoWord != "ip" {
            guard let p = VendorParse.proto(t[4].text) else { throw sink.error(line, t[4].column, "ip access-list \(name): unknown protocol `\(t[4].text)`") }
            proto = p
        }
        var src: VendorAddressSet? = nil, dst: VendorAddressSet? = nil
        var sport: [PortRange] = [], dport: [PortRange] = []
        var icmpType: UInt8? = nil, icmpCode: UInt8? = nil
        var unknowns: [String] = []
        var i = 5
        func address(_ i: Int) throws(VendorParseError) -> VendorAddressSet {
            guard i < t.count else { throw sink.error(line, t[i - 1].column, "ip access-list \(name): expected an address after `\(t[i - 1].text)`") }
            if t[i].text == "any" { return .anyV4 }
            if let net = VendorParse.network(t[i].text), net.address.isIPv4 { return .network(net) }
            if let r = VendorParse.range(t[i].text), r.lowerBound.isIPv4 { return VendorAddressSet(ranges: [r]) }
            throw sink.error(line, t[i].column, "ip access-list \(name): bad address `\(t[i].text)` (any, A/len or A)")
        }
        func portOp(_ i: inout Int) throws(VendorParseError) -> [PortRange] {
            let kw = t[i - 1]
            guard i < t.count else { throw sink.error(line, kw.column, "ip access-list \(name): expected a port after `\(kw.text)`") }
            let op = t[i].text
            func num(_ j: Int) throws(VendorParseError) -> UInt16 {
                guard j < t.count else { throw sink.error(line, t[j - 1].column, "ip access-list \(name): expected a port number") }
                guard let p = VendorPorts.lookup(t[j].text) else { throw sink.error(line, t[j].column, "ip access-list \(name): bad port `\(t[j].text)`") }
                return p
            }
            switch op {
            case "any": i += 1; return []
            case "eq": let p = try num(i + 1); i += 2; return [PortRange(p, p)]
            case "ne", "neq": let p = try num(i + 1); i += 2; return complementPorts([PortRange(p, p)])
            case "gt": let p = try num(i + 1); i += 2; guard p < 65535 else { return [] }; return [PortRange(p + 1, 65535)]
            case "lt": let p = try num(i + 1); i += 2; guard p > 0 else { return [] }; return [PortRange(0, p - 1)]
            case "ge": let p = try num(i + 1); i += 2; return [PortRange(p, 65535)]
            case "le": let p = try num(i + 1); i += 2; return [PortRange(0, p)]
            case "range":
                let a = try num(i + 1), b = try num(i + 2)
                guard a <= b else { throw sink.error(line, t[i + 1].column, "ip access-list \(name): range start above its end") }
                i += 3; return [PortRange(a, b)]
            default:
                throw sink.error(line, t[i].column, "ip access-list \(name): expected any, eq, ne, gt, lt or range after `\(kw.text)`")
            }
        }
        while i < t.count {
            let k = t[i].text
            switch k {
            case "src": src = try address(i + 1); i += 2
            case "dest", "dst": dst = try address(i + 1); i += 2
            case "sport":
                guard proto == IPProto.tcp || proto == IPProto.udp else { throw sink.error(line, t[i].column, "ip access-list \(name): sport needs tcp or udp") }
                i += 1; sport = try portOp(&i)
            case "dport":
                guard proto == IPProto.tcp || proto == IPProto.udp else { throw sink.error(line, t[i].column, "ip access-list \(name): dport needs tcp or udp") }
                i += 1; dport = try portOp(&i)
            case "type", "code":
                guard proto == IPProto.icmp, i + 1 < t.count, let v = VendorParse.uint(t[i + 1].text, max: 255) else {
                    throw sink.error(line, t[i].column, "ip access-list \(name): \(k) needs icmp and a number 0-255")
                }
                if k == "type" { icmpType = UInt8(v) } else { icmpCode = UInt8(v) }
                i += 2
            case "log": i += 1
            default:
                unknowns.append("\(k) (IX access-list option)")
                set.unsupported.append(VendorUnsupported(location: sink.loc(line, t[i].column), text: text,
                    reason: "option `\(k)` is not modelled; the entry is treated as possibly matching", scope: .rule("\(name) line \(line)")))
                i = t.count
            }
        }
        guard let s = src else { throw sink.error(line, t[4].column, "ip access-list \(name): missing `src`") }
        guard let d = dst else { throw sink.error(line, t[4].column, "ip access-list \(name): missing `dest`") }
        var services: [VendorService] = []
        if proto != nil || !sport.isEmpty || !dport.isEmpty {
            services = [VendorService(proto: proto, srcPorts: sport, dstPorts: dport, icmpType: icmpType, icmpCode: icmpCode)]
        }
        let rule = VendorRule(name: "\(name) (line \(line))", action: action, sources: s, destinations: d, services: services,
                              location: sink.loc(line, t[0].column), text: text, unknowns: unknowns)
        return Entry(rule: rule, text: text, line: line)
    }
}
