// End-to-end tests of `segcheck firewall`: exit codes 0/1/2, text in both languages, --json, --sarif, --diff and
// error messages with file:line:column, on the committed firewall fixtures.
import Foundation
import Testing

private let fwRepoRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
private let fwFixtures = "Tests/FirewallTests/Fixtures/firewall"

private func fwBinary() throws -> URL {
    if let env = ProcessInfo.processInfo.environment["SEGCHECK_BIN"] { return URL(fileURLWithPath: env) }
    let besideTests = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("segcheck")
    for candidate in [besideTests, fwRepoRoot.appendingPathComponent(".build/debug/segcheck")]
    where FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
    throw FirewallCLIError(description: "segcheck binary not found; run swift build first")
}
private struct FirewallCLIError: Error, CustomStringConvertible { var description: String }

private func segcheck(_ args: [String]) throws -> (status: Int32, out: String, err: String) {
    let p = Process()
    p.executableURL = try fwBinary()
    p.arguments = args
    p.currentDirectoryURL = fwRepoRoot
    let out = Pipe(), err = Pipe()
    p.standardOutput = out; p.standardError = err
    try p.run()
    var o = Data()
    let group = DispatchGroup()
    group.enter(); DispatchQueue.global().async { o = out.fileHandleForReading.readDataToEndOfFile(); group.leave() }
    let e = err.fileHandleForReading.readDataToEndOfFile()
    group.wait()
    p.waitUntilExit()
    return (p.terminationStatus, String(decoding: o, as: UTF8.self), String(decoding: e, as: UTF8.self))
}

@Suite struct FirewallCLITests {
    let policy = "\(fwFixtures)/three-tier.yaml"

    @Test func holeExitsOneWithWitness() throws {
        let r = try segcheck(["firewall", "--policy", policy, "\(fwFixtures)/three-tier-hole.rules"])
        #expect(r.status == 1, "\(r.err)")
        #expect(r.out.contains("[違反] LGWAN接続系 → マイナンバー利用事務系"))
        #expect(r.out.contains("UDP 10.20.0.1:49152 → 10.10.0.10:53"))
        #expect(r.out.contains("three-tier-hole.rules:16:1"))
        let en = try segcheck(["firewall", "--policy", policy, "--lang", "en", "\(fwFixtures)/three-tier-hole.nft"])
        #expect(en.status == 1)
        #expect(en.out.contains("[VIOLATION]") && en.out.contains("witness packet"))
    }

    @Test func cleanExitsZeroWithProofs() throws {
        for f in ["three-tier-clean.rules", "three-tier-clean.nft"] {
            let r = try segcheck(["firewall", "--policy", policy, "--lang", "en", "\(fwFixtures)/\(f)"])
            #expect(r.status == 0, "\(f): \(r.out) \(r.err)")
            #expect(r.out.components(separatedBy: "[PROOF]").count - 1 == 6)
        }
    }

    @Test func jsonAndSarif() throws {
        let sarif = FileManager.default.temporaryDirectory.appendingPathComponent("segcheck-fw-\(UUID().uuidString).sarif").path
        defer { try? FileManager.default.removeItem(atPath: sarif) }
        let r = try segcheck(["firewall", "--policy", policy, "--json", "--sarif", sarif, "\(fwFixtures)/three-tier-hole.json"])
        #expect(r.status == 1)
        let doc = try #require(try JSONSerialization.jsonObject(with: Data(r.out.utf8)) as? [String: Any])
        #expect(doc["schema"] as? String == "segcheck-firewall/1")
        let findings = try #require(doc["findings"] as? [[String: Any]])
        #expect(!findings.isEmpty)
        #expect(findings.allSatisfy { ($0["rule"] as? [String: Any])?["line"] as? Int ?? 0 > 0 })
        let s = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: sarif))) as? [String: Any])
        #expect(s["version"] as? String == "2.1.0")
        let results = try #require((s["runs"] as? [[String: Any]])?.first?["results"] as? [[String: Any]])
        #expect(results.contains { $0["ruleId"] as? String == "forbidden-flow" && $0["level"] as? String == "error" })
    }

    @Test func diffReportsNewlyPermitted() throws {
        let r = try segcheck(["firewall", "--policy", policy, "--lang", "en", "--diff", "\(fwFixtures)/three-tier-clean.rules", "\(fwFixtures)/three-tier-hole.rules"])
        #expect(r.status == 1, "\(r.err)")
        #expect(r.out.contains("[NEWLY PERMITTED] LGWAN接続系 → マイナンバー利用事務系 — forbidden by the policy"))
        let same = try segcheck(["firewall", "--policy", policy, "--diff", "\(fwFixtures)/three-tier-clean.rules", "\(fwFixtures)/three-tier-clean.rules"])
        #expect(same.status == 0)
    }

    @Test func unusableInputExitsTwoWithPlace() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("segcheck-fw-bad-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let bad = dir.appendingPathComponent("bad.rules").path
        try "*filter\n:FORWARD DROP [0:0]\n-A FORWARD -s 10.0.0.300 -j ACCEPT\nCOMMIT\n".write(toFile: bad, atomically: true, encoding: .utf8)
        let r = try segcheck(["firewall", "--policy", policy, bad])
        #expect(r.status == 2)
        #expect(r.err.contains("bad.rules:3:15: error:") && r.err.contains("10.0.0.300"))
        let garbage = dir.appendingPathComponent("garbage.bin").path
        try Data([0x00, 0xFF, 0x13, 0x37]).write(to: URL(fileURLWithPath: garbage))
        let g = try segcheck(["firewall", "--policy", policy, garbage])
        #expect(g.status == 2 && g.err.contains("cannot recognise"))
        let missing = try segcheck(["firewall", "--policy", policy, dir.appendingPathComponent("nope").path])
        #expect(missing.status == 2 && missing.err.contains("cannot read"))
        let badPolicy = try segcheck(["firewall", "--policy", bad, "\(fwFixtures)/three-tier-clean.rules"])
        #expect(badPolicy.status == 2)
    }
}
