// WireTests: whole-frame decoding: real corpus frames for each link type, tunnel and header chain, constructed
// frames for fragments, depth caps and each malformed case.
import Testing
@testable import Wire

@Suite struct DecoderTests {
    @Test func qinqARPIsSkippedWithBothTagsAndAddresses() {
        let p = decode(Fixtures.qinqARP)
        #expect(p.status == .skipped && p.event == .arp)
        #expect(p.vlanCount == 2 && p.vlan0 == 200 && p.vlan1 == 2001 && p.vlan == 2001)
        #expect(p.tuple.src == ip("172.21.79.97") && p.tuple.dst == ip("172.21.79.100") && p.tuple.srcPort == 1)
        #expect(p.srcMAC.description == "00:20:d2:5a:fb:3f")
    }

    @Test func vxlanGivesOuterAndInnerTuples() {
        let p = decode(Fixtures.vxlanICMP)
        #expect(p.status == .decoded && p.event == .none && p.anomaly == .none)
        #expect(p.tunnelDepth == 1 && p.tunnelKind == .vxlan)
        #expect(p.outer == FlowTuple(src: ip("192.168.203.1"), dst: ip("192.168.202.1"), srcPort: 45149, dstPort: 4789, proto: 17))
        #expect(p.tuple == FlowTuple(src: ip("192.168.203.3"), dst: ip("192.168.203.5"), srcPort: 8, dstPort: 0, proto: 1))
        #expect(p.srcMAC.description == "36:dc:85:1e:b3:40")   // the outer (physical) segment's MAC
    }

    @Test func greWCCPAndERSPANAreOpened() {
        let w = decode(Fixtures.wccpGRE)
        #expect(w.status == .decoded && w.tunnelKind == .gre && w.tunnelDepth == 1)
        #expect(w.outer == FlowTuple(src: ip("10.254.127.194"), dst: ip("10.254.214.82"), proto: 47))
        #expect(w.tuple == FlowTuple(src: ip("10.254.127.195"), dst: ip("10.254.108.228"), srcPort: 1291, dstPort: 445, proto: 6))
        #expect(w.tcpFlags == 0x18)
        let e = decode(Fixtures.erspanII)
        #expect(e.status == .decoded && e.tunnelKind == .gre)
        #expect(e.outer.src == ip("1.1.1.2") && e.outer.dst == ip("192.168.255.5"))
        #expect(e.tuple == FlowTuple(src: ip("10.48.6.1"), dst: ip("224.0.0.13"), proto: 103))
    }

    @Test func linkTypesPPPMPLSRawSLLNull() {
        let m = decode(Fixtures.pppMPLS, linkType: LinkType.pppHDLC)
        #expect(m.status == .decoded)
        #expect(m.tuple == FlowTuple(src: ip("12.4.4.4"), dst: ip("12.1.1.1"), srcPort: 42315, dstPort: 33435, proto: 17))
        for lt in [LinkType.raw, LinkType.ipv6] {
            let r = decode(Fixtures.rawIPv6DNS, linkType: lt)
            #expect(r.status == .decoded)
            #expect(r.tuple == FlowTuple(src: ip("2001:db8::1"), dst: ip("2620:fe::9"), srcPort: 12345, dstPort: 53, proto: 17))
            #expect(r.payloadOffset == 48 && r.payloadLength == 29)
        }
        // Raw IPv6 bytes handed over as LINKTYPE_IPV4 are a bad version, not a crash.
        #expect(decode(Fixtures.rawIPv6DNS, linkType: LinkType.ipv4).event == .ipv4BadVersion)
        let s = decode(Fixtures.sllRADIUS, linkType: LinkType.linuxSLL)
        #expect(s.status == .decoded)
        #expect(s.tuple == FlowTuple(src: ip("127.0.0.1"), dst: ip("127.0.0.1"), srcPort: 39646, dstPort: 1812, proto: 17))
        let n = decode(Fixtures.nullDNS, linkType: LinkType.null)
        #expect(n.status == .decoded && n.tuple.srcPort == 54954 && n.tuple.dstPort == 53)
        // LINKTYPE_LOOP reads the family big-endian: the same little-endian header is then not AF_INET.
        #expect(decode(Fixtures.nullDNS, linkType: LinkType.loop).status == .skipped)
        // SLL2 built with the emitter: IPv6 UDP.
        var f = FrameBuilder()
        f.append(20) { LinuxSLL2Header.emit(into: $0, protocolType: EtherType.ipv6, source: MACAddress(0x0200_0000_0009)) }
        f.ipv6("fd00::1", "fd00::2", next: 17, payload: 8); f.udp(5353, 53, payload: 0)
        let s2 = decode(f.bytes, linkType: LinkType.linuxSLL2)
        #expect(s2.status == .decoded && s2.tuple.dstPort == 53 && s2.srcMAC == MACAddress(0x0200_0000_0009))
        #expect(decode(Array(f.bytes.prefix(19)), linkType: LinkType.linuxSLL2).event == .sll2Truncated)
        // A link type segcheck does not decode (802.11 radiotap) is skipped with its reason.
        let u = decode(Fixtures.qinqARP, linkType: 127)
        #expect(u.status == .skipped && u.event == .unsupportedLinkType)
    }

