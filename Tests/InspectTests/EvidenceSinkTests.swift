// InspectTests: the evidence file keeps every packet with its own link type: pcap while there is one, pcapng (with
// the earlier packets copied over) as soon as a second link type comes.
import Foundation
import Testing
import Capture
import Inspect

@Suite struct EvidenceSinkTests {
    func readBack(_ path: String) throws -> (format: CaptureFormat, links: [UInt32], times: [Int64], bytes: [[UInt8]]) {
        var r = try CaptureFileReader.open(path: path)
        var links: [UInt32] = [], times: [Int64] = [], bytes: [[UInt8]] = []
        while let rec = try r.next() { links.append(rec.linkType); times.append(rec.timestampNanoseconds); bytes.append(Array(rec.bytes)) }
        return (r.format, links, times, bytes)
    }

    @Test func oneLinkTypeStaysPcap() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("ev-\(UUID().uuidString).pcap").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        let sink = try EvidenceSink(path: path)
        for i in 0..<3 { [UInt8](repeating: UInt8(i), count: 20).withUnsafeBytes { sink.evidence(flowID: 1, timestamp: Int64(i) * 1000, linkType: 101, wireLength: 20, bytes: $0) } }
        sink.flush()
        #expect(sink.error == nil && sink.format == .pcap && sink.packetsWritten == 3)
        let back = try readBack(path)
        #expect(back.format == .pcap && back.links == [101, 101, 101])
    }

    @Test func secondLinkTypeTurnsTheFileIntoPcapngKeepingEveryPacket() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("ev-\(UUID().uuidString).pcap").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        let sink = try EvidenceSink(path: path)
        let packets: [(UInt32, [UInt8])] = [(1, Array(0..<60)), (1, Array(repeating: 7, count: 61)), (113, Array(repeating: 9, count: 44)),
                                            (1, Array(repeating: 5, count: 62)), (101, Array(repeating: 3, count: 28))]
        for (i, (link, b)) in packets.enumerated() {
            b.withUnsafeBytes { sink.evidence(flowID: 9, timestamp: 1_700_000_000_000_000_000 + Int64(i) * 1_000_123, linkType: link, wireLength: UInt32(b.count), bytes: $0) }
        }
        sink.flush()
        #expect(sink.error == nil, "\(sink.error ?? "")")
        #expect(sink.format == .pcapng && sink.packetsWritten == 5 && sink.skippedOtherLinkType == 0)
        let back = try readBack(path)
        #expect(back.format == .pcapng)
        #expect(back.links == packets.map(\.0))
        #expect(back.bytes == packets.map(\.1))
        #expect(back.times == (0..<5).map { 1_700_000_000_000_000_000 + Int64($0) * 1_000_123 })
        #expect(!FileManager.default.fileExists(atPath: path + ".pcapng-tmp"))
    }
}
