// CLITests: `segcheck review` end to end — exit codes, EVE output, evidence pcap, stdin, -c, --lang, errors naming the file.
import Foundation
import Testing

@Suite(.serialized) struct ReviewCLITests {
    typealias R = ReviewCLI

    @Test func cleanCaptureExitsZeroAndViolationsExitOne() throws {
        let clean = try R.run(["review", "--policy", R.testPolicy, R.capture("clean.pcap")])
        #expect(clean.status == 0, "\(clean.stderr)")
        #expect(clean.stdout.contains("No violations."))
        let dirty = try R.run(["review", "--policy", R.testPolicy, "-r", R.capture("basic.pcap")])
        #expect(dirty.status == 1, "\(dirty.stderr)")
        #expect(dirty.stdout.contains("Violations: 4 findings in 4 flows"))
        #expect(dirty.stdout.contains("MN-LG"))
        #expect(dirty.stdout.contains("テスト 4(1)①"))    // the cite, as the policy writes it
    }

    @Test func unreadableInputsExitTwoNamingTheFileAndWhy() throws {
        let missing = try R.run(["review", "--policy", R.testPolicy, "/nonexistent/week1.pcap"])
        #expect(missing.status == 2)
        #expect(missing.stderr.contains("/nonexistent/week1.pcap") && missing.stderr.contains("No such file"))
        let notCapture = try R.run(["review", "--policy", R.testPolicy, R.testPolicy])
        #expect(notCapture.status == 2)
        #expect(notCapture.stderr.contains("test-policy.yaml") && notCapture.stderr.contains("not a pcap or pcapng"))
        // A good file beside a bad one is still reviewed, and the run still exits 2.
        let mixed = try R.run(["review", "--policy", R.testPolicy, R.capture("basic.pcap"), "/nonexistent/x.pcap"])
        #expect(mixed.status == 2)
        #expect(mixed.stdout.contains("MN-LG"))
        // Truncated capture: packets before the cut are reviewed, the error names the offset.
        let data = try Data(contentsOf: URL(fileURLWithPath: R.capture("basic.pcap")))
        let cut = FileManager.default.temporaryDirectory.appendingPathComponent("segcheck-cut-\(getpid()).pcap")
        try data.prefix(data.count - 10).write(to: cut)
        defer { try? FileManager.default.removeItem(at: cut) }
        let truncated = try R.run(["review", "--policy", R.testPolicy, cut.path])
        #expect(truncated.status == 2)
        #expect(truncated.stderr.contains(cut.path) && truncated.stderr.contains("offset"))
    }

