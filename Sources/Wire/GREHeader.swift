// Wire: GRE header view (RFC 2784/2890 version 0, RFC 2637 version 1 as used by PPTP) with its optional fields.

/// A view of a GRE header. `headerLength` accounts for the checksum, key, sequence and acknowledgement fields
/// the flags announce; the decoder checks it against the captured bytes.
public struct GREHeader {
    public static let minimumLength = 4
    @usableFromInline let p: UnsafeRawPointer

    @inlinable init(unchecked base: UnsafeRawPointer) { p = base }
    public init?(_ bytes: UnsafeRawBufferPointer) {
        guard bytes.count >= Self.minimumLength, let b = bytes.baseAddress else { return nil }
        p = b
    }

    public var flags: UInt16 { p.be16(0) }
    public var checksumPresent: Bool { flags & 0x8000 != 0 }
    public var routingPresent: Bool { flags & 0x4000 != 0 }
    public var keyPresent: Bool { flags & 0x2000 != 0 }
    public var sequencePresent: Bool { flags & 0x1000 != 0 }
    /// Version 1 only: an acknowledgement number follows.
    public var acknowledgementPresent: Bool { flags & 0x0080 != 0 }
    public var version: UInt8 { UInt8(flags & 7) }
    public var protocolType: UInt16 { p.be16(2) }

    /// Bytes up to the payload (without any routing field, which segcheck does not follow).
    public var headerLength: Int {
        var n = 4
        if checksumPresent || routingPresent { n += 4 }
        if keyPresent { n += 4 }
        if sequencePresent { n += 4 }
        if version == 1 && acknowledgementPresent { n += 4 }
        return n
    }

    public static func emit(into out: UnsafeMutableRawPointer, protocolType: UInt16, key: UInt32? = nil) {
        out.put16(0, key == nil ? 0 : 0x2000); out.put16(2, protocolType)
        if let key { out.put32(4, key) }
    }
}
