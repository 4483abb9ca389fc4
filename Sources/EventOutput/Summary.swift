// EventOutput: the human summary on stdout — packets, flows, violations, a zone-to-zone matrix and the top violations (English or Japanese).
import Flows
import Policy
import PolicyCompiler
import Wire

public enum SummaryLanguage: String, Sendable, CaseIterable {
    case en, ja
}

/// Collects flow records and findings, then renders the summary text.
public final class SummaryCollector: EventSink {
    public struct PairCount: Sendable { public var allowed = 0; public var violating = 0 }
    public struct ViolationGroup: Sendable {
        public var kind: FindingKind
        public var example: Finding
        public var flows = 0
    }

    /// Flows per zone pair, key srcZone << 32 | dstZone (as UInt32); zone -1 is "in no zone".
    public var pairs: [Int64: PairCount] {
        var all = otherPairs
        for i in 0..<Self.smallZones * Self.smallZones where smallPairs[i].allowed + smallPairs[i].violating > 0 {
            all[Self.pairKey(Int32(i / Self.smallZones) - 1, Int32(i % Self.smallZones) - 1)] = smallPairs[i]
        }
        return all
    }
    /// Pairs of zones -1..<63 in a flat array (no hashing per flow), others in a dictionary.
    static let smallZones = 64
    var smallPairs = [PairCount](repeating: PairCount(), count: 64 * 64)
    var otherPairs: [Int64: PairCount] = [:]
    public private(set) var groups: [String: ViolationGroup] = [:]
    public private(set) var groupOrder: [String] = []
    public private(set) var counters = InspectionCounters()
    public private(set) var policy: Policy?
    public private(set) var violatingFlowIDs = Set<UInt64>()

    public init() {}

    static func pairKey(_ s: Int32, _ d: Int32) -> Int64 { Int64(s) << 32 | Int64(UInt32(bitPattern: d)) }

    public func finding(_ f: Finding) {
        if policy == nil { policy = f.flow.policy }
        guard f.kind.isViolation else { return }
        violatingFlowIDs.insert(f.flow.flowID)
        let fl = f.flow
        let portPart = fl.isICMP ? "type\(fl.srcPort)" : "\(fl.dstPort)"
        let key = "\(f.kind.rawValue)|\(fl.ruleName)|\(fl.decision.srcZone)|\(fl.decision.dstZone)|\(fl.proto)|\(portPart)"
        if groups[key] == nil { groups[key] = ViolationGroup(kind: f.kind, example: f); groupOrder.append(key) }
        groups[key]!.flows += 1
    }

    public func flowEnded(_ f: FlowInfo) {
        if policy == nil { policy = f.policy }
        flowEndedBrief(FlowBrief(flowID: f.flowID, decision: f.decision, alerted: f.alerted))
    }

    /// Counting needs no flow record.
    public var wantsFlowRecords: Bool { false }

    public func flowEndedBrief(_ b: FlowBrief) {
        // Only flows with findings (`alerted`) can be in the set: most flow ends skip the hash lookup.
        let violating = b.decision.verdict.isViolation || (b.alerted && violatingFlowIDs.contains(b.flowID))
        let s = Int(b.decision.srcZone) + 1, d = Int(b.decision.dstZone) + 1
        if s >= 0 && s < Self.smallZones && d >= 0 && d < Self.smallZones {
            if violating { smallPairs[s * Self.smallZones + d].violating += 1 } else { smallPairs[s * Self.smallZones + d].allowed += 1 }
        } else {
            let k = Self.pairKey(b.decision.srcZone, b.decision.dstZone)
            if violating { otherPairs[k, default: PairCount()].violating += 1 } else { otherPairs[k, default: PairCount()].allowed += 1 }
        }
    }

    public func stats(_ c: InspectionCounters, at time: Int64, final: Bool) { if final { counters = c } }

    // MARK: rendering

