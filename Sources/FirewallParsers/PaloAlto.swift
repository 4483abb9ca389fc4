// PaloAlto: reads PAN-OS security rules, zones, addresses, groups and services, in `set` form or in the XML the device exports.
//
// Semantics (PAN-OS Administrator's Guide, "Security Policy" and "Security Policy Rule Types"; PAN-OS CLI Quick Start
// "set rulebase security rules"; Panorama pre/post rulebases):
// - rules are evaluated top-down (pre-rulebase, then the device rulebase, then post-rulebase), first match wins.
// - when no rule matches: intrazone traffic (same ingress and egress zone) is allowed, interzone traffic is denied
//   (the predefined intrazone-default and interzone-default rules).
// - `disabled yes` rules are skipped; `negate-source`/`negate-destination yes` invert that field.
// - actions: allow passes; deny, drop, reset-client, reset-server, reset-both block.
// App-ID approximation: segcheck sees L3/L4 only. A rule naming applications matches "possibly" (an unknown condition),
// so an allow rule may admit its whole L4 service set and a deny rule is never counted on to block (as Batfish does).
// `application-default` is read as the applications' standard ports from the table below; applications not in the table
// (and `any` with application-default) are taken as any port. Services `service-http` (tcp 80, 8080) and `service-https`
// (tcp 443) are predefined.
import Wire
import Policy

/// A configuration statement as a path of words (`set` form, rebuilt from XML, or from Junos braces).
struct PathStatement {
    var words: [String]
    var line: Int
    var column: Int
    var inactive: Bool
    var text: String
}

public enum PaloAltoParser {
    /// Application → its default L4 services (application-default).
    static let appDefaults: [String: [VendorService]] = {
        func tcp(_ p: UInt16...) -> [VendorService] { p.map { VendorService(proto: IPProto.tcp, dstPorts: [PortRange($0, $0)]) } }
        func udp(_ p: UInt16...) -> [VendorService] { p.map { VendorService(proto: IPProto.udp, dstPorts: [PortRange($0, $0)]) } }
        return [
            "web-browsing": tcp(80), "ssl": tcp(443), "ssh": tcp(22), "telnet": tcp(23), "ftp": tcp(21), "smtp": tcp(25),
            "dns": tcp(53) + udp(53), "ntp": udp(123), "snmp": udp(161), "snmp-trap": udp(162), "syslog": udp(514),
            "ldap": tcp(389) + udp(389), "ms-ds-smb": tcp(445, 139), "netbios-ss": tcp(139), "netbios-ns": udp(137),
            "ms-rdp": tcp(3389), "mssql-db": tcp(1433), "mysql": tcp(3306), "imap": tcp(143), "pop3": tcp(110),
            "kerberos": tcp(88) + udp(88), "ping": [VendorService(proto: IPProto.icmp, icmpType: 8)],
            "icmp": [VendorService(proto: IPProto.icmp)], "ipsec-esp": [VendorService(proto: 50)], "ike": udp(500, 4500),
            "radius": udp(1812, 1813), "tftp": udp(69), "dhcp": udp(67, 68), "ms-update": tcp(80, 443),
        ]
    }()

    public static func parse(_ text: String, file: String) throws(VendorParseError) -> VendorRuleSet {
        let sink = VendorErrorSink(file: file)
        let stmts: [PathStatement]
        if text.drop(while: { $0 == " " || $0 == "\n" || $0 == "\r" || $0 == "\t" || $0 == "\u{FEFF}" }).hasPrefix("<") {
            stmts = try XMLPaths.statements(text, sink)
        } else {
            stmts = try setStatements(text, sink, verb: ["set"])
        }
        return try interpret(stmts, file: file, sink)
    }

