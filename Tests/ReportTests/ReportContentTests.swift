// Report content from known inputs: matrix counts, grouping by clause, capture health, labels, attestation.
import Foundation
import Policy
import Testing
import Wire
@testable import Report

@Suite struct ReportContentTests {
    @Test func matrixCountsComeFromAlertsAndFlows() throws {
        let dir = Fixture.tempDir()
        var b = ReportBuilder(toolVersion: "segcheck test")
        try b.addEVE(path: Fixture.smallEVE(in: dir))
        let c = b.content
        #expect(c.violations.count == 5)
        #expect(c.alerts.count == 1)
        #expect(c.violationsByPair[ZonePair(src: "mynumber", dest: "lgwan")] == 3)
        #expect(c.violationsByPair[ZonePair(src: "lgwan", dest: "inet")] == 2)
        #expect(c.violationsByPair[ZonePair(src: "lgwan", dest: "lgwan")] == nil)
        #expect(c.flowsByPair[ZonePair(src: "lgwan", dest: "inet")] == 4)
        #expect(c.flowsByPair[ZonePair(src: "lgwan", dest: "lgwan")] == 2)
        #expect(b.hasFindings)
        let html = b.render(.html, lang: .ja)
        // The heat map cell for lgwan→inet shows 2 violations over 4 flows observed.
        #expect(html.contains(">2</text>"))
        #expect(html.contains(">(4)</text>"))
        #expect(html.contains(">3</text>"))
        #expect(html.contains("<svg"))
    }

    @Test func findingsAreGroupedByTheClauseTheyBreak() throws {
        let dir = Fixture.tempDir()
        var b = ReportBuilder(toolVersion: "segcheck test")
        try b.addEVE(path: Fixture.smallEVE(in: dir))
        let groups = b.content.groupedByClause
        #expect(groups.map(\.cite) == [Fixture.clauseA, Fixture.clauseB])
        #expect(groups[0].flows.count == 3 && groups[1].flows.count == 2)
        #expect(groups.allSatisfy { $0.flows.allSatisfy { $0.kind.isViolation } })
        let html = b.render(.html, lang: .ja)
        let a = try #require(html.range(of: "「\(Fixture.clauseA)」"))
        let bRange = try #require(html.range(of: "「\(Fixture.clauseB)」"))
        #expect(a.lowerBound < bRange.lowerBound)
        #expect(html.contains("違反通信 3 件・FW指摘 0 件"))
        // Two identical flows (same zones, addresses, port, rule; other source port) are one row counted twice.
        let section = html[a.upperBound..<bRange.lowerBound]
        #expect(section.components(separatedBy: "<tr><td class=\"nowrap\">").count - 1 == 2)
        #expect(section.contains("<td class=\"num\">2</td>"))
        // The alert-rule match is listed for reference, not as a violation.
        #expect(html.contains("参考：警告ルールに該当した通信（違反ではない）"))
    }