    @Test func ipv6ExtensionChainsAndIPv6InIPv6() {
        let p = decode(Fixtures.ipv6SRH)
        #expect(p.status == .decoded && p.tunnelKind == .ipInIP && p.tunnelDepth == 1)
        #expect(p.outer == FlowTuple(src: ip("a:b:c:12::1"), dst: ip("a:b:c:2::f1:0"), proto: 41))
        #expect(p.tuple == FlowTuple(src: ip("a:b:c:12::1"), dst: ip("b2::2"), srcPort: 128, dstPort: 0, proto: 58))
        let h = decode(Fixtures.bigTCPHopByHop)
        #expect(h.status == .decoded && h.tuple.proto == 6 && h.tuple.srcPort == 41851 && h.tuple.dstPort == 43913)
        let ra = decode(Fixtures.icmpv6RA)
        #expect(ra.status == .decoded && ra.tuple.proto == 58 && ra.tuple.srcPort == 134)
        // Thirteen destination-options headers: over the cap.
        var f = FrameBuilder()
        f.ethernet(EtherType.ipv6)
        f.ipv6("fd00::1", "fd00::2", next: 60, payload: 13 * 8 + 8)
        for i in 0..<13 { f.raw([i == 12 ? 17 : 60, 0, 1, 4, 0, 0, 0, 0]) }
        f.udp(1, 2, payload: 0)
        #expect(decode(f.bytes).event == .ipv6TooManyExtensionHeaders)
        // A destination-options header cut short.
        var g = FrameBuilder()
        g.ethernet(EtherType.ipv6); g.ipv6("fd00::1", "fd00::2", next: 60, payload: 16); g.raw([17, 1, 0, 0])
        #expect(decode(g.bytes).event == .ipv6ExtensionTruncated)
        // No next header: an IP packet all the same, keyed by its addresses.
        var n = FrameBuilder()
        n.ethernet(EtherType.ipv6); n.ipv6("fd00::1", "fd00::2", next: 59, payload: 0)
        let nn = decode(n.bytes)
        #expect(nn.status == .decoded && nn.tuple.proto == 59)
    }

