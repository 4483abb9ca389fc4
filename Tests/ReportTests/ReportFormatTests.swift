// CSV (BOM, quoting), Markdown, the embedded summary, comparison with a previous report, and bad input.
import Foundation
import Testing
@testable import Report

@Suite struct ReportFormatTests {
    @Test func csvHasBOMCRLFAndQuotes() throws {
        let dir = Fixture.tempDir()
        let tricky = "条項 \"引用\", 改行\nあり"
        let lines = [
            Fixture.alert("2026-11-26T00:10:00Z", "192.0.2.10", "192.0.2.70", dport: 25, from: "mynumber", to: "lgwan", rule: "MN-LG", cite: tricky),
            Fixture.alert("2026-11-26T00:11:00Z", "192.0.2.10", "192.0.2.70", dport: 25, from: "mynumber", to: "lgwan", rule: "=HYPERLINK(1)", cite: "plain"),
        ]
        let path = Fixture.write(lines.joined(separator: "\n"), name: "eve.json", in: dir)   // no final newline
        var b = ReportBuilder(toolVersion: "t")
        try b.addEVE(path: path)
        let csv = b.render(.csv, lang: .ja)
        let bytes = Array(csv.utf8)
        #expect(bytes.prefix(3) == [0xEF, 0xBB, 0xBF])
        #expect(csv.hasSuffix("\r\n"))
        #expect(csv.contains("\u{FEFF}種別,条項,送信元ゾーン,宛先ゾーン,日時(JST)"))
        #expect(csv.contains("\"条項 \"\"引用\"\", 改行\nあり\""))
        #expect(csv.contains(",'=HYPERLINK(1),"))
        #expect(csv.contains("2026/11/26 09:10:00"))   // JST
        // Every event is a row (header + 2), even identical flows.
        let records = csv.components(separatedBy: "\r\n").filter { !$0.isEmpty }
        #expect(records.count == 3)
        #expect(ReportRenderer.csvField("a,b") == "\"a,b\"")
        #expect(ReportRenderer.csvField("-A FORWARD -j ACCEPT") == "'-A FORWARD -j ACCEPT")
        #expect(ReportRenderer.csvField("平文") == "平文")
        let en = b.render(.csv, lang: .en)
        #expect(en.hasPrefix("\u{FEFF}Kind,Clause,From zone"))
    }

    @Test func markdownCarriesTheSameContent() throws {
        let dir = Fixture.tempDir()
        var b = ReportBuilder(toolVersion: "segcheck test")
        try b.addEVE(path: Fixture.smallEVE(in: dir))
        let md = b.render(.md, lang: .ja)
        #expect(md.hasPrefix("# ネットワーク分離（三層の対策）点検報告書"))
        #expect(md.contains("## 3．ゾーン間通信マトリクス"))
        #expect(md.contains("| **lgwan** | – | 0 (2) | **2** (4) |") || md.contains("**2** (4)"))
        #expect(md.contains("### (1) 「\(Fixture.clauseA)」"))
        #expect(md.contains("違反通信 3 件・FW指摘 0 件"))
        #expect(!md.contains("<svg"))
    }

    @Test func previousReportRoundTripsAndShowsChanges() throws {
        let dir = Fixture.tempDir()
        // Before: the small EVE file (5 violations: MN-LG ×3 over 2 distinct flows, LG-INET ×2).
        var before = ReportBuilder(toolVersion: "t", generatedAt: Date(timeIntervalSince1970: 1_795_000_000))
        try before.addEVE(path: Fixture.smallEVE(in: dir))
        let oldHTML = Fixture.write(before.render(.html, lang: .ja), name: "old.html", in: dir)
        let loaded = try ReportData.load(path: oldHTML)
        #expect(loaded == before.content.summaryData())
        #expect(loaded.violations == 5)
        // After: MN-LG from .10 continues, a new INET-EXT flow appears, the rest is gone.
        let lines = [
            Fixture.alert("2026-12-03T00:10:00Z", "192.0.2.10", "192.0.2.70", dport: 25, from: "mynumber", to: "lgwan", rule: "MN-LG", cite: Fixture.clauseA),
            Fixture.alert("2026-12-03T00:20:00Z", "192.0.2.135", "8.8.8.8", dport: 53, proto: "UDP", from: "inet", to: "external", rule: "INET-EXT", cite: "集約 (L272)"),
        ]
        let path = Fixture.write(lines.joined(separator: "\n") + "\n", name: "eve2.json", in: dir)
        var after = ReportBuilder(toolVersion: "t")
        try after.addEVE(path: path)
        try after.setPrevious(path: oldHTML)
        let d = ReportDiff(previous: loaded, current: after.content.summaryData())
        #expect(d.newFlows.count == 1 && d.newFlows[0].key.contains("8.8.8.8"))
        #expect(d.resolvedFlows.count == 3)           // .11→.71, and the two LG-INET flows
        #expect(d.continuingFlows.count == 1 && d.continuingFlows[0].before == 2)
        #expect(d.clauseChanges.contains { $0.cite == Fixture.clauseA && $0.before == 3 && $0.now == 1 })
        #expect(d.clauseChanges.contains { $0.cite == Fixture.clauseB && $0.before == 2 && $0.now == 0 })
        let html = after.render(.html, lang: .ja)
        #expect(html.contains("違反通信 5 件 → 2 件"))
        #expect(html.contains("新たに検出（違反通信） — 1"))
        #expect(html.contains("解消（今回検出されず）（違反通信） — 3"))
        // The JSON sidecar is accepted too.
        let sidecar = Fixture.write(before.content.summaryData().jsonText(pretty: true), name: "old.json", in: dir)
        #expect(try ReportData.load(path: sidecar) == loaded)
    }

