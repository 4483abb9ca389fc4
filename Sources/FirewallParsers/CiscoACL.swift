// CiscoACL: reads Cisco IOS/IOS-XE and ASA access lists, object(-group)s and their interface bindings into vendor rules.
//
// Semantics (Cisco IOS Security Configuration Guide "IP Access List Overview" / "Object Groups for ACLs";
// Cisco ASA Series Firewall CLI Configuration Guide "Access Control Lists", "Objects for Access Control", "Access Rules"):
// - entries are evaluated top-down, first match wins; every list ends with an implicit deny — but only lists that are
//   bound filter anything: IOS `ip access-group NAME in|out` under `interface`, ASA `access-group NAME in|out interface
//   NAMEIF` or `access-group NAME global` (global rules are consulted after the interface's own rules).
// - IOS addresses take wildcard masks (bits set = don't care; non-contiguous masks are expanded), object-group network
//   and ASA take netmasks. Standard lists (IOS 1-99, 1300-1999, `standard`) match the source only.
// - IOS binds an undefined or empty access list as "permit everything" (reported).
// - ASA without an inbound access-group uses security levels: traffic may go from a higher to a lower level
//   (equal levels only with `same-security-traffic permit inter-interface`).
// - ports: eq (one or more), neq, lt, gt, range; named ports; ICMP type names; `established` = TCP ACK/RST packets
//   (modelled as connection state established); ASA `inactive` entries are skipped; `time-range` is kept as an unknown condition.
import Wire
import Policy

public enum CiscoFlavor: Sendable { case ios, asa }

public enum CiscoParser {
    struct Stmt { var tokens: [VendorToken]; var line: Int; var text: String; var children: [Stmt] }

    static let icmpTypes: [String: (UInt8, UInt8?)] = [
        "echo-reply": (0, nil), "unreachable": (3, nil), "net-unreachable": (3, 0), "host-unreachable": (3, 1),
        "protocol-unreachable": (3, 2), "port-unreachable": (3, 3), "packet-too-big": (3, 4), "administratively-prohibited": (3, 13),
        "source-quench": (4, nil), "redirect": (5, nil), "alternate-address": (6, nil), "echo": (8, nil),
        "router-advertisement": (9, nil), "router-solicitation": (10, nil), "time-exceeded": (11, nil), "ttl-exceeded": (11, 0),
        "parameter-problem": (12, nil), "timestamp-request": (13, nil), "timestamp-reply": (14, nil),
        "information-request": (15, nil), "information-reply": (16, nil), "mask-request": (17, nil), "mask-reply": (18, nil),
        "traceroute": (30, nil), "conversion-error": (31, nil), "mobile-redirect": (32, nil),
    ]
    static let keywords: Set<String> = ["any", "any4", "any6", "host", "object", "object-group", "interface", "log", "log-input",
                                        "established", "inactive", "time-range", "fragments", "dscp", "tos", "precedence",
                                        "eq", "neq", "lt", "gt", "range", "reflect", "ttl", "option", "match-all", "match-any"]

    final class Context {
        let flavor: CiscoFlavor
        let sink: VendorErrorSink
        var set: VendorRuleSet
        var objects: [String: Stmt] = [:]          // object network/service
        var groups: [String: Stmt] = [:]           // object-group *
        var resolving = Set<String>()
        var addrCache: [String: VendorAddressSet] = [:]
        var svcCache: [String: [VendorService]] = [:]
        init(flavor: CiscoFlavor, sink: VendorErrorSink, set: VendorRuleSet) { self.flavor = flavor; self.sink = sink; self.set = set }

        func groupKind(_ name: String) -> String? {
            guard let g = groups[name], g.tokens.count >= 2 else { return nil }
            return String(g.tokens[1].text)
        }
    }

