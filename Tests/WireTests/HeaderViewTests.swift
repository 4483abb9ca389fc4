// WireTests: every header view read from real captured bytes (tcpdump corpus packets), and emit → parse both ways.
import Testing
@testable import Wire

// Real frames, copied from `tcpdump -xx` of the named tcpdump test captures.
enum Fixtures {
    /// 802.1ad_QinQ.pcap #1: S-tag 200, C-tag 2001, ARP request who-has 172.21.79.100 tell 172.21.79.97.
    static let qinqARP = hex("""
        ffff ffff ffff 0020 d25a fb3f 88a8 00c8 8100 07d1 0806 0001 0800 0604 0001 0020
        d25a fb3f ac15 4f61 0000 0000 0000 ac15 4f64 0000 0000 0000 0000 0000 0000 0000
        """)
    /// vxlan.pcap #1: 192.168.203.1:45149 → 192.168.202.1:4789 VXLAN VNI 100, inner ICMP echo 192.168.203.3 → .5.
    static let vxlanICMP = hex("""
        0016 3e08 71cf 36dc 851e b340 0800 4500 0086 d2c0 4000 4011 5152 c0a8 cb01 c0a8
        ca01 b05d 12b5 0072 0000 0800 0000 0000 6400 0030 8801 0002 0016 3e37 f604 0800
        4500 0054 0000 4000 4001 234f c0a8 cb03 c0a8 cb05 0800 f6f2 050c 0001 fce2 9751
        0000 0000 a6f8 0200 0000 0000 1011 1213 1415 1617 1819 1a1b 1c1d 1e1f 2021 2223
        2425 2627 2829 2a2b 2c2d 2e2f 3031 3233 3435 3637
        """)
    /// mpls-traceroute.pcap #1 (LINKTYPE_PPP_HDLC): MPLS label 100704 [S] ttl 1, UDP 12.4.4.4:42315 → 12.1.1.1:33435.
    static let pppMPLS = hex("""
        ff03 0281 1896 0101 4500 0028 a54c 0000 0111 f76f 0c04 0404 0c01 0101 a54b 829b
        0014 0000 0000 0000 0000 0000 0000 0000
        """)
    /// LINKTYPE_RAW_ipv6.pcap #1: UDP 2001:db8::1:12345 → 2620:fe::9:53 (DNS).
    static let rawIPv6DNS = hex("""
        6000 0000 0025 1140 2001 0db8 0000 0000 0000 0000 0000 0001 2620 00fe 0000 0000
        0000 0000 0000 0009 3039 0035 0025 98b3 1234 0100 0001 0000 0000 0000 0765 7861
        6d70 6c65 0363 6f6d 0000 0100 01
        """)
    /// ipv6-srh-ext-header.pcap #1: IPv6 with a segment routing header, carrying IPv6 + ICMPv6 echo request.
    static let ipv6SRH = hex("""
        0800 2720 6bcf 0800 27c2 2da5 86dd 6008 89ad 0090 2b40 000a 000b 000c 0012 0000
        0000 0000 0001 000a 000b 000c 0002 0000 0000 00f1 0000 2904 0401 0100 0000 000a
        000b 000c 0003 0000 0000 0000 00d6 000a 000b 000c 0002 0000 0000 00f1 0000 6008
        89ad 0040 3a40 000a 000b 000c 0012 0000 0000 0000 0001 00b2 0000 0000 0000 0000
        0000 0000 0002 8000 635e 06ee 0001 03c5 475a 0000 0000 0a5e 0000 0000 0000 1011
        1213 1415 1617 1819 1a1b 1c1d 1e1f 2021 2223 2425 2627 2829 2a2b 2c2d 2e2f 3031
        3233 3435 3637
        """)
    /// RADIUS-RFC3162.pcap #1 (Linux SLL): UDP 127.0.0.1:39646 → 127.0.0.1:1812, first 48 bytes.
    static let sllRADIUS = hex("""
        0000 0304 0006 0000 0000 0000 0000 0800 4500 00a9 ec5c 4000 4011 4fe5 7f00 0001
        7f00 0001 9ade 0714 0095 4223 01f0 008d 2afd b090 418a c636 5298 fbbb 15e0 fd2e
        """)
    /// dns-badcookie.pcap #1 (LINKTYPE_NULL, little-endian AF_INET): UDP 127.0.0.1:54954 → :53.
    static let nullDNS = hex("""
        0200 0000 4500 0044 000f 0000 4011 0000 7f00 0001 7f00 0001 d6aa 0035 0030 fe43
        f6ab 0120 0001 0000 0000 0001 0000 0600 0100 0029 1000 0000 0000 000c 000a 0008
        36bf 111f ef2e 0109
        """)
    /// wccp_redirect_gre.pcap #1: GRE (WCCP redirect) 10.254.127.194 → 10.254.214.82 carrying TCP
    /// 10.254.127.195:1291 → 10.254.108.228:445 (first 96 bytes).
    static let wccpGRE = hex("""
        0014 5e28 99a8 000f 353a ab40 0800 4500 010c ac83 0000 fd2f a42e 0afe 7fc2 0afe
        d652 0000 883e 0559 0048 4500 00f0 9114 4000 4006 a650 0afe 7fc3 0afe 6ce4 050b
        01bd 8383 a18a 550a c89d 8018 f98f 2909 0000 0101 080a 0000 9e1e 01ab cb5f 0000
        """)
    /// erspan-type-ii-1.pcap #1: GRE/ERSPAN II 1.1.1.2 → 192.168.255.5 mirroring PIM 10.48.6.1 → 224.0.0.13.
    static let erspanII = hex("""
        00e0 009b 6d81 0025 9e81 b354 0800 45fc 006c 00ab 4000 fb2f bc0a 0101 0102 c0a8
        ff05 1000 88be 0000 00ab 1156 c29a 0000 7ff8 0100 5e00 000d 001f 9ed2 a980 0800
        45c0 003a 5bf4 0000 0167 6c6b 0a30 0601 e000 000d 2000 c530 0001 0002 0069 0014
        0004 2c6c eec0 0013 0004 0000 0001 0015 0004 0100 0000 fdec 0000
        """)
    /// icmpv6.pcap #1: router advertisement fe80::b299:28ff:fec8:d66c → ff02::1 (first 64 bytes).
    static let icmpv6RA = hex("""
        3333 0000 0001 b099 28c8 d66c 86dd 6000 0000 00b0 3aff fe80 0000 0000 0000 b299
        28ff fec8 d66c ff02 0000 0000 0000 0000 0000 0000 0001 8600 2401 4020 000f 0000
        """)
    /// bigtcp-ipv6-hbh.pcap #1: IPv6 hop-by-hop (jumbo) + TCP 2604:1380:4091:ce00::d:41851 → ::b:43913 (first 96 bytes).
    static let bigTCPHopByHop = hex("""
        0600 dead beef b8ce f604 8b14 86dd 600a 31ee 0000 0040 2604 1380 4091 ce00 0000
        0000 0000 000d 2604 1380 4091 ce00 0000 0000 0000 000b 0600 c204 0001 38a8 a37b
        ab89 2355 b912 95c7 c029 8018 0850 c8eb 0000 0101 080a 46bd be60 fc8c fa38 6e65
        """)
    /// ip_ts_opts_asan.pcap #1: IPv4 with IHL 9 (timestamp options), ICMP 149.8.33.81 → 95.18.83.227.
    static let ipv4Options = hex("""
        000c fff9 00ff c075 c08e 999d 0800 49e2 ff27 0020 e000 0001 a09b 9508 2151 5f12
        53e3 440e 0501 0000 3470 4942 2002 0105 f513
        """)
}

