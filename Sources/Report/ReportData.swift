// The machine-readable summary a report embeds (and --previous reads back) and the comparison of two reports.
import Foundation

/// Embedded in the HTML as <script type="application/json" id="segcheck-report-data">, or written with --data.
public struct ReportData: Codable, Sendable, Equatable {
    public struct PairCount: Codable, Sendable, Equatable { public var src: String; public var dest: String; public var violations: Int; public var flows: Int }
    public struct ClauseCount: Codable, Sendable, Equatable { public var cite: String; public var flows: Int; public var firewall: Int }
    public struct KeyCount: Codable, Sendable, Equatable {
        public var key: String
        public var count: Int
        /// Zone names (labels are looked up when shown) and what happened (addresses, protocol, rule).
        public var src: String
        public var dest: String
        public var detail: String
        public var cite: String
    }

    public var format = "segcheck-report-data"
    public var version = 1
    public var generatedAt: String
    public var toolVersion: String
    public var policyName: String?
    public var policySHA256: String?
    public var periodStart: String?
    public var periodEnd: String?
    public var violations: Int
    public var firewallFindings: Int
    public var pairs: [PairCount]
    public var clauses: [ClauseCount]
    public var flowKeys: [KeyCount]
    public var firewallKeys: [KeyCount]

    public static let scriptID = "segcheck-report-data"

    /// Reads a previous report: the HTML (its embedded block) or the JSON sidecar written with --data.
    public static func load(path: String) throws(ReportError) -> ReportData {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ReportError(file: path, "cannot read previous report")
        }
        var json = data
        let text = String(decoding: data, as: UTF8.self)
        if let open = text.range(of: "id=\"\(scriptID)\"") {
            guard let start = text.range(of: ">", range: open.upperBound..<text.endIndex),
                  let end = text.range(of: "</script>", range: start.upperBound..<text.endIndex) else {
                throw ReportError(file: path, "report data block is not closed")
            }
            json = Data(text[start.upperBound..<end.lowerBound].utf8)
        } else if text.hasPrefix("<") || text.contains("<html") {
            throw ReportError(file: path, "no embedded report data (<script id=\"\(scriptID)\">); was it written by segcheck report --format html?")
        }
        do {
            let decoded = try JSONDecoder().decode(ReportData.self, from: json)
            guard decoded.format == "segcheck-report-data" else { throw ReportError(file: path, "not segcheck report data (format \"\(decoded.format)\")") }
            guard decoded.version <= 1 else { throw ReportError(file: path, "report data version \(decoded.version) is newer than this segcheck understands (1)") }
            return decoded
        } catch let error as ReportError {
            throw error
        } catch {
            throw ReportError(file: path, "previous report data is not valid: \(error)")
        }
    }

    /// JSON text safe inside <script>: "<" escaped so "</script>" cannot end the block.
    public func jsonText(pretty: Bool = false) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = pretty ? [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes] : [.sortedKeys, .withoutEscapingSlashes]
        let data = (try? encoder.encode(self)) ?? Data("{}".utf8)
        return String(decoding: data, as: UTF8.self).replacingOccurrences(of: "<", with: "\\u003c")
    }
}

extension ReportContent {
    /// Clause text used for grouping. Without a cite (default deny, unknown zone, MAC, fragments: no rule decided)
    /// the group is named by the finding kind: "\u{1}kind:<kind>" (shown in the report's language, see Labels).
    func clause(of v: FlowViolation) -> String {
        if !v.cite.isEmpty { return v.cite }
        if !v.rule.isEmpty, let c = ruleCites[v.rule]?.cite, !c.isEmpty { return c }
        return v.kind == .other ? "" : ReportContent.kindClausePrefix + v.kind.rawValue
    }

    static let kindClausePrefix = "\u{1}kind:"

    func clause(of f: FirewallFinding) -> String {
        if !f.cite.isEmpty { return f.cite }
        if let r = f.policyRule, let c = ruleCites[r]?.cite, !c.isEmpty { return c }
        return ""
    }

    /// Clause → (flow violations, firewall findings), clauses ordered by total count then text.
    public var groupedByClause: [(cite: String, flows: [FlowViolation], findings: [FirewallFinding])] {
        var flows: [String: [FlowViolation]] = [:]
        var fw: [String: [FirewallFinding]] = [:]
        for v in violations { flows[clause(of: v), default: []].append(v) }
        for f in findings { fw[clause(of: f), default: []].append(f) }
        let cites = Set(flows.keys).union(fw.keys)
        return cites.map { ($0, flows[$0] ?? [], fw[$0] ?? []) }.sorted {
            let a = $0.flows.count + $0.findings.count, b = $1.flows.count + $1.findings.count
            if ($0.cite.isEmpty) != ($1.cite.isEmpty) { return !$0.cite.isEmpty }
            return a != b ? a > b : $0.cite < $1.cite
        }
    }

