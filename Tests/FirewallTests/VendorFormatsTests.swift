// VendorFormatsTests: every vendor format's fixtures — planted holes found exactly (grid oracle and symbolic analysis),
// clean variants proven, malformed files rejected with file, line and column, format auto-detection.
import Testing
import Wire
import Policy
import Firewall
@testable import FirewallParsers

struct VendorCase: CustomTestStringConvertible, Sendable {
    var dir: String
    var format: VendorFormat
    var holes: [String]
    var clean: [String]
    var malformed: (file: String, line: Int, column: Int)
    /// Policy zone → interface (or vendor zone) a packet of that zone uses, for the concrete grid oracle.
    var gridInterfaces: [String: String]
    /// Policy `interfaces:` table (as in the vendor's policy.yaml).
    var table: [String: String]
    /// Zone pairs the planted holes open.
    var holePairs: Set<String>
    /// Labels of the planted rules: each must appear in some finding's trace.
    var plantedRules: Set<String>
    /// Findings that depend on an approximation (App-ID) are marked uncertain; everything else must be certain.
    var uncertainPairs: Set<String> = []
    var testDescription: String { dir }

    static let all: [VendorCase] = [
        VendorCase(dir: "yamaha", format: .yamaha, holes: ["holes.conf"], clean: ["clean.conf"], malformed: ("malformed.conf", 9, 36),
                   gridInterfaces: ["mynumber": "lan1", "lgwan": "lan2", "inet": "lan3"],
                   table: ["lan1": "mynumber", "lan2": "lgwan", "lan3": "inet"],
                   holePairs: ["lgwan>mynumber", "inet>lgwan"], plantedRules: ["ip filter 1050", "ip filter 2020"]),
        VendorCase(dir: "ix", format: .ix, holes: ["holes.conf"], clean: ["clean.conf"], malformed: ("malformed.conf", 5, 58),
                   gridInterfaces: ["mynumber": "GigaEthernet2.0", "lgwan": "GigaEthernet1.0", "inet": "GigaEthernet0.0"],
                   table: ["GigaEthernet2.0": "mynumber", "GigaEthernet1.0": "lgwan", "GigaEthernet0.0": "inet"],
                   holePairs: ["lgwan>mynumber", "mynumber>inet"], plantedRules: ["lgwan-in (line 29)", "mn-upd (line 35)"]),
        VendorCase(dir: "fortigate", format: .fortigate, holes: ["holes.conf"], clean: ["clean.conf"], malformed: ("malformed.conf", 10, 9),
                   gridInterfaces: ["mynumber": "port1", "lgwan": "port2", "inet": "port4"],
                   table: ["port1": "mynumber", "port2": "lgwan", "port3": "inet", "port4": "inet"],
                   holePairs: ["lgwan>mynumber", "mynumber>inet", "lgwan>inet"], plantedRules: ["policy 5 \"temp-fileshare\"", "policy 50 \"internet-https\""]),
        VendorCase(dir: "ios", format: .ios, holes: ["holes.conf"], clean: ["clean.conf"], malformed: ("malformed.conf", 5, 35),
                   gridInterfaces: ["mynumber": "GigabitEthernet0/0", "lgwan": "GigabitEthernet0/1", "inet": "GigabitEthernet0/2"],
                   table: ["GigabitEthernet0/0": "mynumber", "GigabitEthernet0/1": "lgwan", "GigabitEthernet0/2": "inet"],
                   holePairs: ["lgwan>mynumber", "mynumber>lgwan", "mynumber>inet"], plantedRules: ["LGWAN-IN line 24", "ip access-group 111 in (list not defined: permits all)"]),
        VendorCase(dir: "asa", format: .asa, holes: ["holes.conf"], clean: ["clean.conf"], malformed: ("malformed.conf", 4, 52),
                   gridInterfaces: ["mynumber": "mynumber", "lgwan": "lgwan", "inet": "inet"],
                   table: ["mynumber": "mynumber", "lgwan": "lgwan", "inet": "inet"],
                   holePairs: ["mynumber>lgwan", "mynumber>inet", "lgwan>mynumber"], plantedRules: ["LGWAN-IN line 46", "security-level mynumber(100) → lgwan(50)", "security-level mynumber(100) → inet(0)"]),
        VendorCase(dir: "panos", format: .panos, holes: ["holes.set", "holes.xml"], clean: ["clean.set"], malformed: ("malformed.xml", 7, 55),
                   gridInterfaces: ["mynumber": "MN", "lgwan": "LG", "inet": "INET"],
                   table: ["MN": "mynumber", "LG": "lgwan", "INET": "inet"],
                   holePairs: ["mynumber>inet", "lgwan>inet", "lgwan>mynumber"], plantedRules: ["rule to-internet", "rule lg-dns"],
                   uncertainPairs: ["lgwan>mynumber"]),
        VendorCase(dir: "junos", format: .junos, holes: ["holes.set", "holes.conf"], clean: ["clean.conf"], malformed: ("malformed.conf", 6, 51),
                   gridInterfaces: ["mynumber": "mynumber", "lgwan": "lgwan", "inet": "internet"],
                   table: ["mynumber": "mynumber", "lgwan": "lgwan", "internet": "inet"],
                   holePairs: ["lgwan>mynumber", "mynumber>lgwan", "inet>lgwan"], plantedRules: ["policy lgwan→mynumber file-share", "global policy allow-ntp"]),
    ]
}

