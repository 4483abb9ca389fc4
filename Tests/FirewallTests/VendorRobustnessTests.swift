// VendorRobustnessTests: mutated fixtures and pathological inputs never crash a vendor parser; errors stay located in the input.
import Testing
import Wire
import Policy
import Firewall
@testable import FirewallParsers

/// Deterministic generator (SplitMix64) so failures reproduce.
struct SplitMix {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    mutating func below(_ n: Int) -> Int { n <= 1 ? 0 : Int(next() % UInt64(n)) }
}

@Suite struct VendorRobustnessTests {
    static let noise = ["{", "}", "[", "]", ";", "\"", "<", ">", "</entry>", "any", "host", "object-group X", "edit", "next", "end",
                        "set", "config firewall policy", "permit", "deny", "*", "-", "/", "/33", "255.255.255.255", "999999999999",
                        "inactive:", "deactivate", "ip filter", "secure filter in", "\u{0}", "é", "\t", "\r"]

    static func mutate(_ text: String, _ g: inout SplitMix) -> String {
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        for _ in 0..<(1 + g.below(3)) {
            guard !lines.isEmpty else { break }
            let i = g.below(lines.count)
            switch g.below(6) {
            case 0: lines.remove(at: i)
            case 1: lines.insert(lines[g.below(lines.count)], at: i)
            case 2:
                var words = lines[i].split(separator: " ").map(String.init)
                if !words.isEmpty { words.remove(at: g.below(words.count)) }
                lines[i] = words.joined(separator: " ")
            case 3:
                var words = lines[i].split(separator: " ").map(String.init)
                words.insert(noise[g.below(noise.count)], at: g.below(words.count + 1))
                lines[i] = words.joined(separator: " ")
            case 4: lines[i] = String(lines[i].prefix(g.below(lines[i].count + 1)))
            default: lines.swapAt(i, g.below(lines.count))
            }
        }
        return lines.joined(separator: "\n")
    }

    @Test(arguments: VendorCase.all)
    func mutatedFixturesNeverCrash(_ c: VendorCase) throws {
        var g = SplitMix(state: 0x5E6C_4EC4 ^ UInt64(c.dir.utf8.count))
        var parsed = 0, rejected = 0
        for file in c.holes + c.clean + [c.malformed.file] {
            let original = try VendorFixtures.text(c.dir, file)
            for _ in 0..<150 {
                let text = Self.mutate(original, &g)
                let lineCount = text.split(separator: "\n", omittingEmptySubsequences: false).count
                do {
                    let v = try c.format.parseVendor(text, file: "m")
                    let rs = VendorLowering.lower(v)
                    #expect(rs.chains.count == rs.attachments.count)
                    _ = v.evaluate(src: IPAddress("10.20.0.1")!, dst: IPAddress("10.10.0.1")!, proto: 6, srcPort: 49152, dstPort: 445,
                                   inInterface: c.gridInterfaces["lgwan"]!, outInterface: c.gridInterfaces["mynumber"]!)
                    parsed += 1
                } catch {
                    #expect(error.line >= 1 && error.line <= lineCount + 1 && !error.reason.isEmpty, "\(error)")
                    rejected += 1
                }
            }
        }
        // Both outcomes occur: the mutations reach the error paths and the success paths.
        #expect(parsed > 0 && rejected > 0, "parsed \(parsed), rejected \(rejected)")
    }

    @Test func pathologicalInputsAreRejectedWithLocations() {
        func fails(_ f: VendorFormat, _ text: String, line: Int, _ reason: String) {
            do { _ = try f.parseVendor(text, file: "p"); Issue.record("\(f) accepted pathological input (\(reason))") }
            catch { #expect(error.line == line && error.reason.contains(reason), "\(error)") }
        }
        fails(.junos, String(repeating: "a {\n", count: 100), line: 65, "nested too deeply")
        fails(.junos, "security { policies {\n", line: 1, "not closed")
        fails(.panos, String(repeating: "<a>", count: 300), line: 1, "nested too deeply")
        fails(.fortigate, "config firewall addrgrp\n edit \"g\"\n  set member \"g\"\n next\nend\nconfig firewall policy\n edit 1\n  set srcintf any\n  set dstintf any\n  set srcaddr \"g\"\n  set dstaddr all\n  set action accept\n  set service ALL\n next\nend\n",
              line: 2, "contains itself")
        fails(.asa, "object-group network A\n group-object A\naccess-list X extended permit ip object-group A any\n", line: 2, "refers to itself")
        fails(.yamaha, "ip filter 1 pass " + String(repeating: "1", count: 70_000) + "\n", line: 1, "longer than")
        fails(.fortigate, "config firewall policy\n edit 1\n", line: 1, "not closed")
        // Found by Fuzz/vendors (asa): an ASA access-list line that ends after `extended`.
        fails(.asa, "access-list INET-IN extended \n", line: 1, "expected permit or deny")
    }

    @Test func nonContiguousWildcardsExpand() throws {
        // 10.0.X.5 for every X: the third octet is "don't care".
        let rs = try CiscoParser.parse("ip access-list extended A\n permit ip 10.0.0.5 0.0.255.0 any\ninterface G0\n ip access-group A in\n", file: "w", flavor: .ios)
        let src = rs.filters[0].rules[0].sources
        #expect(src.ranges.count == 256)
        #expect(src.contains(IPAddress("10.0.77.5")!) && !src.contains(IPAddress("10.0.77.6")!))
    }

    @Test func diamondNestedGroupsResolveOnce() throws {
        // g0 contains g1 twice, g1 contains g2 twice, ... 30 levels: 2^30 paths unless each group is resolved once.
        var pan = "set address h ip-netmask 10.0.0.1/32\nset address-group g30 static [ h ]\n"
        var junos = "set security address-book global address h 10.0.0.1/32\nset security address-book global address-set g30 address h\n"
        for i in 0..<30 {
            pan += "set address-group g\(i) static [ g\(i + 1) g\(i + 1) ]\n"
            junos += "set security address-book global address-set g\(i) address-set g\(i + 1)\nset security address-book global address-set g\(i) address-set g\(i + 1)\n"
        }
        pan += "set rulebase security rules r from any to any source g0 destination any application any service any action allow\n"
        junos += "set security policies global policy p match source-address g0\nset security policies global policy p match destination-address any\n"
        junos += "set security policies global policy p match application any\nset security policies global policy p then permit\n"
        let a = try PaloAltoParser.parse(pan, file: "d")
        let b = try JuniperParser.parse(junos, file: "d")
        #expect(a.filters[0].rules[0].sources.contains(IPAddress("10.0.0.1")!))
        #expect(b.filters[0].rules[0].sources.contains(IPAddress("10.0.0.1")!))
    }
}
