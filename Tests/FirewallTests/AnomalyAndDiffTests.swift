// Rule anomalies (shadowed, redundant, removable, overly broad, never matching, unused chains) and --diff results.
import Testing
import Foundation
import Firewall
import FirewallParsers
import Policy
import Wire

@Suite struct AnomalyAndDiffTests {
    static let anomalous = """
    *filter
    :INPUT ACCEPT [0:0]
    :FORWARD DROP [0:0]
    :OUTPUT ACCEPT [0:0]
    :unused - [0:0]
    -A FORWARD -s 10.20.0.0/16 -d 10.30.0.8/32 -p tcp -m tcp --dport 443 -j ACCEPT
    -A FORWARD -s 10.20.0.0/24 -d 10.30.0.8/32 -p tcp -m tcp --dport 443 -j DROP
    -A FORWARD -s 10.20.1.0/24 -d 10.30.0.8/32 -p tcp -m tcp --dport 443 -j ACCEPT
    -A FORWARD -s 10.10.0.0/16 -d 10.20.0.0/16 -j ACCEPT
    -A FORWARD -p tcp -m tcp --dport 23 -j DROP
    -A FORWARD -s 10.1.0.0/16 -m iprange --src-range 10.2.0.1-10.2.0.5 -j ACCEPT
    -A FORWARD -s 10.20.0.0/16 -d 10.30.0.0/16 -p tcp -m multiport --dports 443,8080 -j ACCEPT
    -A unused -j ACCEPT
    COMMIT
    """

    @Test func anomaliesAreClassified() throws {
        let r = try Fixture.check(Self.anomalous)
        func kinds(_ line: Int) -> Set<String> { Set(r.anomalies.filter { $0.rule.line == line }.map { $0.kind.rawValue }) }
        #expect(kinds(6) == [])
        #expect(kinds(7) == ["shadowed"])
        #expect(r.anomalies.first { $0.rule.line == 7 }?.blocking.map { $0.line } == [6])
        #expect(kinds(8) == ["redundant"])
        #expect(kinds(9) == ["overly-broad"])
        #expect(r.anomalies.first { $0.rule.line == 9 }?.message.contains("any protocol") == true)
        #expect(kinds(10) == ["redundant"])      // removable: the DROP policy does the same
        #expect(kinds(11) == ["never-matches"])
        #expect(kinds(12) == ["overly-broad"])   // serves policy rule "web" but also opens 8080 and other internet hosts
        #expect(r.anomalies.first { $0.rule.line == 12 }?.message.contains("web") == true)
        #expect(r.anomalies.contains { $0.kind == .unusedChain && $0.rule.chain == "unused" })
    }

    @Test func diffShowsNewlyPermittedWithWitness() throws {
        let dir = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/firewall")
        let old = try Fixture.parse(try String(contentsOf: dir.appendingPathComponent("three-tier-clean.rules"), encoding: .utf8), file: "old.rules")
        let new = try Fixture.parse(try String(contentsOf: dir.appendingPathComponent("three-tier-hole.rules"), encoding: .utf8), file: "new.rules")
        let a = try FirewallAnalysis(policy: Fixture.policy(interfaces: Lab.interfaces), ruleSets: [old, new])
        let d = a.diff(old: 0, new: 1)
        let lgMn = try #require(d.newlyPermitted.first { $0.srcZone?.name == "lgwan" && $0.dstZone?.name == "mynumber" })
        #expect(lgMn.policyForbids)
        #expect(lgMn.witness.proto == 17 && lgMn.witness.dstPort == 53)
        #expect(lgMn.newDecision?.line == 16)
        #expect(lgMn.oldDecision?.isDefault == true)
        // The witness really is decided differently.
        #expect(a.evaluators[1].run(lgMn.witness).accepted && !a.evaluators[0].run(lgMn.witness).accepted)
        for e in d.newlyDenied { #expect(!a.evaluators[1].run(e.witness).accepted && a.evaluators[0].run(e.witness).accepted) }
        // A rule set compared with itself: nothing changes.
        let same = a.diff(old: 0, new: 0)
        #expect(same.newlyPermitted.isEmpty && same.newlyDenied.isEmpty)
    }

    @Test func unknownMatchesAreConservative() throws {
        // -m limit is not modelled: the ACCEPT may match (finding, uncertain), the DROP may not (no protection assumed).
        let text = """
        *filter
        :FORWARD DROP [0:0]
        -A FORWARD -s 10.10.0.0/16 -m limit --limit 5/min -j DROP
        -A FORWARD -s 10.10.0.0/16 -d 10.20.0.0/16 -p tcp -m tcp --dport 22 -m limit --limit 5/min -j ACCEPT
        COMMIT
        """
        let rs = try Fixture.parse(text)
        #expect(rs.notes.count == 2 && rs.notes.allSatisfy { $0.location.line == 3 || $0.location.line == 4 })
        let r = try Fixture.check(text)
        let f = try #require(r.findings.first)
        #expect(r.findings.count == 1)
        #expect(f.srcZone.name == "mynumber" && f.dstZone.name == "lgwan" && f.witness.dstPort == 22)
        #expect(f.uncertain)
        #expect(f.dependsOn.map { $0.location.line } == [4])
    }

    @Test func outputsCarryTheFinding() throws {
        let dir = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/firewall")
        let rs = try Fixture.parse(try String(contentsOf: dir.appendingPathComponent("three-tier-hole.rules"), encoding: .utf8), file: "hole.rules")
        let policy = Fixture.policy(interfaces: Lab.interfaces)
        let a = try FirewallAnalysis(policy: policy, ruleSets: [rs])
        let out = FirewallOutput(policy: policy, ruleSets: [rs], results: [a.check(0)])
        #expect(out.exitCode == 1)
        let json = try #require(try JSONSerialization.jsonObject(with: Data(out.json().serialized().utf8)) as? [String: Any])
        #expect(json["schema"] as? String == "segcheck-firewall/1")
        let findings = try #require(json["findings"] as? [[String: Any]])
        #expect(findings.count == 2)
        let w = try #require(findings.first?["witness"] as? [String: Any])
        #expect(w["src_port"] as? Int == 49152)
        let sarif = try #require(try JSONSerialization.jsonObject(with: Data(out.sarif(lang: .en).serialized().utf8)) as? [String: Any])
        #expect(sarif["version"] as? String == "2.1.0")
        let results = try #require(((sarif["runs"] as? [[String: Any]])?.first?["results"]) as? [[String: Any]])
        let region = ((results.first?["locations"] as? [[String: Any]])?.first?["physicalLocation"] as? [String: Any])?["region"] as? [String: Any]
        #expect(region?["startLine"] as? Int == 16)
        let ja = out.text(lang: .ja), en = out.text(lang: .en)
        #expect(ja.contains("[違反] LGWAN接続系 → マイナンバー利用事務系") && ja.contains("証拠パケット: UDP 10.20.0.1:49152 → 10.10.0.10:53"))
        #expect(en.contains("[VIOLATION]") && en.contains("witness packet"))
    }
}