    @Test func plainTCPOverVLANAndTunnelsOfEveryKind() {
        var f = FrameBuilder()
        f.ethernet(EtherType.vlan); f.vlan(10, next: EtherType.ipv4)
        f.ipv4("10.1.0.5", "10.2.0.9", proto: 6, payload: 20 + 5); f.tcp(50000, 443); f.raw([1, 2, 3, 4, 5])
        f.raw([0, 0, 0, 0])                                    // Ethernet padding past the IP total length
        let p = decode(f.bytes)
        #expect(p.status == .decoded && p.vlanCount == 1 && p.vlan == 10 && p.tunnelDepth == 0)
        #expect(p.tuple == FlowTuple(src: ip("10.1.0.5"), dst: ip("10.2.0.9"), srcPort: 50000, dstPort: 443, proto: 6))
        #expect(p.tcpFlags == TCPHeader.syn && p.tcpSequence == 1000)
        #expect(p.payloadOffset == 58 && p.payloadLength == 5)
        // 6in4, 4in6, IPv4-in-IPv4.
        for (outerV6, innerV6) in [(false, true), (true, false), (false, false)] {
            var t = FrameBuilder()
            t.ethernet(outerV6 ? EtherType.ipv6 : EtherType.ipv4)
            let inner = (innerV6 ? 40 : 20) + 8
            if outerV6 { t.ipv6("2001:db8::1", "2001:db8::2", next: innerV6 ? 41 : 4, payload: inner) }
            else { t.ipv4("192.0.2.1", "192.0.2.2", proto: innerV6 ? 41 : 4, payload: inner) }
            if innerV6 { t.ipv6("fd00::10", "fd00::20", next: 17, payload: 8) } else { t.ipv4("10.0.0.10", "10.0.0.20", proto: 17, payload: 8) }
            t.udp(1000, 445, payload: 0)
            let d = decode(t.bytes)
            #expect(d.status == .decoded && d.tunnelKind == .ipInIP && d.tunnelDepth == 1)
            #expect(d.outer.proto == (innerV6 ? 41 : 4))
            #expect(d.tuple.dst == ip(innerV6 ? "fd00::20" : "10.0.0.20") && d.tuple.dstPort == 445)
        }
    }

    @Test func tunnelDepthIsCappedWithANamedAnomaly() {
        var f = FrameBuilder()
        f.ethernet(EtherType.ipv4)
        let depth = Int(Decoder.maxTunnelDepth) + 2
        for i in 0..<depth { f.ipv4("10.0.0.\(i + 1)", "10.0.1.\(i + 1)", proto: 4, payload: (depth - i) * 20 + 8 - 20) }
        f.ipv4("10.9.9.1", "10.9.9.2", proto: 17, payload: 8); f.udp(1, 2, payload: 0)
        let p = decode(f.bytes)
        #expect(p.status == .decoded && p.anomaly == .tunnelTooDeep)
        #expect(p.tunnelDepth == Decoder.maxTunnelDepth)
        #expect(p.outer.src == ip("10.0.0.1"))
        #expect(p.tuple.src == ip("10.0.0.\(Int(Decoder.maxTunnelDepth) + 1)") && p.tuple.proto == 4)
        // The same DecodedPacket reused for a plain packet carries nothing over.
        var q = p
        var g = FrameBuilder(); g.ethernet(EtherType.ipv4); g.ipv4("10.0.0.1", "10.0.0.2", proto: 17, payload: 8); g.udp(3, 4, payload: 0)
        g.bytes.withUnsafeBytes { Decoder.decode($0, linkType: 1, into: &q) }
        #expect(q.tunnelDepth == 0 && q.anomaly == .none && q.outer == FlowTuple() && q.tuple.srcPort == 3)
    }