    public static func parse(_ text: String, file: String, flavor: CiscoFlavor) throws(VendorParseError) -> VendorRuleSet {
        let sink = VendorErrorSink(file: file)
        let ctx = Context(flavor: flavor, sink: sink, set: VendorRuleSet(format: flavor == .ios ? .ios : .asa, file: file))

        // Pass 0: statements with their indented children.
        var stmts: [Stmt] = []
        for (n, raw) in vendorLines(text) {
            if raw.utf8.count > VendorLimits.maxLineLength { throw sink.error(n, 1, "line longer than \(VendorLimits.maxLineLength) bytes") }
            let (tokens, open) = VendorTokenizer.split(raw)
            if let col = open { throw sink.error(n, col, "unterminated quoted string") }
            guard let first = tokens.first else { continue }
            if first.text.hasPrefix("!") || first.text.hasPrefix("#") || first.text == ":" || first.text.hasPrefix(":") { continue }
            let s = Stmt(tokens: tokens, line: n, text: raw.vendorTrimmed, children: [])
            if (raw.first == " " || raw.first == "\t"), !stmts.isEmpty {
                stmts[stmts.count - 1].children.append(s)
            } else {
                stmts.append(s)
            }
        }

        // Pass 1: objects and groups.
        for s in stmts {
            let w = s.tokens.map { String($0.text) }
            if w[0] == "object" && w.count >= 3 && (w[1] == "network" || w[1] == "service") { ctx.objects[w[2]] = s }
            if w[0] == "object-group" && w.count >= 3 { ctx.groups[w[2]] = s }
        }

        // Pass 2: access lists, in order.
        var acls: [String: [VendorRule]] = [:]
        var aclDefined = Set<String>()
        var aclLine: [String: Int] = [:]
        var interfaces: [(name: String, nameif: String?, level: Int?, bindings: [(String, VendorDirection, Int)], line: Int)] = []
        var groupBindings: [(acl: String, dir: VendorDirection, iface: String?, line: Int)] = []
        var sameSecurity = false

        for s in stmts {
            let w = s.tokens.map { String($0.text) }
            switch w[0] {
            case "ip" where w.count >= 2 && w[1] == "access-list":
                // ip access-list extended|standard NAME  /  ip access-list NAME (IOS-XE named, extended)
                guard w.count >= 3 else { throw sink.error(s.line, s.tokens[1].column, "ip access-list: expected extended or standard and a name") }
                var standard = false
                var name = w[2]
                if w[2] == "extended" || w[2] == "standard" {
                    guard w.count >= 4 else { throw sink.error(s.line, s.tokens[2].column, "ip access-list \(w[2]): expected a name") }
                    standard = w[2] == "standard"; name = w[3]
                } else if w[2] == "logging" || w[2] == "log-update" || w[2] == "role-based" {
                    ctx.set.ignoredLines += 1; continue
                }
                aclDefined.insert(name); aclLine[name] = aclLine[name] ?? s.line
                for c in s.children {
                    var t = c.tokens
                    if VendorParse.uint(t[0].text, max: 2_147_483_647) != nil { t.removeFirst() }   // sequence number
                    guard !t.isEmpty else { continue }
                    if t[0].text == "remark" { continue }
                    if let r = try ace(t, standard: standard, acl: name, line: c.line, text: c.text, ctx) { acls[name, default: []].append(r) }
                }
            case "access-list":
                guard w.count >= 3 else { throw sink.error(s.line, s.tokens[0].column, "access-list: expected a name and an entry") }
                let name = w[1]
                var t = Array(s.tokens.dropFirst(2))
                if t.first?.text == "line", t.count >= 2 { t.removeFirst(2) }
                guard let kw = t.first else { throw sink.error(s.line, s.tokens[1].column, "access-list \(name): expected an entry") }
                if kw.text == "remark" { aclDefined.insert(name); continue }
                var standard = false
                if flavor == .ios, let num = VendorParse.uint(s.tokens[1].text, max: 2699) {
                    standard = (1...99).contains(num) || (1300...1999).contains(num)
                    if t[0].text == "dynamic" { unsupported(ctx, s, "dynamic (lock-and-key) entries are not modelled", .everything); continue }
                } else if kw.text == "extended" {
                    t.removeFirst()
                } else if kw.text == "standard" || kw.text == "webtype" || kw.text == "ethertype" {
                    ctx.set.ignoredLines += 1; continue   // ASA standard lists serve routing/VPN, not access-group
                } else if kw.text == "permit" || kw.text == "deny" {
                    // ASA accepts `access-list NAME permit ...` as extended.
                } else {
                    throw sink.error(s.line, kw.column, "access-list \(name): expected extended, standard, remark, permit or deny, found `\(kw.text)`")
                }
                guard !t.isEmpty else { throw sink.error(s.line, kw.column + kw.text.count, "access-list \(name): expected permit or deny") }
                aclDefined.insert(name); aclLine[name] = aclLine[name] ?? s.line
                if let r = try ace(t, standard: standard, acl: name, line: s.line, text: s.text, ctx) { acls[name, default: []].append(r) }
            case "interface":
                guard w.count >= 2 else { throw sink.error(s.line, s.tokens[0].column, "interface: expected a name") }
                var nameif: String? = nil, level: Int? = nil
                var binds: [(String, VendorDirection, Int)] = []
                for c in s.children {
                    let cw = c.tokens.map { String($0.text) }
                    if cw[0] == "nameif", cw.count >= 2 { nameif = cw[1] }
                    else if cw[0] == "security-level", cw.count >= 2 {
                        guard let l = VendorParse.uint(c.tokens[1].text, max: 100) else { throw sink.error(c.line, c.tokens[1].column, "security-level must be 0-100") }
                        level = Int(l)
                    } else if cw[0] == "ip", cw.count >= 2, cw[1] == "access-group" {
                        guard cw.count == 4, let d = VendorDirection(rawValue: cw[3]) else {
                            throw sink.error(c.line, c.tokens[0].column, "ip access-group: expected `ip access-group NAME in|out`")
                        }
                        binds.append((cw[2], d, c.line))
                    } else if cw[0] == "ipv6", cw.count >= 2, cw[1] == "traffic-filter" {
                        unsupported(ctx, c, "IPv6 traffic filters are not modelled", .interface(w[1]))
                    } else if cw[0] == "zone-member" {
                        unsupported(ctx, c, "zone-based firewall (zone-member security) is not modelled", .interface(w[1]))
                    } else if cw[0] == "ip", cw.count >= 2, cw[1] == "inspect" {
                        unsupported(ctx, c, "CBAC inspection admits return traffic; not modelled", .interface(w[1]))
                    } else { ctx.set.ignoredLines += 1 }
                }
                interfaces.append((w[1], nameif, level, binds, s.line))
            case "access-group":
                // ASA: access-group NAME in|out interface IF  /  access-group NAME global
                guard w.count >= 3 else { throw sink.error(s.line, s.tokens[0].column, "access-group: expected NAME in|out interface IF or NAME global") }
                if w[2] == "global" { groupBindings.append((w[1], .in, nil, s.line)); continue }
                guard w.count >= 5, let d = VendorDirection(rawValue: w[2]), w[3] == "interface" else {
                    throw sink.error(s.line, s.tokens[2].column, "access-group: expected `in interface IF`, `out interface IF` or `global`")
                }
                groupBindings.append((w[1], d, w[4], s.line))
            case "same-security-traffic":
                if w.contains("inter-interface") { sameSecurity = true }
            case "object", "object-group":
                continue
            case "zone-pair":
                unsupported(ctx, s, "zone-based firewall (zone-pair security) is not modelled", .everything)
            case "zone" where w.count >= 2 && w[1] == "security":
                unsupported(ctx, s, "zone-based firewall (zone security) is not modelled", .everything)
            case "ipv6" where w.count >= 2 && w[1] == "access-list":
                unsupported(ctx, s, "IPv6 access lists are not modelled", .everything)
            default:
                ctx.set.ignoredLines += 1 + s.children.count
            }
        }

        // Bindings.
        var filters: [VendorFilter] = []
        if flavor == .ios {
            for i in interfaces {
                for (acl, dir, line) in i.bindings {
                    guard aclDefined.contains(acl), let rules = acls[acl], !rules.isEmpty else {
                        let why = aclDefined.contains(acl) ? "empty" : "not defined"
                        ctx.set.unsupported.append(VendorUnsupported(location: sink.loc(line), text: "ip access-group \(acl) \(dir.rawValue)",
                            reason: "access list \(acl) is \(why); IOS then permits everything", scope: .interface(i.name)))
                        // Model it as a list whose only entry permits everything, located at the binding, so findings point here.
                        let permitAll = VendorRule(name: "ip access-group \(acl) \(dir.rawValue) (list \(why): permits all)", action: .permit,
                                                   sources: .anyV4, destinations: .anyV4, location: sink.loc(line),
                                                   text: "ip access-group \(acl) \(dir.rawValue)  ! access list \(acl) \(why)")
                        filters.append(VendorFilter(name: "\(i.name) \(dir.rawValue) (\(acl), \(why))", binding: .interface(name: i.name, direction: dir),
                                                    rules: [permitAll], defaultAction: .deny, location: sink.loc(line)))
                        continue
                    }
                    filters.append(VendorFilter(name: "\(i.name) \(dir.rawValue) (\(acl))", binding: .interface(name: i.name, direction: dir),
                                                rules: rules, defaultAction: .deny, location: sink.loc(line)))
                }
            }
        } else {
            // ASA: names are nameifs; zoneInterfaces maps nameif → hardware name so either may be used in the policy.
            var level: [String: Int] = [:]
            for i in interfaces { if let n = i.nameif { ctx.set.zoneInterfaces[n] = [i.name]; level[n] = i.level ?? 0 } }
            let global = groupBindings.first { $0.iface == nil }
            let globalRules = global.map { acls[$0.acl] ?? [] } ?? []
            if let g = global, !aclDefined.contains(g.acl) { throw sink.error(g.line, 1, "access-group \(g.acl) global: access list not defined") }
            var inBound = Set<String>()
            for b in groupBindings where b.iface != nil {
                let iface = b.iface!
                guard aclDefined.contains(b.acl) else { throw sink.error(b.line, 1, "access-group \(b.acl): access list not defined") }
                if level[iface] == nil {
                    ctx.set.unsupported.append(VendorUnsupported(location: sink.loc(b.line), text: "access-group \(b.acl) \(b.dir.rawValue) interface \(iface)",
                        reason: "no interface has nameif \(iface)", scope: .interface(iface)))
                }
                var rules = acls[b.acl] ?? []
                if b.dir == .in { inBound.insert(iface); rules += globalRules }
                filters.append(VendorFilter(name: "\(iface) \(b.dir.rawValue) (\(b.acl))", binding: .interface(name: iface, direction: b.dir),
                                            rules: rules, defaultAction: .deny, location: sink.loc(b.line)))
            }
            for (nameif, lvl) in level.sorted(by: { $0.key < $1.key }) where !inBound.contains(nameif) {
                let line = interfaces.first { $0.nameif == nameif }?.line ?? 1
                if let g = global {
                    filters.append(VendorFilter(name: "\(nameif) in (global \(g.acl))", binding: .interface(name: nameif, direction: .in),
                                                rules: globalRules, defaultAction: .deny, location: sink.loc(g.line)))
                    continue
                }
                // Security levels: higher → lower allowed (equal with same-security-traffic).
                var rules: [VendorRule] = []
                for (other, ol) in level.sorted(by: { $0.key < $1.key }) where other != nameif && (ol < lvl || (ol == lvl && sameSecurity)) {
                    rules.append(VendorRule(name: "security-level \(nameif)(\(lvl)) → \(other)(\(ol))", action: .permit, toZones: [other],
                                            location: sink.loc(line), text: "implicit: security-level \(lvl) on \(nameif) > \(ol) on \(other)"))
                }
                filters.append(VendorFilter(name: "\(nameif) in (security-level \(lvl))", binding: .interface(name: nameif, direction: .in),
                                            rules: rules, defaultAction: .deny, location: sink.loc(line)))
            }
        }
        ctx.set.filters = filters
        return ctx.set
    }

