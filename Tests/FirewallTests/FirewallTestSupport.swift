// Shared helpers for the firewall tests: a three-tier policy built in code and small rule-set runners.
import Firewall
import FirewallParsers
import Policy
import Wire

enum Fixture {
    static func loc(_ line: Int) -> SourceLocation { SourceLocation(file: "test-policy.yaml", line: line, column: 1) }

    /// マイナンバー利用事務系 10.10/16, LGWAN接続系 10.20/16, インターネット接続系 10.30/16.
    /// Allowed: LGWAN → Internet TCP 443 (web via the proxy 10.30.0.8 only), LGWAN mail relay → Internet TCP 25.
    static func policy(interfaces: [String: String] = [:]) -> Policy {
        Policy(name: "test", zones: [
            Zone(name: "mynumber", tier: "mynumber", label: "マイナンバー利用事務系", networks: [IPNetwork("10.10.0.0/16")!], location: loc(2)),
            Zone(name: "lgwan", tier: "lgwan", label: "LGWAN接続系", networks: [IPNetwork("10.20.0.0/16")!], location: loc(3)),
            Zone(name: "internet", tier: "internet", label: "インターネット接続系", networks: [IPNetwork("10.30.0.0/16")!], location: loc(4)),
        ], hosts: [
            HostGroup(name: "proxy", zone: "internet", networks: [IPNetwork("10.30.0.8/32")!], location: loc(6)),
            HostGroup(name: "relay", zone: "lgwan", networks: [IPNetwork("10.20.0.25/32")!], location: loc(7)),
        ], flows: [
            FlowRule(id: "web", from: "lgwan", to: "proxy", proto: 6, ports: [PortRange(443, 443)], action: .allow, cite: "IIZ L260", location: loc(10)),
            FlowRule(id: "mail", from: "relay", to: "internet", proto: 6, ports: [PortRange(25, 25)], action: .allow, cite: "IIZ L260", location: loc(11)),
            FlowRule(id: "no-mynumber", from: "mynumber", to: "any", action: .deny, cite: "SEN L613", location: loc(12)),
        ], interfaces: interfaces)
    }

    static func parse(_ text: String, format: String = "iptables-save", file: String = "rules.v4") throws -> RuleSet {
        try RuleSetFormats.named(format)!.parse(text, file)
    }

    static func check(_ text: String, format: String = "iptables-save", policy: Policy = Fixture.policy()) throws -> CheckResult {
        let rs = try parse(text, format: format)
        let a = try FirewallAnalysis(policy: policy, ruleSets: [rs])
        return a.check(0)
    }
}