@Suite struct HeaderViewTests {
    @Test func ethernetAndVLANViewsReadQinQ() throws {
        Fixtures.qinqARP.withUnsafeBytes { b in
            let eth = EthernetHeader(b)!
            #expect(eth.destination == MACAddress(0xFFFF_FFFF_FFFF))
            #expect(eth.source.description == "00:20:d2:5a:fb:3f")
            #expect(eth.etherType == EtherType.qinq)
            let outer = VLANHeader(UnsafeRawBufferPointer(rebasing: b[14...]))!
            #expect(outer.vlanID == 200 && outer.etherType == EtherType.vlan)
            let inner = VLANHeader(UnsafeRawBufferPointer(rebasing: b[18...]))!
            #expect(inner.vlanID == 2001 && inner.etherType == EtherType.arp)
            let arp = ARPHeader(UnsafeRawBufferPointer(rebasing: b[22...]))!
            #expect(arp.isEthernetIPv4 && arp.operation == 1)
            #expect(arp.senderIP == ip("172.21.79.97") && arp.targetIP == ip("172.21.79.100"))
            #expect(arp.senderMAC == eth.source)
        }
        // Emit the same headers and get the same bytes back.
        var f = FrameBuilder()
        f.ethernet(EtherType.qinq, src: 0x0020_d25a_fb3f, dst: 0xFFFF_FFFF_FFFF)
        f.vlan(200, next: EtherType.vlan); f.vlan(2001, next: EtherType.arp)
        f.append(28) { ARPHeader.emit(into: $0, operation: 1, senderMAC: MACAddress(0x0020_d25a_fb3f), senderIP: ip("172.21.79.97"),
                                      targetMAC: MACAddress(0), targetIP: ip("172.21.79.100")) }
        #expect(f.bytes == Array(Fixtures.qinqARP.prefix(50)))
    }

