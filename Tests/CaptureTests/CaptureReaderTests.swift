// CaptureTests: pcap and pcapng reading in every variant the reviewer meets, gzip, stdin, errors and directories.
import Testing
import Foundation
import Capture
import Wire

/// Reads every record of `path`; returns the records (bytes copied) and the error that stopped reading, if any.
func readAll(_ path: String) -> (records: [(ts: Int64, link: UInt32, iface: UInt32, caplen: UInt32, wire: UInt32, bytes: [UInt8])], error: CaptureError?) {
    var out: [(ts: Int64, link: UInt32, iface: UInt32, caplen: UInt32, wire: UInt32, bytes: [UInt8])] = []
    do {
        var r = try CaptureFileReader.open(path: path)
        while let rec = try r.next() {
            out.append((rec.timestampNanoseconds, rec.linkType, rec.interfaceIndex, rec.capturedLength, rec.wireLength, Array(rec.bytes)))
        }
        return (out, nil)
    } catch {
        return (out, error)
    }
}

@Suite struct CaptureReaderTests {
    let pkt1: [UInt8] = Array(0..<60)
    let pkt2: [UInt8] = Array(repeating: 0xAB, count: 7)

    @Test(arguments: [(false, false), (true, false), (false, true), (true, true)])
    func classicPcapBothByteOrdersMicroAndNano(bigEndian: Bool, nanosecond: Bool) throws {
        let dir = TempDir()
        let file = dir.file("a.pcap", pcapFile(bigEndian: bigEndian, nanosecond: nanosecond, linkType: 1, packets: [
            (1_700_000_000, 123_456, pkt1, 1514), (1_700_000_001, 999_999, pkt2, nil)]))
        let (recs, err) = readAll(file)
        #expect(err == nil)
        try #require(recs.count == 2)
        let unit: Int64 = nanosecond ? 1 : 1000
        #expect(recs[0].ts == 1_700_000_000 * 1_000_000_000 + 123_456 * unit)
        #expect(recs[1].ts == 1_700_000_001 * 1_000_000_000 + 999_999 * unit)
        #expect(recs[0].bytes == pkt1 && recs[0].caplen == 60 && recs[0].wire == 1514 && recs[0].link == 1)
        #expect(recs[1].bytes == pkt2)
    }

    @Test func pcapngInterfacesWithDifferentLinkTypesResolutionsAndSections() throws {
        var b = PcapngBuilder(bigEndian: false)
        b.section()
        b.interface(linkType: 1)                              // Ethernet, default µs
        b.interface(linkType: 113, tsresol: 9)                // Linux SLL, ns
        b.interface(linkType: 101, tsresol: 0x80 | 10, tsoffset: 100)   // raw IP, 2^-10 s units, +100 s
        b.enhanced(interface: 0, timestamp: 1_700_000_000_123_456, bytes: pkt1, wire: 1000)
        b.unknown(type: 0x0000_0BAD)
        b.enhanced(interface: 1, timestamp: 1_700_000_000_123_456_789, bytes: pkt2)
        b.enhanced(interface: 2, timestamp: 3 * 1024 + 512, bytes: pkt2)
        b.simple(bytes: pkt1 + [0, 0, 0, 0], wire: 60)        // padded body: caplen comes from the wire length
        b.obsolete(interface: 1, timestamp: 5, bytes: pkt2)
        // A second section, big-endian, whose only interface is raw IPv6.
        b.section(bigEndian: true)
        b.interface(linkType: 229, tsresol: 3)
        b.enhanced(interface: 0, timestamp: 42, bytes: pkt1)
        let dir = TempDir()
        let file = dir.file("multi.pcapng", b.data)
        let (recs, err) = readAll(file)
        #expect(err == nil)
        try #require(recs.count == 6)
        #expect(recs[0].link == 1 && recs[0].iface == 0 && recs[0].ts == 1_700_000_000_123_456_000 && recs[0].wire == 1000)
        #expect(recs[1].link == 113 && recs[1].iface == 1 && recs[1].ts == 1_700_000_000_123_456_789)
        #expect(recs[2].link == 101 && recs[2].ts == 100_000_000_000 + 3_500_000_000)
        #expect(recs[3].link == 1 && recs[3].bytes == pkt1 && recs[3].ts == 0)
        #expect(recs[4].link == 113 && recs[4].ts == 5)
        #expect(recs[5].link == 229 && recs[5].iface == 0 && recs[5].ts == 42_000_000)
        // Debian's libpcap 1.10.3 stops at the second interface (its link type differs from the first one's):
        // the reason the native reader exists.
        var libpcapPackets = 0, libpcapFailed = false
        do {
            var lp = try LibpcapFileReader.open(path: file)
            while try lp.next() != nil { libpcapPackets += 1 }
        } catch { libpcapFailed = true }
        #expect(libpcapFailed && libpcapPackets < 6)
    }

