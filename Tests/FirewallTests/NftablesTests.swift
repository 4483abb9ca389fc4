// nftables parsing (text as written, `nft list ruleset` output, `nft -j` JSON) and analysis of the same rule set.
import Testing
import Foundation
import Firewall
import FirewallParsers
import Policy
import Wire

@Suite struct NftablesTests {
    static func fixture(_ name: String) throws -> String {
        let dir = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/firewall")
        return try String(contentsOf: dir.appendingPathComponent(name), encoding: .utf8)
    }

    /// The hole: guard chain (priority filter+10) lets TCP 443 into My Number; from_lgwan lets LGWAN
    /// reach any host on UDP 53/123, including My Number and Internet hosts.
    /// Interfaces are mapped, so a My Number source arriving on the LGWAN interface is not My Number traffic.
    static let interfaces = ["lan-lgwan": "lgwan", "lan-mynumber": "mynumber", "lan-inet": "internet"]

    func checkHole(_ text: String, format: String) throws {
        let r = try Fixture.check(text, format: format, policy: Fixture.policy(interfaces: Self.interfaces))
        let pairs = Set(r.findings.map { "\($0.srcZone.name)>\($0.dstZone.name)" })
        #expect(pairs == ["lgwan>mynumber", "lgwan>internet"])
        let m = try #require(r.findings.first { $0.dstZone.name == "mynumber" })
        #expect(m.witness.proto == 17)
        #expect(m.witness.dstPort == 53)
        #expect(m.witness.srcPort == 49152)
        #expect(m.witness.inInterface == "lan-lgwan")
        #expect(m.rule.text.contains("udp dport"))
        #expect(m.trace.contains { $0.text.contains("jump from_lgwan") })
        #expect(!m.uncertain)
    }

    @Test func textAsWritten() throws { try checkHole(try Self.fixture("three-tier-hole.nft"), format: "nftables") }
    @Test func listRulesetOutput() throws { try checkHole(try Self.fixture("three-tier-hole.list.nft"), format: "nftables") }
    @Test func jsonOutput() throws { try checkHole(try Self.fixture("three-tier-hole.json"), format: "nftables-json") }

    @Test func withoutInterfaceMapSpoofedSourcesCount() throws {
        // No interfaces table: a packet from a My Number address arriving on lan-lgwan reaches the proxy.
        let r = try Fixture.check(try Self.fixture("three-tier-hole.nft"), format: "nftables")
        let f = try #require(r.findings.first { $0.srcZone.name == "mynumber" && $0.dstZone.name == "internet" })
        #expect(f.witness.inInterface == "lan-lgwan")
        #expect(f.witness.dst == IPAddress("10.30.0.8")!)
        #expect(f.witness.dstPort == 443)
        #expect(f.breach.ruleID == "no-mynumber")
    }

    @Test func cleanIsProven() throws {
        let r = try Fixture.check(try Self.fixture("three-tier-clean.nft"), format: "nftables")
        #expect(r.findings.isEmpty)
        #expect(r.proofs.count == 6)
    }

    @Test func formatsAreDetected() throws {
        #expect(RuleSetFormats.detect(try Self.fixture("three-tier-hole.json"))?.name == "nftables-json")
        #expect(RuleSetFormats.detect(try Self.fixture("three-tier-hole.list.nft"))?.name == "nftables")
        #expect(RuleSetFormats.detect(IptablesTests.clean)?.name == "iptables-save")
    }

    @Test func everyBaseChainMustAccept() throws {
        // Chain a accepts everything, chain b (later priority) drops LGWAN → My Number: no hole.
        let text = """
        table ip a {
        	chain f { type filter hook forward priority 0; policy accept; }
        }
        table ip b {
        	chain f {
        		type filter hook forward priority 10; policy accept;
        		ip saddr 10.20.0.0/16 ip daddr != 10.30.0.8 drop
        		ip saddr 10.20.0.0/16 meta l4proto != tcp drop
        		ip saddr 10.20.0.0/16 tcp dport != 443 drop
        		ip saddr 10.10.0.0/16 drop
        		ip daddr 10.10.0.0/16 drop
        		ip saddr 10.30.0.0/16 drop
        	}
        }
        """
        let r = try Fixture.check(text, format: "nftables")
        #expect(r.findings.isEmpty, "\(r.findings.map { "\($0.srcZone.name)>\($0.dstZone.name) \($0.witness)" })")
    }

    @Test func malformedInputPointsAtTheToken() throws {
        let text = "table inet f {\n\tchain c {\n\t\ttype filter hook forward priority 0; policy maybe;\n\t}\n}\n"
        #expect {
            _ = try Fixture.parse(text, format: "nftables", file: "bad.nft")
        } throws: { e in
            let c = e as! ConfigError
            return c.location.line == 3 && c.location.column == 47 && c.message.contains("accept or drop")
        }
        #expect(throws: ConfigError.self) { _ = try Fixture.parse("{\"nftables\": [ {\"chain\": {\"family\": \"inet\"} ] }", format: "nftables-json", file: "bad.json") }
    }
}