    /// A capture file truncated by another process while review has it mapped: a message naming the file and exit 2,
    /// not a SIGBUS crash. Review is stopped (SIGSTOP) while it reads the mapping, the file is cut, then it resumes.
    @Test func captureTruncatedWhileBeingReadExitsTwo() throws {
        // 1,000,000 copies of one 60-byte UDP frame (76 MB): far more than review reads before it is stopped.
        var frame: [UInt8] = [2, 0, 0, 0, 0, 1, 2, 0, 0, 0, 0, 2, 0x08, 0x00, 0x45, 0, 0, 46, 0, 0, 0, 0, 64, 17, 0, 0,
                              10, 1, 0, 51, 10, 2, 0, 1, 0xC0, 0, 0, 53, 0, 26, 0, 0]
        frame += [UInt8](repeating: 0x78, count: 60 - frame.count)
        func le32(_ v: UInt32) -> [UInt8] { [UInt8(v & 0xFF), UInt8(v >> 8 & 0xFF), UInt8(v >> 16 & 0xFF), UInt8(v >> 24)] }
        let header = le32(0xA1B2_C3D4) + [2, 0, 4, 0] + le32(0) + le32(0) + le32(65535) + le32(1)
        let record = le32(1_764_000_000) + le32(0) + le32(60) + le32(60) + frame
        var chunk = [UInt8](); chunk.reserveCapacity(record.count * 10_000)
        for _ in 0..<10_000 { chunk += record }
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("segcheck-shrink-\(getpid()).pcap").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        var caught = false
        for _ in 0..<3 where !caught {
            let out = try #require(FileHandle(forWritingAtPath: { FileManager.default.createFile(atPath: path, contents: nil); return path }()))
            out.write(Data(header))
            for _ in 0..<100 { out.write(Data(chunk)) }
            try out.close()
            let p = Process()
            p.executableURL = URL(fileURLWithPath: R.binary)
            p.arguments = ["review", "--policy", R.testPolicy, "--quiet", path]
            let err = Pipe()
            p.standardError = err; p.standardOutput = FileHandle.nullDevice
            try p.run()
            let maps = "/proc/\(p.processIdentifier)/maps"
            // The input plan maps the file briefly for its first timestamp; the read maps it for the whole review. So
            // the mapping must be seen twice, 2 ms apart, before the process is stopped.
            func isMapped() -> Bool { (try? String(contentsOfFile: maps, encoding: .utf8))?.contains(path) ?? false }
            var mapped = false
            for _ in 0..<20_000 where p.isRunning {
                if isMapped() { usleep(2_000); if isMapped() { mapped = true; break } }
                usleep(200)
            }
            if mapped { kill(p.processIdentifier, SIGSTOP) }
            _ = truncate(path, 1000)
            if mapped { kill(p.processIdentifier, SIGCONT) }
            let message = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            p.waitUntilExit()
            #expect(p.terminationReason == .exit, "a truncated mapping must not crash the process: \(message)")
            if mapped && p.terminationStatus == 2 {
                #expect(message.contains(path) && message.contains("shrank while it was being read"), "message: \(message)")
                caught = true
            }
        }
        #expect(caught, "review was stopped while reading the mapped capture and exited 2 after the cut")
    }

    @Test func usageErrorsExitTwo() throws {
        #expect(try R.run(["review", R.capture("basic.pcap")]).status == 2)                       // no --policy
        #expect(try R.run(["review", "--policy", R.testPolicy]).status == 2)                      // no input
        #expect(try R.run(["review", "--policy", R.testPolicy, "--lang", "fr", R.capture("basic.pcap")]).status == 2)
        #expect(try R.run(["review", "--policy", R.testPolicy, "--no-such-flag", R.capture("basic.pcap")]).status == 2)
        let badPolicy = try R.run(["review", "--policy", R.capture("basic.pcap"), R.capture("basic.pcap")])
        #expect(badPolicy.status == 2)
        #expect(badPolicy.stderr.contains("basic.pcap"))
        let help = try R.run(["review", "--help"])
        #expect(help.status == 0 && help.stdout.contains("Examples:") && help.stdout.contains("--evidence"))
    }

    @Test func eveToStdoutCarriesAlertsFlowsAndFinalStats() throws {
        let r = try R.run(["review", "--policy", R.testPolicy, "--eve", "-", "--quiet", R.capture("vlan.pcap")])
        #expect(r.status == 1)
        let lines = R.jsonLines(r.stdout)
        #expect(lines.count == 3)    // alert, flow, stats — no summary mixed in
        let alert = lines[0]
        #expect(alert["event_type"] as? String == "alert")
        #expect(alert["timestamp"] as? String == "2026-11-25T09:03:20.001000+0000")
        #expect(alert["vlan"] as? [Int] == [10])
        #expect(alert["src_ip"] as? String == "10.1.0.51" && alert["dest_port"] as? Int == 445 && alert["proto"] as? String == "TCP")
        let seg = alert["segcheck"] as! [String: Any]
        #expect(seg["src_zone"] as? String == "mynumber" && seg["dest_zone"] as? String == "lgwan")
        #expect(seg["src_zone_label"] as? String == "マイナンバー利用事務系")
        #expect(seg["rule"] as? String == "MN-LG" && seg["initiator"] as? String == "handshake" && seg["verdict"] as? String == "denied")
        #expect((alert["alert"] as? [String: Any])?["signature_id"] as? Int == 9_100_001)
        #expect(lines[1]["event_type"] as? String == "flow" && lines[1]["flow_id"] as? Int == alert["flow_id"] as? Int)
        #expect(lines[1]["community_id"] as? String == alert["community_id"] as? String)
        let stats = lines[2]["stats"] as! [String: Any]
        #expect((stats["decoder"] as? [String: Any])?["pkts"] as? Int == 7)
        #expect((stats["segcheck"] as? [String: Any])?["violations"] as? Int == 1)
    }