    @Test func embeddedDataCannotCloseTheScriptBlock() throws {
        let dir = Fixture.tempDir()
        let evil = "</script><script>alert(1)</script>"
        let path = Fixture.write(Fixture.alert("2026-11-26T00:10:00Z", "192.0.2.10", "192.0.2.70", dport: 25, from: "a", to: "b", rule: "R", cite: evil) + "\n", name: "e.json", in: dir)
        var b = ReportBuilder(toolVersion: "t")
        try b.addEVE(path: path)
        let html = b.render(.html, lang: .ja)
        #expect(html.components(separatedBy: "</script>").count - 1 == 1)
        #expect(!html.contains("<script>alert"))
        let file = Fixture.write(html, name: "r.html", in: dir)
        #expect(try ReportData.load(path: file).clauses.map(\.cite) == [evil])
    }

    @Test func malformedLineIsAnErrorWithItsLine() throws {
        let dir = Fixture.tempDir()
        let good = Fixture.flow("2026-11-26T00:00:00Z", from: "a", to: "b")
        let path = Fixture.write([good, good, "{\"event_type\": \"alert\", \"src_ip\": ", good].joined(separator: "\n"), name: "bad.json", in: dir)
        var b = ReportBuilder(toolVersion: "t")
        #expect { try b.addEVE(path: path) } throws: { error in
            guard let e = error as? ReportError else { return false }
            return e.file == path && e.line == 3 && e.message.contains("malformed JSON") && e.description.hasPrefix("\(path):3")
        }
        let noType = Fixture.write("{\"timestamp\": \"2026-11-26T00:00:00Z\"}\n", name: "notype.json", in: dir)
        #expect(throws: ReportError(file: noType, line: 1, "EVE event without \"event_type\"")) { try b.addEVE(path: noType) }
        let badTime = Fixture.write(good + "\n" + "{\"event_type\": \"flow\", \"timestamp\": \"26/11/2026\"}\n", name: "time.json", in: dir)
        #expect { try b.addEVE(path: badTime) } throws: { ($0 as? ReportError)?.line == 2 }
        let array = Fixture.write("[1, 2]\n", name: "array.json", in: dir)
        #expect { try b.addEVE(path: array) } throws: { ($0 as? ReportError)?.message.contains("expected a JSON object") == true }
        #expect { try b.addEVE(path: dir.appendingPathComponent("missing.json").path) } throws: { ($0 as? ReportError)?.message.contains("cannot open") == true }
        let empty = dir.appendingPathComponent("empty")
        try FileManager.default.createDirectory(at: empty, withIntermediateDirectories: true)
        #expect { try b.addEVE(path: empty.path) } throws: { ($0 as? ReportError)?.message.contains("no EVE files") == true }
        let notFirewall = Fixture.write("{\"hello\": 1}", name: "fw.json", in: dir)
        #expect { try b.addFirewall(path: notFirewall) } throws: { ($0 as? ReportError)?.message.contains("findings") == true }
        let html = Fixture.write("<html><body>no data</body></html>", name: "old.html", in: dir)
        #expect { try b.setPrevious(path: html) } throws: { ($0 as? ReportError)?.message.contains("no embedded report data") == true }
    }

    @Test func aDirectoryOfRotatedEVEFilesIsReadInNameOrder() throws {
        let dir = Fixture.tempDir().appendingPathComponent("eve")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        _ = Fixture.write(Fixture.flow("2026-11-26T00:00:00Z", from: "a", to: "b") + "\n", name: "eve.json", in: dir)
        _ = Fixture.write(Fixture.flow("2026-11-25T00:00:00Z", from: "a", to: "b") + "\n", name: "eve.json.1", in: dir)
        _ = Fixture.write("ignored", name: ".hidden", in: dir)
        var b = ReportBuilder(toolVersion: "t")
        try b.addEVE(path: dir.path)
        #expect(b.content.sources.map { URL(fileURLWithPath: $0.path).lastPathComponent } == ["eve.json", "eve.json.1"])
        #expect(b.content.flowsByPair[ZonePair(src: "a", dest: "b")] == 2)
        #expect(b.content.periodStart.map(isoTimestamp) == "2026-11-25T00:00:00Z")
    }

    @Test func longLinesAcrossChunkBoundariesAreRead() throws {
        // Lines straddling the reader's 1 MiB chunks must arrive whole.
        let dir = Fixture.tempDir()
        let pad = String(repeating: "x", count: 700_000)
        var lines: [String] = []
        for i in 0..<5 {
            lines.append(Fixture.json(["timestamp": "2026-11-26T00:00:0\(i)Z", "event_type": "flow", "pad": pad, "segcheck": ["src_zone": "a", "dest_zone": "b"]]))
        }
        let path = Fixture.write(lines.joined(separator: "\r\n") + "\r\n", name: "long.json", in: dir)
        var b = ReportBuilder(toolVersion: "t")
        try b.addEVE(path: path)
        #expect(b.content.sources[0].lines == 5)
        #expect(b.content.flowsByPair[ZonePair(src: "a", dest: "b")] == 5)
    }
}