    static func unsupported(_ ctx: Context, _ s: Stmt, _ reason: String, _ scope: VendorScope) {
        ctx.set.unsupported.append(VendorUnsupported(location: ctx.sink.loc(s.line, s.tokens.first?.column ?? 1), text: s.text, reason: reason, scope: scope))
    }

    // MARK: Access control entries

    /// One ACE; nil for entries that never take effect (ASA `inactive`).
    static func ace(_ t: [VendorToken], standard: Bool, acl: String, line: Int, text: String, _ ctx: Context) throws(VendorParseError) -> VendorRule? {
        let sink = ctx.sink
        let action: VendorAction
        switch t[0].text {
        case "permit": action = .permit
        case "deny": action = .deny
        case "evaluate", "dynamic":
            ctx.set.unsupported.append(VendorUnsupported(location: sink.loc(line, t[0].column), text: text,
                reason: "`\(t[0].text)` entries (reflexive/dynamic ACLs) admit return traffic; not modelled", scope: .rule("\(acl) line \(line)")))
            return nil
        default: throw sink.error(line, t[0].column, "access list \(acl): expected permit, deny or remark, found `\(t[0].text)`")
        }
        var i = 1
        let name = "\(acl) line \(line)"
        var unknowns: [String] = []
        var notes: [String] = []
        var inactive = false
        func expect(_ what: String) throws(VendorParseError) -> VendorToken {
            guard i < t.count else { throw sink.error(line, (t.last?.column ?? 1) + (t.last?.text.count ?? 0), "access list \(acl): expected \(what)") }
            return t[i]
        }
        if standard {
            let src = try address(t, &i, acl: acl, line: line, ctx, wildcard: ctx.flavor == .ios, optionalMask: true)
            var est = false
            try options(t, &i, acl: acl, line: line, ctx, &unknowns, &notes, &inactive, established: &est, allowEstablished: false)
            if inactive { return nil }
            return VendorRule(name: name, action: action, sources: src, location: sink.loc(line, t[0].column), text: text, notes: notes, unknowns: unknowns)
        }
        // Protocol (or service object/group on ASA).
        let pt = try expect("a protocol")
        var services: [VendorService] = []   // empty = any
        var proto: UInt8? = nil
        var portGroupProto = false
        var svcFromObject = false
        i += 1
        switch pt.text {
        case "ip", "ipv4": proto = nil
        case "object":
            let on = try expect("a service object name"); i += 1
            services = try resolveService(String(on.text), line: line, column: on.column, ctx); svcFromObject = true
        case "object-group":
            let gn = try expect("an object-group name"); i += 1
            let g = String(gn.text)
            switch ctx.groupKind(g) {
            case "protocol":
                services = try protocolGroup(g, line: line, ctx).map { VendorService(proto: $0) }
                if services.contains(where: { $0.proto == nil }) { services = [] }
            case "service":
                services = try resolveService(g, line: line, column: gn.column, ctx); svcFromObject = true
            case nil:
                throw sink.error(line, gn.column, "access list \(acl): object-group \(g) is not defined")
            default:
                throw sink.error(line, gn.column, "access list \(acl): object-group \(g) is not a protocol or service group")
            }
        default:
            guard let p = VendorParse.proto(pt.text) else { throw sink.error(line, pt.column, "access list \(acl): unknown protocol `\(pt.text)`") }
            proto = p
            portGroupProto = p == IPProto.tcp || p == IPProto.udp
        }
        if pt.text == "tcp-udp" { proto = nil }
        let src = try address(t, &i, acl: acl, line: line, ctx, wildcard: ctx.flavor == .ios, optionalMask: false)
        var sport: [PortRange] = []
        if portGroupProto { sport = try portOp(t, &i, acl: acl, line: line, ctx) ?? [] }
        let dst = try address(t, &i, acl: acl, line: line, ctx, wildcard: ctx.flavor == .ios, optionalMask: false)
        var dport: [PortRange] = []
        var icmp: [(UInt8, UInt8?)] = []
        if portGroupProto { dport = try portOp(t, &i, acl: acl, line: line, ctx) ?? [] }
        if proto == IPProto.icmp || proto == IPProto.icmpv6, i < t.count {
            let k = String(t[i].text)
            if let ty = icmpTypes[k] { icmp = [ty]; i += 1 }
            else if let n = VendorParse.uint(t[i].text, max: 255) {
                i += 1
                var code: UInt8? = nil
                if i < t.count, let c = VendorParse.uint(t[i].text, max: 255) { code = UInt8(c); i += 1 }
                icmp = [(UInt8(n), code)]
            } else if k == "object-group", i + 1 < t.count, ctx.groupKind(String(t[i + 1].text)) == "icmp-type" {
                icmp = try icmpGroup(String(t[i + 1].text), line: line, ctx); i += 2
            }
        }
        var established = false
        try options(t, &i, acl: acl, line: line, ctx, &unknowns, &notes, &inactive, established: &established, allowEstablished: proto == IPProto.tcp)
        if inactive { return nil }
        if !svcFromObject && services.isEmpty {
            if !icmp.isEmpty {
                services = icmp.map { VendorService(proto: proto, icmpType: $0.0, icmpCode: $0.1) }
            } else if pt.text == "tcp-udp" {
                services = [VendorService(proto: IPProto.tcp, srcPorts: sport, dstPorts: dport), VendorService(proto: IPProto.udp, srcPorts: sport, dstPorts: dport)]
            } else if proto != nil || established {
                services = [VendorService(proto: proto, srcPorts: sport, dstPorts: dport, establishedOnly: established)]
            }
        }
        return VendorRule(name: name, action: action, sources: src, destinations: dst, services: services,
                          location: sink.loc(line, t[0].column), text: text, notes: notes, unknowns: unknowns)
    }