    @Test func fragmentsAreMarkedAndFirstFragmentsKeepPorts() {
        var first = FrameBuilder()
        first.ethernet(EtherType.ipv4); first.ipv4("10.0.0.1", "10.0.0.2", proto: 6, payload: 24, id: 77, more: true)
        first.tcp(1234, 22); first.raw([0, 0, 0, 0])
        let a = decode(first.bytes)
        #expect(a.status == .decoded && a.isFragment && a.moreFragments && a.fragmentOffset == 0 && a.ipIdentification == 77)
        #expect(a.tuple.srcPort == 1234 && a.tuple.dstPort == 22 && a.l4Offset == 34 && a.l4Length == 24)
        var second = FrameBuilder()
        second.ethernet(EtherType.ipv4); second.ipv4("10.0.0.1", "10.0.0.2", proto: 6, payload: 16, id: 77, offset: 3)
        second.raw([UInt8](repeating: 0xEE, count: 16))
        let b = decode(second.bytes)
        #expect(b.status == .decoded && b.isFragment && !b.moreFragments && b.fragmentOffset == 3)
        #expect(b.tuple.srcPort == 0 && b.tuple.dstPort == 0 && b.tuple.proto == 6 && b.l4Length == 16)
        // A tiny first fragment (8 bytes of TCP): decoded, ports known, flags not; reassembly judges it.
        var tiny = FrameBuilder()
        tiny.ethernet(EtherType.ipv4); tiny.ipv4("10.0.0.1", "10.0.0.2", proto: 6, payload: 8, id: 78, more: true)
        tiny.raw([0x04, 0xD2, 0, 22, 0, 0, 0, 0])
        let t = decode(tiny.bytes)
        #expect(t.status == .decoded && t.isFragment && t.tuple.dstPort == 22 && t.l4Length == 8)
        // IPv6 fragment header, non-first fragment.
        var v6 = FrameBuilder()
        v6.ethernet(EtherType.ipv6); v6.ipv6("fd00::1", "fd00::2", next: 44, payload: 8 + 16)
        v6.append(8) { IPv6FragmentHeader.emit(into: $0, nextHeader: 17, fragmentOffset: 2, moreFragments: false, identification: 99) }
        v6.raw([UInt8](repeating: 1, count: 16))
        let c = decode(v6.bytes)
        #expect(c.status == .decoded && c.isFragment && c.fragmentOffset == 2 && c.ipIdentification == 99 && c.tuple.proto == 17)
        #expect(c.tuple.srcPort == 0 && c.l4Length == 16)
        // IPv6 atomic fragment (offset 0, no more): not a fragment.
        var at = FrameBuilder()
        at.ethernet(EtherType.ipv6); at.ipv6("fd00::1", "fd00::2", next: 44, payload: 8 + 8)
        at.append(8) { IPv6FragmentHeader.emit(into: $0, nextHeader: 17, fragmentOffset: 0, moreFragments: false, identification: 5) }
        at.udp(7, 8, payload: 0)
        let d = decode(at.bytes)
        #expect(d.status == .decoded && !d.isFragment && d.tuple.srcPort == 7)
    }

