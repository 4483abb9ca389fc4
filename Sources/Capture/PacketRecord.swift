// Capture: one captured packet as every reader yields it, and the error readers throw.

/// One captured packet. `bytes` points into the reader's buffer and is valid only until the reader's next call.
public struct PacketRecord {
    /// Capture time in nanoseconds since the Unix epoch.
    public var timestampNanoseconds: Int64
    /// Bytes captured (`bytes.count`) and bytes the packet had on the wire.
    public var capturedLength: UInt32
    public var wireLength: UInt32
    /// LINKTYPE_ value (low 26 bits; FCS annotation bits removed).
    public var linkType: UInt32
    /// pcapng interface id within its section; 0 for classic pcap.
    public var interfaceIndex: UInt32
    public var bytes: UnsafeRawBufferPointer

    @inlinable public init(timestampNanoseconds: Int64, capturedLength: UInt32, wireLength: UInt32, linkType: UInt32,
                           interfaceIndex: UInt32, bytes: UnsafeRawBufferPointer) {
        self.timestampNanoseconds = timestampNanoseconds; self.capturedLength = capturedLength
        self.wireLength = wireLength; self.linkType = linkType; self.interfaceIndex = interfaceIndex; self.bytes = bytes
    }
}

/// Why a capture could not be read (further). Packets before `offset` were delivered; the caller decides whether
/// this is fatal (exit 2) or a counted, reported condition.
public struct CaptureError: Error, CustomStringConvertible, Sendable {
    public enum Kind: String, Sendable {
        /// The file could not be opened or read (permissions, missing, I/O error, gzip stream error).
        case unreadable
        /// The first bytes are not a pcap or pcapng magic number.
        case notACapture
        /// The file ends in the middle of a header, record or block.
        case truncated
        /// A structure is inconsistent (bad lengths, unknown interface, unsupported version).
        case corrupt
        /// Writing failed (PcapWriter).
        case writeFailed
    }
    public var kind: Kind
    /// The file as the user named it (`-` for stdin).
    public var file: String
    /// Byte offset in the (decompressed) stream where the problem starts.
    public var offset: Int64
    public var reason: String

    public init(_ kind: Kind, file: String, offset: Int64, reason: String) {
        self.kind = kind; self.file = file; self.offset = offset; self.reason = reason
    }

    public var description: String { "\(file): offset \(offset): \(reason)" }
}

/// The container format of a capture file.
public enum CaptureFormat: String, Sendable {
    case pcap, pcapng
}
