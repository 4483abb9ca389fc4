// Fuzz: libFuzzer entry point for the packet decoder and the fragment tracker (built by scripts/fuzz.sh).
// Input: a sequence of frames, each [link-type selector byte][length byte][bytes...]; every frame is decoded and,
// if a fragment, fed to one small Defragmenter, checking the decoder's invariants on the way.

import Wire

let linkTypes: [UInt32] = [LinkType.ethernet, LinkType.null, LinkType.loop, LinkType.raw, LinkType.ipv4, LinkType.ipv6,
                           LinkType.linuxSLL, LinkType.linuxSLL2, LinkType.ppp, LinkType.pppHDLC, LinkType.ciscoHDLC,
                           LinkType.rawOpenBSD, 127, 0x1000_0001]

@_cdecl("LLVMFuzzerTestOneInput")
public func decoderFuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    var limits = DefragmenterLimits()
    limits.maxDatagrams = 8
    limits.maxFragmentsPerDatagram = 4
    limits.timeoutNanoseconds = 1_000
    var defrag = Defragmenter(limits: limits)
    var packet = DecodedPacket()
    var i = 0
    var time: Int64 = 0
    while i + 2 <= size {
        let linkType = linkTypes[Int(data[i]) % linkTypes.count]
        let length = min(Int(data[i + 1]) * 4, size - i - 2)
        // Copy into an exact-size heap buffer so AddressSanitizer catches any read past the frame's end.
        let frame = UnsafeMutableRawBufferPointer.allocate(byteCount: length, alignment: 1)
        frame.copyMemory(from: UnsafeRawBufferPointer(start: data + i + 2, count: length))
        Decoder.decode(UnsafeRawBufferPointer(frame), linkType: linkType, into: &packet)
        precondition(packet.capturedLength == UInt32(length))
        precondition((packet.status == .decoded) == (packet.event == .none))
        precondition(Int(packet.payloadOffset) + Int(packet.payloadLength) <= length)
        precondition(Int(packet.l4Offset) <= length || packet.status != .decoded)
        precondition(packet.tunnelDepth <= Decoder.maxTunnelDepth)
        if packet.status == .decoded && packet.isFragment {
            let r = defrag.feed(packet, timestampNanoseconds: time)
            precondition(defrag.activeDatagrams <= limits.maxDatagrams)
            precondition(r.status == .needMore || r.tuple.src == packet.tuple.src)
        }
        frame.deallocate()
        time += Int64(data[i])
        i += 2 + length
    }
    return 0
}