    static func options(_ t: [VendorToken], _ i: inout Int, acl: String, line: Int, _ ctx: Context, _ unknowns: inout [String], _ notes: inout [String], _ inactive: inout Bool, established: inout Bool, allowEstablished: Bool) throws(VendorParseError) {
        while i < t.count {
            let k = String(t[i].text)
            switch k {
            case "log", "log-input":
                i += 1
                // log [level] [interval N] | disable | default
                while i < t.count, (VendorParse.uint(t[i].text, max: 65535) != nil || ["interval", "disable", "default", "emergencies", "alerts", "critical", "errors", "warnings", "notifications", "informational", "debugging"].contains(String(t[i].text))) { i += 1 }
            case "established":
                guard allowEstablished else { throw ctx.sink.error(line, t[i].column, "access list \(acl): `established` needs tcp") }
                established = true; i += 1
            case "inactive": inactive = true; i += 1
            case "time-range":
                let r = i + 1 < t.count ? String(t[i + 1].text) : ""
                unknowns.append("time-range \(r)"); notes.append("time-range \(r): treated as possibly active"); i += 2
            default:
                unknowns.append("\(k) (ACL option)")
                ctx.set.unsupported.append(VendorUnsupported(location: ctx.sink.loc(line, t[i].column), text: t.map { String($0.text) }.joined(separator: " "),
                    reason: "option `\(k)` is not modelled; the entry is treated as possibly matching", scope: .rule("\(acl) line \(line)")))
                i = t.count
            }
        }
    }

