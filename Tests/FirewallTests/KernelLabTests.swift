// Ground truth from the real kernel: each rule set is loaded into a router namespace (scripts/lab-firewall.sh),
// every witness packet is sent through it and must be forwarded, and a random sample of cross-zone packets must be
// forwarded exactly when the analysis' concrete evaluation accepts it (so every forbidden packet of a rule set
// proven clean is dropped). Needs root, ip, iptables-restore, nft and python3; skipped otherwise.
import Testing
import Foundation
import Firewall
import FirewallParsers
import Policy
import Wire

enum Lab {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let script = root.appendingPathComponent("scripts/lab-firewall.sh").path
    static let fixtures = root.appendingPathComponent("Tests/FirewallTests/Fixtures/firewall")

    static func has(_ tool: String) -> Bool {
        ["/usr/sbin/", "/sbin/", "/usr/bin/", "/bin/"].contains { FileManager.default.isExecutableFile(atPath: $0 + tool) }
    }
    static var available: Bool { getuid() == 0 && has("ip") && has("nft") && has("iptables-restore") && has("python3") }
    static let skipReason: Comment = "kernel lab needs root plus ip, nft, iptables-restore and python3 (run as root in CI)"

    static let zones = [("mynumber", "lan-mynumber", "10.10.0.0/16"), ("lgwan", "lan-lgwan", "10.20.0.0/16"), ("internet", "lan-inet", "10.30.0.0/16")]
    static let interfaces = Dictionary(uniqueKeysWithValues: zones.map { ($0.1, $0.0) })

    @discardableResult
    static func sh(_ args: [String]) throws -> String {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/bin/bash")
        p.arguments = [script] + args
        var env = ProcessInfo.processInfo.environment
        env["FW_LAB_DIR"] = NSTemporaryDirectory() + "segcheck-fw-lab-\(getpid())"
        env["FW_LAB_PREFIX"] = "fw-\(getpid())-"
        p.environment = env
        let out = Pipe(), err = Pipe()
        p.standardOutput = out; p.standardError = err
        try p.run()
        let o = out.fileHandleForReading.readDataToEndOfFile()
        let e = err.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        if p.terminationStatus != 0 {
            throw LabError.failed("lab-firewall.sh \(args.joined(separator: " ")): \(String(decoding: e, as: UTF8.self))")
        }
        return String(decoding: o, as: UTF8.self)
    }
    enum LabError: Error { case failed(String) }

    /// Deterministic random numbers (SplitMix64).
    struct RNG { var s: UInt64; mutating func next() -> UInt64 { s &+= 0x9E37_79B9_7F4A_7C15; var z = s; z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9; z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB; return z ^ (z >> 31) }
        mutating func below(_ n: Int) -> Int { Int(next() % UInt64(n)) } }

    /// Loads `file` into the router, sends `packets` (zone index of the sender + packet), returns the IDs forwarded.
    static func replay(kind: String, file: String, packets: [(Int, Packet)]) throws -> Set<Int> {
        let dir = NSTemporaryDirectory() + "segcheck-fw-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try sh(["up"] + zones.map { "\($0.0):\($0.1):\($0.2)" })
        defer { _ = try? sh(["down"]) }
        try sh(["load", kind, file])
        var list = ""
        for (i, (z, p)) in packets.enumerated() {
            list += "\(zones[z].0) \(i + 1) \(p.proto) \(p.src) \(p.dst) \(p.srcPort) \(p.dstPort)\n"
        }
        try list.write(toFile: dir + "/list", atomically: true, encoding: .utf8)
        try sh(["run", dir + "/list", dir + "/out"])
        let out = try String(contentsOfFile: dir + "/out", encoding: .utf8)
        var got = Set<Int>()
        for line in out.split(separator: "\n") {
            let f = line.split(separator: " ")
            guard f.count == 6, let id = Int(f[0]), id >= 1, id <= packets.count else { continue }
            let p = packets[id - 1].1
            // Same packet (the ID is the IP identification field; check the header too).
            if String(f[2]) == "\(p.src)" && String(f[3]) == "\(p.dst)" && Int(f[1]) == Int(p.proto) { got.insert(id) }
        }
        return got
    }

