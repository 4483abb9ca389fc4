// Inspect: writes the first packets of every violating flow to a pcap file an auditor can open in Wireshark.
import Capture
import EventOutput

/// An event sink that only handles `evidence`: packets go to a classic pcap file through the capture
/// library's `PcapWriter`. A pcap file holds one link type: the first evidence packet's; packets of another
/// link type are counted in `skippedOtherLinkType` and left out.
public final class EvidenceSink: EventSink {
    public let path: String
    var writer: PcapWriter?
    var linkType: UInt32 = 0
    public private(set) var packetsWritten = 0
    public private(set) var skippedOtherLinkType = 0
    public private(set) var error: String?

    /// Creates (truncates) the file now, so a bad path fails before any packet is read.
    public init(path: String) throws(CaptureError) {
        self.path = path
        // Open once to prove the path is writable; the real header is written with the first packet's link type.
        writer = try PcapWriter(path: path, linkType: 1)
        writerHasPackets = false
    }
    var writerHasPackets: Bool

    public func finding(_ f: Finding) {}
    public func flowEnded(_ f: FlowInfo) {}

    public func evidence(flowID: UInt64, timestamp: Int64, linkType: UInt32, wireLength: UInt32, bytes: UnsafeRawBufferPointer) {
        guard error == nil else { return }
        do {
            if !writerHasPackets {
                if linkType != 1 { writer = nil; writer = try PcapWriter(path: path, linkType: linkType) }
                self.linkType = linkType
                writerHasPackets = true
            }
            guard linkType == self.linkType else { skippedOtherLinkType += 1; return }
            try writer?.write(timestampNanoseconds: timestamp, wireLength: wireLength, bytes: bytes)
            packetsWritten += 1
        } catch {
            self.error = error.description
        }
    }

    public func flush() {
        do { try writer?.flush() } catch { self.error = error.description }
    }
}