    /// `set ...` lines → path statements (brackets kept as `[`/`]` words, quotes removed).
    static func setStatements(_ text: String, _ sink: VendorErrorSink, verb: Set<String>) throws(VendorParseError) -> [PathStatement] {
        var out: [PathStatement] = []
        for (n, raw) in vendorLines(text) {
            if raw.utf8.count > VendorLimits.maxLineLength { throw sink.error(n, 1, "line longer than \(VendorLimits.maxLineLength) bytes") }
            let (tokens, open) = VendorTokenizer.split(raw)
            if let col = open { throw sink.error(n, col, "unterminated quoted string") }
            guard let first = tokens.first, !first.text.hasPrefix("#") else { continue }
            var words: [String] = []
            for t in tokens.dropFirst() {
                if t.quoted { words.append(String(t.text)); continue }
                var s = t.text
                var trailing = 0
                if s.hasPrefix("["), s.count > 1 { words.append("["); s = s.dropFirst() }
                while s.hasSuffix("]"), s.count > 1 { s = s.dropLast(); trailing += 1 }
                words.append(String(s))
                for _ in 0..<trailing { words.append("]") }
            }
            out.append(PathStatement(words: [String(first.text)] + words, line: n, column: first.column, inactive: false, text: raw.vendorTrimmed))
        }
        return out
    }

    struct RuleDraft {
        var name: String
        var line: Int
        var text: String
        var attrs: [String: (values: [String], line: Int)] = [:]
        var base: Int   // 0 pre, 1 local, 2 post
    }

