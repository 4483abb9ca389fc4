// Test helpers: the repository root and shared/ locations, and short ways to load a policy and ask about one flow.
import Foundation
import Policy
import PolicyCompiler
import Wire

enum Repo {
    /// The repository root, derived from this file's path (Tests/PolicyTests/TestSupport.swift).
    static let root: String = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path
    /// ../shared beside the repository, or $SEGCHECK_SHARED, or /work/shared.
    static let shared: String = {
        if let s = ProcessInfo.processInfo.environment["SEGCHECK_SHARED"], !s.isEmpty { return s }
        let beside = root + "/../shared"
        if FileManager.default.fileExists(atPath: beside + "/seeds") { return beside }
        return "/work/shared"
    }()
    static func ruleset(_ name: String) -> String { root + "/rulesets/" + name }
    /// A line of a seed file (1-based, as cited in the rulesets).
    static func seedLine(_ file: String, _ line: Int) -> String {
        let text = (try? String(contentsOfFile: shared + "/seeds/" + file, encoding: .utf8)) ?? ""
        let lines = text.components(separatedBy: "\n")
        return line - 1 < lines.count ? lines[line - 1] : ""
    }
}

func ip(_ s: String) -> IPAddress { IPAddress(s)! }

func protoNumber(_ s: String) -> UInt8 {
    switch s { case "tcp": return 6; case "udp": return 17; case "icmp": return 1; case "icmpv6": return 58; default: return UInt8(s)! }
}

/// Classifies one flow with the compiled policy and checks the oracle agrees; returns the verdict and deciding rule id.
func ask(_ c: CompiledPolicy, _ src: String, _ dst: String, _ proto: String, _ port: UInt16 = 0, srcPort: UInt16 = 40000) -> (Verdict, String?) {
    let d = c.classify(src: ip(src), dst: ip(dst), proto: protoNumber(proto), srcPort: srcPort, dstPort: port)
    let o = LinearClassifier(policy: c.policy).classify(src: ip(src), dst: ip(dst), proto: protoNumber(proto), srcPort: srcPort, dstPort: port)
    precondition(d == o, "compiled \(d) != linear \(o) for \(src) → \(dst) \(proto)/\(port)")
    return (d.verdict, d.rule >= 0 ? c.policy.flows[Int(d.rule)].id : nil)
}
