// VendorYamahaTests: Yamaha RTX parsing — console rejoin, filter semantics, planted holes, clean variant, located errors.
import Testing
import Wire
import Policy
@testable import FirewallParsers

@Suite struct VendorYamahaTests {
    let iface = ["mynumber": "lan1", "lgwan": "lan2", "inet": "lan3"]

    @Test func rejoinsConsoleWrappedLines() {
        let a = String(repeating: "1", count: 4)
        let first = "ip lan1 secure filter in " + Array(repeating: a, count: 10).joined(separator: " ") + " 1010"   // 79 chars
        #expect(first.count == 79)
        let text = first + "\n20 30\nip lan2 address 10.0.0.1/16\n"
        let lines = YamahaRTXParser.rejoin(text)
        #expect(lines.count == 2)
        #expect(lines[0].text.hasSuffix(" 101020 30"))
        #expect(lines[0].physicalLines == 2)
        #expect(lines[1].line == 3)
        // A 78-character line whose trailing blank was stripped gets the blank back.
        let stripped = String(first.dropLast(5)) + " 101"    // 78 chars, break fell on a space
        #expect(stripped.count == 78)
        let l2 = YamahaRTXParser.rejoin(stripped + "\n020\n")
        #expect(l2.count == 1 && l2[0].text.hasSuffix(" 101 020"))
        // A short line followed by a command word is never joined.
        #expect(YamahaRTXParser.rejoin("ip filter 1 pass * *\nip filter 2 reject * *\n").count == 2)
    }

    @Test func parsesHolesFixture() throws {
        let rs = try VendorFixtures.parse("yamaha", "holes.conf", .yamaha)
        #expect(rs.filters.map { $0.name } == ["lan1 in", "lan2 in", "lan3 in", "pp1 in"])
        let lan3 = try #require(rs.filters.first { $0.name == "lan3 in" })
        // The wrapped bind line split "2020" mid-number ("20" + "20"): the rejoined list has filter 2020 after 1010 and ten filler filters.
        #expect(lan3.rules.map { $0.name }.filter { $0 == "ip filter 2020" }.count == 1)
        #expect(lan3.rules[11].name == "ip filter 2020")
        #expect(lan3.rules.count == 1 + 2 + 8 + 1 + 3)
        let r2020 = try #require(lan3.rules.first { $0.name == "ip filter 2020" })
        #expect(r2020.services == [VendorService(proto: IPProto.udp, dstPorts: [PortRange(137, 139)])])
        #expect(r2020.sources.ranges == [IPAddress("10.30.5.25")!...IPAddress("10.30.5.25")!])
        // restrict is read as pass, with a note; 255.255.0.0 masks and reject-log parse.
        let r3010 = try #require(rs.filters[0].rules.first { $0.name == "ip filter 3010" })
        #expect(r3010.action == .permit && !r3010.notes.isEmpty)
        #expect(r3010.services == [VendorService(proto: IPProto.icmp, icmpType: 8, icmpCode: 0)])
        // The IPv6 filter line is reported, not dropped.
        #expect(rs.unsupported.contains { $0.location.line == 58 && $0.scope == .interface("lan3") })
    }

    @Test func holesFixtureHasExactlyThePlantedHoles() throws {
        let rs = try VendorFixtures.parse("yamaha", "holes.conf", .yamaha)
        #expect(Segments.allowancesPass(rs, iface: iface))
        let holes = Segments.holes(rs, iface: iface)
        #expect(holes == ["lgwan→mynumber tcp/445", "inet→lgwan udp/137", "inet→lgwan udp/139"])
    }

    @Test func cleanFixtureHasNoHoles() throws {
        let rs = try VendorFixtures.parse("yamaha", "clean.conf", .yamaha)
        #expect(Segments.allowancesPass(rs, iface: iface))
        #expect(Segments.holes(rs, iface: iface).isEmpty)
    }

    @Test func noListMeansPassAndListedOrderDecides() throws {
        let text = """
        ip filter 1 pass 10.0.0.0/8 *
        ip filter 2 reject 10.0.0.1
        ip lan1 secure filter in 1 2
        """
        let rs = try YamahaRTXParser.parse(text, file: "t.conf")
        // Filter 2 never decides (manual example): 10.0.0.1 passes by filter 1.
        let r = rs.evaluate(src: IPAddress("10.0.0.1")!, dst: IPAddress("10.1.1.1")!, proto: 6, srcPort: 1, dstPort: 80, inInterface: "lan1", outInterface: "lan2")
        #expect(r.permitted && r.deciding == ["ip filter 1"])
        // Not matching any listed filter: discarded.
        #expect(!rs.evaluate(src: IPAddress("192.168.0.1")!, dst: IPAddress("10.1.1.1")!, proto: 6, srcPort: 1, dstPort: 80, inInterface: "lan1", outInterface: "lan2").permitted)
        // lan2 has no list: everything passes.
        #expect(rs.evaluate(src: IPAddress("192.168.0.1")!, dst: IPAddress("10.1.1.1")!, proto: 6, srcPort: 1, dstPort: 80, inInterface: "lan2", outInterface: "lan1").permitted)
    }