    @Test func stdinCountLimitAndSeveralInputs() throws {
        let data = try Data(contentsOf: URL(fileURLWithPath: R.capture("basic.pcap")))
        let fromStdin = try R.run(["review", "--policy", R.testPolicy, "--eve", "-", "-q", "-"], stdin: data)
        #expect(fromStdin.status == 1, "\(fromStdin.stderr)")
        #expect(R.jsonLines(fromStdin.stdout).filter { $0["event_type"] as? String == "alert" }.count == 5)
        // -c 3: only the first three packets (the allowed mail handshake): clean.
        let counted = try R.run(["review", "--policy", R.testPolicy, "--eve", "-", "-q", "-c", "3", R.capture("basic.pcap")])
        #expect(counted.status == 0)
        let stats = R.jsonLines(counted.stdout).last?["stats"] as? [String: Any]
        #expect((stats?["decoder"] as? [String: Any])?["pkts"] as? Int == 3)
        // Several inputs, including a gzip file and a directory.
        let many = try R.run(["review", "--policy", R.testPolicy, "--eve", "-", "-q", R.capture("gzip.pcap.gz"),
                              R.capture("rotated"), R.capture("sll2.pcap")])
        #expect(many.status == 1)
        let alerts = R.jsonLines(many.stdout).filter { $0["event_type"] as? String == "alert" }
        #expect(Set(alerts.compactMap { $0["src_ip"] as? String }) == ["10.1.0.64", "10.2.0.66", "10.2.0.85"])
    }

    @Test func evidencePcapHoldsTheViolatingFlowsOnly() throws {
        let out = FileManager.default.temporaryDirectory.appendingPathComponent("segcheck-evidence-\(getpid()).pcap")
        defer { try? FileManager.default.removeItem(at: out) }
        let r = try R.run(["review", "--policy", R.testPolicy, "-q", "--evidence", out.path, "--evidence-packets", "3", R.capture("basic.pcap")])
        #expect(r.status == 1, "\(r.stderr)")
        let data = try Data(contentsOf: out)
        #expect(data.count > 24)
        #expect(data.prefix(4) == Data([0xD4, 0xC3, 0xB2, 0xA1]) || data.prefix(4) == Data([0x4D, 0x3C, 0xB2, 0xA1]))
        // Count records: 3 violating TCP flows × 3 packets + the lone SYN to no zone = 10 (the alert-rule DNS flow is not evidence).
        var off = 24, n = 0
        while off + 16 <= data.count {
            let caplen = data.subdata(in: (off + 8)..<(off + 12)).withUnsafeBytes { $0.loadUnaligned(as: UInt32.self) }
            off += 16 + Int(caplen); n += 1
        }
        #expect(off == data.count)
        #expect(n == 10)
    }

    @Test func japaneseSummaryUsesThePolicysLabels() throws {
        let r = try R.run(["review", "--policy", R.testPolicy, "--lang", "ja", R.capture("basic.pcap")])
        #expect(r.status == 1)
        #expect(r.stdout.contains("パケット数: 44"))
        #expect(r.stdout.contains("ゾーン間の通信"))
        #expect(r.stdout.contains("マイナンバー利用事務系") && r.stdout.contains("LGWAN接続系"))
        #expect(r.stdout.contains("主な違反") && r.stdout.contains("根拠"))
        let en = try R.run(["review", "--policy", R.testPolicy, "--lang", "en", R.capture("basic.pcap")])
        #expect(en.stdout.contains("Zone to zone") && en.stdout.contains("Top violations"))
    }
}