    @Test func gzipAndPlainReadTheSame() throws {
        let dir = TempDir()
        var many: [(sec: UInt32, frac: UInt32, bytes: [UInt8], wire: UInt32?)] = []
        for i in 0..<5000 { many.append((UInt32(i), 0, Array(repeating: UInt8(i & 0xFF), count: 60 + i % 1400), nil)) }
        let data = pcapFile(bigEndian: false, nanosecond: false, linkType: 1, packets: many)
        let plain = dir.file("p.pcap", data)
        let gz = try gzipFile(dir.file("z.pcap", data))
        let a = readAll(plain), b = readAll(gz)
        #expect(a.error == nil && b.error == nil)
        #expect(a.records.count == 5000 && b.records.count == 5000)
        #expect(a.records.map(\.bytes) == b.records.map(\.bytes))
        #expect(b.records[4999].bytes.count == 60 + 4999 % 1400)
    }

    @Test func truncatedFileDeliversEarlierPacketsThenNamesFileAndOffset() throws {
        let dir = TempDir()
        let data = pcapFile(bigEndian: false, nanosecond: false, linkType: 1, packets: [(1, 0, pkt1, nil), (2, 0, pkt1, nil)])
        let file = dir.file("cut.pcap", data.prefix(data.count - 10))
        let (recs, err) = readAll(file)
        #expect(recs.count == 1)
        let e = try #require(err)
        #expect(e.kind == .truncated && e.file == file)
        #expect(e.offset == 24 + 16 + 60)          // where the second record starts
        #expect(e.description.contains("cut.pcap") && e.description.contains("truncated"))
        // Truncated inside a gzip stream: a clear error too, after what was readable.
        let gz = try gzipFile(dir.file("cut2.pcap", data))
        let whole = try Data(contentsOf: URL(fileURLWithPath: gz))
        let cutgz = dir.file("cut3.pcap.gz", whole.prefix(whole.count - 12))
        let (recs2, err2) = readAll(cutgz)
        #expect(recs2.count <= 2)
        #expect(err2?.file == cutgz)
    }

    @Test func corruptInputsGiveNamedErrors() throws {
        let dir = TempDir()
        let text = dir.file("notes.txt", Data("hello, this is not a capture".utf8))
        #expect(readAll(text).error?.kind == .notACapture)
        let empty = dir.file("empty.pcap", Data())
        #expect(readAll(empty).error?.kind == .notACapture)
        #expect(readAll(dir.path + "/missing.pcap").error?.kind == .unreadable)
        // A record claiming 1 GB.
        var bad = pcapFile(bigEndian: false, nanosecond: false, linkType: 1, packets: [(1, 0, pkt1, nil)])
        bad.append(contentsOf: [1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x40, 0, 0, 0, 0x40])
        let (recs, err) = readAll(dir.file("huge.pcap", bad))
        #expect(recs.count == 1 && err?.kind == .corrupt && err?.offset == 24 + 16 + 60)
        // pcapng: a packet for an interface that was never described; and a block whose lengths disagree.
        var b = PcapngBuilder(bigEndian: false)
        b.section(); b.interface(linkType: 1); b.enhanced(interface: 0, timestamp: 1, bytes: pkt1)
        b.enhanced(interface: 3, timestamp: 2, bytes: pkt1)
        let (r2, e2) = readAll(dir.file("iface.pcapng", b.data))
        #expect(r2.count == 1 && e2?.kind == .corrupt && e2!.reason.contains("interface 3"))
        var c = PcapngBuilder(bigEndian: true)
        c.section(); c.interface(linkType: 1); c.enhanced(interface: 0, timestamp: 1, bytes: pkt1)
        var d = c.data
        d[d.count - 1] ^= 0x04                       // trailing length no longer matches
        let (r3, e3) = readAll(dir.file("len.pcapng", d))
        #expect(r3.isEmpty && e3?.kind == .corrupt)
    }

