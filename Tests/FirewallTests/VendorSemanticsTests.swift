// VendorSemanticsTests: per-format details — rule counts, equivalent input forms, object resolution, ports, negation, ordering.
import Testing
import Wire
import Policy
@testable import FirewallParsers

@Suite struct VendorSemanticsTests {
    func ip(_ s: String) -> IPAddress { IPAddress(s)! }

    @Test func junosSetAndBraceFormsAgree() throws {
        let a = try VendorFixtures.parse("junos", "holes.set", .junos)
        let b = try VendorFixtures.parse("junos", "holes.conf", .junos)
        func key(_ r: VendorRule) -> String { "\(r.name) \(r.action) \(r.sources) \(r.destinations) \(r.services) \(r.fromZones) \(r.toZones)" }
        #expect(a.filters[0].rules.map(key) == b.filters[0].rules.map(key))
        #expect(a.filters[0].rules.count == 5)            // mail-text, screen, file-share, deny-rest, allow-ntp (old-any inactive)
        #expect(a.zoneInterfaces == b.zoneInterfaces && a.zoneInterfaces["lgwan"] == ["ge-0/0/2.0"])
        // Global policies come after every zone-pair policy, whatever their place in the file.
        #expect(a.filters[0].rules.last?.name == "global policy allow-ntp")
        let cifs = try #require(a.filters[0].rules.first { $0.name.hasSuffix("file-share") })
        #expect(cifs.services.flatMap { $0.dstPorts } == [PortRange(139, 139), PortRange(445, 445)])
    }

    @Test func panosSetAndXMLFormsAgree() throws {
        let a = try VendorFixtures.parse("panos", "holes.set", .panos)
        let b = try VendorFixtures.parse("panos", "holes.xml", .panos)
        func key(_ r: VendorRule) -> String { "\(r.name) \(r.action) \(r.sources) \(r.destinations) \(r.services) \(r.fromZones) \(r.toZones) \(r.unknowns)" }
        #expect(a.filters[0].rules.map(key) == b.filters[0].rules.map(key))
        #expect(a.filters[0].rules.map { $0.name } == ["rule mail-text", "rule screen", "rule to-internet", "rule lg-dns", "rule block-smb"])
        #expect(a.zoneInterfaces["INET"] == ["ethernet1/3", "ethernet1/4"] && b.zoneInterfaces["INET"] == ["ethernet1/3", "ethernet1/4"])
        #expect(a.filters[0].intraZoneDefaultPermit)
        let neg = a.filters[0].rules[2]
        #expect(neg.destinations.negated && !neg.destinations.contains(ip("10.10.1.1")) && neg.destinations.contains(ip("10.30.1.1")))
        // App-ID: dns with application-default is tcp/udp 53 and an unknown condition.
        let dns = a.filters[0].rules[3]
        #expect(Set(dns.services.map { $0.proto }) == [IPProto.tcp, IPProto.udp] && dns.unknowns == ["App-ID dns"])
        // Intrazone traffic is allowed by default, interzone denied.
        #expect(a.evaluate(src: ip("10.20.0.1"), dst: ip("10.20.0.2"), proto: 6, srcPort: 1, dstPort: 9, inInterface: "LG", outInterface: "LG").permitted)
        #expect(!a.evaluate(src: ip("10.20.0.1"), dst: ip("10.30.0.2"), proto: 6, srcPort: 1, dstPort: 9, inInterface: "LG", outInterface: "INET").permitted)
    }