    @Test func captureHealthTakesTheLastSnapshotPerSensor() throws {
        let dir = Fixture.tempDir()
        let lines = [
            Fixture.stats("2026-11-26T00:00:00Z", iface: "eno2", packets: 100, drops: 5, malformed: 1),
            Fixture.stats("2026-11-26T01:00:00Z", iface: "eno2", packets: 300, drops: 9, malformed: 4),
            Fixture.stats("2026-11-26T01:00:00Z", iface: "eno3", packets: 50, drops: 1, malformed: 0),
            Fixture.json(["timestamp": "2026-11-26T00:30:00Z", "event_type": "segcheck_feed", "in_iface": "eno3",
                          "segcheck": ["event": "dead_feed", "reason": "no packets for 300 s"]]),
            Fixture.json(["timestamp": "2026-11-26T00:31:00Z", "event_type": "stats", "stats": ["segcheck": ["unreadable_files": ["/cap/a.pcap", "/cap/b.pcap"]]]]),
            "",
        ]
        let path = Fixture.write(lines.joined(separator: "\n") + "\n", name: "health.json", in: dir)
        var b = ReportBuilder(toolVersion: "t")
        try b.addEVE(path: path)
        let s = try #require(b.content.sources.first)
        #expect(s.captureDrops == 10)      // 9 (eno2, last) + 1 (eno3)
        #expect(s.capturePackets == 350)
        #expect(s.malformedPackets == 4)
        #expect(s.deadFeeds.count == 1 && s.deadFeeds[0].sensor == "eno3" && s.deadFeeds[0].detail == "no packets for 300 s")
        #expect(s.unreadableFiles == ["/cap/a.pcap", "/cap/b.pcap"])
        #expect(s.blankLines == 1)
        #expect(s.lines == 6)
        #expect(!b.hasFindings)
        let html = b.render(.html, lang: .ja)
        #expect(html.contains("ドロップ 10 / 350 パケット（2.86%）"))
        #expect(html.contains("不正パケット 4"))
        #expect(html.contains("フィード停止 1 回"))
        #expect(html.contains("読めないファイル 2 件"))
        #expect(html.contains("取得漏れ"))
        #expect(html.contains("ポリシーに反する通信及びファイアウォール設定は検出されませんでした"))
    }

    @Test func aRestartedWriterAppendingToTheSameFileIsSummedPerRun() throws {
        // monitor appends to its --eve file; after a restart its counters start again from zero.
        let dir = Fixture.tempDir()
        let lines = [
            Fixture.stats("2026-11-26T00:00:00Z", iface: "", packets: 1000, drops: 10, malformed: 1),
            Fixture.stats("2026-11-26T01:00:00Z", iface: "", packets: 5000, drops: 40, malformed: 2),   // run 1 ends
            Fixture.stats("2026-11-26T02:00:00Z", iface: "", packets: 300, drops: 3, malformed: 0),     // run 2
            Fixture.stats("2026-11-26T03:00:00Z", iface: "", packets: 900, drops: 5, malformed: 1),
        ]
        let path = Fixture.write(lines.joined(separator: "\n") + "\n", name: "appended.json", in: dir)
        var b = ReportBuilder(toolVersion: "t")
        try b.addEVE(path: path)
        let s = b.content.sources[0]
        #expect(s.capturePackets == 5900 && s.captureDrops == 45 && s.malformedPackets == 3)
    }

    @Test func japaneseByDefaultInEveryLabel() throws {
        let dir = Fixture.tempDir()
        var b = ReportBuilder(toolVersion: "segcheck test", generatedAt: Date(timeIntervalSince1970: 1_795_669_200)) // 2026-11-26 14:00 JST
        try b.addEVE(path: Fixture.smallEVE(in: dir))
        let ja = b.render(.html, lang: .ja)
        for label in ["<html lang=\"ja\">", "ネットワーク分離（三層の対策）点検報告書", "自己点検・情報セキュリティ監査の証跡", "点検結果の概要",
                      "対象期間と入力資料", "ゾーン間通信マトリクス", "違反の推移", "ポリシー条項別の指摘事項", "前回報告からの変化",
                      "点検方法と作成記録", "送信元 ＼ 宛先", "判定ルール", "証跡", "決裁欄", "承認", "令和8年（2026年）11月26日（木）",
                      "日本標準時", "禁止", "1．", "<p class=\"end\">以上</p>", "ドロップ 8 / 1,500 パケット（0.53%）"] {
            #expect(ja.contains(label), "missing Japanese label \(label)")
        }
        for english in ["Summary", "Period", "Evidence", "Violations over time", "Generated", "Zone-to-zone", "denied"] {
            #expect(!ja.contains(">\(english)"), "English label \(english) in the Japanese report")
        }
        let en = b.render(.html, lang: .en)
        for label in ["<html lang=\"en\">", "Network Segregation", "Summary of findings", "Zone-to-zone matrix", "Findings by policy clause", "2026-11-26"] {
            #expect(en.contains(label), "missing English label \(label)")
        }
        #expect(!en.contains("点検結果の概要"))
    }