    public func summaryData() -> ReportData {
        var pairs: [ZonePair: (Int, Int)] = [:]
        for (p, n) in violationsByPair { pairs[p, default: (0, 0)].0 += n }
        for (p, n) in flowsByPair { pairs[p, default: (0, 0)].1 += n }
        var flowKeys: [String: ReportData.KeyCount] = [:]
        for v in violations {
            let detail = "\(v.srcIP) → \(v.destIP) \(v.proto)\(v.destPort.map { "/\($0)" } ?? "")\(v.rule.isEmpty ? "" : " [\(v.rule)]")"
            flowKeys[v.diffKey, default: .init(key: v.diffKey, count: 0, src: v.srcZone, dest: v.destZone, detail: detail, cite: clause(of: v))].count += 1
        }
        var fwKeys: [String: ReportData.KeyCount] = [:]
        for f in findings {
            let detail = "\(f.ruleText ?? f.kind)\(f.witness.map { " (\($0))" } ?? "")"
            fwKeys[f.diffKey, default: .init(key: f.diffKey, count: 0, src: f.srcZone, dest: f.destZone, detail: detail, cite: clause(of: f))].count += 1
        }
        return ReportData(
            generatedAt: isoTimestamp(generatedAt), toolVersion: toolVersion,
            policyName: policyName ?? eventPolicyNames.first, policySHA256: policyFiles.first?.sha256,
            periodStart: periodStart.map(isoTimestamp), periodEnd: periodEnd.map(isoTimestamp),
            violations: violations.count, firewallFindings: findings.count,
            pairs: pairs.sorted { $0.key < $1.key }.map { .init(src: $0.key.src, dest: $0.key.dest, violations: $0.value.0, flows: $0.value.1) },
            clauses: groupedByClause.map { .init(cite: $0.cite, flows: $0.flows.count, firewall: $0.findings.count) }.sorted { $0.cite < $1.cite },
            flowKeys: flowKeys.values.sorted { $0.key < $1.key },
            firewallKeys: fwKeys.values.sorted { $0.key < $1.key })
    }
}

/// What changed between the previous report and this one.
public struct ReportDiff: Sendable {
    public var previous: ReportData
    public var newFlows: [ReportData.KeyCount] = []
    public var resolvedFlows: [ReportData.KeyCount] = []
    public var continuingFlows: [(now: ReportData.KeyCount, before: Int)] = []
    public var newFindings: [ReportData.KeyCount] = []
    public var resolvedFindings: [ReportData.KeyCount] = []
    public var continuingFindings = 0
    /// Per clause: (before, now) total counts, only where they differ.
    public var clauseChanges: [(cite: String, before: Int, now: Int)] = []
    public var policyChanged: Bool

    public init(previous: ReportData, current: ReportData) {
        self.previous = previous
        policyChanged = previous.policySHA256 != current.policySHA256
        let before = Dictionary(previous.flowKeys.map { ($0.key, $0) }, uniquingKeysWith: { a, _ in a })
        let now = Dictionary(current.flowKeys.map { ($0.key, $0) }, uniquingKeysWith: { a, _ in a })
        newFlows = current.flowKeys.filter { before[$0.key] == nil }
        resolvedFlows = previous.flowKeys.filter { now[$0.key] == nil }
        continuingFlows = current.flowKeys.compactMap { k in before[k.key].map { (k, $0.count) } }
        let fwBefore = Set(previous.firewallKeys.map(\.key)), fwNow = Set(current.firewallKeys.map(\.key))
        newFindings = current.firewallKeys.filter { !fwBefore.contains($0.key) }
        resolvedFindings = previous.firewallKeys.filter { !fwNow.contains($0.key) }
        continuingFindings = current.firewallKeys.filter { fwBefore.contains($0.key) }.count
        var totals: [String: (Int, Int)] = [:]
        for c in previous.clauses { totals[c.cite, default: (0, 0)].0 += c.flows + c.firewall }
        for c in current.clauses { totals[c.cite, default: (0, 0)].1 += c.flows + c.firewall }
        clauseChanges = totals.filter { $0.value.0 != $0.value.1 }.map { ($0.key, $0.value.0, $0.value.1) }.sorted { $0.cite < $1.cite }
    }
}

/// 2026-11-26T08:40:30Z style (UTC), for machine-readable fields.
func isoTimestamp(_ date: Date) -> String {
    let f = ISO8601DateFormatter()
    f.formatOptions = [.withInternetDateTime]
    f.timeZone = TimeZone(secondsFromGMT: 0)
    return f.string(from: date)
}
