// InspectTests: the summary under `--lang ja` shows finding details (MAC not allowed, fragment evasion) in Japanese,
// while EVE keeps the English detail.
import Foundation
import Testing
import Capture
import EventOutput
import Inspect
import Policy
import PolicyCompiler

@Suite struct SummaryLanguageTests {
    func summary(_ capture: String, _ language: SummaryLanguage) throws -> (text: String, findings: [Finding]) {
        let policy = try PolicyLoader.load(path: Paths.captures.appendingPathComponent("test-policy.yaml").path)
        let collector = SummaryCollector(), all = CollectingSink()
        let inspector = Inspector(policy: try CompiledPolicy.compile(policy), sink: FanOutSink([collector, all]))
        var r = try CaptureFileReader.open(path: Paths.captures.appendingPathComponent(capture).path)
        while let rec = try r.next() { inspector.process(rec) }
        inspector.finish()
        return (collector.render(language: language, policy: policy), all.findings)
    }

    @Test func macFindingDetailIsJapaneseUnderJa() throws {
        let (ja, findings) = try summary("basic.pcap", .ja)
        let mac = try #require(findings.first { $0.kind == .macNotAllowed })
        #expect(mac.detail?.contains("sent from 02:00:00:00:09:99") == true)     // EVE's English detail unchanged
        #expect(ja.contains("許可されていない MAC アドレス 02:00:00:00:09:99 から送信"), "\(ja)")
        #expect(!ja.contains("sent from"))
        let (en, _) = try summary("basic.pcap", .en)
        #expect(en.contains("sent from 02:00:00:00:09:99") && !en.contains("許可されていない MAC"))
    }

    @Test func fragmentFindingDetailIsJapaneseUnderJa() throws {
        let (ja, findings) = try summary("fragments-evasion.pcap", .ja)
        #expect(findings.contains { $0.kind == .fragmentOverlap })
        #expect(ja.contains("重なり合う IP フラグメント"), "\(ja)")
        #expect(!ja.contains("overlapping fragments"))
    }
}
