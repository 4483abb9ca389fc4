// CaptureTests: `CaptureFileReader.nextBatch` returns exactly what `next` does, record for record and error for error,
// with every record of a batch still intact when the batch is used (plain, mapped, gzip, truncated, corrupt, corpus).
import Testing
import Foundation
import Capture

/// Reads `path` in batches of up to `max`, copying each batch only after the whole batch was returned (so a record
/// overwritten by a later one in the same batch would show).
func readAllBatched(_ path: String, max: Int) -> (records: [(ts: Int64, link: UInt32, iface: UInt32, caplen: UInt32, wire: UInt32, bytes: [UInt8])], error: CaptureError?) {
    var out: [(ts: Int64, link: UInt32, iface: UInt32, caplen: UInt32, wire: UInt32, bytes: [UInt8])] = []
    let batch = UnsafeMutablePointer<PacketRecord>.allocate(capacity: max)
    defer { batch.deallocate() }
    do {
        var r = try CaptureFileReader.open(path: path)
        while true {
            let n = try r.nextBatch(into: batch, max: max)
            if n == 0 { break }
            #expect(n <= max)
            for i in 0..<n {
                let rec = batch[i]
                out.append((rec.timestampNanoseconds, rec.linkType, rec.interfaceIndex, rec.capturedLength, rec.wireLength, Array(rec.bytes)))
            }
        }
        #expect(r.packetsRead == out.count)
        return (out, nil)
    } catch {
        return (out, error)
    }
}

func sameRead(_ path: String, max: Int) -> Bool {
    let a = readAll(path), b = readAllBatched(path, max: max)
    guard a.records.count == b.records.count else { return false }
    for (x, y) in zip(a.records, b.records) {
        guard x.ts == y.ts && x.link == y.link && x.iface == y.iface && x.caplen == y.caplen && x.wire == y.wire && x.bytes == y.bytes else { return false }
    }
    return a.error?.kind == b.error?.kind && a.error?.offset == b.error?.offset && a.error?.reason == b.error?.reason
}

@Suite struct CaptureBatchTests {
    /// 5,000 records of 60-1,459 bytes: several refills of the 1 MiB window when read through zlib.
    static func many() -> Data {
        var many: [(sec: UInt32, frac: UInt32, bytes: [UInt8], wire: UInt32?)] = []
        for i in 0..<5000 { many.append((UInt32(i), UInt32(i % 1000), (0..<(60 + i % 1400)).map { UInt8(truncatingIfNeeded: $0 &+ i) }, nil)) }
        return pcapFile(bigEndian: false, nanosecond: false, linkType: 1, packets: many)
    }

    @Test(arguments: [1, 2, 7, 32])
    func batchesMatchSingleReadsPlainAndGzip(max: Int) throws {
        let dir = TempDir()
        let data = Self.many()
        let plain = dir.file("p.pcap", data)
        let gz = try gzipFile(dir.file("z.pcap", data))
        #expect(readAll(plain).records.count == 5000)
        #expect(sameRead(plain, max: max))
        #expect(sameRead(gz, max: max))
        // Big-endian nanosecond records too.
        let be = dir.file("be.pcap", pcapFile(bigEndian: true, nanosecond: true, linkType: 101, packets: [
            (1, 5, Array(0..<40), 1500), (2, 6, Array(0..<20), nil), (3, 7, [], nil)]))
        #expect(readAllBatched(be, max: max).records.count == 3)
        #expect(sameRead(be, max: max))
    }

    @Test(arguments: [1, 32])
    func truncatedAndCorruptFilesFailAtTheSameRecordWithTheSameError(max: Int) throws {
        let dir = TempDir()
        let data = Self.many()
        // Cut inside a record header, inside packet data, and a record claiming 1 GB half way.
        let cutHeader = dir.file("ch.pcap", data.prefix(24 + 16 + 60 + 5))
        let cutData = dir.file("cd.pcap", data.prefix(data.count - 10))
        var bad = data.prefix(24 + 16 + 60 + 16 + 61)
        bad.append(contentsOf: [1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x40, 0, 0, 0, 0x40])
        bad.append(data.suffix(1000))
        let huge = dir.file("huge.pcap", Data(bad))
        for f in [cutHeader, cutData, huge] {
            let b = readAllBatched(f, max: max)
            #expect(b.error != nil, "\(f)")
            #expect(sameRead(f, max: max), "\(f)")
        }
        #expect(readAllBatched(huge, max: max).records.count == 2)
        #expect(readAllBatched(cutData, max: max).records.count == 4999)
        // The same through zlib (refills at other places).
        let gz = try gzipFile(dir.file("cdz.pcap", data.prefix(data.count - 10)))
        #expect(sameRead(gz, max: max))
    }

    @Test func everyCorpusFileBatchesLikeSingleReads() throws {
        let files = try SharedPaths.corpusFiles()
        #expect(files.count >= 800)
        for f in files { #expect(sameRead(f, max: 32), "\(f)") }
    }
}
