// Inspect: writes the first packets of every violating flow to a capture file an auditor can open in Wireshark.
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Capture
import EventOutput

/// An event sink that only handles `evidence`: packets go to a classic pcap file (`PcapWriter`) while they share
/// one link type. The first packet of a second link type turns the file into pcapng (`PcapngWriter`, one interface
/// per link type): the packets written so far are copied over, and every packet is kept with its own link type.
public final class EvidenceSink: EventSink {
    public let path: String
    var writer: PcapWriter?
    var ngWriter: PcapngWriter?
    var started = false
    public private(set) var packetsWritten = 0
    /// Always 0 now that several link types go to pcapng (kept for callers that report it).
    public private(set) var skippedOtherLinkType = 0
    /// The file's format: pcap, or pcapng once packets of several link types were written.
    public private(set) var format: CaptureFormat = .pcap
    public private(set) var error: String?

    /// Creates (truncates) the file now, so a bad path fails before any packet is read. The header is rewritten
    /// with the first evidence packet's link type.
    public init(path: String) throws(CaptureError) {
        self.path = path
        writer = try PcapWriter.create(path: path, linkType: 1)
    }

    public func finding(_ f: Finding) {}
    public func flowEnded(_ f: FlowInfo) {}
    public var wantsFlowRecords: Bool { false }

    public func evidence(flowID: UInt64, timestamp: Int64, linkType: UInt32, wireLength: UInt32, bytes: UnsafeRawBufferPointer) {
        guard error == nil else { return }
        if !started {
            started = true
            if linkType != 1 {
                do throws(CaptureError) {
                    try closeWriter()
                    writer = try PcapWriter.create(path: path, linkType: linkType)
                } catch { self.error = error.description; return }
            }
        }
        if var w = writer.take() {
            if w.linkType == linkType {
                do throws(CaptureError) {
                    try w.write(timestampNanoseconds: timestamp, bytes: bytes, wireLength: wireLength)
                    packetsWritten += 1
                } catch { self.error = error.description }
                writer = consume w
                return
            }
            do throws(CaptureError) {
                try w.close()
                try switchToPcapng()
            } catch { self.error = error.description; return }
        }
        if var n = ngWriter.take() {
            do throws(CaptureError) {
                try n.write(timestampNanoseconds: timestamp, linkType: linkType, bytes: bytes, wireLength: wireLength)
                packetsWritten += 1
            } catch { self.error = error.description }
            ngWriter = consume n
        }
    }

    /// Rewrites the pcap written so far as pcapng (beside it, then renamed over it) and keeps writing pcapng.
    func switchToPcapng() throws(CaptureError) {
        let temporary = path + ".pcapng-tmp"
        var n = try PcapngWriter.create(path: temporary)
        do {
            var r = try CaptureFileReader.open(path: path)
            while let rec = try r.next() { try n.write(rec) }
        }
        guard rename(temporary, path) == 0 else {
            let reason = String(cString: strerror(errno))
            try? n.close()
            unlink(temporary)
            throw CaptureError(.writeFailed, file: path, offset: 0, reason: "cannot replace with pcapng: \(reason)")
        }
        ngWriter = consume n      // the open file is the renamed one
        format = .pcapng
    }

    func closeWriter() throws(CaptureError) {
        if var w = writer.take() { try w.close() }
        if var n = ngWriter.take() { try n.close() }
    }

    public func flush() {
        do throws(CaptureError) { try closeWriter() } catch { self.error = error.description }
    }
}