    static func interpret(_ stmts: [PathStatement], file: String, _ sink: VendorErrorSink) throws(VendorParseError) -> VendorRuleSet {
        var set = VendorRuleSet(format: .panos, file: file)
        var addresses: [String: (VendorAddressSet, Int)] = [:]
        var groups: [String: ([String], Int, Bool)] = [:]       // members, line, dynamic
        var services: [String: [VendorService]] = [
            "service-http": [VendorService(proto: IPProto.tcp, dstPorts: [PortRange(80, 80), PortRange(8080, 8080)])],
            "service-https": [VendorService(proto: IPProto.tcp, dstPorts: [PortRange(443, 443)])],
        ]
        var svcDraft: [String: (proto: String?, port: String?, sport: String?, line: Int)] = [:]
        var svcGroups: [String: ([String], Int)] = [:]
        var rules: [String: RuleDraft] = [:]
        var ruleOrder: [String] = []
        let ruleKeysWithValue: Set<String> = ["from", "to", "source", "destination", "application", "service", "action", "disabled",
                                              "negate-source", "negate-destination", "source-user", "category", "description", "tag",
                                              "log-start", "log-end", "log-setting", "rule-type", "schedule", "source-hip", "destination-hip",
                                              "hip-profiles", "group-tag", "uuid", "icmp-unreachable"]

        for s in stmts {
            guard s.words.first == "set" else {
                if s.words.first == "delete" || s.words.first == "rename" || s.words.first == "move" {
                    set.unsupported.append(VendorUnsupported(location: sink.loc(s.line, s.column), text: s.text, reason: "`\(s.words[0])` edits are not replayed", scope: .everything))
                } else {
                    set.unsupported.append(VendorUnsupported(location: sink.loc(s.line, s.column), text: s.text, reason: "unknown command `\(s.words.first ?? "")`", scope: .everything))
                }
                continue
            }
            var w = Array(s.words.dropFirst())
            // Scope prefixes.
            if w.first == "vsys" || w.first == "device-group" || w.first == "template" { w = Array(w.dropFirst(2)) }
            else if w.first == "shared" { w = Array(w.dropFirst()) }
            guard let head = w.first else { throw sink.error(s.line, s.column, "set: expected a configuration path") }
            func values(from i: Int) -> [String] { w.dropFirst(i).filter { $0 != "[" && $0 != "]" } }
            switch head {
            case "zone":
                guard w.count >= 2 else { throw sink.error(s.line, s.column, "zone: expected a name") }
                if w.count >= 4, w[2] == "network" {
                    set.zoneInterfaces[w[1], default: []] += values(from: 4)
                } else { set.zoneInterfaces[w[1], default: []] += [] }
            case "address":
                guard w.count >= 4 else {
                    if w.count >= 2 { set.ignoredLines += 1; continue }
                    throw sink.error(s.line, s.column, "address: expected NAME TYPE VALUE")
                }
                let name = w[1], v = Substring(w[3])
                switch w[2] {
                case "ip-netmask":
                    guard let n = VendorParse.network(v) else { throw sink.error(s.line, s.column, "address \(name): bad ip-netmask `\(v)`") }
                    addresses[name] = (.network(n), s.line)
                case "ip-range":
                    guard let r = VendorParse.range(v) else { throw sink.error(s.line, s.column, "address \(name): bad ip-range `\(v)`") }
                    addresses[name] = (VendorAddressSet(ranges: [r]), s.line)
                case "fqdn", "ip-wildcard":
                    addresses[name] = (VendorAddressSet(ranges: [], unresolved: ["address \(name) (\(w[2]))"]), s.line)
                    set.unsupported.append(VendorUnsupported(location: sink.loc(s.line, s.column), text: s.text,
                        reason: "\(w[2]) address objects are not modelled; treated as possibly any address", scope: .rule("using \(name)")))
                default: set.ignoredLines += 1   // description, tag
                }
            case "address-group":
                guard w.count >= 3 else { throw sink.error(s.line, s.column, "address-group: expected NAME static|dynamic ...") }
                if w[2] == "static" { groups[w[1], default: ([], s.line, false)].0 += values(from: 3) }
                else if w[2] == "dynamic" {
                    groups[w[1]] = ([], s.line, true)
                    set.unsupported.append(VendorUnsupported(location: sink.loc(s.line, s.column), text: s.text,
                        reason: "dynamic address groups are resolved at run time; treated as possibly any address", scope: .rule("using \(w[1])")))
                } else { set.ignoredLines += 1 }
            case "service":
                guard w.count >= 3 else { throw sink.error(s.line, s.column, "service: expected NAME protocol ...") }
                var d = svcDraft[w[1]] ?? (nil, nil, nil, s.line)
                var i = 2
                if w[i] == "protocol" { i += 1 }
                while i < w.count {
                    if w[i] == "tcp" || w[i] == "udp" || w[i] == "sctp" { d.proto = w[i]; i += 1; continue }
                    if w[i] == "port", i + 1 < w.count { d.port = w[i + 1]; i += 2; continue }
                    if w[i] == "source-port", i + 1 < w.count { d.sport = w[i + 1]; i += 2; continue }
                    i += 1   // override, description, tag
                }
                svcDraft[w[1]] = d
            case "service-group":
                guard w.count >= 3 else { throw sink.error(s.line, s.column, "service-group: expected NAME members [...]") }
                svcGroups[w[1], default: ([], s.line)].0 += values(from: 3)
            case "rulebase", "pre-rulebase", "post-rulebase":
                guard w.count >= 2 else { throw sink.error(s.line, s.column, "\(head): expected a rule type") }
                guard w[1] == "security" else { set.ignoredLines += 1; continue }   // nat, decryption, pbf: not access control
                guard w.count >= 4, w[2] == "rules" else { set.ignoredLines += 1; continue }
                let name = w[3]
                let base = head == "pre-rulebase" ? 0 : head == "rulebase" ? 1 : 2
                let key = "\(base) \(name)"
                if rules[key] == nil { ruleOrder.append(key); rules[key] = RuleDraft(name: name, line: s.line, text: s.text, base: base) }
                var i = 4
                while i < w.count {
                    let k = w[i]
                    if k == "profile-setting" || k == "option" || k == "qos" || k == "target" { i = w.count; break }
                    guard ruleKeysWithValue.contains(k) else {
                        set.unsupported.append(VendorUnsupported(location: sink.loc(s.line, s.column), text: s.text,
                            reason: "rule attribute `\(k)` is not modelled", scope: .rule(name)))
                        break
                    }
                    i += 1
                    var vals: [String] = []
                    if i < w.count, w[i] == "[" {
                        i += 1
                        while i < w.count, w[i] != "]" { vals.append(w[i]); i += 1 }
                        guard i < w.count else { throw sink.error(s.line, s.column, "rule \(name): `[` list not closed") }
                        i += 1
                    } else if i < w.count { vals.append(w[i]); i += 1 }
                    else { throw sink.error(s.line, s.column, "rule \(name): `\(k)` needs a value") }
                    if ["from", "to", "source", "destination", "application", "service", "source-user", "category"].contains(k) {
                        rules[key]!.attrs[k, default: ([], s.line)].values += vals
                    } else {
                        rules[key]!.attrs[k] = (vals, s.line)
                    }
                }
            default:
                set.ignoredLines += 1   // deviceconfig, network, application, profiles, ...
            }
        }

        // Services.
        for (name, d) in svcDraft {
            guard let protoWord = d.proto else { throw sink.error(d.line, 1, "service \(name): no protocol (tcp, udp or sctp)") }
            let proto: UInt8 = protoWord == "tcp" ? IPProto.tcp : protoWord == "udp" ? IPProto.udp : 132
            func ports(_ s: String?) throws(VendorParseError) -> [PortRange] {
                guard let s else { return [] }
                var out: [PortRange] = []
                for item in s.split(separator: ",") {
                    let ab = item.split(separator: "-", maxSplits: 1, omittingEmptySubsequences: false)
                    guard let a = VendorParse.port(ab[0]), let b = ab.count == 2 ? VendorParse.port(ab[1]) : a, a <= b else {
                        throw sink.error(d.line, 1, "service \(name): bad port `\(item)`")
                    }
                    out.append(PortRange(a, b))
                }
                return out
            }
            guard d.port != nil else { throw sink.error(d.line, 1, "service \(name): no port") }
            services[name] = [VendorService(proto: proto, srcPorts: try ports(d.sport), dstPorts: try ports(d.port))]
        }

        var resolving = Set<String>()
        var groupCache: [String: VendorAddressSet] = [:]
        var serviceGroupCache: [String: [VendorService]] = [:]
        func address(_ name: String, _ line: Int) throws(VendorParseError) -> VendorAddressSet {
            if name == "any" { return .any }
            if let a = addresses[name] { return a.0 }
            if let g = groups[name] {
                if g.2 { return VendorAddressSet(ranges: [], unresolved: ["dynamic address group \(name)"]) }
                if let c = groupCache[name] { return c }
                if resolving.contains(name) || resolving.count > VendorLimits.maxObjectDepth { throw sink.error(g.1, 1, "address-group \(name) contains itself") }
                resolving.insert(name); defer { resolving.remove(name) }
                var parts: [VendorAddressSet] = []
                for m in g.0 { parts.append(try address(m, g.1)) }
                let u = VendorAddressSet.union(parts)
                groupCache[name] = u
                return u
            }
            if let n = VendorParse.network(Substring(name)) { return .network(n) }
            if let r = VendorParse.range(Substring(name)) { return VendorAddressSet(ranges: [r]) }
            set.unsupported.append(VendorUnsupported(location: sink.loc(line), text: name,
                reason: "address `\(name)` is not defined (region, EDL or a shared object not in this file); treated as possibly any address", scope: .rule("using \(name)")))
            return VendorAddressSet(ranges: [], unresolved: ["address \(name)"])
        }
        func service(_ name: String, _ line: Int) throws(VendorParseError) -> [VendorService] {
            if let s = services[name] { return s }
            if let g = svcGroups[name] {
                if let c = serviceGroupCache[name] { return c }
                if resolving.contains(name) || resolving.count > VendorLimits.maxObjectDepth { throw sink.error(g.1, 1, "service-group \(name) contains itself") }
                resolving.insert(name); defer { resolving.remove(name) }
                var out: [VendorService] = []
                for m in g.0 { out += try service(m, g.1) }
                serviceGroupCache[name] = out
                return out
            }
            set.unsupported.append(VendorUnsupported(location: sink.loc(line), text: name,
                reason: "service `\(name)` is not defined; treated as possibly any traffic", scope: .rule("using \(name)")))
            return [VendorService(unknown: "service \(name)")]
        }

        var out: [VendorRule] = []
        // Pre-rulebase, then the device rulebase, then post-rulebase; within each, first appearance in the file.
        let position = Dictionary(uniqueKeysWithValues: ruleOrder.enumerated().map { ($1, $0) })
        for key in ruleOrder.sorted(by: { (rules[$0]!.base, position[$0]!) < (rules[$1]!.base, position[$1]!) }) {
            let r = rules[key]!
            let loc = sink.loc(r.line)
            let a = r.attrs
            let summary = ["from", "to", "source", "destination", "application", "service", "action"].compactMap { k in
                a[k].map { "\(k) \($0.values.joined(separator: ","))" } }.joined(separator: " ")
            let text = "rule \(r.name): \(summary)"
            if a["disabled"]?.values.first == "yes" {
                set.unsupported.append(VendorUnsupported(location: loc, text: text, reason: "disabled rule skipped (disabled yes)", scope: .rule(r.name), skipped: true))
                continue
            }
            guard let actionWord = a["action"]?.values.first else { throw sink.error(r.line, 1, "rule \(r.name): no action") }
            let action: VendorAction
            switch actionWord {
            case "allow": action = .permit
            case "deny", "drop", "reset-client", "reset-server", "reset-both": action = .deny
            default: throw sink.error(a["action"]!.line, 1, "rule \(r.name): unknown action `\(actionWord)`")
            }
            for k in ["from", "to", "source", "destination"] where a[k] == nil {
                throw sink.error(r.line, 1, "rule \(r.name): missing `\(k)`")
            }
            let from = a["from"]!.values, to = a["to"]!.values
            var src = VendorAddressSet.union(try a["source"]!.values.map { v throws(VendorParseError) in try address(v, a["source"]!.line) })
            var dst = VendorAddressSet.union(try a["destination"]!.values.map { v throws(VendorParseError) in try address(v, a["destination"]!.line) })
            if a["source"]!.values.contains("any") { src = .any }
            if a["destination"]!.values.contains("any") { dst = .any }
            if a["negate-source"]?.values.first == "yes" { src.negated = true }
            if a["negate-destination"]?.values.first == "yes" { dst.negated = true }
            let apps = a["application"]?.values ?? ["any"]
            let svcNames = a["service"]?.values ?? ["application-default"]
            var svcs: [VendorService] = []
            var unknowns: [String] = []
            var notes: [String] = []
            let anyApp = apps.contains("any")
            if svcNames.contains("any") {
                svcs = []
            } else if svcNames.contains("application-default") {
                if anyApp {
                    svcs = []
                    notes.append("application any with application-default: taken as any port")
                } else {
                    for app in apps {
                        if let d = appDefaults[app] { svcs += d } else { svcs = []; notes.append("application \(app): default ports unknown, taken as any"); break }
                    }
                    if apps.contains(where: { appDefaults[$0] == nil }) { svcs = [] }
                }
            } else {
                for n in svcNames { svcs += try service(n, a["service"]!.line) }
            }
            if !anyApp {
                unknowns.append("App-ID \(apps.joined(separator: ","))")
                notes.append("App-ID match (\(apps.joined(separator: ","))) approximated by its L4 services")
            }
            if let users = a["source-user"]?.values, !users.contains("any") { unknowns.append("source-user \(users.joined(separator: ","))") }
            if let cats = a["category"]?.values, !cats.contains("any") { unknowns.append("URL category \(cats.joined(separator: ","))") }
            if let sch = a["schedule"]?.values.first, sch != "none" { unknowns.append("schedule \(sch)") }
            var fromZ = from.contains("any") ? [] : from
            var toZ = to.contains("any") ? [] : to
            if let rt = a["rule-type"]?.values.first, rt == "intrazone" {
                if action == .deny { unknowns.append("rule-type intrazone") }
                if fromZ.isEmpty { fromZ = toZ }
                toZ = fromZ
                notes.append("rule-type intrazone: applies only within one zone; approximated by its zone list")
            }
            out.append(VendorRule(name: "rule \(r.name)", action: action, sources: src, destinations: dst, services: svcs,
                                  fromZones: fromZ, toZones: toZ, location: loc, text: text, notes: notes, unknowns: unknowns))
        }
        for z in set.zoneInterfaces.keys where set.zoneInterfaces[z]!.isEmpty { set.zoneInterfaces[z] = [] }
        set.filters.append(VendorFilter(name: "security rulebase", binding: .zoneTable, rules: out, defaultAction: .deny,
                                        intraZoneDefaultPermit: true, location: sink.loc(stmts.first?.line ?? 1)))
        return set
    }
}

