// FortiGate: reads FortiOS `config firewall address/addrgrp/service custom/service group/policy` and `config system zone` into vendor rules.
//
// Semantics (FortiOS CLI Reference 6.4/7.x, "config firewall policy", "config firewall address", "config firewall addrgrp",
// "config firewall service custom", "config firewall service group", "config system zone"):
// - policies are evaluated top-down in the order they appear in the list (not by policy id); first match wins;
//   the implicit last policy denies everything.
// - `set status disable` removes a policy from evaluation.
// - srcintf/dstintf name interfaces or zones (`any` = every interface); srcaddr/dstaddr/service lists are "any of";
//   `set srcaddr-negate|dstaddr-negate|service-negate enable` inverts that field.
// - predefined objects: address `all`, `none`; services ALL, ALL_TCP, ALL_UDP, ALL_ICMP, HTTP, HTTPS, ... (table below,
//   FortiOS default service list) unless the configuration redefines them.
// - `set schedule` other than `always` and Internet Service (ISDB) matches cannot be modelled: kept as unknown conditions.
import Wire
import Policy

public enum FortiGateParser {
    /// A `set` line: values and where it was written.
    struct Setting { var values: [String]; var line: Int; var column: Int }
    /// An `edit` entry of a `config` table.
    struct Entry { var name: String; var line: Int; var settings: [String: Setting] = [:]; var text: String }

    /// FortiOS default services (used when the configuration does not define them).
    static let defaultServices: [String: [VendorService]] = {
        func tcp(_ p: UInt16...) -> [VendorService] { p.map { VendorService(proto: IPProto.tcp, dstPorts: [PortRange($0, $0)]) } }
        func udp(_ p: UInt16...) -> [VendorService] { p.map { VendorService(proto: IPProto.udp, dstPorts: [PortRange($0, $0)]) } }
        return [
            "ALL": [VendorService()],
            "ALL_TCP": [VendorService(proto: IPProto.tcp, dstPorts: [PortRange(1, 65535)])],
            "ALL_UDP": [VendorService(proto: IPProto.udp, dstPorts: [PortRange(1, 65535)])],
            "ALL_ICMP": [VendorService(proto: IPProto.icmp)],
            "PING": [VendorService(proto: IPProto.icmp, icmpType: 8)],
            "HTTP": tcp(80), "HTTPS": tcp(443), "SSH": tcp(22), "TELNET": tcp(23), "FTP": tcp(21), "SMTP": tcp(25),
            "SMTPS": tcp(465), "POP3": tcp(110), "POP3S": tcp(995), "IMAP": tcp(143), "IMAPS": tcp(993),
            "DNS": tcp(53) + udp(53), "NTP": tcp(123) + udp(123), "SNMP": tcp(161, 162) + udp(161, 162),
            "SYSLOG": udp(514), "LDAP": tcp(389), "LDAP_UDP": udp(389), "SAMBA": tcp(139), "SMB": tcp(445),
            "RDP": tcp(3389), "MS-SQL": tcp(1433, 1434), "MYSQL": tcp(3306), "KERBEROS": tcp(88) + udp(88),
            "RADIUS": udp(1812, 1813), "DHCP": udp(67, 68), "TFTP": udp(69), "NNTP": tcp(119), "IKE": udp(500, 4500),
            "VNC": tcp(5900), "SIP": tcp(5060) + udp(5060), "WINS": tcp(1512) + udp(1512), "AFS3": tcp(7000) + udp(7000),
        ]
    }()

