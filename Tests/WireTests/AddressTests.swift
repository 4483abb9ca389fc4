import Testing
@testable import Wire

@Suite struct AddressTests {
    @Test func parsesAndPrintsIPv4() throws {
        let a = try #require(IPAddress("192.0.2.33"))
        #expect(a.isIPv4)
        #expect(a.v4Value == 0xC000_0221)
        #expect(a.description == "192.0.2.33")
        #expect(IPAddress("192.0.2.256") == nil)
        #expect(IPAddress("192.0.2") == nil)
        #expect(IPAddress("1.2.3.4.5") == nil)
        for bad in ["", ".1.2.3", "1..2.3", "1.2.3.", "1.2.3.0004", "1.2.3.-4", "1.2.3.４", "1.2.3.4 ", "1.2.3.4\u{301}"] {
            #expect(IPAddress(Substring(bad)) == nil, "\(bad)")
        }
        #expect(IPAddress("010.000.255.007")?.description == "10.0.255.7")
        #expect(IPAddress("0.0.0.0")?.v4Value == 0)
        #expect(IPAddress("255.255.255.255")?.v4Value == .max)
    }
    @Test func parsesAndPrintsIPv6() throws {
        #expect(IPAddress("2001:db8::1")?.description == "2001:db8::1")
        #expect(IPAddress("::")?.description == "::")
        #expect(IPAddress("fe80::1:0:0:2")?.description == "fe80::1:0:0:2")
        #expect(IPAddress("::ffff:10.0.0.1") == IPAddress("10.0.0.1"))
        #expect(IPAddress("1::2::3") == nil)
        #expect(IPAddress("12345::") == nil)
        #expect(IPAddress("1:2:3:4:5:6:7:8:9") == nil)
    }
    @Test func networksMaskAndContain() throws {
        let n = try #require(IPNetwork("10.20.0.0/16"))
        #expect(n.prefixLength == 112)
        #expect(n.contains(IPAddress("10.20.255.1")!))
        #expect(!n.contains(IPAddress("10.21.0.1")!))
        #expect(n.description == "10.20.0.0/16")
        #expect(n.last == IPAddress("10.20.255.255"))
        let v6 = try #require(IPNetwork("fd10::/16"))
        #expect(v6.contains(IPAddress("fd10:1::5")!))
        #expect(!v6.contains(IPAddress("fd11::5")!))
        #expect(IPNetwork("10.0.0.0/33") == nil)
        #expect(IPNetwork("10.0.0.1/24")?.address == IPAddress("10.0.0.0"))
    }
    @Test func macAddresses() {
        #expect(MACAddress("02:00:00:00:05:05")?.value == 0x0200_0000_0505)
        #expect(MACAddress("02-00-00-00-05-0A")?.description == "02:00:00:00:05:0a")
        #expect(MACAddress("02:00:00:00:05") == nil)
    }
    @Test func decodeEventNames() {
        #expect(DecodeEvent.ipv4Truncated.name == "IPV4_TRUNCATED")
        #expect(DecodeEvent.vlanTruncated.name == "VLAN_TRUNCATED")
    }
}