/// A small XML reader for device configuration exports: elements, attributes, text, comments, CDATA and the five
/// predefined entities. Produces path statements (`entry name=X` contributes X; `member` lists are bracketed).
enum XMLPaths {
    final class Node {
        var name: String
        var attrs: [String: String] = [:]
        var children: [Node] = []
        var text = ""
        var line: Int
        var column: Int
        init(name: String, line: Int, column: Int) { self.name = name; self.line = line; self.column = column }
    }

    static func parseTree(_ text: String, _ sink: VendorErrorSink) throws(VendorParseError) -> Node {
        let b = Array(text.utf8)
        var i = 0, line = 1, col = 1
        let root = Node(name: "#root", line: 1, column: 1)
        var stack: [Node] = [root]
        @inline(__always) func adv(_ n: Int = 1) {
            for _ in 0..<n { if i < b.count { if b[i] == 10 { line += 1; col = 1 } else { col += 1 }; i += 1 } }
        }
        func starts(_ s: String) -> Bool {
            let u = Array(s.utf8); guard i + u.count <= b.count else { return false }
            for k in 0..<u.count where b[i + k] != u[k] { return false }
            return true
        }
        func decode(_ bytes: ArraySlice<UInt8>, _ l: Int, _ c: Int) throws(VendorParseError) -> String {
            let s = String(decoding: bytes, as: UTF8.self)
            guard s.contains("&") else { return s }
            var out = ""
            var rest = Substring(s)
            while let amp = rest.firstIndex(of: "&") {
                out += rest[rest.startIndex..<amp]
                guard let semi = rest[amp...].firstIndex(of: ";") else { throw sink.error(l, c, "XML: `&` without `;`") }
                let ent = rest[rest.index(after: amp)..<semi]
                switch ent {
                case "amp": out += "&"
                case "lt": out += "<"
                case "gt": out += ">"
                case "quot": out += "\""
                case "apos": out += "'"
                default:
                    if ent.hasPrefix("#x"), let v = UInt32(ent.dropFirst(2), radix: 16), let u = Unicode.Scalar(v) { out.unicodeScalars.append(u) }
                    else if ent.hasPrefix("#"), let v = UInt32(ent.dropFirst()), let u = Unicode.Scalar(v) { out.unicodeScalars.append(u) }
                    else { throw sink.error(l, c, "XML: unknown entity `&\(ent);`") }
                }
                rest = rest[rest.index(after: semi)...]
            }
            return out + rest
        }
        while i < b.count {
            if b[i] == UInt8(ascii: "<") {
                if starts("<!--") {
                    let (l, c) = (line, col)
                    adv(4)
                    while i < b.count && !starts("-->") { adv() }
                    guard i < b.count else { throw sink.error(l, c, "XML: comment not closed") }
                    adv(3); continue
                }
                if starts("<![CDATA[") {
                    let (l, c) = (line, col)
                    adv(9); let s = i
                    while i < b.count && !starts("]]>") { adv() }
                    guard i < b.count else { throw sink.error(l, c, "XML: CDATA not closed") }
                    stack.last!.text += String(decoding: b[s..<i], as: UTF8.self)
                    adv(3); continue
                }
                if starts("<?") || starts("<!") {
                    let (l, c) = (line, col)
                    while i < b.count && b[i] != UInt8(ascii: ">") { adv() }
                    guard i < b.count else { throw sink.error(l, c, "XML: declaration not closed") }
                    adv(); continue
                }
                let (l, c) = (line, col)
                adv()
                let closing = i < b.count && b[i] == UInt8(ascii: "/")
                if closing { adv() }
                let ns = i
                while i < b.count, !(b[i] == 32 || b[i] == 9 || b[i] == 10 || b[i] == 13 || b[i] == UInt8(ascii: ">") || b[i] == UInt8(ascii: "/")) { adv() }
                let name = String(decoding: b[ns..<i], as: UTF8.self)
                guard !name.isEmpty else { throw sink.error(l, c, "XML: expected an element name after `<`") }
                if closing {
                    while i < b.count && (b[i] == 32 || b[i] == 9 || b[i] == 10 || b[i] == 13) { adv() }
                    guard i < b.count, b[i] == UInt8(ascii: ">") else { throw sink.error(l, c, "XML: `</\(name)` not closed by `>`") }
                    adv()
                    guard stack.count > 1, stack.last!.name == name else {
                        throw sink.error(l, c, "XML: `</\(name)>` does not close `<\(stack.last!.name)>`")
                    }
                    stack.removeLast()
                    continue
                }
                let node = Node(name: name, line: l, column: c)
                var selfClosing = false
                while true {
                    while i < b.count && (b[i] == 32 || b[i] == 9 || b[i] == 10 || b[i] == 13) { adv() }
                    guard i < b.count else { throw sink.error(l, c, "XML: element `<\(name)` not closed") }
                    if b[i] == UInt8(ascii: ">") { adv(); break }
                    if b[i] == UInt8(ascii: "/") {
                        adv()
                        guard i < b.count, b[i] == UInt8(ascii: ">") else { throw sink.error(line, col, "XML: expected `>` after `/`") }
                        adv(); selfClosing = true; break
                    }
                    let an = i
                    while i < b.count, b[i] != UInt8(ascii: "="), !(b[i] == 32 || b[i] == 9 || b[i] == 10 || b[i] == 13), b[i] != UInt8(ascii: ">") { adv() }
                    let aname = String(decoding: b[an..<i], as: UTF8.self)
                    while i < b.count && (b[i] == 32 || b[i] == 9 || b[i] == 10 || b[i] == 13) { adv() }
                    guard i < b.count, b[i] == UInt8(ascii: "=") else { throw sink.error(line, col, "XML: attribute `\(aname)` needs `=\"value\"`") }
                    adv()
                    while i < b.count && (b[i] == 32 || b[i] == 9 || b[i] == 10 || b[i] == 13) { adv() }
                    guard i < b.count, b[i] == UInt8(ascii: "\"") || b[i] == UInt8(ascii: "'") else { throw sink.error(line, col, "XML: attribute value must be quoted") }
                    let q = b[i]; adv(); let vs = i
                    while i < b.count && b[i] != q { adv() }
                    guard i < b.count else { throw sink.error(l, c, "XML: attribute value not closed") }
                    node.attrs[aname] = try decode(b[vs..<i], line, col)
                    adv()
                }
                if stack.count > 256 { throw sink.error(l, c, "XML: elements nested too deeply") }
                stack.last!.children.append(node)
                if !selfClosing { stack.append(node) }
                continue
            }
            let s = i
            let (l, c) = (line, col)
            while i < b.count && b[i] != UInt8(ascii: "<") { adv() }
            stack.last!.text += try decode(b[s..<i], l, c)
        }
        guard stack.count == 1 else { throw sink.error(stack.last!.line, stack.last!.column, "XML: `<\(stack.last!.name)>` is not closed") }
        return root
    }

