// Capture: glue between a PacketRecord and the Wire decoder (sets the wire length the decoder cannot know).

import Wire

extension Decoder {
    /// Decodes `record` into `out`, carrying its wire length over.
    @inlinable public static func decode(_ record: PacketRecord, into out: inout DecodedPacket) {
        decode(record.bytes, linkType: record.linkType, into: &out)
        out.wireLength = record.wireLength
    }
}
