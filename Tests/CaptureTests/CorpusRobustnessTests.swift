// CaptureTests: every capture of the tcpdump test corpus through the reader, the decoder and the fragment tracker:
// no crash, no hang, every packet counted exactly once as decoded, skipped or malformed.
import Testing
import Capture
import Wire

@Suite struct CorpusRobustnessTests {
    @Test(.timeLimit(.minutes(1)))
    func everyCorpusFileReadsAndDecodesWithCountsAddingUp() throws {
        let files = try SharedPaths.corpusFiles()
        #expect(files.count >= 800, "corpus at \(SharedPaths.corpus) should hold the tcpdump captures")
        var totalRead = 0, totalDecoded = 0, totalSkipped = 0, totalMalformed = 0, filesWithErrors = 0
        var events = [Int](repeating: 0, count: DecodeEvent.allCases.count + 1)
        var packet = DecodedPacket()
        var defrag = Defragmenter()
        var fragments = 0, classifiedFragments = 0
        for file in files {
            var read = 0, decoded = 0, skipped = 0, malformed = 0
            do {
                var reader = try CaptureFileReader.open(path: file)
                while let record = try reader.next() {
                    read += 1
                    #expect(record.bytes.count == Int(record.capturedLength))
                    Decoder.decode(record, into: &packet)
                    events[Int(packet.event.rawValue)] += 1
                    switch packet.status {
                    case .decoded:
                        decoded += 1
                        #expect(packet.event == .none)
                        #expect(Int(packet.payloadOffset) + Int(packet.payloadLength) <= record.bytes.count)
                        if packet.isFragment {
                            fragments += 1
                            if defrag.feed(packet, timestampNanoseconds: record.timestampNanoseconds).status == .classified {
                                classifiedFragments += 1
                            }
                        }
                    case .skipped: skipped += 1; #expect(packet.event != .none)
                    case .malformed: malformed += 1; #expect(packet.event != .none)
                    }
                }
                #expect(reader.packetsRead == read)
            } catch {
                // A corrupt or truncated file: the error must name the file; packets before it were counted.
                #expect(error.file == file)
                #expect(!error.reason.isEmpty)
                filesWithErrors += 1
            }
            #expect(decoded + skipped + malformed == read, "\(file)")
            totalRead += read; totalDecoded += decoded; totalSkipped += skipped; totalMalformed += malformed
        }
        #expect(totalDecoded + totalSkipped + totalMalformed == totalRead)
        #expect(events.reduce(0, +) == totalRead)
        // The corpus is known: 10,183 packets in 830 files, all readable to the end. The decoded share is what the
        // link types allow (a third of the files are 802.11, ATM, FDDI and other link types segcheck skips).
        #expect(totalRead == 10_183)
        #expect(filesWithErrors == 0)
        #expect(totalDecoded > 5_000)
        #expect(fragments > 0 && classifiedFragments > 0)
        let named = DecodeEvent.allCases.filter { events[Int($0.rawValue)] > 0 && $0 != .none }.map { "\($0.name)=\(events[Int($0.rawValue)])" }
        print("corpus: files \(files.count) packets \(totalRead) decoded \(totalDecoded) skipped \(totalSkipped) malformed \(totalMalformed); fragments \(fragments) (classified \(classifiedFragments)); events: \(named.joined(separator: " "))")
    }

    @Test(.timeLimit(.minutes(1)))
    func corpusDirectoryPlaysBackInTimeOrderAsOneStream() throws {
        let files = try CaptureInputs.expand([SharedPaths.corpus])
        #expect(files.count == (try SharedPaths.corpusFiles()).count)
        var firsts: [Int64] = []
        for f in files { if let t = CaptureInputs.firstTimestamp(of: f) { firsts.append(t) } }
        #expect(firsts == firsts.sorted())
        var reader = CaptureSequenceReader(paths: files)
        var n = 0, errors = 0
        while true {
            do { guard try reader.next() != nil else { break }; n += 1 } catch { errors += 1 }
        }
        #expect(n == 10_183 && errors == 0)
    }
}
