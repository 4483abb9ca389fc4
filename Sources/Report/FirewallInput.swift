// Reads `segcheck firewall --json` results (findings and anomalies), tolerant of missing optional fields.
import Foundation

/// Keys compared without case, "_" or "-" (src_zone = srcZone = src-zone), recursively.
private func normalised(_ value: Any) -> Any {
    if let o = value as? JSONObject {
        var out = JSONObject()
        for (k, v) in o { out[k.lowercased().filter { $0 != "_" && $0 != "-" }] = normalised(v) }
        return out
    }
    if let a = value as? [Any] { return a.map(normalised) }
    return value
}

public enum FirewallInput {
    public static func read(path: String, into content: inout ReportContent) throws(ReportError) {
        var source = SourceSummary(path: path, kind: .firewall)
        let (hex, bytes) = try SHA256Digest.ofFile(path)
        source.sha256 = hex; source.bytes = bytes
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ReportError(file: path, "cannot read")
        }
        source.lines = data.reduce(0) { $1 == 0x0A ? $0 + 1 : $0 }
        var items: [(JSONObject, Int, Bool)] = []   // (object, line or index, isIndex)
        var policyName: String?
        do {
            let parsed = normalised(try JSONSerialization.jsonObject(with: data, options: []))
            if let list = parsed as? [Any] {
                for (i, item) in list.enumerated() {
                    guard let o = item as? JSONObject else { throw ReportError(file: path, "item \(i + 1) is not a JSON object") }
                    items.append((o, i + 1, true))
                }
            } else if let top = parsed as? JSONObject {
                try readTop(top, path: path, source: &source, items: &items)
                policyName = top.string("policy.name")
            } else {
                throw ReportError(file: path, "expected a JSON object with \"findings\" (segcheck firewall --json)")
            }
        } catch let error as ReportError {
            throw error
        } catch {
            // Not one JSON document: JSON Lines, one finding per line.
            var lineNumber = 0
            for lineData in data.split(separator: 0x0A, omittingEmptySubsequences: false) {
                lineNumber += 1
                if lineData.allSatisfy({ $0 == 0x20 || $0 == 0x09 || $0 == 0x0D }) { continue }
                guard let o = (try? JSONSerialization.jsonObject(with: Data(lineData))).map(normalised) as? JSONObject else {
                    throw ReportError(file: path, line: lineNumber, "malformed JSON; expected the output of `segcheck firewall --json`")
                }
                items.append((o, lineNumber, false))
            }
        }
        if let name = policyName, !content.eventPolicyNames.contains(name) { content.eventPolicyNames.append(name) }
        for (o, n, isIndex) in items {
            let evidence = EvidenceReference(file: path, line: n, isIndex: isIndex)
            if isAnomaly(o) {
                content.anomalies.append(anomaly(o, evidence: evidence)); source.anomalies += 1
            } else if o["_kind"] as? String == "proof" {
                source.proofs.append(ZonePair(src: zone(o, ["srczone", "fromzone", "from"], &content) ?? "", dest: zone(o, ["dstzone", "destzone", "tozone", "to"], &content) ?? ""))
            } else {
                var f = finding(o, evidence: evidence)
                f.srcZone = zone(o, ["srczone", "fromzone", "zones.from", "zonepair.from", "from", "sourcezone"], &content) ?? ""
                f.destZone = zone(o, ["destzone", "dstzone", "tozone", "zones.to", "zonepair.to", "to"], &content) ?? ""
                content.findings.append(f); source.findings += 1
            }
        }
        content.sources.append(source)
    }

    /// A zone given as a name or as {name, label, tier}; labels are remembered for the matrix.
    private static func zone(_ o: JSONObject, _ paths: [String], _ content: inout ReportContent) -> String? {
        for p in paths {
            if let z = o.value(at: p) as? JSONObject, let name = z.string("name") {
                if let label = z.string("label"), label != name, content.eventZoneLabels[name] == nil { content.eventZoneLabels[name] = label }
                return name
            }
            if let name = o.string(p) { return name }
        }
        return nil
    }

    private static func readTop(_ top: JSONObject, path: String, source: inout SourceSummary, items: inout [(JSONObject, Int, Bool)]) throws(ReportError) {
        if let files = top["files"] as? [Any] ?? top["inputs"] as? [Any] ?? top["configs"] as? [Any] {
            source.analysedFiles = files.compactMap { ($0 as? String) ?? ($0 as? JSONObject)?.string("path", "file", "name") }
        } else if let file = top.string("file", "config", "input") {
            source.analysedFiles = [file]
        }
        if let list = top["proofs"] as? [Any] {
            for item in list { if var o = item as? JSONObject { o["_kind"] = "proof"; items.append((o, 0, true)) } }
        }
        if let device = top.string("device", "hostname", "name") { source.sensors.insert(device) }
        if let configs = top["configs"] as? [Any] {
            for case let c as JSONObject in configs {
                for case let n as JSONObject in (c["notes"] as? [Any] ?? []) {
                    let place = [n.string("file").map { URL(fileURLWithPath: $0).lastPathComponent }, n.string("line")].compactMap { $0 }.joined(separator: ":")
                    source.firewallNotes.append([n.string("severity").map { "[\($0)]" }, place.isEmpty ? nil : place, n.string("message")].compactMap { $0 }.joined(separator: " "))
                }
            }
        }
        var found = false
        for key in ["findings", "violations", "holes"] {
            guard let list = top[key] as? [Any] else { continue }
            found = true
            for (i, item) in list.enumerated() {
                guard var o = item as? JSONObject else { throw ReportError(file: path, "\(key)[\(i)] is not a JSON object") }
                if o["_kind"] == nil { o["_kind"] = "finding" }
                items.append((o, i + 1, true))
            }
        }
        if let list = top["anomalies"] as? [Any] {
            found = true
            for (i, item) in list.enumerated() {
                guard var o = item as? JSONObject else { throw ReportError(file: path, "anomalies[\(i)] is not a JSON object") }
                o["_kind"] = "anomaly"
                items.append((o, i + 1, true))
            }
        }
        if !found {
            // A single finding object.
            if top["src_zone"] != nil || top["from_zone"] != nil || top["witness"] != nil { items.append((top, 1, true)); return }
            throw ReportError(file: path, "no \"findings\" list; expected the output of `segcheck firewall --json`")
        }
    }

    /// "6" → "tcp"; names pass through.
    static func protoName(_ p: String) -> String {
        switch p { case "6": return "tcp"; case "17": return "udp"; case "1": return "icmp"; case "58": return "icmpv6"; default: return p }
    }

    private static func isAnomaly(_ o: JSONObject) -> Bool {
        if let k = o["_kind"] as? String { return k == "anomaly" }
        let kind = (o.string("kind", "type", "class") ?? "").lowercased()
        return ["shadowed", "redundant", "correlated", "generalization", "generalisation", "anomaly", "unreachable", "overly", "never", "unused"].contains { kind.contains($0) }
    }

    private static func ruleParts(_ o: JSONObject) -> (file: String?, line: Int?, text: String?, device: String?) {
        if let r = o.object("rule", "decidingrule", "firewallrule", "decidedby") {
            return (r.string("file", "source.file", "location.file"), r.int("line", "source.line", "location.line"),
                    r.string("text", "rule", "raw", "source.text"), r.string("device", "chain", "table"))
        }
        return (o.string("rulefile", "file"), o.int("ruleline", "line"), o.string("ruletext", "rule"), o.string("device", "chain"))
    }

    private static func finding(_ o: JSONObject, evidence: EvidenceReference) -> FirewallFinding {
        let rule = ruleParts(o)
        var policyRule: String?
        var cite = o.string("cite") ?? ""
        if let p = o.object("breach", "policyrule", "brokenrule", "policy", "violates") {
            policyRule = p.string("ruleid", "id", "name")
            if policyRule == nil, let action = p.string("action"), action.contains("default") { policyRule = "default-deny" }
            if cite.isEmpty { cite = p.string("cite") ?? "" }
        } else {
            policyRule = o.string("policyrule", "brokenrule", "policyruleid")
        }
        var message = o.string("message", "description", "summary")
        let uncertain = (o["uncertain"] as? NSNumber).map { isBool($0) && $0.boolValue } ?? false
        if let deps = o["dependson"] as? [Any], !deps.isEmpty {
            let texts = deps.compactMap { ($0 as? JSONObject).map { d in [d.string("file").map { f in f + (d.string("line").map { ":" + $0 } ?? "") }, d.string("text")].compactMap { $0 }.joined(separator: " ") } }
            message = [message, texts.joined(separator: "; ")].compactMap { $0 }.filter { !$0.isEmpty }.joined(separator: " — ")
        }
        return FirewallFinding(
            kind: o.string("kind", "type", "class") ?? "violation",
            severity: o.string("severity", "level"),
            srcZone: "", destZone: "",
            ruleFile: rule.file, ruleLine: rule.line, ruleText: rule.text, device: rule.device,
            witness: witnessText(o.value(at: "witness") ?? o.value(at: "packet") ?? o.value(at: "example")),
            policyRule: policyRule, cite: cite,
            message: message, uncertain: uncertain,
            evidence: evidence)
    }

    private static func anomaly(_ o: JSONObject, evidence: EvidenceReference) -> FirewallAnomaly {
        let rule = ruleParts(o)
        var message = o.string("message", "description", "summary")
        if message == nil, let other = (o.value(at: "blocking") as? [Any])?.first as? JSONObject ?? o.object("shadowedby", "by", "coveredby") {
            let r = ruleParts(["rule": other])
            message = [r.file.map { f in f + (r.line.map { ":\($0)" } ?? "") }, r.text].compactMap { $0 }.joined(separator: " ")
        }
        return FirewallAnomaly(kind: o.string("kind", "type", "class") ?? "anomaly",
                               ruleFile: rule.file, ruleLine: rule.line, ruleText: rule.text,
                               message: message, evidence: evidence)
    }

    /// "tcp 10.0.0.5:40000 → 10.1.0.9:445 (iface lan0)" from a witness object; other shapes as compact JSON.
    static func witnessText(_ value: Any?) -> String? {
        guard let value else { return nil }
        if let s = value as? String { return s }
        guard let w = value as? JSONObject else { return compactJSON(value) }
        let src = w.string("srcip", "src", "source")
        let dst = w.string("destip", "dstip", "dst", "destination")
        guard let src, let dst else { return compactJSON(w) }
        var text = (w.string("proto", "protocol").map { protoName($0) + " " } ?? "")
        text += src + (w.string("srcport", "sport").map { ":" + $0 } ?? "")
        text += " → " + dst + (w.string("destport", "dstport", "dport").map { ":" + $0 } ?? "")
        if let t = w.string("icmptype") { text += " type \(t)" + (w.string("icmpcode").map { " code \($0)" } ?? "") }
        if let iface = w.string("ininterface", "iniface", "iface", "interface", "in") {
            text += " (" + iface + (w.string("outinterface", "outiface", "out").map { " → " + $0 } ?? "") + ")"
        }
        return text
    }
}