    @Test func malformedFramesNameTheirDefect() {
        func frame(_ build: (inout FrameBuilder) -> Void) -> [UInt8] { var f = FrameBuilder(); build(&f); return f.bytes }
        #expect(decode([]).event == .emptyPacket)
        #expect(decode([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]).event == .ethernetTruncated)
        #expect(decode(frame { $0.ethernet(EtherType.vlan); $0.raw([0, 1]) }).event == .vlanTruncated)
        #expect(decode(frame { $0.ethernet(EtherType.mplsUnicast); $0.raw([0, 0, 0, 0]) }).event == .mplsTruncated)
        #expect(decode(frame { $0.ethernet(EtherType.ipv4); $0.raw([0x45, 0, 0]) }).event == .ipv4Truncated)
        var badVersion = frame { $0.ethernet(EtherType.ipv4); $0.ipv4("1.1.1.1", "2.2.2.2", proto: 17, payload: 8); $0.udp(1, 2, payload: 0) }
        badVersion[14] = 0x55
        #expect(decode(badVersion).event == .ipv4BadVersion)
        badVersion[14] = 0x44
        #expect(decode(badVersion).event == .ipv4BadHeaderLength)
        var badTotal = frame { $0.ethernet(EtherType.ipv4); $0.ipv4("1.1.1.1", "2.2.2.2", proto: 17, payload: 8); $0.udp(1, 2, payload: 0) }
        badTotal[16] = 0; badTotal[17] = 12
        #expect(decode(badTotal).event == .ipv4BadTotalLength)
        var badTCP = frame { $0.ethernet(EtherType.ipv4); $0.ipv4("1.1.1.1", "2.2.2.2", proto: 6, payload: 20); $0.tcp(1, 2) }
        badTCP[46] = 0x40                                 // data offset 4 words
        #expect(decode(badTCP).event == .tcpBadHeaderLength)
        badTCP[46] = 0xF0                                 // 60 bytes in a 20-byte segment
        #expect(decode(badTCP).event == .tcpBadHeaderLength)
        #expect(decode(frame { $0.ethernet(EtherType.ipv4); $0.ipv4("1.1.1.1", "2.2.2.2", proto: 6, payload: 10); $0.raw([UInt8](repeating: 0, count: 10)) }).event == .tcpTruncated)
        #expect(decode(frame { $0.ethernet(EtherType.ipv4); $0.ipv4("1.1.1.1", "2.2.2.2", proto: 17, payload: 4); $0.raw([0, 1, 0, 2]) }).event == .udpTruncated)
        #expect(decode(frame { $0.ethernet(EtherType.ipv4); $0.ipv4("1.1.1.1", "2.2.2.2", proto: 1, payload: 2); $0.raw([8, 0]) }).event == .icmpTruncated)
        #expect(decode(frame { $0.ethernet(EtherType.ipv6); $0.ipv6("::1", "::2", next: 58, payload: 1); $0.raw([1]) }).event == .icmpv6Truncated)
        // GRE it cannot open: still the GRE flow (addresses + protocol 47), the defect as anomaly.
        let gt = decode(frame { $0.ethernet(EtherType.ipv4); $0.ipv4("1.1.1.1", "2.2.2.2", proto: 47, payload: 2); $0.raw([0, 0]) })
        #expect(gt.status == .decoded && gt.anomaly == .greTruncated && gt.tuple.proto == 47)
        let gv = decode(frame { $0.ethernet(EtherType.ipv4); $0.ipv4("1.1.1.1", "2.2.2.2", proto: 47, payload: 4); $0.raw([0, 3, 8, 0]) })
        #expect(gv.status == .decoded && gv.anomaly == .greBadVersion && gv.tunnelDepth == 0)
        let gr = decode(frame { $0.ethernet(EtherType.ipv4); $0.ipv4("1.1.1.1", "2.2.2.2", proto: 47, payload: 8); $0.raw([0x40, 0, 8, 0, 0, 0, 0, 0]) })
        #expect(gr.status == .decoded && gr.anomaly == .greRoutingUnsupported)
        #expect(decode(frame { $0.ethernet(EtherType.arp); $0.raw([0, 1, 8, 0, 6, 4, 0, 1, 0, 0]) }).event == .arpTruncated)
        #expect(decode(frame { $0.ethernet(EtherType.ipv6); $0.raw([0x60, 0, 0, 0]) }).event == .ipv6Truncated)
        #expect(decode([0x50] + [UInt8](repeating: 0, count: 39), linkType: LinkType.ipv6).event == .ipv6BadVersion)
        // Every malformed packet says malformed; every skip says skipped.
        #expect(decode(frame { $0.ethernet(EtherType.lldp); $0.raw([0, 0]) }) .event == .lldp)
        #expect(decode(frame { $0.ethernet(0x0026); $0.raw([0x42, 0x42, 0x03, 0, 0]) }).event == .stp)
        #expect(decode(frame { $0.ethernet(0x88B5); $0.raw([0, 0]) }).event == .otherEthertype)
        #expect(decode(frame { $0.ethernet(EtherType.lldp) }).status == .skipped)
        #expect(decode(frame { $0.ethernet(EtherType.ipv4); $0.raw([0x45]) }).status == .malformed)
    }