    @Test func fortigateListOrderObjectsAndDisabledPolicies() throws {
        let rs = try VendorFixtures.parse("fortigate", "holes.conf", .fortigate)
        let rules = rs.filters[0].rules
        // List order (10, 20, 5, 40, 50), not id order; policy 30 is disabled.
        #expect(rules.map { $0.name } == ["policy 10 \"mail-text\"", "policy 20 \"screen-transfer\"", "policy 5 \"temp-fileshare\"",
                                          "policy 40 \"inet-deny-local\"", "policy 50 \"internet-https\""])
        #expect(rs.unsupported.contains { $0.skipped && $0.text.hasPrefix("edit 30") })
        #expect(rs.zoneInterfaces["INET"] == ["port3", "port4"])
        #expect(rules[2].services.flatMap { $0.dstPorts } == [PortRange(445, 445), PortRange(139, 139), PortRange(3389, 3389)])
        #expect(rules[1].destinations.ranges == [ip("10.30.8.10")...ip("10.30.8.19")])
        let fs = try FortiGateParser.parse("""
        config firewall service custom
            edit "HI"
                set tcp-portrange 8080-8090:1024-65535 22
            next
        end
        config firewall policy
            edit 1
                set srcintf "port1"
                set dstintf "port2"
                set srcaddr "all"
                set dstaddr "all"
                set action accept
                set service "HI"
                set service-negate enable
                set schedule "weekdays"
            next
        end
        """, file: "f")
        let r = fs.filters[0].rules[0]
        #expect(r.services == [VendorService(proto: 6, srcPorts: [PortRange(1024, 65535)], dstPorts: [PortRange(8080, 8090)]),
                               VendorService(proto: 6, dstPorts: [PortRange(22, 22)])])
        #expect(r.servicesNegated && r.unknowns == ["schedule weekdays"])
    }

    @Test func ciscoOperatorsAndObjects() throws {
        let rs = try CiscoParser.parse("""
        object-group service WEB
         tcp eq www 443
         tcp-udp eq domain
        ip access-list extended T
         10 permit tcp any host 10.0.0.1 neq 22
         20 permit udp any gt 1023 any lt 1024
         30 permit object-group WEB any any
         40 permit icmp any any echo-reply
         50 deny ip any any time-range WORKHOURS
        access-list 5 permit host 10.1.1.1
        interface Gi0/0
         ip access-group T in
         ip access-group 5 out
        """, file: "c", flavor: .ios)
        let t = rs.filters[0].rules
        #expect(t[0].services[0].dstPorts == [PortRange(0, 21), PortRange(23, 65535)])
        #expect(t[1].services[0].srcPorts == [PortRange(1024, 65535)] && t[1].services[0].dstPorts == [PortRange(0, 1023)])
        #expect(t[2].services == [VendorService(proto: 6, dstPorts: [PortRange(80, 80), PortRange(443, 443)]),
                                  VendorService(proto: 6, dstPorts: [PortRange(53, 53)]), VendorService(proto: 17, dstPorts: [PortRange(53, 53)])])
        #expect(t[3].services == [VendorService(proto: IPProto.icmp, icmpType: 0)])
        #expect(t[4].unknowns == ["time-range WORKHOURS"])
        // Standard list 5 matches the source only.
        let std = rs.filters[1].rules[0]
        #expect(std.sources.ranges == [ip("10.1.1.1")...ip("10.1.1.1")] && std.destinations.isAny && std.services.isEmpty)
    }

    @Test func asaSecurityLevelsAndInactive() throws {
        let rs = try VendorFixtures.parse("asa", "holes.conf", .asa)
        let inet = try #require(rs.filters.first { $0.name.hasPrefix("inet in") })
        #expect(inet.rules.count == 2)   // the inactive icmp entry is skipped
        let mn = try #require(rs.filters.first { $0.name.hasPrefix("mynumber in (security-level") })
        #expect(Set(mn.rules.flatMap { $0.toZones }) == ["lgwan", "inet"])
        #expect(rs.zoneInterfaces["lgwan"] == ["GigabitEthernet0/1"])
    }

    @Test func ixSequenceOrderAndEntryOrder() throws {
        let rs = try VendorFixtures.parse("ix", "holes.conf", .ix)
        let mn = try #require(rs.filters.first { $0.name == "GigaEthernet2.0 in" })
        // mn-upd (SEQ 5) before mn-in (SEQ 10), whatever the order of the `ip filter` lines.
        #expect(mn.rules.first?.name.hasPrefix("mn-upd") == true)
        #expect(mn.rules.count == 5)
        let lg = try #require(rs.filters.first { $0.name == "GigaEthernet1.0 in" })
        #expect(lg.rules.map { $0.action } == [.permit, .permit, .permit, .deny, .permit, .deny])
        // `no ip access-list` removes an entry; re-adding puts it at the end.
        let moved = try NECIXParser.parse("""
        ip access-list a deny ip src any dest 10.10.0.0/16
        ip access-list a permit ip src any dest any
        no ip access-list a deny ip src any dest 10.10.0.0/16
        ip access-list a deny ip src any dest 10.10.0.0/16
        interface GigaEthernet1.0
          ip filter a 1 in
        """, file: "m")
        #expect(moved.filters[0].rules.map { $0.action } == [.permit, .deny])
    }

    @Test func fortigateVDOMWrapperIsTransparent() throws {
        let rs = try FortiGateParser.parse("""
        config vdom
        edit root
        config firewall address
            edit "LG"
                set subnet 10.20.0.0 255.255.0.0
            next
        end
        config firewall policy
            edit 1
                set srcintf "port2"
                set dstintf "port1"
                set srcaddr "LG"
                set dstaddr "all"
                set action accept
                set service "HTTPS"
            next
        end
        end
        """, file: "v")
        let r = rs.filters[0].rules[0]
        #expect(r.sources.ranges == [IPAddress("10.20.0.0")!...IPAddress("10.20.255.255")!] && r.sources.unresolved.isEmpty)
        #expect(rs.unsupported.isEmpty)
    }

    @Test func junosSetFormBracketLists() throws {
        let rs = try JuniperParser.parse("""
        set security zones security-zone a address-book address h1 10.0.0.1/32
        set security zones security-zone a address-book address h2 10.0.0.2/32
        set security policies from-zone a to-zone b policy p match source-address [ h1 h2 ]
        set security policies from-zone a to-zone b policy p match destination-address any
        set security policies from-zone a to-zone b policy p match application [ junos-http junos-https ]
        set security policies from-zone a to-zone b policy p then permit
        """, file: "j")
        let r = rs.filters[0].rules[0]
        #expect(r.sources.ranges == [IPAddress("10.0.0.1")!...IPAddress("10.0.0.2")!] && r.sources.unresolved.isEmpty)   // adjacent hosts merge
        #expect(r.services.flatMap { $0.dstPorts } == [PortRange(80, 80), PortRange(443, 443)])
        #expect(rs.unsupported.isEmpty)
    }
}