    @Test func protocolListsPortsAndFlags() throws {
        let rs = try YamahaRTXParser.parse("""
        ip filter 10 pass * * udp,tcp 135 *
        ip filter 11 pass * 10.0.0.0/8 tcpfin * www,https
        ip filter 12 pass * * established
        ip filter 13 pass * * tcp 1024- -1023
        ip filter 14 reject * * icmp-error
        ip lan1 secure filter in 10 11 12 13 14
        """, file: "t.conf")
        let rules = rs.filters[0].rules
        #expect(rules[0].services.map { $0.proto } == [IPProto.udp, IPProto.tcp])
        #expect(rules[0].services[0].srcPorts == [PortRange(135, 135)])
        #expect(rules[1].services[0].unknown != nil && rules[1].services[0].dstPorts == [PortRange(80, 80), PortRange(443, 443)])
        #expect(rules[2].services[0].establishedOnly)
        #expect(rules[3].services[0].srcPorts == [PortRange(1024, 65535)] && rules[3].services[0].dstPorts == [PortRange(0, 1023)])
        #expect(rules[4].services.map { $0.icmpType } == [3, 4, 5, 11, 12])
    }

    @Test func malformedInputIsLocated() {
        let cases: [(String, Int, String)] = [
            ("ip filter 10 pass * *\nip filter 11 allow * *\n", 2, "unknown action"),
            ("ip filter 10 pass 10.0.0.300 *\n", 1, "bad address"),
            ("ip filter 10 pass * * tcp * 70000\n", 1, "bad port"),
            ("ip filter 10 pass * * tcp * www\nip lan1 secure filter in 10 x\n", 2, "expected a filter number"),
            ("ip pp secure filter in 1\n", 1, "outside a `pp select` block"),
        ]
        for (text, line, reason) in cases {
            do {
                _ = try YamahaRTXParser.parse(text, file: "bad.conf")
                Issue.record("expected an error for \(text)")
            } catch {
                #expect(error.line == line && error.file == "bad.conf" && error.reason.contains(reason), "\(error)")
            }
        }
    }

    @Test func malformedFixtureIsLocated() throws {
        do {
            _ = try VendorFixtures.parse("yamaha", "malformed.conf", .yamaha)
            Issue.record("malformed.conf parsed")
        } catch let e as VendorParseError {
            #expect(e.line == 9 && e.column == 36 && e.reason.contains("bad address"), "\(e)")
        }
    }
}

@Suite struct VendorYamahaAnalysisTests {
    static let interfaces = ["lan1": "mynumber", "lan2": "lgwan", "lan3": "inet"]

    @Test func analysisFindsExactlyThePlantedHoles() throws {
        let r = try VendorPolicy.check("yamaha", "holes.conf", "yamaha", interfaces: Self.interfaces)
        #expect(VendorPolicy.pairs(r) == ["lgwan>mynumber", "inet>lgwan"])
        let h1 = try #require(r.findings.first { $0.dstZone.name == "mynumber" })
        #expect(h1.rule.label == "ip filter 1050" && h1.rule.line == 34)
        #expect(h1.witness.proto == 6 && h1.witness.dstPort == 445 && h1.witness.srcPort == 49152)
        #expect(h1.witness.inInterface == "lan2" && h1.witness.outInterface == "lan1")
        #expect(!h1.uncertain)
        let h2 = try #require(r.findings.first { $0.srcZone.name == "inet" })
        #expect(h2.rule.label == "ip filter 2020")
        #expect(h2.witness.proto == 17 && (137...139).contains(h2.witness.dstPort) && h2.witness.src == IPAddress("10.30.5.25")!)
        #expect(r.notes.contains { $0.severity == .warning && $0.location.line == 58 })
    }

    @Test func analysisProvesCleanFixture() throws {
        let r = try VendorPolicy.check("yamaha", "clean.conf", "yamaha", interfaces: Self.interfaces)
        #expect(r.findings.isEmpty)
        #expect(r.proofs.count == 6)
    }

    @Test func formatIsDetected() throws {
        #expect(RuleSetFormats.detect(try VendorFixtures.text("yamaha", "holes.conf"))?.name == "yamaha")
    }
}