    @Test func malformedOptionsAreAnAnomalyNotALoss() {
        var f = FrameBuilder()
        f.ethernet(EtherType.ipv4); f.ipv4("10.0.0.1", "10.0.0.2", proto: 17, payload: 8 + 4)
        f.bytes[14] = 0x46; f.raw([0x07, 0x09, 0x00, 0x00]); f.udp(53, 53, payload: 0)   // record route claims 9 of 4 bytes
        let p = decode(f.bytes)
        #expect(p.status == .decoded && p.anomaly == .ipv4OptionsMalformed && p.tuple.dstPort == 53)
        // The corpus packet: a first fragment (id 32, more fragments, offset 0) cut right after its 36-byte header,
        // whose timestamp option overruns the header.
        let c = decode(Fixtures.ipv4Options)
        #expect(c.status == .decoded && c.isFragment && c.moreFragments && c.fragmentOffset == 0 && c.ipIdentification == 32)
        #expect(c.anomaly == .ipv4OptionsMalformed && c.l4CapturedLength == 0)
        #expect(c.tuple.src == ip("149.8.33.81") && c.tuple.proto == 1)
    }

    @Test func eventNamesAreSuricataStyle() {
        #expect(DecodeEvent.ipv4Truncated.name == "IPV4_TRUNCATED")
        #expect(DecodeEvent.tunnelTooDeep.name == "TUNNEL_TOO_DEEP")
        #expect(Set(DecodeEvent.allCases.map(\.name)).count == DecodeEvent.allCases.count)
    }
}

@Suite struct DecoderFuzzRegressionTests {
    /// Fuzzer find: a UDP header cut by the snap length after 6 bytes put payloadOffset past the captured bytes.
    @Test func payloadOffsetNeverPassesTheCapture() {
        let frame = hex("""
            3030 3030 3030 3030 3030 3030 0800 4530 3030 3030 0000 3011 3030 3030 3030 3030
            3030 3030 0ec9 3030 3030
            """)
        for cut in 34...frame.count {
            let p = decode(Array(frame.prefix(cut)))
            #expect(Int(p.payloadOffset) + Int(p.payloadLength) <= cut)
        }
        var f = FrameBuilder()
        f.ethernet(EtherType.ipv4); f.ipv4("1.1.1.1", "2.2.2.2", proto: 6, payload: 40); f.tcp(1, 2)
        f.bytes[46] = 0xA0                                // 40-byte TCP header, capture ends after 20
        let t = decode(f.bytes)
        #expect(t.status == .decoded && t.payloadOffset == 54 && t.payloadLength == 0)
    }
}

@Suite struct DecoderEncapsulationTests {
    @Test func pppoeSessionCarriesIPv4AndIPv6() {
        for v6 in [false, true] {
            var f = FrameBuilder()
            f.ethernet(EtherType.pppoeSession)
            f.raw([0x11, 0x00, 0x00, 0x17, 0x00, 0x30, 0x00, v6 ? 0x57 : 0x21])
            if v6 { f.ipv6("2001:db8::1", "2001:db8::2", next: 6, payload: 20) } else { f.ipv4("100.64.0.1", "100.64.0.2", proto: 6, payload: 20) }
            f.tcp(40000, 443)
            let p = decode(f.bytes)
            #expect(p.status == .decoded && p.tuple.dstPort == 443 && p.tunnelDepth == 0)
        }
        var lcp = FrameBuilder()
        lcp.ethernet(EtherType.pppoeSession); lcp.raw([0x11, 0x00, 0x00, 0x17, 0x00, 0x0e, 0xc0, 0x21, 9, 1, 0, 12])
        #expect(decode(lcp.bytes).event == .otherEthertype)
        #expect(decode(Array(lcp.bytes.prefix(18))).event == .pppoeTruncated)
    }

