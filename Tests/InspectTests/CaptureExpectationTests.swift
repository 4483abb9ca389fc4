// InspectTests: every generated capture in captures/ raises exactly the alerts captures/expected-alerts.json lists.
import Foundation
import Testing
import Capture
import Wire
import EventOutput
import Inspect
import Policy
import PolicyCompiler

/// Runs the whole pipeline over `inputs` with `policyPath`, EVE into a temp file; returns the parsed EVE lines.
/// `batched` reads and processes in batches as `segcheck review` does (`nextBatch`, `processBatch`); else one by one.
func review(_ inputs: [String], policyPath: String, batched: Bool = true, configure: (inout InspectorConfiguration) -> Void = { _ in }) throws -> (events: [[String: Any]], counters: InspectionCounters, problems: [String]) {
    let (text, counters, problems) = try reviewText(inputs, policyPath: policyPath, batched: batched, configure: configure)
    let events = try text.split(separator: "\n").map { try JSONSerialization.jsonObject(with: Data($0.utf8)) as! [String: Any] }
    return (events, counters, problems)
}

/// The same run, returning the EVE output as text.
func reviewText(_ inputs: [String], policyPath: String, batched: Bool, configure: (inout InspectorConfiguration) -> Void = { _ in }) throws -> (eve: String, counters: InspectionCounters, problems: [String]) {
    let policy = try PolicyLoader.load(path: policyPath)
    let compiled = try CompiledPolicy.compile(policy)
    let tmp = FileManager.default.temporaryDirectory.appendingPathComponent("segcheck-eve-\(UUID().uuidString).json")
    defer { try? FileManager.default.removeItem(at: tmp) }
    let eve = EveWriter(output: try OutputFile(path: tmp.path))
    let collect = CollectingSink()
    var config = InspectorConfiguration()
    configure(&config)
    let inspector = Inspector(policy: compiled, sink: FanOutSink([eve, collect]), configuration: config)
    var problems: [String] = []
    for input in InputPlan.build(inputs, problem: { problems.append($0) }) {
        inspector.beginFile(input.displayName)
        do {
            var reader = try CaptureFileReader.open(path: input.path)
            if batched {
                let batch = UnsafeMutablePointer<PacketRecord>.allocate(capacity: Inspector.batchSize)
                defer { batch.deallocate() }
                while true {
                    let n = try reader.nextBatch(into: batch, max: Inspector.batchSize)
                    if n == 0 { break }
                    inspector.processBatch(batch, count: n)
                }
            } else {
                while let r = try reader.next() { inspector.process(r) }
            }
        } catch { problems.append(error.description) }
    }
    inspector.finish()
    let text = try String(contentsOf: tmp, encoding: .utf8)
    return (text, collect.finalCounters!, problems)
}

/// Does `alert` (an EVE alert line) carry every key of `want` (from expected-alerts.json)?
func alertMatches(_ alert: [String: Any], _ want: [String: Any], flows: [UInt64: [String: Any]]) -> Bool {
    let seg = alert["segcheck"] as? [String: Any] ?? [:]
    for (k, v) in want {
        switch k {
        case "finding", "rule", "initiator":
            if seg[k] as? String != v as? String { return false }
        case "vlan":
            if alert["vlan"] as? [Int] != v as? [Int] { return false }
        case "tunnel":
            if (alert["tunnel"] != nil) != (v as? Bool ?? false) { return false }
        case "pkts_toserver", "pkts_toclient":
            let id = (alert["flow_id"] as? NSNumber)?.uint64Value ?? 0
            let flow = flows[id]?["flow"] as? [String: Any]
            if (flow?[k] as? NSNumber)?.intValue != (v as? NSNumber)?.intValue { return false }
        case "src_port", "dest_port":
            if (alert[k] as? NSNumber)?.intValue != (v as? NSNumber)?.intValue { return false }
        default:
            if alert[k] as? String != v as? String { return false }
        }
    }
    return true
}

let expectedAlerts: [String: [[String: Any]]] = {
    let data = try! Data(contentsOf: Paths.captures.appendingPathComponent("expected-alerts.json"))
    return try! JSONSerialization.jsonObject(with: data) as! [String: [[String: Any]]]
}()

@Suite struct CaptureExpectationTests {
    static let names = expectedAlerts.keys.filter { $0 != "example.pcap" }.sorted()

