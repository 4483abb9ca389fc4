// CaptureTests: the decoder's shortcut for common frames (Ethernet, IPv4, TCP/UDP) gives exactly what the
// layer-by-layer decoder gives: on every packet of the tcpdump corpus and on many mutated common frames.
import Testing
import Capture
import Wire

/// Every field of two decoded packets equal.
func sameDecode(_ a: DecodedPacket, _ b: DecodedPacket) -> Bool {
    a.status == b.status && a.event == b.event && a.srcMAC == b.srcMAC && a.dstMAC == b.dstMAC
        && a.vlan0 == b.vlan0 && a.vlan1 == b.vlan1 && a.vlanCount == b.vlanCount
        && a.tuple == b.tuple && a.outer == b.outer && a.tunnelDepth == b.tunnelDepth && a.tunnelKind == b.tunnelKind
        && a.tunnelCarrier == b.tunnelCarrier && a.anomaly == b.anomaly
        && a.tcpFlags == b.tcpFlags && a.tcpSequence == b.tcpSequence && a.tcpAcknowledgement == b.tcpAcknowledgement
        && a.payloadOffset == b.payloadOffset && a.payloadLength == b.payloadLength
        && a.capturedLength == b.capturedLength && a.wireLength == b.wireLength
        && a.isFragment == b.isFragment && a.fragmentOffset == b.fragmentOffset && a.moreFragments == b.moreFragments
        && a.ipIdentification == b.ipIdentification
        && a.l4Offset == b.l4Offset && a.l4Length == b.l4Length && a.l4CapturedLength == b.l4CapturedLength
}

@Suite struct DecoderShortcutTests {
    @Test func everyCorpusPacketDecodesTheSameWithAndWithoutTheShortcut() throws {
        var fast = DecodedPacket(), slow = DecodedPacket()
        var packets = 0, common = 0
        for file in try SharedPaths.corpusFiles() {
            var reader = try CaptureFileReader.open(path: file)
            while let r = try reader.next() {
                Decoder.decode(r.bytes, linkType: r.linkType, into: &fast)
                Decoder.decodeLayerByLayer(r.bytes, linkType: r.linkType, into: &slow)
                #expect(sameDecode(fast, slow), "\(file) packet \(packets)")
                packets += 1
                if fast.status == .decoded && fast.tunnelDepth == 0 && fast.vlanCount == 0 && fast.tuple.src.isIPv4
                    && (fast.tuple.proto == IPProto.tcp || fast.tuple.proto == IPProto.udp) { common += 1 }
            }
        }
        #expect(packets == 10_183)
        #expect(common > 1000)      // the shortcut's frames are well represented
    }

    /// An Ethernet/IPv4/TCP or UDP frame with a few bytes of payload.
    static func frame(tcp: Bool) -> [UInt8] {
        var f: [UInt8] = [2, 0, 0, 0, 0, 2, 2, 0, 0, 0, 0, 1, 0x08, 0x00]
        let l4: [UInt8] = tcp ? [0x04, 0x00, 0x01, 0xBB, 0, 0, 0, 7, 0, 0, 0, 9, 0x50, 0x18, 0x20, 0, 0, 0, 0, 0]
                              : [0x04, 0x00, 0x00, 0x35, 0, 14, 0, 0]
        let total = 20 + l4.count + 6
        f += [0x45, 0, UInt8(total >> 8), UInt8(total & 0xFF), 0x12, 0x34, 0x40, 0, 64, tcp ? 6 : 17, 0, 0, 10, 1, 0, 5, 10, 2, 0, 7]
        f += l4 + [1, 2, 3, 4, 5, 6]
        return f
    }

    @Test func mutatedCommonFramesDecodeTheSame() {
        var g = SystemRandomNumberGenerator()
        var fast = DecodedPacket(), slow = DecodedPacket()
        // Bytes that steer the decoder: EtherType, version/IHL, total length, flags/fragment offset, protocol, ports,
        // TCP data offset and flags; interesting values for each, plus random ones.
        let spots: [(Int, [UInt8])] = [
            (12, [0x08, 0x81, 0x86]), (13, [0x00, 0xDD, 0x06]), (14, [0x45, 0x46, 0x44, 0x65, 0x4F, 0x40]),
            (16, [0, 1]), (17, [0, 20, 28, 40, 46, 47, 60, 255]), (20, [0, 0x20, 0x40, 0x01, 0x3F]), (21, [0, 1, 0xFF]),
            (23, [6, 17, 1, 47, 4, 132]), (36, [0x12, 0x21, 0x17, 0x00]), (37, [0xB5, 0x18, 0xC1, 0x35]),
            (46, [0x50, 0x40, 0x60, 0xF0, 0x00]), (47, [0x02, 0x12, 0x01, 0x04]),
        ]
        var checked = 0, shortcutFrames = 0
        for _ in 0..<20_000 {
            var f = Self.frame(tcp: Bool.random(using: &g))
            for _ in 0..<Int.random(in: 0...3, using: &g) {
                let (i, values) = spots.randomElement(using: &g)!
                f[i] = Bool.random(using: &g) ? values.randomElement(using: &g)! : UInt8.random(in: 0...255, using: &g)
            }
            let cut = Bool.random(using: &g) ? f.count : Int.random(in: 0...f.count, using: &g)
            let bytes = Array(f.prefix(cut))
            bytes.withUnsafeBytes { b in
                Decoder.decode(b, linkType: 1, into: &fast)
                Decoder.decodeLayerByLayer(b, linkType: 1, into: &slow)
            }
            #expect(sameDecode(fast, slow), "frame \(bytes)")
            checked += 1
            if fast.status == .decoded && fast.vlanCount == 0 && fast.tunnelDepth == 0 { shortcutFrames += 1 }
        }
        #expect(checked == 20_000 && shortcutFrames > 5_000)
    }
}
