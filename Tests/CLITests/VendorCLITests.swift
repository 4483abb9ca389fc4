// End-to-end tests of `segcheck firewall` on the router/firewall fixtures: detection, --format, exit codes 0/1/2,
// JSON findings with witnesses, located errors for malformed configurations.
import Foundation
import Testing

private let vendorRepoRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

private func vendorBinary() throws -> URL {
    if let env = ProcessInfo.processInfo.environment["SEGCHECK_BIN"] { return URL(fileURLWithPath: env) }
    let besideTests = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("segcheck")
    for candidate in [besideTests, vendorRepoRoot.appendingPathComponent(".build/debug/segcheck")]
    where FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
    struct Missing: Error {}
    throw Missing()
}

private func runFirewall(_ arguments: [String]) throws -> (status: Int32, stdout: String, stderr: String) {
    let p = Process()
    p.executableURL = try vendorBinary()
    p.arguments = ["firewall"] + arguments
    p.currentDirectoryURL = vendorRepoRoot
    let out = Pipe(), err = Pipe()
    p.standardOutput = out; p.standardError = err
    try p.run()
    // Read both pipes before waiting (outputs are small enough for one of them to be drained while the other fills).
    var outData = Data(), errData = Data()
    let group = DispatchGroup()
    group.enter()
    DispatchQueue.global().async { outData = out.fileHandleForReading.readDataToEndOfFile(); group.leave() }
    errData = err.fileHandleForReading.readDataToEndOfFile()
    group.wait()
    p.waitUntilExit()
    return (p.terminationStatus, String(decoding: outData, as: UTF8.self), String(decoding: errData, as: UTF8.self))
}

@Suite struct VendorCLITests {
    static let fixtures = "Tests/FirewallTests/Fixtures/vendors"
    static let cases: [(dir: String, format: String, holes: String, clean: String, malformed: String, location: String)] = [
        ("yamaha", "yamaha", "holes.conf", "clean.conf", "malformed.conf", "malformed.conf:9:36:"),
        ("ix", "ix", "holes.conf", "clean.conf", "malformed.conf", "malformed.conf:5:58:"),
        ("fortigate", "fortigate", "holes.conf", "clean.conf", "malformed.conf", "malformed.conf:10:9:"),
        ("ios", "ios", "holes.conf", "clean.conf", "malformed.conf", "malformed.conf:5:35:"),
        ("asa", "asa", "holes.conf", "clean.conf", "malformed.conf", "malformed.conf:4:52:"),
        ("panos", "panos", "holes.xml", "clean.set", "malformed.xml", "malformed.xml:7:55:"),
        ("junos", "junos", "holes.conf", "clean.conf", "malformed.conf", "malformed.conf:6:51:"),
    ]

    @Test func exitCodesAndLocatedErrorsForEveryFormat() throws {
        for c in Self.cases {
            let dir = "\(Self.fixtures)/\(c.dir)"
            let holes = try runFirewall(["--policy", "\(dir)/policy.yaml", "\(dir)/\(c.holes)", "--no-anomalies"])
            #expect(holes.status == 1, "\(c.dir) holes: \(holes.stderr)")
            let clean = try runFirewall(["--policy", "\(dir)/policy.yaml", "--format", c.format, "\(dir)/\(c.clean)", "--no-anomalies"])
            #expect(clean.status == 0, "\(c.dir) clean: \(clean.stdout) \(clean.stderr)")
            let bad = try runFirewall(["--policy", "\(dir)/policy.yaml", "--format", c.format, "\(dir)/\(c.malformed)"])
            #expect(bad.status == 2 && bad.stderr.contains(c.location), "\(c.dir) malformed: \(bad.stderr)")
        }
    }

    @Test func jsonFindingsCarryWitnesses() throws {
        let dir = "\(Self.fixtures)/yamaha"
        let r = try runFirewall(["--policy", "\(dir)/policy.yaml", "--json", "\(dir)/holes.conf", "--no-anomalies"])
        #expect(r.status == 1)
        let doc = try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
        let text = String(describing: doc)
        #expect(text.contains("ip filter 1050") && text.contains("ip filter 2020"))
        #expect(text.contains("445") && text.contains("10.30.5.25"))
    }
}
