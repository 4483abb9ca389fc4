// CaptureTests: every capture of the tcpdump test corpus through the reader and the decoder: no crash, no hang,
// every packet counted exactly once as decoded, skipped or malformed.
import Testing
import Capture
import Wire

@Suite struct CorpusRobustnessTests {
    @Test func everyCorpusFileReadsAndDecodesWithCountsAddingUp() throws {
        let files = try SharedPaths.corpusFiles()
        #expect(files.count >= 800, "corpus at \(SharedPaths.corpus) should hold the tcpdump captures")
        var totalRead = 0, totalDecoded = 0, totalSkipped = 0, totalMalformed = 0, filesWithErrors = 0
        var packet = DecodedPacket()
        for file in files {
            var read = 0, decoded = 0, skipped = 0, malformed = 0
            do {
                var reader = try CaptureFileReader.open(path: file)
                while let record = try reader.next() {
                    read += 1
                    #expect(record.bytes.count == Int(record.capturedLength))
                    Decoder.decode(record.bytes, linkType: record.linkType, into: &packet)
                    switch packet.status {
                    case .decoded: decoded += 1
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
        #expect(totalRead > 10_000)
        #expect(totalDecoded > totalRead / 2)
        print("corpus: files \(files.count) packets \(totalRead) decoded \(totalDecoded) skipped \(totalSkipped) malformed \(totalMalformed) files with read errors \(filesWithErrors)")
    }
}