    struct Labels {
        var title, packets, decoded, skipped, malformed, flows, evicted, violations, findingsIn, matrix, matrixNote,
            fromTo, noZone, top, rule, cite, example, none, clean, skippedBy, malformedBy, flowsUnit, countUnit, period, files: String
    }
    static func labels(_ lang: SummaryLanguage) -> Labels {
        switch lang {
        case .en:
            return Labels(title: "segcheck review", packets: "Packets", decoded: "decoded", skipped: "skipped", malformed: "malformed",
                          flows: "Flows", evicted: "evicted under memory pressure", violations: "Violations", findingsIn: "findings in",
                          matrix: "Zone to zone (allowed / violating flows)", matrixNote: "rows: initiator zone, columns: responder zone",
                          fromTo: "from \\ to", noZone: "(no zone)", top: "Top violations", rule: "rule", cite: "cite", example: "e.g.",
                          none: "none", clean: "No violations.", skippedBy: "Skipped by reason", malformedBy: "Malformed by event",
                          flowsUnit: "flows", countUnit: "", period: "Capture time", files: "files")
        case .ja:
            return Labels(title: "segcheck 通信記録の点検", packets: "パケット数", decoded: "解析", skipped: "対象外", malformed: "不正",
                          flows: "通信フロー数", evicted: "メモリ上限による追い出し", violations: "違反", findingsIn: "件 / 違反フロー",
                          matrix: "ゾーン間の通信 (許可 / 違反 のフロー数)", matrixNote: "行: 通信を始めた側のゾーン、列: 受けた側のゾーン",
                          fromTo: "発 \\ 着", noZone: "(ゾーン外)", top: "主な違反", rule: "規則", cite: "根拠", example: "例",
                          none: "なし", clean: "違反は見つかりませんでした。", skippedBy: "対象外の内訳", malformedBy: "不正パケットの内訳",
                          flowsUnit: "フロー", countUnit: "件", period: "記録の期間", files: "ファイル")
        }
    }

    /// Terminal columns a string takes (East Asian wide characters count 2).
    static func width(_ s: String) -> Int {
        var w = 0
        for u in s.unicodeScalars {
            let v = u.value
            if (v >= 0x1100 && v <= 0x115F) || (v >= 0x2E80 && v <= 0xA4CF) || (v >= 0xAC00 && v <= 0xD7A3) ||
                (v >= 0xF900 && v <= 0xFAFF) || (v >= 0xFE30 && v <= 0xFE4F) || (v >= 0xFF00 && v <= 0xFF60) ||
                (v >= 0xFFE0 && v <= 0xFFE6) || (v >= 0x20000 && v <= 0x3FFFD) { w += 2 } else { w += 1 }
        }
        return w
    }
    static func pad(_ s: String, _ n: Int, right: Bool = false) -> String {
        let fill = String(repeating: " ", count: max(0, n - width(s)))
        return right ? fill + s : s + fill
    }
    static func grouped(_ v: UInt64) -> String {
        let s = String(v)
        var out = ""
        for (i, ch) in s.enumerated() {
            if i > 0 && (s.count - i) % 3 == 0 { out.append(",") }
            out.append(ch)
        }
        return out
    }