    /// any | any4 | any6 | host A | A WILD/MASK | A/len (IPv6) | object N | object-group G | interface IF
    static func address(_ t: [VendorToken], _ i: inout Int, acl: String, line: Int, _ ctx: Context, wildcard: Bool, optionalMask: Bool) throws(VendorParseError) -> VendorAddressSet {
        let sink = ctx.sink
        guard i < t.count else { throw sink.error(line, (t.last?.column ?? 1) + (t.last?.text.count ?? 0), "access list \(acl): expected an address") }
        let k = t[i]
        switch k.text {
        case "any": i += 1; return ctx.flavor == .ios ? .anyV4 : .any
        case "any4": i += 1; return .anyV4
        case "any6": i += 1; return VendorAddressSet(ranges: [IPAddress.zero...IPAddress(hi: .max, lo: 0x0000_FFFE_FFFF_FFFF), IPAddress(hi: 0, lo: 0x0001_0000_0000_0000)...IPAddress.max])
        case "host":
            guard i + 1 < t.count, let a = IPAddress(t[i + 1].text) else { throw sink.error(line, k.column, "access list \(acl): `host` needs an address") }
            i += 2; return .host(a)
        case "object", "object-group":
            guard i + 1 < t.count else { throw sink.error(line, k.column, "access list \(acl): `\(k.text)` needs a name") }
            let n = String(t[i + 1].text)
            i += 2
            return try resolveAddress(n, line: line, column: t[i - 1].column, ctx)
        case "interface":
            let n = i + 1 < t.count ? String(t[i + 1].text) : ""
            i += 2
            ctx.set.unsupported.append(VendorUnsupported(location: sink.loc(line, k.column), text: "interface \(n)",
                reason: "the address of interface \(n) is not known; treated as possibly any address", scope: .rule("\(acl) line \(line)")))
            return VendorAddressSet(ranges: [], unresolved: ["interface \(n) address"])
        default:
            if k.text.contains(":"), let net = IPNetwork(k.text) { i += 1; return .network(net) }
            guard let a = IPAddress(k.text), a.isIPv4 else { throw sink.error(line, k.column, "access list \(acl): expected an address, found `\(k.text)`") }
            i += 1
            if i < t.count, let m = IPAddress(t[i].text), m.isIPv4 {
                i += 1
                if wildcard {
                    guard let r = VendorParse.wildcard(a, m.v4Value) else { throw sink.error(line, t[i - 1].column, "access list \(acl): wildcard `\(t[i - 1].text)` is too fragmented to expand") }
                    return VendorAddressSet(ranges: r)
                }
                guard let len = VendorParse.maskLength(t[i - 1].text) else { throw sink.error(line, t[i - 1].column, "access list \(acl): `\(t[i - 1].text)` is not a contiguous netmask") }
                return .network(IPNetwork(address: a, prefixLength: 96 + len))
            }
            if optionalMask { return .host(a) }
            throw sink.error(line, k.column, "access list \(acl): address \(k.text) needs a \(wildcard ? "wildcard" : "net") mask (or use host)")
        }
    }

