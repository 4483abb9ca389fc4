// The report on real `segcheck review` output: Fixtures/review-captures.eve.json was written by
// `segcheck review --policy captures/test-policy.yaml --eve FILE captures/` (the review helper's test captures).
import Foundation
import Testing
@testable import Report

@Suite struct ReviewOutputTests {
    let fixture = Fixture.repoRoot.appendingPathComponent("Tests/ReportTests/Fixtures/review-captures.eve.json").path

    @Test func countsAndKindsMatchWhatReviewCounted() throws {
        var b = ReportBuilder(toolVersion: "t")
        try b.addEVE(path: fixture)
        let c = b.content
        let s = try #require(c.sources.first)
        // review's own final stats: violations 37 (39 alerts, 2 of them alert-rule matches), 269 packets.
        #expect(c.violations.count == 37)
        #expect(c.alerts.count == 2)
        #expect(s.reportedViolations == 37 && s.missingAlerts == 0)
        #expect(s.capturePackets == 269 && s.decodedPackets == 267 && s.skippedPackets == 1)
        #expect(s.malformedPackets == 1)     // decoder.malformed, not again its malformed_by breakdown
        #expect(s.flowRecords == 49)
        let kinds = Dictionary(grouping: c.violations, by: \.kind).mapValues(\.count)
        #expect(kinds[.denied] == 12 && kinds[.defaultDeny] == 12 && kinds[.unknownZone] == 10)
        #expect(kinds[.macNotAllowed] == 1 && kinds[.fragmentEvasion] == 2)
        #expect(c.eventPolicyNames == ["テスト市 (captures)"])
        #expect(c.eventZoneLabels["mynumber"] == "マイナンバー利用事務系")
        // Default-deny alerts name no rule: shown as "no rule", grouped by kind rather than under an empty clause.
        #expect(c.violations.filter { $0.kind == .defaultDeny }.allSatisfy { $0.rule.isEmpty })
        let titles = c.groupedByClause.map { Labels(lang: .ja).clauseTitle($0.cite) }
        #expect(titles.contains("（条項の引用なし）許可規則に定めのないゾーン間通信（既定の拒否）"))
        #expect(titles.contains("（条項の引用なし）通信経路の限定：登録外のMACアドレス"))
        #expect(!titles.contains("（条項の記載なし）"))
        let html = b.render(.html, lang: .ja)
        #expect(html.contains("テスト市 (captures)"))
        #expect(html.contains("sent from 02:00:00:00:09:99"))    // review's detail for the MAC finding
        #expect(html.contains("パケット 269（解析 267、対象外 1）"))
    }

    @Test func aTruncatedFileIsFlaggedAsIncomplete() throws {
        // Drop five alert lines but keep review's final stats: the report must say alerts are missing.
        let dir = Fixture.tempDir()
        var lines = try String(contentsOfFile: fixture, encoding: .utf8).split(separator: "\n").map(String.init)
        var removed = 0
        lines.removeAll { line in
            if removed < 5 && line.contains("\"finding\":\"denied\"") { removed += 1; return true }
            return false
        }
        let path = Fixture.write(lines.joined(separator: "\n") + "\n", name: "cut.json", in: dir)
        var b = ReportBuilder(toolVersion: "t")
        try b.addEVE(path: path)
        #expect(b.content.sources[0].missingAlerts == 5)
        #expect(b.render(.html, lang: .ja).contains("警告の欠落 5 件（記録側の集計 37 件）"))
    }
}