    static func sample(_ count: Int, seed: UInt64) -> [(Int, Packet)] {
        var rng = RNG(s: seed)
        var out: [(Int, Packet)] = []
        var seen = Set<String>()
        let ports: [UInt16] = [25, 53, 123, 443, 8443, 22, 3389]
        while out.count < count {
            let a = rng.below(3)
            var b = rng.below(3)
            if a == b { b = (b + 1) % 3 }
            let protos: [UInt8] = [6, 6, 17, 17, 1]
            let proto = protos[rng.below(protos.count)]
            func host(_ z: Int) -> IPAddress {
                let base: UInt32 = [0x0A0A_0000, 0x0A14_0000, 0x0A1E_0000][z]
                if z == 2 && rng.below(4) == 0 { return IPAddress(v4: 0x0A1E_0008) }          // the proxy
                if z == 1 && rng.below(8) == 0 { return IPAddress(v4: 0x0A14_0019) }          // the mail relay
                if z == 0 && rng.below(4) == 0 { return IPAddress(v4: base + 10 + UInt32(rng.below(11))) }
                return IPAddress(v4: base + 1 + UInt32(rng.below(65533)))
            }
            let src = host(a), dst = host(b)
            var p = Packet(src: src, dst: dst, proto: proto, srcPort: 0, dstPort: 0, inInterface: zones[a].1, outInterface: zones[b].1, state: .new)
            if proto == 1 { p.srcPort = 8; p.dstPort = 0 }
            else {
                p.srcPort = UInt16(1024 + rng.below(64511))
                p.dstPort = rng.below(2) == 0 ? ports[rng.below(ports.count)] : UInt16(1 + rng.below(65535))
            }
            let key = "\(p.src) \(p.dst) \(p.proto) \(p.srcPort) \(p.dstPort)"
            if seen.insert(key).inserted && seen.insert("\(p.dst) \(p.src) \(p.proto) \(p.dstPort) \(p.srcPort)").inserted { out.append((a, p)) }
        }
        return out
    }
}

@Suite(.serialized, .enabled(if: Lab.available, Lab.skipReason))
struct KernelLabTests {
    /// Analyse, then replay witnesses + a random sample through the kernel; the kernel must agree packet by packet.
    func groundTruth(_ fixture: String, format: String, loadAs kind: String, expectHoles: Bool) throws {
        let path = Lab.fixtures.appendingPathComponent(fixture).path
        let text = try String(contentsOfFile: path, encoding: .utf8)
        let rs = try RuleSetFormats.named(format)!.parse(text, path)
        let policy = Fixture.policy(interfaces: Lab.interfaces)
        let analysis = try FirewallAnalysis(policy: policy, ruleSets: [rs])
        let result = analysis.check(0)
        #expect(result.findings.isEmpty == !expectHoles, "\(fixture): findings \(result.findings.map { FirewallOutput.describe($0.witness, lang: .en) })")
        let zoneIndex = Dictionary(uniqueKeysWithValues: Lab.zones.enumerated().map { ($0.element.0, $0.offset) })
        var packets: [(Int, Packet)] = result.findings.map { (zoneIndex[$0.srcZone.name]!, $0.witness) }
        let witnessCount = packets.count
        packets += Lab.sample(1500, seed: UInt64(fixture.utf8.count) &* 7919)
        let forwarded = try Lab.replay(kind: kind, file: path, packets: packets)
        // Every witness is forwarded by the kernel.
        for i in 0..<witnessCount {
            #expect(forwarded.contains(i + 1), "\(fixture): kernel dropped witness \(FirewallOutput.describe(packets[i].1, lang: .en))")
        }
        // Kernel and analysis agree on every sampled packet; forbidden packets of a clean rule set are all dropped.
        var disagreements: [String] = []
        var forbiddenSent = 0, forbiddenForwarded = 0
        for i in witnessCount..<packets.count {
            let p = packets[i].1
            let ours = analysis.evaluators[0].run(p).accepted
            let kernel = forwarded.contains(i + 1)
            if ours != kernel { disagreements.append("\(FirewallOutput.describe(p, lang: .en)) ours=\(ours) kernel=\(kernel)") }
            if !analysis.policySpace.classify(p).allowed {
                forbiddenSent += 1
                if kernel { forbiddenForwarded += 1 }
            }
        }
        #expect(disagreements.isEmpty, "\(fixture): \(disagreements.count) disagreements, e.g. \(disagreements.prefix(5))")
        #expect(forbiddenSent > 500)
        if !expectHoles { #expect(forbiddenForwarded == 0, "\(fixture): kernel forwarded \(forbiddenForwarded) forbidden packets") }
        #expect(!forwarded.isEmpty, "\(fixture): nothing was forwarded at all; the lab is broken")
    }

    @Test func iptablesHole() throws { try groundTruth("three-tier-hole.rules", format: "iptables-save", loadAs: "iptables", expectHoles: true) }
    @Test func iptablesClean() throws { try groundTruth("three-tier-clean.rules", format: "iptables-save", loadAs: "iptables", expectHoles: false) }
    @Test func nftHole() throws { try groundTruth("three-tier-hole.nft", format: "nftables", loadAs: "nft", expectHoles: true) }
    @Test func nftHoleJSON() throws { try groundTruth("three-tier-hole.json", format: "nftables-json", loadAs: "nft-json", expectHoles: true) }
    @Test func nftClean() throws { try groundTruth("three-tier-clean.nft", format: "nftables", loadAs: "nft", expectHoles: false) }
}
