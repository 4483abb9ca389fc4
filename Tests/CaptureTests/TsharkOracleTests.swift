// CaptureTests: the decoder's outer and inner addresses against tshark's dissection of real tunnel captures from
// the tcpdump corpus (an independent implementation as the oracle). Skipped when tshark is not installed.
import Testing
import Foundation
import Capture
import Wire

@Suite struct TsharkOracleTests {
    static let tshark = ["/usr/bin/tshark", "/usr/local/bin/tshark"].first { FileManager.default.isExecutableFile(atPath: $0) }

    /// Per packet: the IP source/destination address lists tshark dissected, outermost first.
    func tsharkAddresses(_ file: String, extra: [String]) throws -> [(src: [String], dst: [String])] {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: Self.tshark!)
        p.arguments = ["-r", file] + extra + ["-T", "fields", "-E", "occurrence=a", "-E", "aggregator=,",
                                              "-e", "ip.src", "-e", "ip.dst", "-e", "ipv6.src", "-e", "ipv6.dst"]
        let out = Pipe(); p.standardOutput = out; p.standardError = Pipe()
        try p.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return String(decoding: data, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false).dropLast().map { line in
            let f = line.split(separator: "\t", omittingEmptySubsequences: false).map { $0.split(separator: ",").map(String.init) }
            // IPv4 and IPv6 layers listed separately; these files use one family per packet.
            return (src: f[0] + f[2], dst: f[1] + f[3])
        }
    }

    @Test(.enabled(if: tshark != nil), arguments: [
        ("vxlan.pcap", [String]()),
        ("vxlan_port_8472.pcap", ["-d", "udp.port==8472,vxlan"]),
        ("wccp_redirect_gre.pcap", []),
        ("erspan-type-ii-1.pcap", []), ("erspan-type-ii-2.pcap", []), ("erspan-type-ii-3.pcap", []),
        ("erspan-type-iii-ft-0.pcap", []), ("erspan-type-iii-pb-1.pcap", []),
        ("ipv6-srh-ext-header.pcap", []),
        ("LINKTYPE_RAW_ipv4.pcap", []), ("LINKTYPE_RAW_ipv6.pcap", []),
        ("mpls-traceroute.pcap", []), ("icmpv6.pcap", []), ("bigtcp-ipv6-hbh.pcap", []),
    ])
    func decoderAgreesWithTshark(file: String, extra: [String]) throws {
        let path = SharedPaths.corpus + "/" + file
        let expected = try tsharkAddresses(path, extra: extra)
        var reader = try CaptureFileReader.open(path: path)
        var p = DecodedPacket()
        var i = 0, compared = 0
        while let rec = try reader.next() {
            defer { i += 1 }
            Decoder.decode(rec, into: &p)
            guard i < expected.count, p.status == .decoded, let firstSrc = expected[i].src.first else { continue }
            let (srcs, dsts) = expected[i]
            if p.tunnelDepth > 0 {
                #expect(p.outer.src.description == firstSrc && p.outer.dst.description == dsts.first, "\(file) #\(i + 1)")
                #expect(p.tuple.src.description == srcs.last && p.tuple.dst.description == dsts.last, "\(file) #\(i + 1)")
            } else {
                // Not tunnelled (or the tunnel's payload was not IP): the only IP layer tshark saw before any
                // ICMP-quoted header is ours.
                #expect(p.tuple.src.description == firstSrc && p.tuple.dst.description == dsts.first, "\(file) #\(i + 1)")
            }
            compared += 1
        }
        #expect(i == expected.count, "\(file): packet counts differ")
        #expect(compared > 0, "\(file): nothing compared")
    }
}