@Suite struct VendorFormatsTests {
    @Test(arguments: VendorCase.all)
    func gridOracleSeesExactlyThePlantedHoles(_ c: VendorCase) throws {
        for file in c.holes {
            let rs = try VendorFixtures.parse(c.dir, file, c.format)
            #expect(Segments.allowancesPass(rs, iface: c.gridInterfaces), "\(file): policy allowances blocked")
            let holes = Segments.holes(rs, iface: c.gridInterfaces)
            let pairs = Set(holes.map { String($0.split(separator: " ")[0]).replacingOccurrences(of: "→", with: ">") })
            #expect(pairs == c.holePairs, "\(file): \(holes.sorted())")
        }
        for file in c.clean {
            let rs = try VendorFixtures.parse(c.dir, file, c.format)
            #expect(Segments.allowancesPass(rs, iface: c.gridInterfaces), "\(file): policy allowances blocked")
            #expect(Segments.holes(rs, iface: c.gridInterfaces).isEmpty, "\(file)")
        }
    }

    @Test(arguments: VendorCase.all)
    func analysisFindsPlantedHolesAndProvesCleanVariants(_ c: VendorCase) throws {
        for file in c.holes {
            let r = try VendorPolicy.check(c.dir, file, c.format.formatName, interfaces: c.table)
            #expect(VendorPolicy.pairs(r) == c.holePairs, "\(file): \(r.findings.map { "\($0.srcZone.name)>\($0.dstZone.name) \($0.rule.label ?? "") \($0.witness)" })")
            let traced = Set(r.findings.flatMap { $0.trace.compactMap { $0.label } + [$0.rule.label].compactMap { $0 } })
            #expect(c.plantedRules.isSubset(of: traced), "\(file): traces name \(traced.sorted())")
            #expect(Set(r.findings.filter { $0.uncertain }.map { "\($0.srcZone.name)>\($0.dstZone.name)" }) == c.uncertainPairs, "\(file)")
            for f in r.findings {
                // Witnesses are real packets between the two zones, decided by a rule of the file (not a default).
                #expect(Segments.zone(of: f.witness.src) == f.srcZone.name && Segments.zone(of: f.witness.dst) == f.dstZone.name)
                #expect(f.rule.file.hasSuffix(file) && f.rule.line > 0)
            }
        }
        for file in c.clean {
            let r = try VendorPolicy.check(c.dir, file, c.format.formatName, interfaces: c.table)
            #expect(r.findings.isEmpty, "\(file): \(r.findings.map { "\($0.srcZone.name)>\($0.dstZone.name) \($0.rule.label ?? "") \($0.witness)" })")
            #expect(r.proofs.count == 6, "\(file)")
        }
    }

    @Test(arguments: VendorCase.all)
    func malformedFixtureGivesLocatedError(_ c: VendorCase) throws {
        let text = try VendorFixtures.text(c.dir, c.malformed.file)
        let path = VendorFixtures.path(c.dir, c.malformed.file)
        do {
            _ = try VendorLowering.parse(text, file: path, format: c.format)
            Issue.record("\(c.malformed.file) parsed")
        } catch {
            #expect(error.location.file == path)
            #expect(error.location.line == c.malformed.line && error.location.column == c.malformed.column, "\(error)")
        }
    }

    @Test(arguments: VendorCase.all)
    func formatIsDetected(_ c: VendorCase) throws {
        for file in c.holes + c.clean {
            #expect(RuleSetFormats.detect(try VendorFixtures.text(c.dir, file))?.name == c.format.formatName, "\(file)")
        }
    }
}


@Suite struct VendorFormatNamesTests {
    @Test func everyBriefFormatNameResolves() {
        for name in ["yamaha", "ix", "fortigate", "ios", "asa", "panos", "junos", "iptables", "nft"] {
            #expect(RuleSetFormats.named(name) != nil, "\(name)")
        }
        #expect(RuleSetFormats.named("cisco") == nil)
    }
}
