// CaptureTests: the native pcap/pcapng reader against libpcap on every corpus file libpcap opens: same packets,
// same bytes, same timestamps and lengths.
import Testing
import Capture

@Suite struct ReaderCrossCheckTests {
    @Test func nativeReaderMatchesLibpcapOnTheCorpus() throws {
        var compared = 0, packets = 0
        for file in try SharedPaths.corpusFiles() {
            guard var pcap = try? LibpcapFileReader.open(path: file) else { continue }
            var native = try CaptureFileReader.open(path: file)
            var libpcapError = false
            while true {
                let a: PacketRecord?
                do { a = try pcap.next() } catch { libpcapError = true; break }
                guard let a else { break }
                guard let b = try native.next() else {
                    Issue.record("\(file): native reader ended early after \(native.packetsRead) packets")
                    break
                }
                // libpcap 1.10.3 reads the record's seconds and fraction as signed 32-bit values; the native reader
                // reads them unsigned, as the pcap format document specifies (dates up to 2106). They agree except
                // where libpcap goes negative, where ours passes 2038, or where the fraction is out of range
                // (the two timestamp_invalid_* files exist to exercise that).
                let signedDisagreement = a.timestampNanoseconds < 0 || b.timestampNanoseconds >= Int64(Int32.max) * 1_000_000_000
                    || file.hasSuffix("/timestamp_invalid_micro.pcap") || file.hasSuffix("/timestamp_invalid_nano.pcap")
                if !signedDisagreement {
                    #expect(a.timestampNanoseconds == b.timestampNanoseconds, "\(file) #\(native.packetsRead)")
                }
                #expect(a.wireLength == b.wireLength, "\(file) #\(native.packetsRead)")
                #expect(a.linkType == b.linkType, "\(file)")
                if a.capturedLength < b.capturedLength {
                    // A record longer than the file's snap length: libpcap cuts it to the snap length, we keep it all.
                    #expect(a.capturedLength == pcap.snapLength, "\(file) #\(native.packetsRead)")
                    #expect(a.bytes.elementsEqual(b.bytes.prefix(a.bytes.count)), "\(file) #\(native.packetsRead)")
                } else {
                    #expect(a.capturedLength == b.capturedLength, "\(file) #\(native.packetsRead)")
                    #expect(a.bytes.elementsEqual(b.bytes), "\(file) #\(native.packetsRead)")
                }
                packets += 1
            }
            if !libpcapError {
                // libpcap reached a clean end: so must we.
                #expect(throws: Never.self, "\(file)") { _ = try native.next() }
            }
            compared += 1
        }
        #expect(compared > 700)
        #expect(packets > 9000)
    }
}