    @Test func pptpEnhancedGREWithPPP() {
        var f = FrameBuilder()
        f.ethernet(EtherType.ipv4)
        f.ipv4("203.0.113.1", "203.0.113.2", proto: 47, payload: 12 + 4 + 28)
        f.raw([0x30, 0x01, 0x88, 0x0B, 0x00, 0x1C, 0x00, 0x05, 0, 0, 0, 1])   // K, S, version 1, PPP; key; sequence
        f.raw([0xFF, 0x03, 0x00, 0x21])
        f.ipv4("192.168.10.5", "10.20.0.9", proto: 17, payload: 8); f.udp(5000, 161, payload: 0)
        let p = decode(f.bytes)
        #expect(p.status == .decoded && p.tunnelKind == .gre)
        #expect(p.outer.proto == 47 && p.outer.src == ip("203.0.113.1"))
        #expect(p.tuple == FlowTuple(src: ip("192.168.10.5"), dst: ip("10.20.0.9"), srcPort: 5000, dstPort: 161, proto: 17))
    }

    @Test func mplsStackOverEthernetAndPseudowire() {
        var f = FrameBuilder()
        f.ethernet(EtherType.mplsUnicast)
        f.append(4) { MPLSHeader.emit(into: $0, label: 16, bottomOfStack: false) }
        f.append(4) { MPLSHeader.emit(into: $0, label: 17, bottomOfStack: true) }
        f.ipv6("fd00::1", "fd00::2", next: 58, payload: 8)
        f.append(8) { ICMPv6Header.emit(into: $0, type: 128, code: 0) }
        let p = decode(f.bytes)
        #expect(p.status == .decoded && p.tuple.proto == 58 && p.tuple.srcPort == 128)
        // Ethernet pseudowire: control word 0, then a whole frame with its own VLAN tag.
        var pw = FrameBuilder()
        pw.ethernet(EtherType.mplsUnicast)
        pw.append(4) { MPLSHeader.emit(into: $0, label: 100, bottomOfStack: true) }
        pw.raw([0, 0, 0, 0])
        pw.ethernet(EtherType.vlan, src: 0x0200_0000_00AA); pw.vlan(30, next: EtherType.ipv4)
        pw.ipv4("10.30.0.1", "10.40.0.1", proto: 17, payload: 8); pw.udp(1, 2, payload: 0)
        let q = decode(pw.bytes)
        #expect(q.status == .decoded && q.tuple.dst == ip("10.40.0.1") && q.vlanCount == 1 && q.vlan == 30)
        // Seventeen labels without bottom of stack: capped.
        var deep = FrameBuilder()
        deep.ethernet(EtherType.mplsUnicast)
        for _ in 0..<17 { deep.append(4) { MPLSHeader.emit(into: $0, label: 5, bottomOfStack: false) } }
        #expect(decode(deep.bytes).event == .tooManyLabels)
    }

