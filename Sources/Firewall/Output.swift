// Renders firewall results: readable text (Japanese or English), JSON (schema in docs/firewall.md) and SARIF 2.1.0.
import Policy
import Wire

/// A minimal JSON value with ordered keys and a deterministic serialiser.
public indirect enum JSONValue {
    case object([(String, JSONValue)])
    case array([JSONValue])
    case string(String)
    case int(Int)
    case bool(Bool)
    case null

    public func serialized(pretty: Bool = true) -> String {
        var out = ""
        write(&out, indent: pretty ? 0 : -1)
        return out
    }

    private func write(_ out: inout String, indent: Int) {
        let pretty = indent >= 0
        func nl(_ level: Int) { if pretty { out += "\n" + String(repeating: "  ", count: level) } }
        switch self {
        case .null: out += "null"
        case .bool(let b): out += b ? "true" : "false"
        case .int(let i): out += String(i)
        case .string(let s): JSONValue.escape(s, into: &out)
        case .array(let xs):
            if xs.isEmpty { out += "[]"; return }
            out += "["
            for (i, x) in xs.enumerated() {
                if i > 0 { out += "," }
                nl(indent + 1)
                x.write(&out, indent: pretty ? indent + 1 : -1)
            }
            nl(indent); out += "]"
        case .object(let kv):
            if kv.isEmpty { out += "{}"; return }
            out += "{"
            for (i, (k, v)) in kv.enumerated() {
                if i > 0 { out += "," }
                nl(indent + 1)
                JSONValue.escape(k, into: &out)
                out += pretty ? ": " : ":"
                v.write(&out, indent: pretty ? indent + 1 : -1)
            }
            nl(indent); out += "}"
        }
    }

    static func escape(_ s: String, into out: inout String) {
        out += "\""
        // Most strings need no escaping: append them whole.
        if !s.utf8.contains(where: { $0 < 0x20 || $0 == 0x22 || $0 == 0x5C }) {
            out += s
            out += "\""
            return
        }
        for u in s.unicodeScalars {
            switch u {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            default:
                if u.value < 0x20 {
                    let h = String(u.value, radix: 16)
                    out += "\\u" + String(repeating: "0", count: 4 - h.count) + h
                } else { out.unicodeScalars.append(u) }
            }
        }
        out += "\""
    }
}

public enum OutputLanguage: String, Sendable { case ja, en }

public struct FirewallOutput {
    public var policy: Policy
    public var ruleSets: [RuleSet]
    public var results: [CheckResult]
    public var diff: DiffResult?

    public init(policy: Policy, ruleSets: [RuleSet], results: [CheckResult], diff: DiffResult? = nil) {
        self.policy = policy; self.ruleSets = ruleSets; self.results = results; self.diff = diff
    }

    public var findingCount: Int { results.reduce(0) { $0 + $1.findings.count } }
    public var anomalyCount: Int { results.reduce(0) { $0 + $1.anomalies.count } }
    /// Exit code: 1 if any finding (or, for --diff, newly permitted traffic the policy forbids), else 0.
    public var exitCode: Int32 {
        if findingCount > 0 { return 1 }
        if let d = diff, d.newlyPermitted.contains(where: { $0.policyForbids }) { return 1 }
        return 0
    }

    // MARK: shared pieces

    public static func protoName(_ p: UInt8) -> String { IPProto.eveName(p) }

    public static func describe(_ w: Packet, lang: OutputLanguage) -> String {
        var s: String
        if w.isICMP {
            s = "\(protoName(w.proto)) \(w.src) → \(w.dst) type \(w.srcPort) code \(w.dstPort)"
        } else if [6, 17, 132, 33, 136].contains(w.proto) {
            let dst = w.dst.isIPv4 ? "\(w.dst)" : "[\(w.dst)]", src = w.src.isIPv4 ? "\(w.src)" : "[\(w.src)]"
            s = "\(protoName(w.proto)) \(src):\(w.srcPort) → \(dst):\(w.dstPort)"
        } else {
            s = "IP proto \(w.proto) \(w.src) → \(w.dst)"
        }
        var extra: [String] = [lang == .ja ? "状態 \(w.state.names.joined())" : "state \(w.state.names.joined())"]
        if let i = w.inInterface { extra.append((lang == .ja ? "入力IF " : "in ") + i) }
        if let o = w.outInterface { extra.append((lang == .ja ? "出力IF " : "out ") + o) }
        return s + " (" + extra.joined(separator: ", ") + ")"
    }

    static func where_(_ r: RuleRef) -> String { r.line > 0 ? "\(r.file):\(r.line):\(r.column)" : r.file }