    /// eq P [P...] | neq P | lt P | gt P | range A B | object-group PORTGROUP. nil when none is written.
    static func portOp(_ t: [VendorToken], _ i: inout Int, acl: String, line: Int, _ ctx: Context) throws(VendorParseError) -> [PortRange]? {
        let sink = ctx.sink
        guard i < t.count else { return nil }
        let op = t[i]
        func port(_ j: Int) throws(VendorParseError) -> UInt16 {
            guard j < t.count else { throw sink.error(line, op.column, "access list \(acl): `\(op.text)` needs a port") }
            guard let p = VendorPorts.lookup(t[j].text) else { throw sink.error(line, t[j].column, "access list \(acl): unknown port `\(t[j].text)`") }
            return p
        }
        switch op.text {
        case "eq":
            var out = [PortRange(try port(i + 1), try port(i + 1))]
            i += 2
            while i < t.count, !keywords.contains(String(t[i].text)), let p = VendorPorts.lookup(t[i].text) { out.append(PortRange(p, p)); i += 1 }
            return out
        case "neq": let p = try port(i + 1); i += 2; return complementPorts([PortRange(p, p)])
        case "lt": let p = try port(i + 1); i += 2; return p == 0 ? [] : [PortRange(0, p - 1)]
        case "gt": let p = try port(i + 1); i += 2; return p == 65535 ? [] : [PortRange(p + 1, 65535)]
        case "range":
            let a = try port(i + 1), b = try port(i + 2)
            guard a <= b else { throw sink.error(line, t[i + 1].column, "access list \(acl): range start above its end") }
            i += 3; return [PortRange(a, b)]
        case "object-group":
            guard i + 1 < t.count, ctx.groupKind(String(t[i + 1].text)) == "service" else { return nil }   // a network group: the next address
            let g = String(t[i + 1].text)
            i += 2
            return try portGroup(g, line: line, ctx)
        default: return nil
        }
    }

    // MARK: Objects

