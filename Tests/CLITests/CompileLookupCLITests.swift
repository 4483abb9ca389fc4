// CLI tests for `segcheck compile` and `segcheck lookup`: exit codes 0/1/2, verdict, zones, rule and cite, Japanese/English.
import Foundation
import Testing

@Suite struct CompileLookupCLITests {
    static let iizuka = ReviewCLI.repo.appendingPathComponent("rulesets/examples/iizuka.yaml").path

    @Test func compilePrintsWhatItBuilt() throws {
        let r = try ReviewCLI.run(["compile", Self.iizuka, "--lang", "en"])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.contains("zones 7, host groups 7"))
        #expect(r.stdout.contains("address classes"))
        #expect(r.stdout.contains("states: pair classes"))
        #expect(r.stdout.contains("build time"))
        let ja = try ReviewCLI.run(["compile", Self.iizuka])
        #expect(ja.stdout.contains("ゾーン 7") && ja.stdout.contains("構築時間"))
    }

    @Test func compileErrorExitsTwoWithPosition() throws {
        let dir = NSTemporaryDirectory() + "segcheck-cli-\(UInt64.random(in: 0...UInt64.max))"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let file = dir + "/bad.yaml"
        try "zones:\n  a: {tier: lgwan, networks: [10.0.0.0/8]}\nflows:\n  - {from: a, to: b, action: allow}\n".write(toFile: file, atomically: true, encoding: .utf8)
        let r = try ReviewCLI.run(["compile", file])
        #expect(r.status == 2)
        #expect(r.stderr.contains("bad.yaml:4:19: error: unknown zone or host group 'b'"))
        let missing = try ReviewCLI.run(["lookup", dir + "/nope.yaml", "10.0.0.1", "10.0.0.2", "tcp", "80"])
        #expect(missing.status == 2)
    }

    @Test func lookupAllowedViolationAndCite() throws {
        let ok = try ReviewCLI.run(["lookup", Self.iizuka, "192.0.2.70", "192.0.2.141", "tcp", "3389", "--lang", "en"])
        #expect(ok.status == 0)
        #expect(ok.stdout.contains("verdict: allowed"))
        #expect(ok.stdout.contains("rule: SCREEN"))
        #expect(ok.stdout.contains("4(2)①(イ)"))
        let bad = try ReviewCLI.run(["lookup", Self.iizuka, "192.0.2.5", "8.8.8.8", "udp", "53"])
        #expect(bad.status == 1)
        #expect(bad.stdout.contains("違反") && bad.stdout.contains("MN-EXT") && bad.stdout.contains("マイナンバー利用事務系"))
        let icmp = try ReviewCLI.run(["lookup", Self.iizuka, "192.0.2.70", "192.0.2.71", "icmp", "8/0", "--json"])
        #expect(icmp.status == 0)
        #expect(icmp.stdout.contains("\"verdict\":\"intraZone\""))
        let badArg = try ReviewCLI.run(["lookup", Self.iizuka, "192.0.2.999", "192.0.2.71", "tcp", "80"])
        #expect(badArg.status == 2 && badArg.stderr.contains("bad source address"))
    }
}