    // MARK: text

    public func text(lang: OutputLanguage) -> String {
        let ja = lang == .ja
        var out = ""
        func line(_ s: String = "") { out += s + "\n" }
        line(ja ? "segcheck firewall — ポリシー「\(policy.name)」" : "segcheck firewall — policy \"\(policy.name)\"")
        for (rs, r) in zip(ruleSets, results) {
            let fam = [rs.families.contains(.ipv4) ? "IPv4" : nil, rs.families.contains(.ipv6) ? "IPv6" : nil].compactMap { $0 }.joined(separator: "+")
            let rules = rs.chains.reduce(0) { $0 + $1.rules.count }
            line()
            line(ja ? "■ 設定 \(rs.file) (\(rs.format), \(fam), チェーン \(rs.chains.count), 規則 \(rules))"
                    : "■ Config \(rs.file) (\(rs.format), \(fam), \(rs.chains.count) chains, \(rules) rules)")
            for f in r.findings {
                line()
                line(ja ? "[違反] \(f.srcZone.label) → \(f.dstZone.label): ポリシーが禁止する通信を許可しています\(f.uncertain ? " (解析できない条件に依存)" : "")"
                        : "[VIOLATION] \(f.srcZone.label) → \(f.dstZone.label): the rule set admits traffic the policy forbids\(f.uncertain ? " (depends on unmodelled matches)" : "")")
                line((ja ? "  決定規則: " : "  deciding rule: ") + "\(FirewallOutput.where_(f.rule))  \(f.rule.text)")
                line((ja ? "  規則の経路: " : "  trace: ") + f.trace.map { "\($0.chain)@\($0.line) \($0.action)" }.joined(separator: " → "))
                let b = f.breach
                if let id = b.ruleID {
                    line((ja ? "  違反するポリシー規則: " : "  policy rule broken: ") + "\(id) (\(b.action))" + (b.cite.isEmpty ? "" : " — \(b.cite)") + (b.location.map { " [\($0)]" } ?? ""))
                } else {
                    line((ja ? "  違反するポリシー: 既定の拒否 — " : "  policy broken: default deny — ") + b.cite)
                }
                line((ja ? "  証拠パケット: " : "  witness packet: ") + FirewallOutput.describe(f.witness, lang: lang))
                for u in f.dependsOn { line((ja ? "  依存する未解析の条件: " : "  depends on unmodelled: ") + "\(u.location) \(u.text)") }
            }
            for p in r.proofs {
                line(ja ? "[証明] \(p.srcZone.label) → \(p.dstZone.label): ポリシーが禁止する通信を許可するパケットは存在しません (全ヘッダ空間を記号的に検査)"
                        : "[PROOF] \(p.srcZone.label) → \(p.dstZone.label): no packet the policy forbids is admitted (whole header space checked symbolically)")
            }
            for a in r.anomalies {
                let kind: String
                switch a.kind {
                case .shadowed: kind = ja ? "遮蔽" : "shadowed"
                case .redundant: kind = ja ? "冗長" : "redundant"
                case .overlyBroad: kind = ja ? "過大な許可" : "overly broad"
                case .neverMatches: kind = ja ? "一致しない規則" : "never matches"
                case .unusedChain: kind = ja ? "未使用チェーン" : "unused chain"
                }
                line((ja ? "[異常:\(kind)] " : "[ANOMALY:\(kind)] ") + "\(FirewallOutput.where_(a.rule))  \(a.rule.text)")
                line("  " + (ja && !a.messageJA.isEmpty ? a.messageJA : a.message))
                if !a.blocking.isEmpty {
                    line((ja ? "  先行する規則: " : "  earlier rules: ") + a.blocking.map { "\($0.line)" }.joined(separator: ", "))
                }
                if let w = a.witness { line((ja ? "  例: " : "  example: ") + FirewallOutput.describe(w, lang: lang)) }
            }
            let missing = FamilySet.both.subtracting(rs.families)
            if !missing.isEmpty, policy.zones.contains(where: { z in z.networks.contains { missing.contains(.ipv6) ? !$0.address.isIPv4 : $0.address.isIPv4 } }) {
                line(ja ? "注記: この設定は \(missing.contains(.ipv6) ? "IPv6" : "IPv4") を扱いません。ゾーンの \(missing.contains(.ipv6) ? "IPv6" : "IPv4") 通信は証明の対象外です。"
                        : "note: this configuration does not filter \(missing.contains(.ipv6) ? "IPv6" : "IPv4"); the zones' \(missing.contains(.ipv6) ? "IPv6" : "IPv4") traffic is outside the proof.")
            }
            for n in r.notes { line((ja ? "注記: " : "note: ") + "\(n.location) \(n.message)") }
            line(ja ? "小計: 違反 \(r.findings.count) 件, 証明 \(r.proofs.count)/\(r.forbiddenPairs) ゾーン組, 異常 \(r.anomalies.count) 件"
                    : "subtotal: \(r.findings.count) violation(s), \(r.proofs.count)/\(r.forbiddenPairs) zone pairs proven, \(r.anomalies.count) anomaly(ies)")
        }
        if let d = diff {
            line()
            line(ja ? "■ 差分 \(d.oldConfig) → \(d.newConfig)" : "■ Diff \(d.oldConfig) → \(d.newConfig)")
            func entry(_ e: DiffEntry, permitted: Bool) {
                let pair = "\(e.srcZone?.label ?? (ja ? "(ゾーン外)" : "(no zone)")) → \(e.dstZone?.label ?? (ja ? "(ゾーン外)" : "(no zone)"))"
                let head = permitted ? (ja ? "[新たに許可]" : "[NEWLY PERMITTED]") : (ja ? "[新たに拒否]" : "[NEWLY DENIED]")
                line("\(head) \(pair)\(e.policyForbids ? (ja ? " — ポリシー違反" : " — forbidden by the policy") : "")")
                line((ja ? "  証拠パケット: " : "  witness packet: ") + FirewallOutput.describe(e.witness, lang: lang))
                if let o = e.oldDecision { line((ja ? "  変更前: " : "  before: ") + "\(FirewallOutput.where_(o))  \(o.text)") }
                if let n = e.newDecision { line((ja ? "  変更後: " : "  after: ") + "\(FirewallOutput.where_(n))  \(n.text)") }
            }
            for e in d.newlyPermitted { entry(e, permitted: true) }
            for e in d.newlyDenied { entry(e, permitted: false) }
            if d.newlyPermitted.isEmpty && d.newlyDenied.isEmpty {
                line(ja ? "変更による許可・拒否の違いはありません (証明)" : "no packet is decided differently (proof)")
            }
        }
        line()
        line(ja ? "合計: 違反 \(findingCount) 件, 異常 \(anomalyCount) 件" : "total: \(findingCount) violation(s), \(anomalyCount) anomaly(ies)")
        return out
    }

