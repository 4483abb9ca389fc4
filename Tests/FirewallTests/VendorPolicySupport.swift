// VendorPolicySupport: the vendor fixtures' policy built in code and a one-call parse-and-check helper (no Testing import: its SourceLocation would clash).
import Wire
import Policy
import Firewall
import FirewallParsers

import Firewall

/// The fixtures' policy (as each vendor's policy.yaml writes it), built in code with that vendor's interface table.
enum VendorPolicy {
    static func loc(_ line: Int) -> SourceLocation { SourceLocation(file: "policy.yaml", line: line, column: 1) }
    static func make(interfaces: [String: String]) -> Policy {
        Policy(name: "ベンダー設定試験", zones: [
            Zone(name: "mynumber", tier: "mynumber", label: "マイナンバー利用事務系", networks: [IPNetwork("10.10.0.0/16")!], location: loc(5)),
            Zone(name: "lgwan", tier: "lgwan", label: "LGWAN接続系", networks: [IPNetwork("10.20.0.0/16")!], location: loc(6)),
            Zone(name: "inet", tier: "internet", label: "インターネット接続系", networks: [IPNetwork("10.30.0.0/16")!], location: loc(7)),
        ], hosts: [
            HostGroup(name: "lg-mail", zone: "lgwan", networks: [IPNetwork("10.20.5.25/32")!], location: loc(9)),
            HostGroup(name: "mail-gw", zone: "inet", networks: [IPNetwork("10.30.5.25/32")!], location: loc(10)),
            HostGroup(name: "vbrowser", zone: "inet", networks: [], ranges: [IPAddress("10.30.8.10")!...IPAddress("10.30.8.19")!], location: loc(11)),
        ], flows: [
            FlowRule(id: "MAILTEXT", from: "mail-gw", to: "lg-mail", proto: 6, ports: [PortRange(25, 25)], action: .allow, via: "mail-text", cite: "fixture", location: loc(13)),
            FlowRule(id: "SCREEN", from: "lgwan", to: "vbrowser", proto: 6, ports: [PortRange(3389, 3389)], action: .allow, via: "screen-transfer", cite: "fixture", location: loc(15)),
            FlowRule(id: "MN-LG", from: "mynumber", to: "lgwan", action: .deny, cite: "fixture", location: loc(17)),
            FlowRule(id: "LG-MN", from: "lgwan", to: "mynumber", action: .deny, cite: "fixture", location: loc(18)),
            FlowRule(id: "MN-INET", from: "mynumber", to: "inet", action: .deny, cite: "fixture", location: loc(19)),
            FlowRule(id: "INET-MN", from: "inet", to: "mynumber", action: .deny, cite: "fixture", location: loc(20)),
            FlowRule(id: "LG-INET", from: "lgwan", to: "inet", action: .deny, cite: "fixture", location: loc(21)),
            FlowRule(id: "INET-LG", from: "inet", to: "lgwan", action: .deny, cite: "fixture", location: loc(22)),
        ], interfaces: interfaces)
    }

    /// Parses a fixture with the registered format (as `segcheck firewall --format` does) and runs the symbolic check.
    static func check(_ vendor: String, _ file: String, _ format: String, interfaces: [String: String]) throws -> CheckResult {
        let text = try VendorFixtures.text(vendor, file)
        guard let fmt = RuleSetFormats.named(format) else { throw VendorParseError(file: format, line: 0, column: 0, reason: "format not registered") }
        let rs = try fmt.parse(text, VendorFixtures.path(vendor, file))
        let a = try FirewallAnalysis(policy: make(interfaces: interfaces), ruleSets: [rs])
        return a.check(0)
    }

    /// "src>dst" for each finding.
    static func pairs(_ r: CheckResult) -> Set<String> { Set(r.findings.map { "\($0.srcZone.name)>\($0.dstZone.name)" }) }
}