    @Test(arguments: names)
    func captureRaisesExactlyTheExpectedAlerts(_ name: String) throws {
        let want = expectedAlerts[name]!
        let (events, counters, problems) = try review([Paths.captures.appendingPathComponent(name).path],
                                                      policyPath: Paths.captures.appendingPathComponent("test-policy.yaml").path)
        #expect(problems.isEmpty, "\(problems)")
        let alerts = events.filter { $0["event_type"] as? String == "alert" }
        var flows: [UInt64: [String: Any]] = [:]
        for e in events where e["event_type"] as? String == "flow" { flows[(e["flow_id"] as! NSNumber).uint64Value] = e }
        #expect(alerts.count == want.count, "alerts: \(alerts.map { ($0["segcheck"] as? [String: Any])?["finding"] ?? "?" })")
        // Every expected alert matched by a distinct actual one.
        var unused = Array(alerts.indices)
        for w in want {
            if let i = unused.firstIndex(where: { alertMatches(alerts[$0], w, flows: flows) }) { unused.remove(at: i) }
            else { Issue.record("\(name): no alert matches \(w)\n actual: \(alerts)") }
        }
        // Accounting: every packet decoded, skipped or malformed; the final stats event is last.
        #expect(counters.decoded + counters.skipped + counters.malformed == counters.packets)
        #expect(events.last?["event_type"] as? String == "stats")
        // Every alert names its flow, and every flow id is positive.
        for a in alerts {
            let id = (a["flow_id"] as? NSNumber)?.int64Value ?? -1
            #expect(id > 0)
            #expect((a["community_id"] as? String)?.hasPrefix("1:") == true)
            let alertObj = a["alert"] as? [String: Any]
            #expect(alertObj?["signature_id"] != nil && alertObj?["severity"] != nil && alertObj?["action"] as? String == "allowed")
        }
    }

    @Test func basicCaptureCountsEveryPacket() throws {
        let (events, c, _) = try review([Paths.captures.appendingPathComponent("basic.pcap").path],
                                        policyPath: Paths.captures.appendingPathComponent("test-policy.yaml").path)
        #expect(c.packets == 44)
        #expect(c.skipped == 1 && c.skippedBy[Int(DecodeEventIndex.arp)] == 1)
        #expect(c.malformed == 1)
        #expect(c.violatingFlows == 4)
        #expect(c.violations == 4)
        // Flow records: 9 flows (a, b, c, d, e, f, g, h, i), one record each, directions right.
        let flows = events.filter { $0["event_type"] as? String == "flow" }
        #expect(flows.count == 9)
        let mail = flows.first { $0["dest_port"] as? Int == 25 }!
        let f = mail["flow"] as! [String: Any]
        #expect(mail["src_ip"] as? String == "10.3.0.25")
        #expect(f["pkts_toserver"] as? Int == 4 && f["pkts_toclient"] as? Int == 3)
        #expect(f["state"] as? String == "closed" && f["reason"] as? String == "shutdown")
        let seg = mail["segcheck"] as! [String: Any]
        #expect(seg["verdict"] as? String == "allowed" && seg["rule"] as? String == "MAILTEXT")
        #expect(seg["src_zone"] as? String == "inet" && seg["dest_zone_label"] as? String == "LGWAN接続系")
        // The echo reply caught first: the receiver of the reply is the initiator.
        let ping = flows.first { $0["src_ip"] as? String == "10.2.0.70" }
        #expect(ping?["icmp_type"] as? Int == 8)
        #expect((ping?["segcheck"] as? [String: Any])?["initiator"] as? String == "icmp-type")
    }

    @Test func rotatedFilesKeepOneFlowAcrossFiles() throws {
        let (events, c, problems) = try review([Paths.captures.appendingPathComponent("rotated").path],
                                               policyPath: Paths.captures.appendingPathComponent("test-policy.yaml").path)
        #expect(problems.isEmpty)
        #expect(c.files == 3 && c.flows == 1)
        let flow = events.first { $0["event_type"] as? String == "flow" }
        #expect(flow?["pcap_filename"] as? String == Paths.captures.appendingPathComponent("rotated/rot-b.pcap").path)
    }

    @Test func exampleCaptureShowsTheReadmeFindings() throws {
        let policy = Paths.repo.appendingPathComponent("rulesets/examples/iizuka.yaml").path
        let (events, _, problems) = try review([Paths.captures.appendingPathComponent("example.pcap").path], policyPath: policy)
        #expect(problems.isEmpty)
        let violations = events.filter {
            $0["event_type"] as? String == "alert" && ($0["segcheck"] as? [String: Any])?["finding"] as? String != "alert-rule"
        }
        let want = expectedAlerts["example.pcap"]!
        #expect(violations.count == want.count, "\(violations)")
        for w in want { #expect(violations.contains { alertMatches($0, w, flows: [:]) }, "missing \(w)") }
    }

    @Test func tinyFlowTableEvictsAndCounts() throws {
        let (events, c, _) = try review([Paths.captures.appendingPathComponent("basic.pcap").path],
                                        policyPath: Paths.captures.appendingPathComponent("test-policy.yaml").path) { $0.flowCapacity = 2 }
        #expect(c.flowsEvicted > 0)
        #expect(c.flows == c.flowsEvicted + c.flowsTimedOut + c.flowsEndedAtShutdown)
        let reasons = Set(events.compactMap { ($0["flow"] as? [String: Any])?["reason"] as? String })
        #expect(reasons.contains("forced"))
    }
}

enum DecodeEventIndex {
    static let arp = Int(Wire.DecodeEvent.arp.rawValue)
}
