// VendorSupport: fixture lookup and a packet-grid oracle shared by the vendor parser tests.
import Testing
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Wire
import Policy
@testable import FirewallParsers

enum VendorFixtures {
    /// Tests/FirewallTests/Fixtures/vendors, found from this file's path.
    static let root: String = {
        var p = #filePath
        while let slash = p.lastIndex(of: "/"), !p.hasSuffix("/FirewallTests") { p = String(p[..<slash]) }
        return p + "/Fixtures/vendors"
    }()
    static func path(_ vendor: String, _ file: String) -> String { "\(root)/\(vendor)/\(file)" }
    static func text(_ vendor: String, _ file: String) throws -> String {
        guard let f = fopen(path(vendor, file), "rb") else { throw VendorParseError(file: path(vendor, file), line: 0, column: 0, reason: "cannot open") }
        defer { fclose(f) }
        var bytes: [UInt8] = []
        var buf = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = fread(&buf, 1, buf.count, f)
            if n <= 0 { break }
            bytes += buf[0..<n]
        }
        return String(decoding: bytes, as: UTF8.self)
    }
    static func parse(_ vendor: String, _ file: String, _ format: VendorFormat) throws -> VendorRuleSet {
        try format.parseVendor(try text(vendor, file), file: path(vendor, file))
    }
}

/// The fixtures' segments and the policy's two allowances (same in every vendor's policy.yaml).
enum Segments {
    static let zones: [(name: String, prefix: UInt32)] = [("mynumber", 0x0A0A_0000), ("lgwan", 0x0A14_0000), ("inet", 0x0A1E_0000)]
    static func zone(of a: IPAddress) -> String? {
        zones.first { a.isIPv4 && (a.v4Value & 0xFFFF_0000) == $0.prefix }?.name
    }
    static func allowed(src: IPAddress, dst: IPAddress, proto: UInt8, dport: UInt16) -> Bool {
        if src == IPAddress("10.30.5.25")! && dst == IPAddress("10.20.5.25")! && proto == IPProto.tcp && dport == 25 { return true }
        if zone(of: src) == "lgwan", (IPAddress("10.30.8.10")!...IPAddress("10.30.8.19")!).contains(dst), proto == IPProto.tcp, dport == 3389 { return true }
        return false
    }
    static let hostSuffixes: [UInt32] = [0x0001, 0x007B, 0x0119, 0x0519, 0x080C, 0xFFFE]   // .0.1 .0.123 .1.25 .5.25 .8.12 .255.254
    static let ports: [UInt16] = [22, 23, 25, 53, 80, 123, 135, 137, 139, 443, 445, 1433, 3389, 8080]

    /// Every forbidden cross-zone packet of the grid the configuration permits, as "src→dst proto/port" signatures
    /// (zone names, protocol name, destination port or ICMP type).
    static func holes(_ rs: VendorRuleSet, iface: [String: String]) -> Set<String> {
        var out = Set<String>()
        for s in zones {
            for d in zones where d.name != s.name {
                for sh in hostSuffixes {
                    for dh in hostSuffixes {
                        let src = IPAddress(v4: s.prefix | sh), dst = IPAddress(v4: d.prefix | dh)
                        var probes: [(UInt8, UInt16, UInt16)] = ports.map { (IPProto.tcp, 49152, $0) } + ports.map { (IPProto.udp, 49152, $0) }
                        probes.append((IPProto.icmp, 8, 0))
                        probes.append((IPProto.gre, 0, 0))
                        for (p, sp, dp) in probes {
                            if allowed(src: src, dst: dst, proto: p, dport: dp) { continue }
                            let r = rs.evaluate(src: src, dst: dst, proto: p, srcPort: sp, dstPort: dp,
                                                inInterface: iface[s.name]!, outInterface: iface[d.name]!)
                            if r.permitted {
                                let pn = p == IPProto.tcp ? "tcp" : p == IPProto.udp ? "udp" : p == IPProto.icmp ? "icmp" : "ip\(p)"
                                out.insert("\(s.name)→\(d.name) \(pn)/\(p == IPProto.icmp ? sp : dp)")
                            }
                        }
                    }
                }
            }
        }
        return out
    }

    /// The two policy allowances, checked as concrete packets.
    static func allowancesPass(_ rs: VendorRuleSet, iface: [String: String]) -> Bool {
        let mail = rs.evaluate(src: IPAddress("10.30.5.25")!, dst: IPAddress("10.20.5.25")!, proto: IPProto.tcp, srcPort: 49152, dstPort: 25,
                               inInterface: iface["inet"]!, outInterface: iface["lgwan"]!)
        let screen = rs.evaluate(src: IPAddress("10.20.1.1")!, dst: IPAddress("10.30.8.12")!, proto: IPProto.tcp, srcPort: 49152, dstPort: 3389,
                                 inInterface: iface["lgwan"]!, outInterface: iface["inet"]!)
        return mail.permitted && screen.permitted
    }
}