    @Test func htmlIsSelfContained() throws {
        let dir = Fixture.tempDir()
        var b = ReportBuilder(toolVersion: "t")
        try b.addEVE(path: Fixture.smallEVE(in: dir))
        let html = b.render(.html, lang: .ja)
        let withoutSVGNamespace = html.replacingOccurrences(of: "xmlns=\"http://www.w3.org/2000/svg\"", with: "")
        #expect(!withoutSVGNamespace.contains("http://") && !withoutSVGNamespace.contains("https://"))
        #expect(!html.contains("<link") && !html.contains(" src=") && !html.contains("@import") && !html.contains("url("))
        #expect(html.contains("@page { size: A4"))
        #expect(html.components(separatedBy: "<svg").count - 1 == 2) // heat map + timeline
    }

    @Test func policyGivesLabelsCitesAndHash() throws {
        let dir = Fixture.tempDir()
        let policyPath = Fixture.write("policy: test\n", name: "policy.yaml", in: dir)
        let loc = SourceLocation(file: policyPath, line: 7, column: 3)
        let policy = Policy(name: "テスト市", zones: [
            Zone(name: "mynumber", tier: "mynumber", label: "マイナンバー利用事務系", networks: [], location: loc),
            Zone(name: "lgwan", tier: "lgwan", label: "LGWAN接続系", networks: [], location: loc),
            Zone(name: "inet", tier: "internet", label: "インターネット接続系", networks: [], location: loc),
        ], flows: [FlowRule(id: "LG-INET", from: "lgwan", to: "inet", action: .deny, cite: "規則から引用した条項", location: loc)])
        // An event without a cite: the clause comes from the policy rule it names.
        let eve = Fixture.alert("2026-11-26T00:10:00Z", "192.0.2.71", "192.0.2.140", dport: 445, from: "lgwan", to: "inet", rule: "LG-INET", cite: "")
        let path = Fixture.write(eve + "\n", name: "eve.json", in: dir)
        var b = ReportBuilder(toolVersion: "t")
        try b.setPolicy(policy, path: policyPath)
        try b.addEVE(path: path)
        #expect(b.content.policyFiles.count == 1)
        // sha256("policy: test\n")
        #expect(b.content.policyFiles[0].sha256 == "39f29652dd9b325cfe9edb715c1a5b427d79a0af5d73b1adac858d3ec4e5ead4")
        #expect(b.content.groupedByClause.map(\.cite) == ["規則から引用した条項"])
        #expect(b.content.matrixZones == ["mynumber", "lgwan", "inet"])
        let html = b.render(.html, lang: .ja)
        #expect(html.contains("テスト市"))
        #expect(html.contains(">LGWAN接続系</text>"))
        #expect(html.contains("LG-INET (policy.yaml:7)"))
        #expect(html.contains("39f29652dd9b325cfe9edb715c1a5b427d79a0af5d73b1adac858d3ec4e5ead4"))
    }

    @Test func firewallFindingsAndAnomaliesFromTheExample() throws {
        var b = ReportBuilder(toolVersion: "t")
        try b.addFirewall(path: Fixture.repoRoot.appendingPathComponent("docs/example/firewall-honcho.json").path)
        #expect(b.content.findings.count == 2)
        #expect(b.content.anomalies.count == 1)
        let f = b.content.findings[0]
        #expect(f.srcZone == "lgwan" && f.destZone == "inet")
        #expect(f.ruleLine == 23 && f.ruleText == "-A FORWARD -i lg0 -o inet0 -p tcp -m tcp --dport 445 -j ACCEPT")
        #expect(f.witness == "tcp 192.0.2.64:1024 → 192.0.2.128:445 (lg0 → inet0)")
        #expect(b.content.eventPolicyNames == ["飯塚市 (例)"])
        #expect(f.policyRule == "LG-INET" && f.cite.contains("4(2)①"))
        #expect(b.content.sources[0].analysedFiles == ["fw-honcho.rules"])
        #expect(b.content.sources[0].proofs.count == 6)
        #expect(b.content.sources[0].proofs.contains(ZonePair(src: "mynumber", dest: "inet")))
        #expect(b.content.eventZoneLabels["lgwan"] == "LGWAN接続系")
        let html = b.render(.html, lang: .ja)
        #expect(html.contains("ファイアウォール設定"))
        #expect(html.contains("fw-honcho.rules:23"))
        #expect(html.contains("参考：ファイアウォールのルール異常"))
    }

