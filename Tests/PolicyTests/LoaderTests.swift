// Loader tests: YAML fields, errors with file:line:column, CSV tables in UTF-8/BOM/CP932, presets and extends.
import Foundation
import Testing
@testable import Policy
import PolicyCompiler
import Wire

@Suite struct LoaderTests {
    func loadError(_ yaml: String) -> PolicyError? {
        do { _ = try PolicyLoader.load(yaml: yaml, file: "t.yaml"); return nil } catch { return error }
    }

    @Test func issueExampleLoads() throws {
        let yaml = """
        policy: "Example City"
        zones:
          mynumber: {tier: mynumber, networks: [10.10.0.0/16, "fd10::/16"], vlans: [10], label: マイナンバー利用事務系}
          lgwan:    {tier: lgwan,    networks: [10.20.0.0/16]}
          inet:     {tier: internet, networks: [10.30.0.0/16]}
          external: {tier: external, networks: [0.0.0.0/0, "::/0"]}
        hosts:
          chukan: {zone: lgwan, addresses: [10.20.5.5], macs: ["02:00:00:00:05:05"]}
        flows:
          - {id: SCREEN, from: lgwan, to: inet, proto: tcp, ports: [3389, "1494-1495"], action: allow,
             via: screen-transfer, cite: "飯塚市情報セキュリティ対策基準 4(2)①(イ)"}
        """
        let p = try PolicyLoader.load(yaml: yaml, file: "example.yaml")
        #expect(p.name == "Example City")
        #expect(p.zones.map(\.name) == ["mynumber", "lgwan", "inet", "external"])
        #expect(p.zones[0].label == "マイナンバー利用事務系")
        #expect(p.zones[0].networks.count == 2 && p.zones[0].vlans == [10])
        #expect(p.hosts[0].macs == [MACAddress("02:00:00:00:05:05")!])
        #expect(p.flows[0].ports == [PortRange(3389, 3389), PortRange(1494, 1495)])
        #expect(p.flows[0].location.line == 10 && p.flows[0].location.column == 5)
        let c = try CompiledPolicy.compile(p)
        #expect(ask(c, "10.20.1.1", "10.30.1.1", "tcp", 1495) == (.allowed, "SCREEN"))
        #expect(ask(c, "10.20.1.1", "10.30.1.1", "tcp", 1496) == (.defaultDeny, nil))
        #expect(ask(c, "10.20.1.1", "10.20.5.5", "tcp", 22) == (.intraZone, nil))
        #expect(c.hostIndex(of: ip("10.20.5.5")) == 0)
        #expect(c.macAllowed(hostIndex: 0, mac: MACAddress("02:00:00:00:05:05")!))
        #expect(!c.macAllowed(hostIndex: 0, mac: MACAddress("02:00:00:00:05:06")!))
        #expect(c.macAllowed(hostIndex: -1, mac: MACAddress("02:00:00:00:05:06")!))
    }

    @Test func badCIDRHasLineAndColumn() {
        let e = loadError("zones:\n  a: {tier: lgwan, networks: [10.0.0.0/33]}\n")
        #expect(e?.location.line == 2 && e?.location.column == 31)
        #expect(e?.message.contains("bad network '10.0.0.0/33'") == true)
    }

    @Test func hostBitsSetIsAnError() {
        let e = loadError("zones:\n  a: {tier: lgwan, networks: [10.1.2.3/16]}\n")
        #expect(e?.message.contains("did you mean 10.1.0.0/16") == true)
    }

    @Test func unknownZoneInRule() {
        let e = loadError("""
        zones:
          lgwan: {tier: lgwan, networks: [10.0.0.0/8]}
        flows:
          - {from: lgwan, to: lgwn, action: allow}
        """)
        #expect(e?.location.line == 4 && e?.location.column == 23)
        #expect(e?.message.contains("unknown zone or host group 'lgwn'") == true)
        #expect(e?.message.contains("did you mean 'lgwan'") == true)
    }

    @Test func ambiguousOverlapIsAnError() {
        let e = loadError("""
        zones:
          a: {tier: lgwan, networks: [192.0.2.0-192.0.2.100]}
          b: {tier: internet, networks: [192.0.2.50-192.0.2.200]}
        """)
        #expect(e?.location.line == 3)
        #expect(e?.message.contains("partly overlaps") == true)
        let same = loadError("zones:\n  a: {tier: lgwan, networks: [10.0.0.0/8]}\n  b: {tier: x, networks: [10.0.0.0/8]}\n")
        #expect(same?.message.contains("exactly the same addresses") == true)
    }

    @Test func hostOutsideItsZoneIsAnError() {
        let e = loadError("zones:\n  a: {tier: lgwan, networks: [10.0.0.0/8]}\nhosts:\n  h: {zone: a, addresses: [11.0.0.1]}\n")
        #expect(e?.location.line == 4)
        #expect(e?.message.contains("not inside any network of its zone 'a'") == true)
    }