    // MARK: JSON

    static func json(_ r: RuleRef) -> JSONValue {
        .object([("file", .string(r.file)), ("line", .int(r.line)), ("column", .int(r.column)), ("chain", .string(r.chain)),
                 ("text", .string(r.text)), ("label", r.label.map { .string($0) } ?? .null), ("action", .string(r.action)),
                 ("is_default", .bool(r.isDefault))])
    }
    static func json(_ z: ZoneRef?) -> JSONValue {
        guard let z else { return .null }
        return .object([("name", .string(z.name)), ("label", .string(z.label)), ("tier", .string(z.tier))])
    }
    static func json(_ w: Packet) -> JSONValue {
        var kv: [(String, JSONValue)] = [
            ("src_ip", .string("\(w.src)")), ("dest_ip", .string("\(w.dst)")), ("proto", .string(protoName(w.proto))), ("proto_number", .int(Int(w.proto))),
        ]
        if w.isICMP {
            kv += [("icmp_type", .int(Int(w.srcPort))), ("icmp_code", .int(Int(w.dstPort)))]
        } else {
            kv += [("src_port", .int(Int(w.srcPort))), ("dest_port", .int(Int(w.dstPort)))]
        }
        kv += [("in_interface", w.inInterface.map { .string($0) } ?? .null), ("out_interface", w.outInterface.map { .string($0) } ?? .null),
               ("ct_state", .string(w.state.names.joined()))]
        return .object(kv)
    }
    static func json(_ b: PolicyBreach?) -> JSONValue {
        guard let b else { return .null }
        return .object([("rule_id", b.ruleID.map { .string($0) } ?? .null), ("action", .string(b.action)), ("cite", .string(b.cite)),
                        ("location", b.location.map { .object([("file", .string($0.file)), ("line", .int($0.line)), ("column", .int($0.column))]) } ?? .null)])
    }