    @Test func firewallDecoderToleratesFlatAndCamelCaseShapes() throws {
        let dir = Fixture.tempDir()
        let flat = """
        {"findings": [
          {"srcZone": "lgwan", "destZone": "inet", "ruleFile": "fw.conf", "ruleLine": 7, "ruleText": "permit ip any any",
           "policy_rule": "LG-INET", "cite": "条項X", "witness": "tcp 10.0.0.1:1 → 10.0.1.1:445", "uncertain": true},
          {"src_zone": "mynumber", "dst_zone": "lgwan", "breach": {"action": "default-deny", "cite": "既定の拒否"}}
        ], "anomalies": []}
        """
        var b = ReportBuilder(toolVersion: "t")
        try b.addFirewall(path: Fixture.write(flat, name: "fw.json", in: dir))
        let f = b.content.findings
        #expect(f.count == 2)
        #expect(f[0].srcZone == "lgwan" && f[0].destZone == "inet" && f[0].ruleLine == 7 && f[0].ruleText == "permit ip any any")
        #expect(f[0].policyRule == "LG-INET" && f[0].cite == "条項X" && f[0].witness == "tcp 10.0.0.1:1 → 10.0.1.1:445")
        #expect(f[0].uncertain && !f[1].uncertain)
        #expect(f[1].srcZone == "mynumber" && f[1].destZone == "lgwan" && f[1].policyRule == "default-deny" && f[1].cite == "既定の拒否")
        // JSON Lines of findings work too; a broken line names its line.
        let lines = "{\"src_zone\": \"a\", \"dst_zone\": \"b\"}\n{oops\n"
        #expect { try b.addFirewall(path: Fixture.write(lines, name: "fw.jsonl", in: dir)) } throws: { ($0 as? ReportError)?.line == 2 }
    }

    @Test func gzipEVEIsReadLikePlain() throws {
        var b = ReportBuilder(toolVersion: "t")
        try b.addEVE(path: Fixture.repoRoot.appendingPathComponent("docs/example/eve-previous-week.json.gz").path)
        let s = b.content.sources[0]
        #expect(s.lines > 100)
        #expect(b.content.violations.count == 25)   // 21 direct DNS + 4 RDP from outside, as generate.py writes them
        #expect(s.sha256.count == 64)
    }

    @Test func timestampsAndEraDates() {
        #expect(parseEVETimestamp("2026-11-26T08:40:30.123456+0000")?.timeIntervalSince1970 == 1_795_682_430.123456)
        #expect(parseEVETimestamp("2026-11-26T17:40:30.123456+09:00")?.timeIntervalSince1970 == 1_795_682_430.123456)
        #expect(parseEVETimestamp("2026-11-26T08:40:30Z")?.timeIntervalSince1970 == 1_795_682_430)
        #expect(parseEVETimestamp("2026-13-26T08:40:30Z") == nil)
        #expect(parseEVETimestamp("yesterday") == nil)
        #expect(DateText.era(2026, 11, 26) == "令和8年")
        #expect(DateText.era(2019, 5, 1) == "令和元年")
        #expect(DateText.era(2019, 4, 30) == "平成31年")
        #expect(DateText.era(2010, 7, 8) == "平成22年")
    }

    @Test func sha256MatchesKnownVector() throws {
        let dir = Fixture.tempDir()
        let path = Fixture.write("abc", name: "abc.txt", in: dir)
        let (hex, bytes) = try SHA256Digest.ofFile(path)
        #expect(hex == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        #expect(bytes == 3)
    }
}