    @Test func tooShortBuffersGiveNoView() {
        [UInt8](repeating: 0, count: 13).withUnsafeBytes { b in
            #expect(EthernetHeader(b) == nil)
            #expect(IPv4Header(b) == nil)
            #expect(TCPHeader(b) == nil)
            #expect(UDPHeader(b) != nil)
            #expect(ARPHeader(b) == nil)
        }
        [UInt8]().withUnsafeBytes { b in
            #expect(VLANHeader(b) == nil && MPLSHeader(b) == nil && NullHeader(b) == nil && GREHeader(b) == nil)
        }
    }

    @Test func ipv4AndUDPViewsAndEmitterAgreeWithRealHeader() throws {
        let ipBytes = Array(Fixtures.sllRADIUS[16...])
        ipBytes.withUnsafeBytes { b in
            let h = IPv4Header(b)!
            #expect(h.version == 4 && h.headerLength == 20 && h.totalLength == 0xA9)
            #expect(h.identification == 0xEC5C && h.dontFragment && !h.moreFragments && h.fragmentOffset == 0)
            #expect(h.ttl == 64 && h.protocolNumber == 17 && h.checksum == 0x4FE5)
            #expect(h.source == ip("127.0.0.1") && h.destination == ip("127.0.0.1"))
            let u = UDPHeader(UnsafeRawBufferPointer(rebasing: b[20...]))!
            #expect(u.sourcePort == 39646 && u.destinationPort == 1812 && u.totalLength == 0x95)
        }
        // The emitter writes the identical header, checksum included.
        var f = FrameBuilder()
        f.append(20) { IPv4Header.emit(into: $0, source: ip("127.0.0.1"), destination: ip("127.0.0.1"), protocolNumber: 17,
                                       payloadLength: 0xA9 - 20, identification: 0xEC5C, ttl: 64, dontFragment: true) }
        f.udp(39646, 1812, payload: 0x95 - 8)
        #expect(Array(f.bytes[0..<20]) == Array(ipBytes[0..<20]))
        #expect(Array(f.bytes[20..<26]) == Array(ipBytes[20..<26]))
    }