    @Test func standardInputIsReadWithDash() throws {
        let dir = TempDir()
        let gz = try gzipFile(dir.file("s.pcap", pcapFile(bigEndian: true, nanosecond: true, linkType: 1,
                                                              packets: [(9, 8, pkt1, nil), (10, 7, pkt2, nil)])))
        let fd = open(gz, O_RDONLY)
        let saved = dup(0)
        dup2(fd, 0); close(fd)
        defer { dup2(saved, 0); close(saved) }
        let (recs, err) = readAll("-")
        #expect(err == nil)
        #expect(recs.map(\.ts) == [9_000_000_008, 10_000_000_007])
    }

    @Test func directoriesExpandRecursivelyInFirstPacketTimeOrder() throws {
        let dir = TempDir()
        let late = dir.file("a/late.pcap", pcapFile(bigEndian: false, nanosecond: false, linkType: 1, packets: [(300, 0, pkt1, nil)]))
        let early = dir.file("b/c/early.pcap", pcapFile(bigEndian: false, nanosecond: false, linkType: 1, packets: [(100, 0, pkt1, nil)]))
        var ng = PcapngBuilder(bigEndian: false)
        ng.section(); ng.interface(linkType: 1); ng.enhanced(interface: 0, timestamp: 200_000_000, bytes: pkt1)
        let middle = try gzipFile(dir.file("z/middle.pcapng", ng.data))
        let empty = dir.file("empty.pcap", pcapFile(bigEndian: false, nanosecond: false, linkType: 1, packets: []))
        _ = dir.file("README.txt", Data("not a capture".utf8))
        _ = dir.file(".hidden.pcap", Data())
        let explicitFirst = dir.file("x.cap", pcapFile(bigEndian: false, nanosecond: false, linkType: 1, packets: [(999, 0, pkt1, nil)]))
        let order = try CaptureInputs.expand([explicitFirst, dir.path + "/", "-"])
        // x.cap is named explicitly first, and also found in the directory (first packet at 999 s); the empty
        // capture has no first packet and sorts last; README.txt and the hidden file are not captures.
        #expect(order == [explicitFirst, early, middle, late, explicitFirst, empty, "-"])
    }

    @Test func writerRoundTripsThroughReaderAndLibpcap() throws {
        let dir = TempDir()
        let path = dir.path + "/evidence.pcap"
        var w = try PcapWriter.create(path: path, linkType: 1)
        let b1 = rawCopy(pkt1), b2 = rawCopy(pkt2)
        defer { b1.deallocate(); b2.deallocate() }
        try w.write(timestampNanoseconds: 1_700_000_000_000_000_001, bytes: UnsafeRawBufferPointer(b1), wireLength: 1500)
        try w.write(timestampNanoseconds: 5, bytes: UnsafeRawBufferPointer(b2))
        try w.close()
        let (recs, err) = readAll(path)
        #expect(err == nil)
        #expect(recs.count == 2 && recs[0].ts == 1_700_000_000_000_000_001 && recs[0].wire == 1500 && recs[1].bytes == pkt2)
        var lp = try LibpcapFileReader.open(path: path)
        let first = try #require(try lp.next())
        #expect(first.timestampNanoseconds == 1_700_000_000_000_000_001 && Array(first.bytes) == pkt1)
        // A record of another link type is refused, not silently mislabelled.
        var w2 = try PcapWriter.create(path: dir.path + "/e2.pcap", linkType: 1)
        let rec = PacketRecord(timestampNanoseconds: 0, capturedLength: 60, wireLength: 60, linkType: 113, interfaceIndex: 0,
                               bytes: UnsafeRawBufferPointer(b1))
        var refused = false
        do { try w2.write(rec) } catch { refused = error.kind == .writeFailed && error.reason.contains("link type 113") }
        #expect(refused)
        #expect(w2.packetsWritten == 0)
    }
}

/// A heap copy of `bytes` the caller deallocates.
func rawCopy(_ bytes: [UInt8]) -> UnsafeMutableRawBufferPointer {
    let p = UnsafeMutableRawBufferPointer.allocate(byteCount: max(1, bytes.count), alignment: 16)
    p.copyBytes(from: bytes)
    return UnsafeMutableRawBufferPointer(rebasing: p[0..<bytes.count])
}