    public func json() -> JSONValue {
        var findings: [JSONValue] = [], proofs: [JSONValue] = [], anomalies: [JSONValue] = [], configs: [JSONValue] = []
        var n = 0
        for (rs, r) in zip(ruleSets, results) {
            configs.append(.object([
                ("file", .string(rs.file)), ("format", .string(rs.format)),
                ("families", .array([rs.families.contains(.ipv4) ? JSONValue.string("ipv4") : nil, rs.families.contains(.ipv6) ? .string("ipv6") : nil].compactMap { $0 })),
                ("chains", .int(rs.chains.count)), ("rules", .int(rs.chains.reduce(0) { $0 + $1.rules.count })),
                ("forbidden_pairs", .int(r.forbiddenPairs)), ("proven_pairs", .int(r.proofs.count)),
                ("notes", .array(r.notes.map { .object([("severity", .string($0.severity.rawValue)), ("file", .string($0.location.file)), ("line", .int($0.location.line)), ("column", .int($0.location.column)), ("message", .string($0.message))]) })),
            ]))
            for f in r.findings {
                n += 1
                findings.append(.object([
                    ("id", .string(findingID(n))), ("kind", .string("forbidden-flow")), ("severity", .string("error")),
                    ("config", .string(f.config)), ("src_zone", FirewallOutput.json(f.srcZone)), ("dest_zone", FirewallOutput.json(f.dstZone)),
                    ("rule", FirewallOutput.json(f.rule)), ("trace", .array(f.trace.map(FirewallOutput.json))),
                    ("policy", FirewallOutput.json(f.breach)), ("witness", FirewallOutput.json(f.witness)),
                    ("uncertain", .bool(f.uncertain)),
                    ("depends_on", .array(f.dependsOn.map { .object([("file", .string($0.location.file)), ("line", .int($0.location.line)), ("column", .int($0.location.column)), ("text", .string($0.text))]) })),
                ]))
            }
            for p in r.proofs {
                proofs.append(.object([("config", .string(p.config)), ("src_zone", FirewallOutput.json(p.srcZone)), ("dest_zone", FirewallOutput.json(p.dstZone)),
                                       ("statement", .string("no packet from \(p.srcZone.name) to \(p.dstZone.name) that the policy forbids is accepted (exhaustive symbolic check)"))]))
            }
            for a in r.anomalies {
                anomalies.append(.object([
                    ("kind", .string(a.kind.rawValue)), ("config", .string(a.config)), ("rule", FirewallOutput.json(a.rule)),
                    ("blocking", .array(a.blocking.map(FirewallOutput.json))), ("message", .string(a.message)), ("message_ja", .string(a.messageJA)),
                    ("src_zone", FirewallOutput.json(a.srcZone)), ("dest_zone", FirewallOutput.json(a.dstZone)),
                    ("witness", a.witness.map(FirewallOutput.json) ?? .null),
                ]))
            }
        }
        var doc: [(String, JSONValue)] = [
            ("schema", .string("segcheck-firewall/1")),
            ("policy", .object([("name", .string(policy.name)), ("sources", .array(policy.sources.map { .string($0) }))])),
            ("configs", .array(configs)), ("findings", .array(findings)), ("proofs", .array(proofs)), ("anomalies", .array(anomalies)),
        ]
        if let d = diff {
            func entry(_ e: DiffEntry) -> JSONValue {
                .object([("src_zone", FirewallOutput.json(e.srcZone)), ("dest_zone", FirewallOutput.json(e.dstZone)), ("witness", FirewallOutput.json(e.witness)),
                         ("old_rule", e.oldDecision.map(FirewallOutput.json) ?? .null), ("new_rule", e.newDecision.map(FirewallOutput.json) ?? .null),
                         ("policy_forbids", .bool(e.policyForbids)), ("policy", FirewallOutput.json(e.breach))])
            }
            doc.append(("diff", .object([("old", .string(d.oldConfig)), ("new", .string(d.newConfig)),
                                         ("newly_permitted", .array(d.newlyPermitted.map(entry))), ("newly_denied", .array(d.newlyDenied.map(entry)))])))
        } else {
            doc.append(("diff", .null))
        }
        doc.append(("summary", .object([("findings", .int(findingCount)), ("anomalies", .int(anomalyCount)),
                                        ("forbidden_pairs", .int(results.reduce(0) { $0 + $1.forbiddenPairs })),
                                        ("proven_pairs", .int(results.reduce(0) { $0 + $1.proofs.count })),
                                        ("exit_code", .int(Int(exitCode)))])))
        return .object(doc)
    }

    // MARK: SARIF

    static let sarifRules: [(String, String, String)] = [
        ("forbidden-flow", "The rule set admits cross-zone traffic the segmentation policy forbids", "error"),
        ("shadowed", "Rule never takes effect: earlier rules decide all its packets, partly differently", "warning"),
        ("redundant", "Rule can be removed without changing what the rule set does", "note"),
        ("overly-broad", "Accept rule broader than every policy allowance it could serve", "warning"),
        ("never-matches", "Rule whose match is empty", "warning"),
        ("unused-chain", "Chain no hook or jump reaches", "note"),
        ("newly-permitted", "The change newly permits traffic", "warning"),
        ("newly-denied", "The change newly denies traffic", "note"),
        ("unmodelled", "Construct the analysis does not model (treated conservatively)", "note"),
    ]

