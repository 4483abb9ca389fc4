// Inspect: writes the first packets of every violating flow to a pcap file an auditor can open in Wireshark.
import Capture
import EventOutput

/// An event sink that only handles `evidence`: packets go to a classic pcap file through the capture library's
/// `PcapWriter`. A pcap file holds one link type: the first evidence packet's; packets of another link type are
/// counted in `skippedOtherLinkType` and left out.
public final class EvidenceSink: EventSink {
    public let path: String
    var writer: PcapWriter?
    var started = false
    public private(set) var packetsWritten = 0
    public private(set) var skippedOtherLinkType = 0
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
        guard var w = writer.take() else { return }
        if w.linkType != linkType {
            skippedOtherLinkType += 1
        } else {
            do throws(CaptureError) {
                try w.write(timestampNanoseconds: timestamp, bytes: bytes, wireLength: wireLength)
                packetsWritten += 1
            } catch { self.error = error.description }
        }
        writer = consume w
    }

    func closeWriter() throws(CaptureError) {
        if var w = writer.take() { try w.close() }
    }

    public func flush() {
        do throws(CaptureError) { try closeWriter() } catch { self.error = error.description }
    }
}