    /// Roots whose subtrees hold objects and rules; everything above them (config/devices/vsys) is a scope wrapper.
    static let roots: Set<String> = ["zone", "address", "address-group", "service", "service-group", "rulebase", "pre-rulebase", "post-rulebase"]

    static func statements(_ text: String, _ sink: VendorErrorSink) throws(VendorParseError) -> [PathStatement] {
        let root = try parseTree(text, sink)
        var out: [PathStatement] = []
        func emit(_ path: [String], _ node: Node) {
            // A node whose children are all `member` → one list statement.
            let members = node.children.filter { $0.name == "member" }
            if !members.isEmpty && members.count == node.children.count {
                let vals = members.map { $0.text.vendorTrimmed }
                out.append(PathStatement(words: ["set"] + path + ["["] + vals + ["]"], line: node.line, column: node.column, inactive: false,
                                         text: "<\(node.name)> " + vals.joined(separator: " ")))
                return
            }
            if node.children.isEmpty {
                let v = node.text.vendorTrimmed
                out.append(PathStatement(words: ["set"] + path + (v.isEmpty ? [] : [v]), line: node.line, column: node.column, inactive: false,
                                         text: "<\(node.name)>\(v)</\(node.name)>"))
                return
            }
            for c in node.children {
                if c.name == "entry", let n = c.attrs["name"] { emit(path + [n], c) } else { emit(path + [c.name], c) }
            }
        }
        func walk(_ node: Node, inScope: Bool) {
            for c in node.children {
                if roots.contains(c.name) && inScope {
                    emit([c.name], c)
                } else {
                    // vsys/entry, shared, device-group/entry, devices/entry open an object scope.
                    let opens = ["vsys", "shared", "device-group", "devices", "config", "entry", "panorama"].contains(c.name)
                    walk(c, inScope: opens || c.name == "shared")
                }
            }
        }
        walk(root, inScope: true)
        return out
    }
}
