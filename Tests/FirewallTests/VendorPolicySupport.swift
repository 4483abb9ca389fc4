// VendorPolicySupport: parse a vendor fixture, load its policy.yaml with the real loader, run the symbolic check (no Testing import: its SourceLocation would clash).
import Wire
import Policy
import Firewall
import FirewallParsers

/// Loads a vendor fixture and its policy.yaml and runs the symbolic check.
enum VendorPolicy {
    /// Parses a fixture with the registered format (as `segcheck firewall --format` does) and runs the symbolic check
    /// against the vendor's policy.yaml (loaded with the real policy loader; its interfaces table must equal `interfaces`).
    static func check(_ vendor: String, _ file: String, _ format: String, interfaces: [String: String]) throws -> CheckResult {
        let text = try VendorFixtures.text(vendor, file)
        guard let fmt = RuleSetFormats.named(format) else { throw VendorParseError(file: format, line: 0, column: 0, reason: "format not registered") }
        let rs = try fmt.parse(text, VendorFixtures.path(vendor, file))
        let policy = try PolicyLoader.load(path: VendorFixtures.path(vendor, "policy.yaml"))
        guard policy.interfaces == interfaces else {
            throw VendorParseError(file: "policy.yaml", line: 0, column: 0, reason: "interfaces table \(policy.interfaces) differs from \(interfaces)")
        }
        let a = try FirewallAnalysis(policy: policy, ruleSets: [rs])
        return a.check(0)
    }

    /// "src>dst" for each finding.
    static func pairs(_ r: CheckResult) -> Set<String> { Set(r.findings.map { "\($0.srcZone.name)>\($0.dstZone.name)" }) }
}