    static func sarifLocation(_ file: String, _ line: Int, _ column: Int, message: String? = nil) -> JSONValue {
        var phys: [(String, JSONValue)] = [("artifactLocation", .object([("uri", .string(file))]))]
        if line > 0 { phys.append(("region", .object([("startLine", .int(line)), ("startColumn", .int(max(column, 1)))]))) }
        var loc: [(String, JSONValue)] = [("physicalLocation", .object(phys))]
        if let message { loc.append(("message", .object([("text", .string(message))]))) }
        return .object(loc)
    }

    public func sarif(lang: OutputLanguage) -> JSONValue {
        var results: [JSONValue] = []
        func result(_ rule: String, _ level: String, _ message: String, _ loc: JSONValue, related: [JSONValue] = [], props: [(String, JSONValue)] = []) {
            var kv: [(String, JSONValue)] = [("ruleId", .string(rule)), ("level", .string(level)), ("message", .object([("text", .string(message))])),
                                             ("locations", .array([loc]))]
            if !related.isEmpty { kv.append(("relatedLocations", .array(related))) }
            if !props.isEmpty { kv.append(("properties", .object(props))) }
            results.append(.object(kv))
        }
        for r in self.results {
            for f in r.findings {
                let msg = "\(f.srcZone.label) → \(f.dstZone.label): " + (lang == .ja ? "ポリシーが禁止する通信を許可 (" : "admits forbidden traffic (")
                    + FirewallOutput.describe(f.witness, lang: lang) + "); " + (f.breach.ruleID.map { "policy \($0)" } ?? "default deny") + (f.breach.cite.isEmpty ? "" : " — \(f.breach.cite)")
                result("forbidden-flow", "error", msg, FirewallOutput.sarifLocation(f.rule.file, f.rule.line, f.rule.column),
                       related: f.trace.map { FirewallOutput.sarifLocation($0.file, $0.line, $0.column, message: "\($0.chain): \($0.action)") },
                       props: [("witness", FirewallOutput.json(f.witness)), ("uncertain", .bool(f.uncertain))])
            }
            for a in r.anomalies {
                let level = FirewallOutput.sarifRules.first { $0.0 == a.kind.rawValue }?.2 ?? "warning"
                result(a.kind.rawValue, level, a.message, FirewallOutput.sarifLocation(a.rule.file, a.rule.line, a.rule.column),
                       related: a.blocking.map { FirewallOutput.sarifLocation($0.file, $0.line, $0.column, message: $0.text) })
            }
            for n in r.notes where n.severity == .warning {
                result("unmodelled", "note", n.message, FirewallOutput.sarifLocation(n.location.file, n.location.line, n.location.column))
            }
        }
        if let d = diff {
            for (list, rule) in [(d.newlyPermitted, "newly-permitted"), (d.newlyDenied, "newly-denied")] {
                for e in list {
                    let at = e.newDecision ?? e.oldDecision
                    let level = e.policyForbids && rule == "newly-permitted" ? "error" : (rule == "newly-permitted" ? "warning" : "note")
                    result(rule, level, "\(e.srcZone?.label ?? "-") → \(e.dstZone?.label ?? "-"): \(FirewallOutput.describe(e.witness, lang: lang))",
                           FirewallOutput.sarifLocation(at?.file ?? d.newConfig, at?.line ?? 0, at?.column ?? 0),
                           props: [("witness", FirewallOutput.json(e.witness)), ("policy_forbids", .bool(e.policyForbids))])
                }
            }
        }
        let rules: [JSONValue] = FirewallOutput.sarifRules.map { r in
            .object([("id", .string(r.0)), ("shortDescription", .object([("text", .string(r.1))])),
                     ("defaultConfiguration", .object([("level", .string(r.2))]))])
        }
        return .object([
            ("$schema", .string("https://json.schemastore.org/sarif-2.1.0.json")),
            ("version", .string("2.1.0")),
            ("runs", .array([.object([
                ("tool", .object([("driver", .object([("name", .string("segcheck")), ("informationUri", .string("https://github.com/segcheck/segcheck")),
                                                       ("rules", .array(rules))]))])),
                ("results", .array(results)),
            ])])),
        ])
    }
}

/// "FW-0001".
func findingID(_ n: Int) -> String {
    let s = String(n)
    return "FW-" + String(repeating: "0", count: max(0, 4 - s.count)) + s
}