    @Test func vxlanToAnotherPortIsPlainUDPAndGREWithKeyIsFollowed() {
        for (port, tunnelled) in [(UInt16(9999), false), (8472, true), (4789, true)] {
            var f = FrameBuilder()
            f.ethernet(EtherType.ipv4); f.ipv4("10.0.0.1", "10.0.0.2", proto: 17, payload: 8 + 8 + 14 + 20 + 8)
            f.udp(1000, port, payload: 8 + 14 + 20 + 8)
            f.append(8) { VXLANHeader.emit(into: $0, vni: 5) }
            f.ethernet(EtherType.ipv4); f.ipv4("172.16.0.1", "172.16.0.2", proto: 17, payload: 8); f.udp(3, 4, payload: 0)
            let p = decode(f.bytes)
            #expect(p.status == .decoded && p.tunnelDepth == (tunnelled ? 1 : 0))
            #expect(p.tuple.dstPort == (tunnelled ? 4 : port))
        }
        // GENEVE with 8 bytes of options, carrying Ethernet/IPv6.
        var gv = FrameBuilder()
        gv.ethernet(EtherType.ipv4); gv.ipv4("10.0.0.1", "10.0.0.2", proto: 17, payload: 8 + 16 + 14 + 40 + 8)
        gv.udp(1000, 6081, payload: 16 + 14 + 40 + 8)
        gv.append(8) { GENEVEHeader.emit(into: $0, protocolType: EtherType.transparentEthernet, vni: 77, optionsLength: 8) }
        gv.raw([0, 0x01, 0x80, 0x01, 0, 0, 0, 0])
        gv.ethernet(EtherType.ipv6); gv.ipv6("fd00::1", "fd00::2", next: 17, payload: 8); gv.udp(5, 6, payload: 0)
        let g6 = decode(gv.bytes)
        #expect(g6.status == .decoded && g6.tunnelKind == .geneve && g6.tuple.src == ip("fd00::1") && g6.tuple.dstPort == 6)
        #expect(g6.outer.dstPort == 6081)
        Array(gv.bytes[42...]).withUnsafeBytes { b in
            let h = GENEVEHeader(b)!
            #expect(h.version == 0 && h.optionsLength == 8 && h.headerLength == 16 && h.vni == 77)
        }
        var g = FrameBuilder()
        g.ethernet(EtherType.ipv4); g.ipv4("10.0.0.1", "10.0.0.2", proto: 47, payload: 8 + 40 + 8)
        g.append(8) { GREHeader.emit(into: $0, protocolType: EtherType.ipv6, key: 42) }
        g.ipv6("fd00::a", "fd00::b", next: 17, payload: 8); g.udp(9, 10, payload: 0)
        let q = decode(g.bytes)
        #expect(q.status == .decoded && q.tunnelKind == .gre && q.tuple.src == ip("fd00::a") && q.tuple.dstPort == 10)
    }
}

@Suite struct TunnelPayloadFallbackTests {
    @Test func arpInsideVXLANIsTheCarriersUDPFlow() {
        // vxlan.pcap #2: 192.168.202.1:42710 → 192.168.203.1:4789 carrying an ARP request.
        var f = FrameBuilder()
        f.ethernet(EtherType.ipv4); f.ipv4("192.168.202.1", "192.168.203.1", proto: 17, payload: 8 + 8 + 14 + 28)
        f.udp(42710, 4789, payload: 8 + 14 + 28)
        f.append(8) { VXLANHeader.emit(into: $0, vni: 100) }
        f.ethernet(EtherType.arp)
        f.append(28) { ARPHeader.emit(into: $0, operation: 1, senderMAC: MACAddress(1), senderIP: ip("192.168.203.3"),
                                      targetMAC: MACAddress(0), targetIP: ip("192.168.203.5")) }
        let p = decode(f.bytes)
        #expect(p.status == .decoded && p.event == .none && p.anomaly == .arp)
        #expect(p.tunnelDepth == 0 && p.outer == FlowTuple())
        #expect(p.tuple == FlowTuple(src: ip("192.168.202.1"), dst: ip("192.168.203.1"), srcPort: 42710, dstPort: 4789, proto: 17))
    }

    @Test func brokenInnerPacketInADoubleTunnelFallsBackOneLevel() {
        var f = FrameBuilder()
        f.ethernet(EtherType.ipv4)
        f.ipv4("192.0.2.1", "192.0.2.2", proto: 4, payload: 20 + 20 + 4)
        f.ipv4("10.0.0.1", "10.0.0.2", proto: 41, payload: 20 + 4)   // IPv6 inside, but only 4 bytes of it
        f.raw([0x60, 0, 0, 0])
        let p = decode(f.bytes)
        #expect(p.status == .decoded && p.anomaly == .ipv6Truncated)
        #expect(p.tunnelDepth == 1 && p.outer.src == ip("192.0.2.1"))
        #expect(p.tuple == FlowTuple(src: ip("10.0.0.1"), dst: ip("10.0.0.2"), proto: 41))
    }
}