    @Test func ipv4OptionsWalk() {
        Array(Fixtures.ipv4Options[14...]).withUnsafeBytes { b in
            let h = IPv4Header(b)!
            #expect(h.headerLength == 36)
            // The corpus packet's timestamp option claims 0x44 bytes in a 16-byte option area: malformed.
            #expect(!h.optionsWellFormed())
        }
        var good = FrameBuilder()
        good.ipv4("10.0.0.1", "10.0.0.2", proto: 6, payload: 0)
        good.bytes[0] = 0x46                           // IHL 6: 4 bytes of options
        good.raw([0x94, 0x04, 0x00, 0x00])            // router alert (type 148, length 4)
        good.bytes.withUnsafeBytes { #expect(IPv4Header($0)!.optionsWellFormed()) }
        good.bytes[21] = 0x09                          // router alert now claims 9 bytes
        good.bytes.withUnsafeBytes { #expect(!IPv4Header($0)!.optionsWellFormed()) }
    }

    @Test func ipv6AndExtensionViews() {
        Array(Fixtures.ipv6SRH[14...]).withUnsafeBytes { b in
            let h = IPv6Header(b)!
            #expect(h.version == 6 && h.payloadLength == 0x90 && h.nextHeader == IPv6ExtensionHeader.routing && h.hopLimit == 64)
            #expect(h.flowLabel == 0x889AD)
            #expect(h.source == ip("a:b:c:12::1") && h.destination == ip("a:b:c:2::f1:0"))
            let x = IPv6ExtensionHeader(UnsafeRawBufferPointer(rebasing: b[40...]))!
            #expect(x.nextHeader == IPProto.ipv6 && x.length(kind: IPv6ExtensionHeader.routing) == 40)
        }
        var f = FrameBuilder()
        f.ipv6("2001:db8::1", "2620:fe::9", next: 17, payload: 0x25)
        #expect(Array(f.bytes[0..<40]) == Array(Fixtures.rawIPv6DNS[0..<40]))
        f.append(8) { IPv6FragmentHeader.emit(into: $0, nextHeader: 6, fragmentOffset: 185, moreFragments: true, identification: 0xDEADBEEF) }
        Array(f.bytes[40...]).withUnsafeBytes { b in
            let fr = IPv6FragmentHeader(b)!
            #expect(fr.nextHeader == 6 && fr.fragmentOffset == 185 && fr.moreFragments && fr.identification == 0xDEADBEEF)
        }
    }

    @Test func tcpViewAndEmitter() {
        Array(Fixtures.bigTCPHopByHop[62...]).withUnsafeBytes { b in
            let t = TCPHeader(b)!
            #expect(t.sourcePort == 41851 && t.destinationPort == 43913)
            #expect(t.sequenceNumber == 0x2355_B912 && t.acknowledgementNumber == 0x95C7_C029)
            #expect(t.headerLength == 32 && t.flags == 0x18 && t.window == 0x0850)
        }
        var f = FrameBuilder()
        f.append(20) { TCPHeader.emit(into: $0, sourcePort: 1291, destinationPort: 445, flags: TCPHeader.syn | TCPHeader.ack,
                                      sequenceNumber: 7, acknowledgementNumber: 9, window: 512) }
        f.bytes.withUnsafeBytes { b in
            let t = TCPHeader(b)!
            #expect(t.sourcePort == 1291 && t.destinationPort == 445 && t.flags == 0x12 && t.sequenceNumber == 7)
            #expect(t.acknowledgementNumber == 9 && t.window == 512 && t.headerLength == 20)
        }
    }

    @Test func icmpAndICMPv6Views() {
        Array(Fixtures.vxlanICMP[84...]).withUnsafeBytes { b in
            let i = ICMPHeader(b)!
            #expect(i.type == ICMPHeader.echoRequest && i.code == 0 && i.checksum == 0xF6F2 && i.identifier == 0x050C && i.sequence == 1)
        }
        Array(Fixtures.icmpv6RA[54...]).withUnsafeBytes { b in
            let i = ICMPv6Header(b)!
            #expect(i.type == 134 && i.code == 0 && i.checksum == 0x2401)
        }
        var f = FrameBuilder()
        f.append(8) { ICMPv6Header.emit(into: $0, type: ICMPv6Header.echoReply, code: 0, body: 0x0001_0002) }
        f.bytes.withUnsafeBytes { #expect(ICMPv6Header($0)!.type == 129) }
        var g = FrameBuilder()
        g.append(8) { ICMPHeader.emit(into: $0, type: 8, code: 0, identifier: 0x050C, sequence: 1) }
        #expect(g.bytes == [8, 0, 0, 0, 0x05, 0x0C, 0, 1])
    }

    @Test func mplsPPPAndLinkHeaders() {
        Fixtures.pppMPLS.withUnsafeBytes { b in
            let ppp = PPPHeader.parse(b)!
            #expect(ppp.protocolNumber == 0x0281 && ppp.length == 4)
            let m = MPLSHeader(UnsafeRawBufferPointer(rebasing: b[4...]))!
            #expect(m.label == 100704 && m.bottomOfStack && m.ttl == 1 && m.trafficClass == 0)
        }
        var f = FrameBuilder()
        f.append(4) { MPLSHeader.emit(into: $0, label: 100704, bottomOfStack: true, ttl: 1) }
        #expect(f.bytes == Array(Fixtures.pppMPLS[4..<8]))
        Fixtures.sllRADIUS.withUnsafeBytes { b in
            let s = LinuxSLLHeader(b)!
            #expect(s.packetType == 0 && s.arphrdType == 772 && s.addressLength == 6 && s.protocolType == EtherType.ipv4)
            #expect(s.sourceMAC == MACAddress(0))
        }
        var s2 = FrameBuilder()
        s2.append(20) { LinuxSLL2Header.emit(into: $0, protocolType: EtherType.ipv6, interfaceIndex: 3, packetType: 4,
                                              source: MACAddress(0x0200_0000_0007)) }
        s2.bytes.withUnsafeBytes { b in
            let h = LinuxSLL2Header(b)!
            #expect(h.protocolType == EtherType.ipv6 && h.interfaceIndex == 3 && h.packetType == 4)
            #expect(h.sourceMAC == MACAddress(0x0200_0000_0007) && h.arphrdType == 1)
        }
        Fixtures.nullDNS.withUnsafeBytes { b in
            let n = NullHeader(b)!
            #expect(n.familyAnyOrder == NullHeader.familyIPv4)
        }
        for bigEndian in [false, true] {
            var nb = FrameBuilder()
            nb.append(4) { NullHeader.emit(into: $0, family: 30, bigEndian: bigEndian) }
            nb.bytes.withUnsafeBytes { b in
                #expect(NullHeader.isIPv6Family(NullHeader(b)!.familyAnyOrder))
                #expect(NullHeader(b)!.familyBigEndian == (bigEndian ? 30 : UInt32(30).byteSwapped))
            }
        }
    }

    @Test func greAndVXLANViews() {
        Array(Fixtures.erspanII[34...]).withUnsafeBytes { b in
            let g = GREHeader(b)!
            #expect(g.sequencePresent && !g.keyPresent && !g.checksumPresent && g.version == 0)
            #expect(g.protocolType == EtherType.erspan2 && g.headerLength == 8)
        }
        Array(Fixtures.wccpGRE[34...]).withUnsafeBytes { b in
            let g = GREHeader(b)!
            #expect(g.flags == 0 && g.protocolType == EtherType.wccp && g.headerLength == 4)
        }
        Array(Fixtures.vxlanICMP[42...]).withUnsafeBytes { b in
            let v = VXLANHeader(b)!
            #expect(v.vniValid && v.vni == 100)
        }
        var f = FrameBuilder()
        f.append(8) { GREHeader.emit(into: $0, protocolType: EtherType.ipv6, key: 77) }
        f.append(8) { VXLANHeader.emit(into: $0, vni: 100) }
        f.bytes.withUnsafeBytes { b in
            let g = GREHeader(b)!
            #expect(g.keyPresent && g.headerLength == 8 && g.protocolType == EtherType.ipv6 && b.load(fromByteOffset: 4, as: UInt32.self).bigEndian == 77)
        }
        #expect(Array(f.bytes[8...]) == Array(Fixtures.vxlanICMP[42..<50]))
    }
}