    @Test func unknownKeysAreErrorsNotIgnored() {
        #expect(loadError("zones:\n  a: {tier: lgwan, netwroks: [10.0.0.0/8]}\n")?.message.contains("unknown zone key 'netwroks'") == true)
        #expect(loadError("zone:\n  a: {tier: lgwan}\n")?.message.contains("unknown key 'zone'") == true)
        #expect(loadError("zones:\n  a: {tier: lgwan, networks: [10.0.0.0/8]}\nflows:\n  - {from: a, to: a, action: permit}\n")?.message.contains("unknown action 'permit'") == true)
        #expect(loadError("zones:\n  a: {tier: lgwan, networks: [10.0.0.0/8]}\nflows:\n  - {from: a, to: a, proto: tcp, ports: [70000], action: allow}\n")?.message.contains("bad port '70000'") == true)
        #expect(loadError("zones:\n  a: {tier: lgwan, networks: [10.0.0.0/8]}\nflows:\n  - {from: a, to: a, proto: icmp, ports: [1], action: allow}\n")?.message.contains("which has none") == true)
    }

    @Test func yamlSyntaxErrorHasPosition() {
        let e = loadError("zones:\n  a: {tier: lgwan, networks: [10.0.0.0/8\n")
        #expect(e != nil && e!.location.line >= 2)
        #expect(e?.message.hasPrefix("YAML syntax") == true)
    }

    @Test func shadowedRuleIsAnError() throws {
        let p = try PolicyLoader.load(yaml: """
        zones:
          a: {tier: lgwan, networks: [10.0.0.0/8]}
          b: {tier: internet, networks: [11.0.0.0/8]}
        flows:
          - {id: WIDE, from: a, to: b, proto: tcp, action: deny}
          - {id: NARROW, from: a, to: b, proto: tcp, ports: [443], action: allow}
        """, file: "s.yaml")
        #expect(throws: PolicyError.self) { try CompiledPolicy.compile(p) }
        do { _ = try CompiledPolicy.compile(p) } catch let e as PolicyError {
            #expect(e.location.line == 6 && e.location.column == 5)
            #expect(e.message.contains("'NARROW' is unreachable") && e.message.contains("'WIDE'"))
        }
    }

    @Test func partlyCoveredRuleIsNotShadowed() throws {
        // NARROW decides tcp/443; WIDE still decides the rest of tcp: both reachable. A host-group rule after its zone's
        // rule for a different port is reachable too.
        let p = try PolicyLoader.load(yaml: """
        zones:
          a: {tier: lgwan, networks: [10.0.0.0/8]}
          b: {tier: internet, networks: [11.0.0.0/8]}
        hosts:
          h: {zone: b, addresses: [11.0.0.5]}
        flows:
          - {id: NARROW, from: a, to: b, proto: tcp, ports: [443], action: allow}
          - {id: WIDE, from: a, to: b, proto: tcp, action: deny}
          - {id: HOST, from: a, to: h, proto: udp, ports: [53], action: allow}
          - {id: ICMP, from: a, to: b, proto: icmp, icmp_type: 8, action: alert}
        """, file: "p.yaml")
        let c = try CompiledPolicy.compile(p)
        #expect(ask(c, "10.1.1.1", "11.0.0.5", "udp", 53) == (.allowed, "HOST"))
        #expect(ask(c, "10.1.1.1", "11.0.0.6", "udp", 53) == (.defaultDeny, nil))
        #expect(ask(c, "10.1.1.1", "11.0.0.6", "icmp", 0, srcPort: 8) == (.alert, "ICMP"))
        #expect(ask(c, "10.1.1.1", "11.0.0.6", "icmp", 0, srcPort: 0) == (.defaultDeny, nil))
        // The same rules with the host rule after a zone-wide udp deny: HOST is unreachable.
        let q = try PolicyLoader.load(yaml: """
        zones:
          a: {tier: lgwan, networks: [10.0.0.0/8]}
          b: {tier: internet, networks: [11.0.0.0/8]}
        hosts:
          h: {zone: b, addresses: [11.0.0.5]}
        flows:
          - {id: UDP, from: a, to: b, proto: udp, action: deny}
          - {id: HOST, from: a, to: h, proto: udp, ports: [53], action: allow}
        """, file: "q.yaml")
        #expect(throws: PolicyError.self) { try CompiledPolicy.compile(q) }
    }

    @Test func presetsEmbeddedMatchFiles() throws {
        let files = try FileManager.default.contentsOfDirectory(atPath: Repo.root + "/rulesets").filter { $0.hasPrefix("mic-") && $0.hasSuffix(".yaml") }
        #expect(Set(files.map { String($0.dropLast(5)) }) == Set(PolicyLoader.presetNames))
        for f in files {
            let onDisk = try String(contentsOfFile: Repo.ruleset(f), encoding: .utf8)
            let embedded = PolicyLoader.presetText(String(f.dropLast(5)))
            #expect(embedded.map { $0 + "\n" } == onDisk, "rulesets/\(f) differs from the embedded copy: run scripts/embed-presets.sh")
        }
    }

    @Test func extendsAppendsPresetRulesAfterOwn() throws {
        let p = try PolicyLoader.load(path: Repo.ruleset("examples/iizuka.yaml"))
        let own = p.flows.filter { $0.inheritedFrom == nil }
        let inherited = p.flows.filter { $0.inheritedFrom == "mic-alpha" }
        #expect(!own.isEmpty && !inherited.isEmpty)
        #expect(p.flows.firstIndex { $0.inheritedFrom != nil }! == own.count)
        #expect(inherited.allSatisfy { $0.location.file == "preset:mic-alpha" })
    }

    @Test func unknownPresetIsAnError() {
        let e = loadError("extends: mic-gamma\nzones:\n  a: {tier: lgwan, networks: [10.0.0.0/8]}\n")
        #expect(e?.location.line == 1 && e?.location.column == 10)
        #expect(e?.message.contains("unknown preset 'mic-gamma'") == true)
    }
}
