// MonitorTests: the serialised output — whole lines from many threads, SIGUSR1-style reopen of EVE and evidence files.
import Foundation
import Testing
@testable import Monitor

@Suite struct MonitorOutputTests {
    func tempDir() throws -> String {
        let dir = NSTemporaryDirectory() + "segcheck-out-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        return dir
    }

    @Test func concurrentWritersProduceWholeLines() throws {
        let dir = try tempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let out = try MonitorOutput(evePath: dir + "/eve.json", syslog: nil)
        let threads = 8, perThread = 500
        DispatchQueue.concurrentPerform(iterations: threads) { t in
            for i in 0..<perThread {
                out.write(MonitorEvent(kind: .flow, eve: "{\"event_type\":\"flow\",\"t\":\(t),\"i\":\(i),\"pad\":\"\(String(repeating: "x", count: 300))\"}",
                                       timestampNanoseconds: 0))
            }
        }
        out.close()
        let lines = readEVE(dir + "/eve.json")
        #expect(lines.count == threads * perThread)
        #expect(Set(lines.map { "\($0["t"]!)/\($0["i"]!)" }).count == threads * perThread)
        #expect(out.metricFamilies().first { $0.name == "segcheck_events_total" }?.samples.first?.value == Double(threads * perThread))
    }

    @Test func reopenFollowsLogrotate() throws {
        let dir = try tempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let eve = dir + "/eve.json", pcap = dir + "/evidence.pcap"
        let out = try MonitorOutput(evePath: eve, syslog: nil, evidencePath: pcap, evidenceLinkType: 1)
        let frame = [UInt8](repeating: 0xAB, count: 60)
        func evidence() { frame.withUnsafeBytes { out.writeEvidence(timestamp: 1_000_000_000, linkType: 1, wireLength: 60, bytes: $0) } }
        out.write(MonitorEvent(kind: .alert, eve: "{\"n\":1}", timestampNanoseconds: 0))
        evidence()
        // SIGUSR1 without rotation: the evidence pcap is kept (not truncated), EVE keeps appending.
        try out.reopen()
        evidence()
        out.write(MonitorEvent(kind: .alert, eve: "{\"n\":2}", timestampNanoseconds: 0))
        // logrotate moves both files, then SIGUSR1.
        #expect(rename(eve, eve + ".1") == 0 && rename(pcap, pcap + ".1") == 0)
        try out.reopen()
        evidence()
        frame.withUnsafeBytes { out.writeEvidence(timestamp: 0, linkType: 113, wireLength: 60, bytes: $0) }   // other link type: left out
        out.write(MonitorEvent(kind: .alert, eve: "{\"n\":3}", timestampNanoseconds: 0))
        out.close()
        #expect(readEVE(eve + ".1").map { $0["n"] as? Int } == [1, 2])
        #expect(readEVE(eve).map { $0["n"] as? Int } == [3])
        // pcap: 24-byte header + per packet 16 + 60.
        let oldSize = try FileManager.default.attributesOfItem(atPath: pcap + ".1")[.size] as? Int
        let newSize = try FileManager.default.attributesOfItem(atPath: pcap)[.size] as? Int
        #expect(oldSize == 24 + 2 * 76)
        #expect(newSize == 24 + 76)
        let m = out.metricFamilies().first { $0.name == "segcheck_evidence_packets_total" }
        #expect(m?.samples.map(\.value) == [3, 1, 0])
    }

    @Test func unwritableEvePathIsAClearError() {
        #expect(throws: MonitorOutputError.self) { try MonitorOutput(evePath: "/nonexistent-dir/eve.json", syslog: nil) }
        do { _ = try MonitorOutput(evePath: "/nonexistent-dir/eve.json", syslog: nil) } catch {
            #expect(error.description.contains("/nonexistent-dir/eve.json"))
        }
    }
}
