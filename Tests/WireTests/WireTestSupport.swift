// WireTests: helpers: hex fixtures to bytes, decoding a byte array, and a frame builder over the header emitters.
@testable import Wire

/// Bytes from a hex dump ("0016 3e08 ..."; whitespace ignored).
func hex(_ s: String) -> [UInt8] {
    let digits = s.filter { $0.isHexDigit }
    var out: [UInt8] = []
    var i = digits.startIndex
    while i < digits.endIndex {
        let j = digits.index(i, offsetBy: 2)
        out.append(UInt8(digits[i..<j], radix: 16)!)
        i = j
    }
    return out
}

func decode(_ bytes: [UInt8], linkType: UInt32 = LinkType.ethernet) -> DecodedPacket {
    var p = DecodedPacket()
    bytes.withUnsafeBytes { Decoder.decode($0, linkType: linkType, into: &p) }
    return p
}

func ip(_ s: String) -> IPAddress { IPAddress(s)! }

/// Appends headers written by the views' `emit` functions.
struct FrameBuilder {
    var bytes: [UInt8] = []
    mutating func append(_ count: Int, _ body: (UnsafeMutableRawPointer) -> Void) {
        let start = bytes.count
        bytes += [UInt8](repeating: 0, count: count)
        bytes.withUnsafeMutableBytes { body($0.baseAddress! + start) }
    }
    mutating func ethernet(_ type: UInt16, src: UInt64 = 0x02_00_00_00_00_01, dst: UInt64 = 0x02_00_00_00_00_02) {
        append(14) { EthernetHeader.emit(into: $0, destination: MACAddress(dst), source: MACAddress(src), etherType: type) }
    }
    mutating func vlan(_ id: UInt16, next: UInt16) { append(4) { VLANHeader.emit(into: $0, vlanID: id, etherType: next) } }
    mutating func ipv4(_ src: String, _ dst: String, proto: UInt8, payload: Int, id: UInt16 = 1, more: Bool = false, offset: UInt16 = 0) {
        append(20) { IPv4Header.emit(into: $0, source: ip(src), destination: ip(dst), protocolNumber: proto, payloadLength: payload,
                                     identification: id, moreFragments: more, fragmentOffset: offset) }
    }
    mutating func ipv6(_ src: String, _ dst: String, next: UInt8, payload: Int) {
        append(40) { IPv6Header.emit(into: $0, source: ip(src), destination: ip(dst), nextHeader: next, payloadLength: payload) }
    }
    mutating func tcp(_ sp: UInt16, _ dp: UInt16, flags: UInt8 = TCPHeader.syn) {
        append(20) { TCPHeader.emit(into: $0, sourcePort: sp, destinationPort: dp, flags: flags, sequenceNumber: 1000) }
    }
    mutating func udp(_ sp: UInt16, _ dp: UInt16, payload: Int) {
        append(8) { UDPHeader.emit(into: $0, sourcePort: sp, destinationPort: dp, payloadLength: payload) }
    }
    mutating func raw(_ b: [UInt8]) { bytes += b }
}