    public static func parse(_ text: String, file: String) throws(VendorParseError) -> VendorRuleSet {
        let sink = VendorErrorSink(file: file)
        var set = VendorRuleSet(format: .fortigate, file: file)
        // config path → entries in order
        var tables: [String: [Entry]] = [:]
        var stack: [(path: String, line: Int)] = []
        var entryStack: [Entry?] = []
        var vdoms = Set<String>()

        for (n, raw) in vendorLines(text) {
            if raw.utf8.count > VendorLimits.maxLineLength { throw sink.error(n, 1, "line longer than \(VendorLimits.maxLineLength) bytes") }
            let (tokens, open) = VendorTokenizer.split(raw)
            if let col = open { throw sink.error(n, col, "unterminated quoted string") }
            guard let first = tokens.first else { continue }
            if first.text.hasPrefix("#") { continue }
            let w = tokens.map { String($0.text) }
            switch w[0] {
            case "config":
                guard w.count >= 2 else { throw sink.error(n, first.column, "config: expected a path") }
                if stack.count >= VendorLimits.maxObjectDepth { throw sink.error(n, first.column, "config nested too deeply") }
                var path = w.dropFirst().joined(separator: " ")
                // Nested config inside an edit: qualify by the parent path.
                // (`config vdom` / `edit root` is transparent: the VDOM's tables keep their plain names.)
                if let top = stack.last, top.path != "vdom", entryStack.last.flatMap({ $0 }) != nil { path = top.path + " / " + path }
                stack.append((path, n)); entryStack.append(nil)
            case "edit":
                guard !stack.isEmpty else { throw sink.error(n, first.column, "edit outside a config block") }
                guard w.count >= 2 else { throw sink.error(n, first.column, "edit: expected a name or id") }
                if entryStack.last.flatMap({ $0 }) != nil { throw sink.error(n, first.column, "edit before `next` closed the previous entry") }
                entryStack[entryStack.count - 1] = Entry(name: w[1], line: n, text: raw.vendorTrimmed)
                if stack.last!.path == "vdom" { vdoms.insert(w[1]) }
            case "set", "append", "unset", "select", "unselect":
                guard !stack.isEmpty, var e = entryStack.last.flatMap({ $0 }) else {
                    // `set` directly under a config (global settings such as `config system global`): not filtering.
                    if stack.isEmpty { throw sink.error(n, first.column, "\(w[0]) outside a config block") }
                    set.ignoredLines += 1
                    continue
                }
                guard w.count >= 2 else { throw sink.error(n, first.column, "\(w[0]): expected a setting name") }
                let key = w[1]
                let values = Array(w.dropFirst(2))
                switch w[0] {
                case "unset": e.settings[key] = nil
                case "append", "select": e.settings[key, default: Setting(values: [], line: n, column: first.column)].values += values
                case "unselect": e.settings[key]?.values.removeAll { values.contains($0) }
                default: e.settings[key] = Setting(values: values, line: n, column: first.column)
                }
                entryStack[entryStack.count - 1] = e
            case "next":
                guard !stack.isEmpty, let e = entryStack.last.flatMap({ $0 }) else { throw sink.error(n, first.column, "next without edit") }
                let path = stack.last!.path
                if path != "vdom" { tables[path, default: []].append(e) }
                entryStack[entryStack.count - 1] = nil
            case "end":
                guard !stack.isEmpty else { throw sink.error(n, first.column, "end without config") }
                if let e = entryStack.last.flatMap({ $0 }) {
                    // FortiOS tolerates `end` closing an open edit.
                    tables[stack.last!.path, default: []].append(e)
                }
                stack.removeLast(); entryStack.removeLast()
            default:
                set.unsupported.append(VendorUnsupported(location: sink.loc(n, first.column), text: raw.vendorTrimmed,
                    reason: "unknown statement `\(w[0])`", scope: .everything))
            }
        }
        if let open = stack.last { throw sink.error(open.line, 1, "config \(open.path) is not closed by `end`") }
        if vdoms.count > 1 {
            set.unsupported.append(VendorUnsupported(location: sink.loc(1), text: "config vdom",
                reason: "several VDOMs: their policies are analysed as one device", scope: .everything))
        }

        // Zones.
        for z in tables["system zone"] ?? [] {
            set.zoneInterfaces[z.name] = z.settings["interface"]?.values ?? []
        }

        // Addresses.
        var addresses: [String: VendorAddressSet] = ["all": .anyV4, "none": .none]
        for a in tables["firewall address"] ?? [] {
            let type = a.settings["type"]?.values.first ?? "ipmask"
            switch type {
            case "ipmask":
                let v = a.settings["subnet"]?.values ?? ["0.0.0.0", "0.0.0.0"]
                let at = a.settings["subnet"]
                let net: IPNetwork?
                if v.count == 2 { net = VendorParse.network(Substring(v[0] + "/" + v[1])) }
                else if v.count == 1 { net = VendorParse.network(Substring(v[0])) }
                else { net = nil }
                guard let net, net.address.isIPv4 else {
                    throw sink.error(at?.line ?? a.line, at?.column ?? 1, "address \(a.name): bad subnet `\(v.joined(separator: " "))` (A MASK or A/len)")
                }
                addresses[a.name] = .network(net)
            case "iprange":
                guard let s = a.settings["start-ip"]?.values.first, let e = a.settings["end-ip"]?.values.first,
                      let lo = IPAddress(s), let hi = IPAddress(e), lo.isIPv4, hi.isIPv4, lo <= hi else {
                    throw sink.error(a.line, 1, "address \(a.name): iprange needs start-ip ≤ end-ip")
                }
                addresses[a.name] = VendorAddressSet(ranges: [lo...hi])
            default:
                addresses[a.name] = VendorAddressSet(ranges: [], unresolved: ["address \(a.name) (type \(type))"])
                set.unsupported.append(VendorUnsupported(location: sink.loc(a.line), text: a.text,
                    reason: "address type \(type) is resolved at run time; treated as possibly any address", scope: .rule("using \(a.name)")))
            }
        }
        // Address groups (nested, with cycle detection).
        let groups = Dictionary((tables["firewall addrgrp"] ?? []).map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
        var resolving = Set<String>()
        func resolveAddress(_ name: String, _ line: Int, _ depth: Int = 0) throws(VendorParseError) -> VendorAddressSet {
            if let a = addresses[name] { return a }
            guard let g = groups[name] else {
                set.unsupported.append(VendorUnsupported(location: sink.loc(line), text: name,
                    reason: "address `\(name)` is not defined here; treated as possibly any address", scope: .rule("using \(name)")))
                return VendorAddressSet(ranges: [], unresolved: ["undefined address \(name)"])
            }
            if resolving.contains(name) || depth > VendorLimits.maxObjectDepth { throw sink.error(g.line, 1, "address group \(name) contains itself") }
            resolving.insert(name)
            defer { resolving.remove(name) }
            var members: [VendorAddressSet] = []
            for m in g.settings["member"]?.values ?? [] { members.append(try resolveAddress(m, g.settings["member"]!.line, depth + 1)) }
            var result = VendorAddressSet.union(members)
            if g.settings["exclude"]?.values.first == "enable" {
                set.unsupported.append(VendorUnsupported(location: sink.loc(g.line), text: g.text,
                    reason: "address group exclusions are not modelled; the excluded members are kept", scope: .rule("using \(name)")))
            }
            if members.contains(where: { $0.negated }) { result.unresolved.append("negated member in \(name)") }
            addresses[name] = result
            return result
        }

        // Services.
        var services: [String: [VendorService]] = defaultServices
        for s in tables["firewall service custom"] ?? [] {
            var list: [VendorService] = []
            let proto = (s.settings["protocol"]?.values.first ?? "TCP/UDP/SCTP").uppercased()
            switch proto {
            case "TCP/UDP/SCTP", "TCP/UDP/UDP-LITE/SCTP":
                for (key, p) in [("tcp-portrange", IPProto.tcp), ("udp-portrange", IPProto.udp), ("sctp-portrange", UInt8(132))] {
                    guard let st = s.settings[key] else { continue }
                    for v in st.values {
                        // dst[-dst][:src[-src]]
                        let parts = v.split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false)
                        func rng(_ x: Substring) -> PortRange? {
                            let ab = x.split(separator: "-", maxSplits: 1, omittingEmptySubsequences: false)
                            guard let a = VendorParse.port(ab[0]) else { return nil }
                            let b = ab.count == 2 ? VendorParse.port(ab[1]) : a
                            guard let b, a <= b else { return nil }
                            return PortRange(a, b)
                        }
                        guard let d = rng(parts[0]) else { throw sink.error(st.line, st.column, "service \(s.name): bad \(key) `\(v)` (dst[-dst][:src[-src]])") }
                        var src: [PortRange] = []
                        if parts.count == 2 {
                            guard let sr = rng(parts[1]) else { throw sink.error(st.line, st.column, "service \(s.name): bad source range in `\(v)`") }
                            src = [sr]
                        }
                        list.append(VendorService(proto: p, srcPorts: src, dstPorts: [d]))
                    }
                }
            case "ICMP", "ICMP6":
                let t = s.settings["icmptype"]?.values.first.flatMap { VendorParse.uint(Substring($0), max: 255) }.map { UInt8($0) }
                let c = s.settings["icmpcode"]?.values.first.flatMap { VendorParse.uint(Substring($0), max: 255) }.map { UInt8($0) }
                list.append(VendorService(proto: proto == "ICMP" ? IPProto.icmp : IPProto.icmpv6, icmpType: t, icmpCode: c))
            case "IP":
                let num = s.settings["protocol-number"]?.values.first.flatMap { VendorParse.uint(Substring($0), max: 255) } ?? 0
                list.append(num == 0 ? VendorService() : VendorService(proto: UInt8(num)))
            default:
                list.append(VendorService(unknown: "service \(s.name) protocol \(proto)"))
                set.unsupported.append(VendorUnsupported(location: sink.loc(s.line), text: s.text,
                    reason: "service protocol \(proto) is not modelled; treated as possibly any traffic", scope: .rule("using \(s.name)")))
            }
            if list.isEmpty { throw sink.error(s.line, 1, "service \(s.name): no port range or protocol") }
            services[s.name] = list
        }
        let svcGroups = Dictionary((tables["firewall service group"] ?? []).map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
        var resolvingSvc = Set<String>()
        func resolveService(_ name: String, _ line: Int, _ depth: Int = 0) throws(VendorParseError) -> [VendorService] {
            if let s = services[name] { return s }
            guard let g = svcGroups[name] else {
                set.unsupported.append(VendorUnsupported(location: sink.loc(line), text: name,
                    reason: "service `\(name)` is not defined here; treated as possibly any traffic", scope: .rule("using \(name)")))
                return [VendorService(unknown: "undefined service \(name)")]
            }
            if resolvingSvc.contains(name) || depth > VendorLimits.maxObjectDepth { throw sink.error(g.line, 1, "service group \(name) contains itself") }
            resolvingSvc.insert(name)
            defer { resolvingSvc.remove(name) }
            var out: [VendorService] = []
            for m in g.settings["member"]?.values ?? [] { out += try resolveService(m, g.settings["member"]!.line, depth + 1) }
            services[name] = out
            return out
        }

        // Policies in list order.
        var rules: [VendorRule] = []
        let policyTables = tables.keys.filter { $0 == "firewall policy" || $0.hasSuffix("firewall policy") }.sorted()
        for table in policyTables {
            for p in tables[table] ?? [] {
                let loc = sink.loc(p.line)
                let label = p.settings["name"]?.values.first.map { "policy \(p.name) \"\($0)\"" } ?? "policy \(p.name)"
                let summary = ["srcintf", "dstintf", "srcaddr", "dstaddr", "service", "action", "status"].compactMap { k in
                    p.settings[k].map { "\(k) \($0.values.joined(separator: ","))" } }.joined(separator: " ")
                let text = "edit \(p.name): \(summary)"
                if p.settings["status"]?.values.first == "disable" {
                    set.unsupported.append(VendorUnsupported(location: loc, text: text, reason: "disabled policy skipped (set status disable)", scope: .rule(label), skipped: true))
                    continue
                }
                let actionWord = p.settings["action"]?.values.first ?? "deny"
                let action: VendorAction
                var notes: [String] = []
                switch actionWord {
                case "accept": action = .permit
                case "deny": action = .deny
                case "ipsec": action = .permit; notes.append("action ipsec: traffic passes into the VPN tunnel; treated as accept")
                default:
                    let at = p.settings["action"]!
                    throw sink.error(at.line, at.column, "policy \(p.name): unknown action `\(actionWord)` (accept, deny, ipsec)")
                }
                func need(_ k: String) throws(VendorParseError) -> Setting {
                    guard let s = p.settings[k], !s.values.isEmpty else { throw sink.error(p.line, 1, "policy \(p.name): missing `set \(k)`") }
                    return s
                }
                let si = try need("srcintf"), di = try need("dstintf")
                let sa = try need("srcaddr"), da = try need("dstaddr")
                var src = VendorAddressSet.union(try sa.values.map { v throws(VendorParseError) in try resolveAddress(v, sa.line) })
                var dst = VendorAddressSet.union(try da.values.map { v throws(VendorParseError) in try resolveAddress(v, da.line) })
                if sa.values.contains("all") { src = .anyV4 }
                if da.values.contains("all") { dst = .anyV4 }
                if p.settings["srcaddr-negate"]?.values.first == "enable" { src.negated = true }
                if p.settings["dstaddr-negate"]?.values.first == "enable" { dst.negated = true }
                var svc: [VendorService] = []
                if action == .permit || p.settings["service"] != nil {
                    let sv = try need("service")
                    for v in sv.values { svc += try resolveService(v, sv.line) }
                }
                if svc.contains(where: { $0 == VendorService() }) { svc = [] }
                var unknowns: [String] = []
                if let sch = p.settings["schedule"]?.values.first, sch != "always" {
                    unknowns.append("schedule \(sch)")
                    notes.append("schedule \(sch) is time-dependent; the policy is treated as possibly active")
                }
                if p.settings["internet-service"]?.values.first == "enable" || p.settings["internet-service-src"]?.values.first == "enable" {
                    unknowns.append("internet service database match")
                    set.unsupported.append(VendorUnsupported(location: loc, text: text, reason: "Internet Service (ISDB) matches are not modelled", scope: .rule(label)))
                }
                for k in ["srcaddr6", "dstaddr6"] where p.settings[k] != nil {
                    set.unsupported.append(VendorUnsupported(location: loc, text: text, reason: "\(k): IPv6 policies are not analysed", scope: .rule(label)))
                }
                let from = si.values.contains("any") ? [] : si.values
                let to = di.values.contains("any") ? [] : di.values
                rules.append(VendorRule(name: label, action: action, sources: src, destinations: dst, services: svc,
                                        fromZones: from, toZones: to, location: loc, text: text, notes: notes,
                                        servicesNegated: p.settings["service-negate"]?.values.first == "enable", unknowns: unknowns))
            }
        }
        let loc = sink.loc(tables["firewall policy"]?.first?.line ?? 1)
        set.filters.append(VendorFilter(name: "firewall policy", binding: .zoneTable, rules: rules, defaultAction: .deny, location: loc))
        return set
    }
}