    static func resolveAddress(_ name: String, line: Int, column: Int, _ ctx: Context) throws(VendorParseError) -> VendorAddressSet {
        if let c = ctx.addrCache[name] { return c }
        let sink = ctx.sink
        if ctx.resolving.contains(name) || ctx.resolving.count > VendorLimits.maxObjectDepth { throw sink.error(line, column, "object \(name) refers to itself") }
        ctx.resolving.insert(name); defer { ctx.resolving.remove(name) }
        var result = VendorAddressSet(ranges: [])
        if let o = ctx.objects[name], o.tokens[1].text == "network" {
            for c in o.children {
                let w = c.tokens.map { String($0.text) }
                switch w[0] {
                case "host":
                    guard w.count >= 2, let a = IPAddress(c.tokens[1].text) else { throw sink.error(c.line, c.tokens[0].column, "object \(name): host needs an address") }
                    result.ranges.append(a...a)
                case "subnet":
                    if w.count >= 3, let a = IPAddress(c.tokens[1].text), let len = VendorParse.maskLength(c.tokens[2].text) {
                        let n = IPNetwork(address: a, prefixLength: 96 + len); result.ranges.append(n.first...n.last)
                    } else if w.count >= 2, let n = IPNetwork(c.tokens[1].text) { result.ranges.append(n.first...n.last) }
                    else { throw sink.error(c.line, c.tokens[0].column, "object \(name): subnet needs A MASK") }
                case "range":
                    guard w.count >= 3, let a = IPAddress(c.tokens[1].text), let b = IPAddress(c.tokens[2].text), a <= b else {
                        throw sink.error(c.line, c.tokens[0].column, "object \(name): range needs A B with A ≤ B")
                    }
                    result.ranges.append(a...b)
                case "fqdn":
                    result.unresolved.append("fqdn object \(name)")
                    unsupported(ctx, c, "FQDN objects are resolved at run time; treated as possibly any address", .rule("using \(name)"))
                default: ctx.set.ignoredLines += 1   // nat, description
                }
            }
        } else if let g = ctx.groups[name] {
            guard g.tokens[1].text == "network" else { throw sink.error(line, column, "object-group \(name) is not a network group") }
            for c in g.children {
                let w = c.tokens.map { String($0.text) }
                var j = 0
                var ts = c.tokens
                if w[0] == "network-object" { ts.removeFirst() }
                guard let k = ts.first else { throw sink.error(c.line, 1, "object-group \(name): empty network-object") }
                switch k.text {
                case "description": continue
                case "group-object", "object":
                    guard ts.count >= 2 else { throw sink.error(c.line, k.column, "object-group \(name): `\(k.text)` needs a name") }
                    let sub = try resolveAddress(String(ts[1].text), line: c.line, column: ts[1].column, ctx)
                    result.ranges += sub.ranges; result.unresolved += sub.unresolved
                case "range":
                    guard ts.count >= 3, let a = IPAddress(ts[1].text), let b = IPAddress(ts[2].text), a <= b else {
                        throw sink.error(c.line, k.column, "object-group \(name): range needs A B with A ≤ B")
                    }
                    result.ranges.append(a...b)
                default:
                    // host A | A MASK (netmask in object-groups, IOS and ASA) | any | A/len
                    let sub = try address(ts, &j, acl: "object-group \(name)", line: c.line, ctx, wildcard: false, optionalMask: true)
                    result.ranges += sub.ranges
                }
            }
        } else {
            throw sink.error(line, column, "object \(name) is not defined")
        }
        ctx.addrCache[name] = result
        return result
    }

    static func protocolGroup(_ name: String, line: Int, _ ctx: Context) throws(VendorParseError) -> [UInt8?] {
        guard let g = ctx.groups[name] else { throw ctx.sink.error(line, 1, "object-group \(name) is not defined") }
        var out: [UInt8?] = []
        for c in g.children {
            let w = c.tokens.map { String($0.text) }
            if w[0] == "description" { continue }
            if w[0] == "group-object", w.count >= 2 { out += try protocolGroup(w[1], line: c.line, ctx); continue }
            guard w[0] == "protocol-object" || g.tokens.count >= 2, let p = w.last else { continue }
            if p == "ip" { out.append(nil); continue }
            guard let n = VendorParse.proto(Substring(p)) else { throw ctx.sink.error(c.line, c.tokens.last!.column, "object-group \(name): unknown protocol `\(p)`") }
            out.append(n)
        }
        return out
    }

    static func icmpGroup(_ name: String, line: Int, _ ctx: Context) throws(VendorParseError) -> [(UInt8, UInt8?)] {
        guard let g = ctx.groups[name] else { throw ctx.sink.error(line, 1, "object-group \(name) is not defined") }
        var out: [(UInt8, UInt8?)] = []
        for c in g.children {
            let w = c.tokens.map { String($0.text) }
            if w[0] == "description" { continue }
            if w[0] == "group-object", w.count >= 2 { out += try icmpGroup(w[1], line: c.line, ctx); continue }
            guard w.count >= 2 else { continue }
            if let t = icmpTypes[w[1]] { out.append(t) } else if let n = VendorParse.uint(c.tokens[1].text, max: 255) { out.append((UInt8(n), nil)) }
            else { throw ctx.sink.error(c.line, c.tokens[1].column, "object-group \(name): unknown ICMP type `\(w[1])`") }
        }
        return out
    }

    /// A port-only service group (`object-group service NAME tcp|udp|tcp-udp` with port-object lines).
    static func portGroup(_ name: String, line: Int, _ ctx: Context) throws(VendorParseError) -> [PortRange] {
        guard let g = ctx.groups[name] else { throw ctx.sink.error(line, 1, "object-group \(name) is not defined") }
        var out: [PortRange] = []
        for c in g.children {
            let w = c.tokens.map { String($0.text) }
            if w[0] == "description" { continue }
            if w[0] == "group-object", w.count >= 2 { out += try portGroup(w[1], line: c.line, ctx); continue }
            guard w[0] == "port-object" else { throw ctx.sink.error(c.line, c.tokens[0].column, "object-group \(name): expected port-object") }
            var j = 1
            guard let p = try portOp(c.tokens, &j, acl: "object-group \(name)", line: c.line, ctx) else {
                throw ctx.sink.error(c.line, c.tokens[0].column, "object-group \(name): port-object needs eq, range, lt, gt or neq")
            }
            out += p
        }
        return out
    }