    /// The summary text. `policyName` is shown in the title.
    public func render(language: SummaryLanguage, policy: Policy, topN: Int = 10) -> String {
        let pairs = self.pairs   // built once (a computed property)
        let L = Self.labels(language)
        let c = counters
        var out = "\(L.title) — \(policy.name)\n"
        if c.packets > 0 {
            out += "\(L.period): \(EveTime.string(c.firstTimestamp)) … \(EveTime.string(c.lastTimestamp))  (\(c.files) \(L.files))\n"
        }
        out += "\(L.packets): \(Self.grouped(c.packets))  (\(L.decoded) \(Self.grouped(c.decoded)), \(L.skipped) \(Self.grouped(c.skipped)), \(L.malformed) \(Self.grouped(c.malformed)))\n"
        out += "\(L.flows): \(Self.grouped(c.flows))"
        if c.flowsEvicted > 0 { out += "  (\(L.evicted): \(Self.grouped(c.flowsEvicted)))" }
        out += "\n"
        let v = c.violations
        out += "\(L.violations): \(Self.grouped(v)) "
        out += language == .ja ? "件 (違反フロー \(Self.grouped(c.violatingFlows)))\n" : "findings in \(Self.grouped(c.violatingFlows)) flows\n"

        // Zone matrix: the zones that took part in any flow; columns by zone name, rows also by label in Japanese.
        var used = Set<Int32>()
        for k in pairs.keys { used.insert(Int32(truncatingIfNeeded: k >> 32)); used.insert(Int32(truncatingIfNeeded: k)) }
        var zoneIndices = Array(0..<Int32(policy.zones.count)).filter { used.contains($0) }
        if used.contains(-1) { zoneIndices.append(-1) }
        func zname(_ i: Int32) -> String {
            guard i >= 0 && Int(i) < policy.zones.count else { return L.noZone }
            return policy.zones[Int(i)].name
        }
        func rowName(_ i: Int32) -> String {
            guard language == .ja, i >= 0 && Int(i) < policy.zones.count else { return zname(i) }
            let z = policy.zones[Int(i)]
            return z.label == z.name ? z.name : "\(z.name) \(z.label)"
        }
        func label(_ i: Int32) -> String {
            guard language == .ja, i >= 0 && Int(i) < policy.zones.count else { return zname(i) }
            return policy.zones[Int(i)].label
        }
        func kindName(_ k: FindingKind) -> String {
            guard language == .ja else { return k.name }
            switch k {
            case .deniedFlow: return "規則で禁止"
            case .defaultDeny: return "許可規則なし"
            case .unknownZone: return "ゾーン外アドレス"
            case .macNotAllowed: return "MACアドレス不一致"
            case .fragmentOverlap: return "断片の重複 (回避の試み)"
            case .fragmentTooSmall: return "過小な断片 (回避の試み)"
            case .fragmentTooLarge: return "過大な断片 (回避の試み)"
            case .fragmentTooMany: return "断片が多すぎる (回避の試み)"
            case .alertRule: return "監視規則"
            }
        }
        out += "\n\(L.matrix)\n  (\(L.matrixNote))\n"
        if zoneIndices.isEmpty { out += "  \(L.none)\n" } else {
            let cellTexts: [[String]] = zoneIndices.map { s in zoneIndices.map { d in
                guard let p = pairs[Self.pairKey(s, d)] else { return "-" }
                return "\(p.allowed) / \(p.violating)" + (p.violating > 0 ? " !" : "")
            } }
            let firstWidth = max(Self.width(L.fromTo), zoneIndices.map { Self.width(rowName($0)) }.max() ?? 0) + 2
            var colWidths: [Int] = []
            for (j, d) in zoneIndices.enumerated() {
                colWidths.append(max(Self.width(zname(d)), cellTexts.map { Self.width($0[j]) }.max() ?? 1) + 2)
            }
            out += "  " + Self.pad(L.fromTo, firstWidth)
            for (j, d) in zoneIndices.enumerated() { out += Self.pad(zname(d), colWidths[j], right: true) }
            out += "\n"
            for (i, s) in zoneIndices.enumerated() {
                out += "  " + Self.pad(rowName(s), firstWidth)
                for j in zoneIndices.indices { out += Self.pad(cellTexts[i][j], colWidths[j], right: true) }
                out += "\n"
            }
        }

        // Top violations.
        out += "\n\(L.top)\n"
        let sorted = groupOrder.compactMap { groups[$0] }.sorted { $0.flows > $1.flows }
        if sorted.isEmpty { out += "  \(L.clean)\n" }
        for (n, g) in sorted.prefix(topN).enumerated() {
            let f = g.example.flow
            let what: String
            switch g.kind {
            case .deniedFlow, .defaultDeny, .alertRule:
                what = "\(label(f.decision.srcZone)) → \(label(f.decision.dstZone))"
            case .unknownZone:
                what = "\(f.srcZoneName == nil ? f.src.description : f.dst.description) \(L.noZone)"
            case .macNotAllowed, .fragmentOverlap, .fragmentTooSmall, .fragmentTooLarge, .fragmentTooMany:
                what = (language == .ja ? g.example.detailJA ?? g.example.detail : g.example.detail) ?? g.kind.name
            }
            let svc = f.isICMP ? "\(IPProto.eveName(f.proto)) type \(f.srcPort)" : "\(IPProto.eveName(f.proto))/\(f.dstPort)"
            out += "  \(n + 1). [\(kindName(g.kind))] \(what)  \(svc)  \(g.flows) \(L.flowsUnit)\n"
            out += "     \(L.rule): \(f.ruleName)"
            if !f.cite.isEmpty { out += "   \(L.cite): \(f.cite)" }
            out += "\n"
            let sp = f.isICMP ? "" : ":\(f.srcPort)", dp = f.isICMP ? "" : ":\(f.dstPort)"
            out += "     \(L.example) \(f.src)\(sp) → \(f.dst)\(dp)  \(EveTime.string(g.example.timestamp))"
            if f.tunnelDepth > 0 { out += "  (tunnel \(f.outer.src) → \(f.outer.dst))" }
            out += "\n"
        }
        if sorted.count > topN { out += "  … \(sorted.count - topN) more\n" }

        // Where packets went that were not classified.
        func breakdown(_ title: String, _ counts: [UInt64]) {
            let items = DecodeEvent.allCases.filter { Int($0.rawValue) < counts.count && counts[Int($0.rawValue)] > 0 }
            guard !items.isEmpty else { return }
            out += "\n\(title): " + items.map { "\($0.name) \(Self.grouped(counts[Int($0.rawValue)]))" }.joined(separator: ", ") + "\n"
        }
        breakdown(L.skippedBy, c.skippedBy)
        breakdown(L.malformedBy, c.malformedBy)
        return out
    }
}