@Suite struct CaptureSequenceReaderTests {
    @Test func readsFilesInOrderAndContinuesAfterAFailingOne() throws {
        let dir = TempDir()
        let pkt: [UInt8] = Array(0..<40)
        let a = dir.file("a.pcap", pcapFile(bigEndian: false, nanosecond: false, linkType: 1, packets: [(1, 0, pkt, nil), (2, 0, pkt, nil)]))
        let full = pcapFile(bigEndian: true, nanosecond: true, linkType: 1, packets: [(3, 0, pkt, nil), (4, 0, pkt, nil)])
        let cut = dir.file("cut.pcap", full.prefix(full.count - 5))
        let c = dir.file("c.pcap", pcapFile(bigEndian: false, nanosecond: false, linkType: 101, packets: [(5, 0, pkt, nil)]))
        var reader = CaptureSequenceReader(paths: [a, dir.path + "/missing.pcap", cut, c])
        var seconds: [Int64] = [], errors: [String] = []
        while true {
            do {
                guard let rec = try reader.next() else { break }
                seconds.append(rec.timestampNanoseconds / 1_000_000_000)
            } catch {
                errors.append((error.file as NSString).lastPathComponent + ":" + error.kind.rawValue)
            }
        }
        #expect(seconds == [1, 2, 3, 5])
        #expect(errors == ["missing.pcap:unreadable", "cut.pcap:truncated"])
        #expect(reader.packetsRead == 4 && reader.filesFailed == 2 && reader.currentPath == nil)
    }
}

@Suite struct ModifiedPcapTests {
    /// Alexey Kuznetsov's patched libpcap wrote 24-byte record headers (ifindex, protocol, packet type) under magic
    /// 0xa1b2cd34; both byte orders.
    @Test(arguments: [false, true])
    func kuznetsovRecordsAreRead(bigEndian: Bool) throws {
        var w = ByteWriter(bigEndian: bigEndian)
        w.u32(0xA1B2_CD34); w.u16(2); w.u16(4); w.u32(0); w.u32(0); w.u32(65535); w.u32(1)
        let frames: [[UInt8]] = [Array(0..<42), Array(repeating: 7, count: 60)]
        for (i, f) in frames.enumerated() {
            w.u32(UInt32(100 + i)); w.u32(5); w.u32(UInt32(f.count)); w.u32(UInt32(f.count))
            w.u32(2); w.u16(0x0800); w.u8(0); w.u8(0)
            w.bytes(f)
        }
        let dir = TempDir()
        let (recs, err) = readAll(dir.file("k.pcap", w.data))
        #expect(err == nil)
        #expect(recs.map(\.bytes) == frames)
        #expect(recs.map(\.ts) == [100_000_005_000, 101_000_005_000])
    }
}

@Suite struct PcapngWriterTests {
    @Test func mixedLinkTypesRoundTripAndTsharkReadsThem() throws {
        let dir = TempDir()
        let path = dir.path + "/evidence.pcapng"
        let eth = rawCopy(Array(0..<60)), raw = rawCopy([0x45] + Array(repeating: 0, count: 18))
        defer { eth.deallocate(); raw.deallocate() }
        var w = try PcapngWriter.create(path: path)
        try w.write(timestampNanoseconds: 1_700_000_000_123_456_789, linkType: 1, bytes: UnsafeRawBufferPointer(eth), wireLength: 1514)
        try w.write(timestampNanoseconds: 1_700_000_001_000_000_001, linkType: 101, bytes: UnsafeRawBufferPointer(raw))
        try w.write(timestampNanoseconds: 1_700_000_002_000_000_000, linkType: 1, bytes: UnsafeRawBufferPointer(eth))
        try w.close()
        let (recs, err) = readAll(path)
        #expect(err == nil)
        #expect(recs.map(\.link) == [1, 101, 1] && recs.map(\.iface) == [0, 1, 0])
        #expect(recs[0].ts == 1_700_000_000_123_456_789 && recs[0].wire == 1514 && recs[0].bytes == Array(0..<60))
        #expect(recs[1].bytes.count == 19 && recs[1].ts == 1_700_000_001_000_000_001)
        // An independent reader agrees, if tshark is installed (scripts/install-deps.sh installs it).
        let tshark = ["/usr/bin/tshark", "/usr/local/bin/tshark"].first { FileManager.default.isExecutableFile(atPath: $0) }
        if let tshark {
            let p = Process()
            p.executableURL = URL(fileURLWithPath: tshark)
            p.arguments = ["-r", path, "-T", "fields", "-e", "frame.len", "-e", "frame.cap_len"]
            let out = Pipe(); p.standardOutput = out; p.standardError = Pipe()
            try p.run(); p.waitUntilExit()
            let text = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            #expect(p.terminationStatus == 0)
            #expect(text.split(separator: "\n").map(String.init) == ["1514\t60", "19\t19", "60\t60"])
        }
    }
}