    /// Service objects and groups → services.
    static func resolveService(_ name: String, line: Int, column: Int, _ ctx: Context) throws(VendorParseError) -> [VendorService] {
        if let c = ctx.svcCache[name] { return c }
        let sink = ctx.sink
        if ctx.resolving.contains(name) || ctx.resolving.count > VendorLimits.maxObjectDepth { throw sink.error(line, column, "object \(name) refers to itself") }
        ctx.resolving.insert(name); defer { ctx.resolving.remove(name) }
        var out: [VendorService] = []
        /// PROTO [source OP] [destination OP] | PROTO OP (destination) | icmp TYPE [CODE]
        func serviceLine(_ ts: [VendorToken], _ c: Stmt) throws(VendorParseError) -> [VendorService] {
            guard let pt = ts.first else { throw sink.error(c.line, 1, "\(name): expected a protocol") }
            let pword = String(pt.text)
            if pword == "object" || pword == "group-object" {
                guard ts.count >= 2 else { throw sink.error(c.line, pt.column, "\(name): `\(pword)` needs a name") }
                return try resolveService(String(ts[1].text), line: c.line, column: ts[1].column, ctx)
            }
            let protos: [UInt8?]
            if pword == "tcp-udp" { protos = [IPProto.tcp, IPProto.udp] }
            else if pword == "ip" { protos = [nil] }
            else if let p = VendorParse.proto(pt.text) { protos = [p] }
            else { throw sink.error(c.line, pt.column, "\(name): unknown protocol `\(pword)`") }
            var j = 1
            var sp: [PortRange] = [], dp: [PortRange] = []
            var ity: UInt8? = nil, icode: UInt8? = nil
            while j < ts.count {
                let k = String(ts[j].text)
                if k == "source" { j += 1; sp = try portOp(ts, &j, acl: name, line: c.line, ctx) ?? [] }
                else if k == "destination" { j += 1; dp = try portOp(ts, &j, acl: name, line: c.line, ctx) ?? [] }
                else if let p = try portOp(ts, &j, acl: name, line: c.line, ctx) { dp = p }
                else if protos.first == IPProto.icmp, let t = icmpTypes[k] { ity = t.0; icode = t.1; j += 1 }
                else if protos.first == IPProto.icmp, let n = VendorParse.uint(ts[j].text, max: 255) {
                    if ity == nil { ity = UInt8(n) } else { icode = UInt8(n) }; j += 1
                } else { throw sink.error(c.line, ts[j].column, "\(name): unexpected `\(k)`") }
            }
            return protos.map { p in
                if p == IPProto.icmp || p == IPProto.icmpv6 { return VendorService(proto: p, icmpType: ity, icmpCode: icode) }
                return p == nil ? VendorService() : VendorService(proto: p, srcPorts: sp, dstPorts: dp)
            }
        }
        if let o = ctx.objects[name], o.tokens[1].text == "service" {
            for c in o.children where c.tokens.first?.text == "service" {
                out += try serviceLine(Array(c.tokens.dropFirst()), c)
            }
        } else if let g = ctx.groups[name], g.tokens[1].text == "service" {
            let typed = g.tokens.count >= 4 ? String(g.tokens[3].text) : nil   // object-group service NAME tcp|udp|tcp-udp
            for c in g.children {
                let w = c.tokens.map { String($0.text) }
                switch w[0] {
                case "description": continue
                case "group-object":
                    guard w.count >= 2 else { throw sink.error(c.line, c.tokens[0].column, "\(name): group-object needs a name") }
                    out += try resolveService(w[1], line: c.line, column: c.tokens[1].column, ctx)
                case "port-object":
                    var j = 1
                    guard let p = try portOp(c.tokens, &j, acl: name, line: c.line, ctx) else { throw sink.error(c.line, c.tokens[0].column, "\(name): port-object needs eq, range, lt, gt or neq") }
                    let protos: [UInt8] = typed == "udp" ? [IPProto.udp] : typed == "tcp-udp" ? [IPProto.tcp, IPProto.udp] : [IPProto.tcp]
                    out += protos.map { VendorService(proto: $0, dstPorts: p) }
                case "service-object":
                    out += try serviceLine(Array(c.tokens.dropFirst()), c)
                default:
                    // IOS object-group service entries: `tcp eq 80`, `udp range 1 2`, `icmp echo`, `tcp-udp eq 53`.
                    out += try serviceLine(c.tokens, c)
                }
            }
        } else {
            throw sink.error(line, column, "service object \(name) is not defined")
        }
        if out.contains(where: { $0 == VendorService() }) { out = [VendorService()] }
        ctx.svcCache[name] = out
        return out
    }
}
