// Reads `segcheck firewall --json` results (findings and anomalies), tolerant of missing optional fields.
import Foundation

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
        do {
            let parsed = try JSONSerialization.jsonObject(with: data, options: [])
            if let list = parsed as? [Any] {
                for (i, item) in list.enumerated() {
                    guard let o = item as? JSONObject else { throw ReportError(file: path, "item \(i + 1) is not a JSON object") }
                    items.append((o, i + 1, true))
                }
            } else if let top = parsed as? JSONObject {
                try readTop(top, path: path, source: &source, items: &items)
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
                guard let o = (try? JSONSerialization.jsonObject(with: Data(lineData))) as? JSONObject else {
                    throw ReportError(file: path, line: lineNumber, "malformed JSON; expected the output of `segcheck firewall --json`")
                }
                items.append((o, lineNumber, false))
            }
        }
        for (o, n, isIndex) in items {
            let evidence = EvidenceReference(file: path, line: n, isIndex: isIndex)
            if isAnomaly(o) {
                content.anomalies.append(anomaly(o, evidence: evidence)); source.anomalies += 1
            } else {
                content.findings.append(finding(o, evidence: evidence)); source.findings += 1
            }
        }
        content.sources.append(source)
    }

    private static func readTop(_ top: JSONObject, path: String, source: inout SourceSummary, items: inout [(JSONObject, Int, Bool)]) throws(ReportError) {
        if let files = top["files"] as? [Any] ?? top["inputs"] as? [Any] ?? top["configs"] as? [Any] {
            source.analysedFiles = files.compactMap { ($0 as? String) ?? ($0 as? JSONObject)?.string("path", "file", "name") }
        } else if let file = top.string("file", "config", "input") {
            source.analysedFiles = [file]
        }
        if let device = top.string("device", "hostname", "name") { source.sensors.insert(device) }
        var found = false
        for key in ["findings", "violations"] {
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

    private static func isAnomaly(_ o: JSONObject) -> Bool {
        if let k = o["_kind"] as? String { return k == "anomaly" }
        let kind = (o.string("kind", "type", "class") ?? "").lowercased()
        return ["shadowed", "redundant", "correlated", "generalization", "generalisation", "anomaly", "unreachable"].contains { kind.contains($0) }
    }

    private static func ruleParts(_ o: JSONObject) -> (file: String?, line: Int?, text: String?, device: String?) {
        if let r = o.object("rule", "deciding_rule", "firewall_rule", "decided_by") {
            return (r.string("file", "source.file", "location.file"), r.int("line", "source.line", "location.line"),
                    r.string("text", "rule", "raw", "source.text"), r.string("device", "chain", "table"))
        }
        return (o.string("rule_file", "file"), o.int("rule_line", "line"), o.string("rule_text", "rule"), o.string("device", "chain"))
    }

    private static func finding(_ o: JSONObject, evidence: EvidenceReference) -> FirewallFinding {
        let rule = ruleParts(o)
        var policyRule: String?
        var cite = o.string("cite") ?? ""
        if let p = o.object("policy_rule", "broken_rule", "policy", "violates") {
            policyRule = p.string("id", "name")
            if cite.isEmpty { cite = p.string("cite") ?? "" }
        } else {
            policyRule = o.string("policy_rule", "broken_rule", "policy_rule_id")
        }
        return FirewallFinding(
            kind: o.string("kind", "type", "class") ?? "violation",
            severity: o.string("severity", "level"),
            srcZone: o.string("src_zone", "from_zone", "zones.from", "zone_pair.from", "from", "source_zone") ?? "",
            destZone: o.string("dest_zone", "to_zone", "zones.to", "zone_pair.to", "to", "dst_zone") ?? "",
            ruleFile: rule.file, ruleLine: rule.line, ruleText: rule.text, device: rule.device,
            witness: witnessText(o.value(at: "witness") ?? o.value(at: "packet") ?? o.value(at: "example")),
            policyRule: policyRule, cite: cite,
            message: o.string("message", "description", "summary"),
            evidence: evidence)
    }

    private static func anomaly(_ o: JSONObject, evidence: EvidenceReference) -> FirewallAnomaly {
        let rule = ruleParts(o)
        var message = o.string("message", "description", "summary")
        if message == nil, let other = o.object("shadowed_by", "by", "covered_by") {
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
        let src = w.string("src_ip", "src", "source")
        let dst = w.string("dest_ip", "dst_ip", "dst", "destination")
        guard let src, let dst else { return compactJSON(w) }
        var text = (w.string("proto", "protocol").map { $0 + " " } ?? "")
        text += src + (w.string("src_port", "sport").map { ":" + $0 } ?? "")
        text += " → " + dst + (w.string("dest_port", "dst_port", "dport").map { ":" + $0 } ?? "")
        if let iface = w.string("in_iface", "iface", "interface") {
            text += " (" + iface + (w.string("out_iface").map { " → " + $0 } ?? "") + ")"
        }
        return text
    }
}
