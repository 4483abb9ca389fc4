// Wire: the per-packet decoder: link layer → VLAN/MPLS → IP (tunnels, extension headers, fragments) → transport,
// filling a caller-owned DecodedPacket in place. No allocation, no existentials, no class references.

/// Decodes one frame. Every frame ends as `.decoded`, `.skipped(event)` or `.malformed(event)` in `DecodedPacket`.
public enum Decoder {
    /// Tunnels (GRE, IP-in-IP, 6in4, 4in6, VXLAN) followed before stopping with the `tunnelTooDeep` anomaly.
    public static let maxTunnelDepth: UInt8 = 3
    /// VLAN tags plus MPLS labels accepted in one frame before `tooManyLabels`.
    public static let maxLabels = 16
    /// IPv6 extension headers followed in one IPv6 layer before `ipv6TooManyExtensionHeaders`.
    public static let maxIPv6ExtensionHeaders = 12

    @usableFromInline enum Next {
        case ethernet, etherType(UInt16), mpls, ipv4, ipv6, ipSniff, ppp
    }

    /// Decodes `bytes` (one captured frame of link type `linkType`) into `out`, overwriting all of it.
    /// `capturedLength` and `wireLength` are set to `bytes.count`; callers that know the wire length overwrite it.
    public static func decode(_ bytes: UnsafeRawBufferPointer, linkType: UInt32, into out: inout DecodedPacket) {
        decode(bytes, linkType: linkType, into: &out, shortcut: true)
    }

    /// `decode` without the shortcut for common frames (`decodeCommon`): every frame layer by layer. The oracle the
    /// tests hold the shortcut to; same results, slower.
    public static func decodeLayerByLayer(_ bytes: UnsafeRawBufferPointer, linkType: UInt32, into out: inout DecodedPacket) {
        decode(bytes, linkType: linkType, into: &out, shortcut: false)
    }

    @inline(__always)
    static func decode(_ bytes: UnsafeRawBufferPointer, linkType: UInt32, into out: inout DecodedPacket, shortcut: Bool) {
        decodeLayers(bytes, linkType: linkType, into: &out, shortcut: shortcut)
        if out.status != .decoded && out.tunnelDepth > 0 {
            // The tunnel's payload was not IP, or was broken: the packet is still the carrier's IP traffic.
            out.anomaly = out.event
            out.event = .none
            out.status = .decoded
            out.tuple = out.tunnelCarrier
            out.tunnelDepth -= 1
            if out.tunnelDepth == 0 { out.outer = FlowTuple(); out.tunnelKind = .none; out.tunnelCarrier = FlowTuple() }
            out.isFragment = false; out.fragmentOffset = 0; out.moreFragments = false; out.ipIdentification = 0
            out.tcpFlags = 0; out.tcpSequence = 0; out.tcpAcknowledgement = 0
            out.payloadOffset = 0; out.payloadLength = 0
        }
    }

    static func decodeLayers(_ bytes: UnsafeRawBufferPointer, linkType: UInt32, into out: inout DecodedPacket, shortcut: Bool) {
        out = DecodedPacket()
        let n = bytes.count
        out.capturedLength = UInt32(truncatingIfNeeded: n)
        out.wireLength = out.capturedLength
        guard let p = bytes.baseAddress, n > 0 else { return finish(&out, .malformed, .emptyPacket) }
        if shortcut && LinkType.base(linkType) == LinkType.ethernet && decodeCommon(p, n, &out) { return }

        var off = 0
        var end = n           // end of the bytes the current container (frame, IP payload) owns
        var next: Next
        switch LinkType.base(linkType) {
        case LinkType.ethernet:
            next = .ethernet
        case LinkType.null, LinkType.loop:
            guard n >= NullHeader.length else { return finish(&out, .malformed, .nullTruncated) }
            let h = NullHeader(unchecked: p)
            let family = LinkType.base(linkType) == LinkType.loop ? h.familyBigEndian : h.familyAnyOrder
            off = NullHeader.length
            if family == NullHeader.familyIPv4 { next = .ipv4 }
            else if NullHeader.isIPv6Family(family) { next = .ipv6 }
            else { return finish(&out, .skipped, .otherEthertype) }
        case LinkType.raw, LinkType.rawOpenBSD, LinkType.rawBSDOS:
            next = .ipSniff
        case LinkType.ipv4:
            next = .ipv4
        case LinkType.ipv6:
            next = .ipv6
        case LinkType.linuxSLL:
            guard n >= LinuxSLLHeader.length else { return finish(&out, .malformed, .sllTruncated) }
            let h = LinuxSLLHeader(unchecked: p)
            if let mac = h.sourceMAC { out.srcMAC = mac }
            off = LinuxSLLHeader.length
            next = .etherType(h.protocolType)
        case LinkType.linuxSLL2:
            guard n >= LinuxSLL2Header.length else { return finish(&out, .malformed, .sll2Truncated) }
            let h = LinuxSLL2Header(unchecked: p)
            if let mac = h.sourceMAC { out.srcMAC = mac }
            off = LinuxSLL2Header.length
            next = .etherType(h.protocolType)
        case LinkType.ppp, LinkType.pppHDLC:
            next = .ppp
        case LinkType.ciscoHDLC:
            guard n >= CiscoHDLCHeader.length else { return finish(&out, .malformed, .ciscoHDLCTruncated) }
            off = CiscoHDLCHeader.length
            next = .etherType(CiscoHDLCHeader(unchecked: p).etherType)
        default:
            return finish(&out, .skipped, .unsupportedLinkType)
        }

        var labels = 0
        while true {
            switch next {
            case .ethernet:
                guard end - off >= EthernetHeader.length else { return finish(&out, .malformed, .ethernetTruncated) }
                let h = EthernetHeader(unchecked: p + off)
                if out.tunnelDepth == 0 { out.dstMAC = h.destination; out.srcMAC = h.source }
                off += EthernetHeader.length
                let type = h.etherType
                if type < 0x0600 {
                    // 802.3 length field: LLC follows. Spanning tree uses DSAP 0x42.
                    if end - off >= 1 && p.u8(off) == 0x42 { return finish(&out, .skipped, .stp) }
                    return finish(&out, .skipped, .otherEthertype)
                }
                next = .etherType(type)

            case .etherType(let type):
                switch type {
                case EtherType.ipv4: next = .ipv4
                case EtherType.ipv6: next = .ipv6
                case EtherType.vlan, EtherType.qinq, EtherType.qinqOld1, EtherType.qinqOld2:
                    guard end - off >= VLANHeader.length else { return finish(&out, .malformed, .vlanTruncated) }
                    labels += 1
                    guard labels <= maxLabels else { return finish(&out, .malformed, .tooManyLabels) }
                    let tag = VLANHeader(unchecked: p + off)
                    if out.tunnelDepth == 0 {
                        if out.vlanCount == 0 { out.vlan0 = tag.vlanID; out.vlanCount = 1 }
                        else if out.vlanCount == 1 { out.vlan1 = tag.vlanID; out.vlanCount = 2 }
                    }
                    off += VLANHeader.length
                    next = .etherType(tag.etherType)
                case EtherType.mplsUnicast, EtherType.mplsMulticast:
                    next = .mpls
                case EtherType.arp:
                    return decodeARP(p, off, end, &out)
                case EtherType.lldp:
                    return finish(&out, .skipped, .lldp)
                case EtherType.pppoeSession:
                    guard end - off >= PPPoEHeader.length else { return finish(&out, .malformed, .pppoeTruncated) }
                    let proto = PPPoEHeader(unchecked: p + off).pppProtocol
                    off += PPPoEHeader.length
                    if proto == PPPHeader.protocolIPv4 { next = .ipv4 }
                    else if proto == PPPHeader.protocolIPv6 { next = .ipv6 }
                    else { return finish(&out, .skipped, .otherEthertype) }
                case EtherType.transparentEthernet:
                    next = .ethernet
                default:
                    return finish(&out, .skipped, .otherEthertype)
                }

            case .mpls:
                while true {
                    guard end - off >= MPLSHeader.length else { return finish(&out, .malformed, .mplsTruncated) }
                    labels += 1
                    guard labels <= maxLabels else { return finish(&out, .malformed, .tooManyLabels) }
                    let bottom = MPLSHeader(unchecked: p + off).bottomOfStack
                    off += MPLSHeader.length
                    if bottom { break }
                }
                // No protocol field: guess from the first nibble like Suricata; 0 is a pseudowire control word.
                guard end - off >= 1 else { return finish(&out, .malformed, .mplsTruncated) }
                switch p.u8(off) >> 4 {
                case 4: next = .ipv4
                case 6: next = .ipv6
                case 0:
                    guard end - off >= 4 else { return finish(&out, .malformed, .mplsTruncated) }
                    off += 4
                    next = .ethernet
                default: return finish(&out, .skipped, .otherEthertype)
                }

            case .ppp:
                guard let (proto, len) = PPPHeader.parse(UnsafeRawBufferPointer(start: p + off, count: end - off)) else {
                    return finish(&out, .malformed, .pppTruncated)
                }
                off += len
                switch proto {
                case PPPHeader.protocolIPv4: next = .ipv4
                case PPPHeader.protocolIPv6: next = .ipv6
                case PPPHeader.protocolMPLSUnicast, PPPHeader.protocolMPLSMulticast: next = .mpls
                default: return finish(&out, .skipped, .otherEthertype)
                }

            case .ipSniff:
                guard end - off >= 1 else { return finish(&out, .malformed, .ipv4Truncated) }
                let v = p.u8(off) >> 4
                if v == 4 { next = .ipv4 } else if v == 6 { next = .ipv6 }
                else { return finish(&out, .malformed, .ipv4BadVersion) }

            case .ipv4:
                guard end - off >= IPv4Header.minimumLength else { return finish(&out, .malformed, .ipv4Truncated) }
                let h = IPv4Header(unchecked: p + off)
                guard h.version == 4 else { return finish(&out, .malformed, .ipv4BadVersion) }
                let hl = h.headerLength
                guard hl >= IPv4Header.minimumLength else { return finish(&out, .malformed, .ipv4BadHeaderLength) }
                guard end - off >= hl else { return finish(&out, .malformed, .ipv4Truncated) }
                var total = Int(h.totalLength)
                if total == 0 { total = end - off }   // TSO/GSO on the capturing host: length left to the NIC
                guard total >= hl else { return finish(&out, .malformed, .ipv4BadTotalLength) }
                if hl > IPv4Header.minimumLength && !h.optionsWellFormed() && out.anomaly == .none {
                    out.anomaly = .ipv4OptionsMalformed
                }
                out.tuple = FlowTuple(src: h.source, dst: h.destination, proto: h.protocolNumber)
                let fragOffset = h.fragmentOffset
                let more = h.moreFragments
                let l4 = off + hl
                let declaredEnd = off + total
                end = min(end, declaredEnd)
                setL4(&out, l4: l4, declaredEnd: declaredEnd, capturedEnd: end)
                if fragOffset != 0 || more {
                    out.isFragment = true; out.fragmentOffset = fragOffset; out.moreFragments = more
                    out.ipIdentification = UInt32(h.identification)
                } else {
                    out.isFragment = false; out.fragmentOffset = 0; out.moreFragments = false; out.ipIdentification = 0
                }
                guard let (n2, skip) = transport(h.protocolNumber, p, l4, declaredEnd, end, &out) else { return }
                off = l4 + skip; next = n2

            case .ipv6:
                guard end - off >= IPv6Header.length else { return finish(&out, .malformed, .ipv6Truncated) }
                let h = IPv6Header(unchecked: p + off)
                guard h.version == 6 else { return finish(&out, .malformed, .ipv6BadVersion) }
                let payload = Int(h.payloadLength)
                // Payload length 0: a jumbogram or a TSO/GSO capture; the captured bytes are all we have.
                let declaredEnd = payload == 0 ? end : off + IPv6Header.length + payload
                end = min(end, declaredEnd)
                out.tuple = FlowTuple(src: h.source, dst: h.destination, proto: 0)
                out.isFragment = false; out.fragmentOffset = 0; out.moreFragments = false; out.ipIdentification = 0
                var nh = h.nextHeader
                var cur = off + IPv6Header.length
                var count = 0
                var nonFirstFragment = false
                while true {
                    if IPv6ExtensionHeader.isChained(nh) {
                        guard end - cur >= IPv6ExtensionHeader.minimumLength else {
                            return finish(&out, .malformed, .ipv6ExtensionTruncated)
                        }
                        let x = IPv6ExtensionHeader(unchecked: p + cur)
                        let len = x.length(kind: nh)
                        guard end - cur >= len else { return finish(&out, .malformed, .ipv6ExtensionTruncated) }
                        nh = x.nextHeader; cur += len
                    } else if nh == IPv6ExtensionHeader.fragment {
                        guard end - cur >= IPv6FragmentHeader.length else {
                            return finish(&out, .malformed, .ipv6ExtensionTruncated)
                        }
                        let f = IPv6FragmentHeader(unchecked: p + cur)
                        if f.fragmentOffset != 0 || f.moreFragments {
                            out.isFragment = true; out.fragmentOffset = f.fragmentOffset
                            out.moreFragments = f.moreFragments; out.ipIdentification = f.identification
                            nonFirstFragment = f.fragmentOffset != 0
                        }
                        nh = f.nextHeader; cur += IPv6FragmentHeader.length
                        if nonFirstFragment { break }   // the rest is payload bytes, not headers
                    } else {
                        break
                    }
                    count += 1
                    guard count <= maxIPv6ExtensionHeaders else {
                        return finish(&out, .malformed, .ipv6TooManyExtensionHeaders)
                    }
                }
                out.tuple.proto = nh
                setL4(&out, l4: cur, declaredEnd: declaredEnd, capturedEnd: end)
                guard let (n2, skip) = transport(nh, p, cur, declaredEnd, end, &out) else { return }
                off = cur + skip; next = n2
            }
        }
    }

    /// The common frame straight through: Ethernet, IPv4 without options and not a fragment, then TCP or UDP (not
    /// on a tunnel port) with its whole header captured. Fills `out` exactly as the layer-by-layer path would and
    /// returns true; returns false having written nothing for any other frame (the general path then decodes it).
    @inline(__always) static func decodeCommon(_ p: UnsafeRawPointer, _ n: Int, _ out: inout DecodedPacket) -> Bool {
        let ip = EthernetHeader.length
        guard n >= ip + IPv4Header.minimumLength + UDPHeader.length, p.be16(12) == EtherType.ipv4,
              p.u8(ip) == 0x45, p.be16(ip + 6) & 0x3FFF == 0 else { return false }
        let total = Int(p.be16(ip + 2))
        let l4 = ip + IPv4Header.minimumLength
        let declaredEnd = ip + total
        let end = min(n, declaredEnd)
        let declared = total - IPv4Header.minimumLength
        let avail = end - l4
        let proto = p.u8(ip + 9)
        var payloadStart: Int
        if proto == IPProto.tcp {
            guard declared >= TCPHeader.minimumLength, avail >= TCPHeader.minimumLength else { return false }
            let hl = TCPHeader(unchecked: p + l4).headerLength
            guard hl >= TCPHeader.minimumLength, hl <= declared else { return false }
            payloadStart = l4 + hl
        } else if proto == IPProto.udp {
            guard declared >= UDPHeader.length, avail >= UDPHeader.length else { return false }
            let dport = p.be16(l4 + 2)
            guard dport != VXLANHeader.udpPort && dport != VXLANHeader.linuxUDPPort && dport != GENEVEHeader.udpPort else { return false }
            payloadStart = l4 + UDPHeader.length
        } else {
            return false
        }
        let eth = EthernetHeader(unchecked: p)
        out.dstMAC = eth.destination; out.srcMAC = eth.source
        let h = IPv4Header(unchecked: p + ip)
        out.tuple = FlowTuple(src: h.source, dst: h.destination, srcPort: p.be16(l4), dstPort: p.be16(l4 + 2), proto: proto)
        setL4(&out, l4: l4, declaredEnd: declaredEnd, capturedEnd: end)
        if proto == IPProto.tcp {
            let t = TCPHeader(unchecked: p + l4)
            out.tcpFlags = t.flags; out.tcpSequence = t.sequenceNumber; out.tcpAcknowledgement = t.acknowledgementNumber
        }
        setPayload(&out, start: payloadStart, end: end)
        finish(&out, .decoded, .none)
        return true
    }

    @inline(__always) static func finish(_ out: inout DecodedPacket, _ status: DecodeStatus, _ event: DecodeEvent) {
        out.status = status; out.event = event
    }

    @inline(__always) static func setL4(_ out: inout DecodedPacket, l4: Int, declaredEnd: Int, capturedEnd: Int) {
        out.l4Offset = UInt32(truncatingIfNeeded: l4)
        out.l4Length = UInt32(truncatingIfNeeded: max(0, declaredEnd - l4))
        out.l4CapturedLength = UInt32(truncatingIfNeeded: max(0, capturedEnd - l4))
    }

    /// Records where the application payload starts, clamped to the captured bytes (a header cut by the snap
    /// length leaves an empty payload at the end of the capture, never an offset past it).
    @inline(__always) static func setPayload(_ out: inout DecodedPacket, start: Int, end: Int) {
        let s = min(start, end)
        out.payloadOffset = UInt32(truncatingIfNeeded: s)
        out.payloadLength = UInt32(truncatingIfNeeded: end - s)
    }

    /// Enters a tunnel: records the outer tuple the first time. False (and finishes the packet as decoded with the
    /// `tunnelTooDeep` anomaly, keeping the current layer's tuple) when the depth cap is reached.
    @inline(__always) static func enterTunnel(_ out: inout DecodedPacket, _ kind: TunnelKind) -> Bool {
        if out.tunnelDepth >= maxTunnelDepth {
            out.anomaly = .tunnelTooDeep
            finish(&out, .decoded, .none)
            return false
        }
        if out.tunnelDepth == 0 { out.outer = out.tuple }
        out.tunnelCarrier = out.tuple
        out.tunnelDepth += 1
        out.tunnelKind = kind
        return true
    }

    /// Decodes the transport layer of an IP packet whose header ends at `l4`. Returns the next layer when the
    /// payload is a tunnel to follow (the caller continues at `l4` plus the returned skip), or nil when
    /// the packet is finished. `declaredEnd` is where the IP header says the datagram ends, `end` what was captured.
    static func transport(_ proto: UInt8, _ p: UnsafeRawPointer, _ l4: Int, _ declaredEnd: Int, _ end: Int,
                          _ out: inout DecodedPacket) -> (Next, Int)? {
        // Non-first fragments carry only payload bytes; first fragments are decoded as far as they go but never
        // followed into tunnels (the inner packet continues in the other fragments).
        if out.isFragment {
            if out.fragmentOffset == 0 && end - l4 >= 4 && hasPorts(proto) {
                out.tuple.srcPort = p.be16(l4); out.tuple.dstPort = p.be16(l4 + 2)
                if proto == IPProto.tcp && end - l4 >= 14 { out.tcpFlags = p.u8(l4 + 13) }
            } else if out.fragmentOffset == 0 && end - l4 >= 2 && (proto == IPProto.icmp || proto == IPProto.icmpv6) {
                out.tuple.srcPort = UInt16(p.u8(l4)); out.tuple.dstPort = UInt16(p.u8(l4 + 1))
            }
            finish(&out, .decoded, .none)
            return nil
        }
        let declared = declaredEnd - l4
        let avail = end - l4
        switch proto {
        case IPProto.tcp:
            guard declared >= TCPHeader.minimumLength, avail >= 4 else { finish(&out, .malformed, .tcpTruncated); return nil }
            out.tuple.srcPort = p.be16(l4); out.tuple.dstPort = p.be16(l4 + 2)
            if avail >= TCPHeader.minimumLength {
                let t = TCPHeader(unchecked: p + l4)
                let hl = t.headerLength
                guard hl >= TCPHeader.minimumLength, hl <= declared else {
                    finish(&out, .malformed, .tcpBadHeaderLength); return nil
                }
                out.tcpFlags = t.flags; out.tcpSequence = t.sequenceNumber; out.tcpAcknowledgement = t.acknowledgementNumber
                setPayload(&out, start: l4 + hl, end: end)
            } else if avail >= 14 {
                out.tcpFlags = p.u8(l4 + 13)   // cut by the snap length inside the header: ports and flags survive
            }
            finish(&out, .decoded, .none)
            return nil
        case IPProto.udp:
            guard declared >= UDPHeader.length, avail >= 4 else { finish(&out, .malformed, .udpTruncated); return nil }
            out.tuple.srcPort = p.be16(l4); out.tuple.dstPort = p.be16(l4 + 2)
            setPayload(&out, start: l4 + UDPHeader.length, end: end)
            let dport = out.tuple.dstPort
            if (dport == VXLANHeader.udpPort || dport == VXLANHeader.linuxUDPPort)
                && avail >= UDPHeader.length + VXLANHeader.length + EthernetHeader.length
                && VXLANHeader(unchecked: p + l4 + UDPHeader.length).vniValid {
                guard enterTunnel(&out, .vxlan) else { return nil }
                out.payloadOffset = 0; out.payloadLength = 0
                return advance(.ethernet, by: UDPHeader.length + VXLANHeader.length)
            }
            if dport == GENEVEHeader.udpPort && avail >= UDPHeader.length + GENEVEHeader.minimumLength {
                let g = GENEVEHeader(unchecked: p + l4 + UDPHeader.length)
                let skip = UDPHeader.length + g.headerLength
                let inner: Next? = g.version != 0 ? nil : (g.protocolType == EtherType.transparentEthernet ? .ethernet
                    : g.protocolType == EtherType.ipv4 ? .ipv4 : g.protocolType == EtherType.ipv6 ? .ipv6 : nil)
                if let inner, avail >= skip {
                    guard enterTunnel(&out, .geneve) else { return nil }
                    out.payloadOffset = 0; out.payloadLength = 0
                    return advance(inner, by: skip)
                }
            }
            finish(&out, .decoded, .none)
            return nil
        case IPProto.icmp:
            guard declared >= ICMPHeader.length, avail >= 2 else { finish(&out, .malformed, .icmpTruncated); return nil }
            out.tuple.srcPort = UInt16(p.u8(l4)); out.tuple.dstPort = UInt16(p.u8(l4 + 1))
            finish(&out, .decoded, .none)
            return nil
        case IPProto.icmpv6:
            guard declared >= 4, avail >= 2 else { finish(&out, .malformed, .icmpv6Truncated); return nil }
            out.tuple.srcPort = UInt16(p.u8(l4)); out.tuple.dstPort = UInt16(p.u8(l4 + 1))
            finish(&out, .decoded, .none)
            return nil
        case IPProto.ipip:
            guard enterTunnel(&out, .ipInIP) else { return nil }
            return (.ipv4, 0)
        case IPProto.ipv6:
            guard enterTunnel(&out, .ipInIP) else { return nil }
            return (.ipv6, 0)
        case IPProto.gre:
            // The GRE flow's key (addresses, protocol 47) is complete whatever follows: a GRE header segcheck cannot
            // open is an anomaly on a decoded packet, not a lost one.
            guard avail >= GREHeader.minimumLength else { return greOnly(&out, .greTruncated) }
            let g = GREHeader(unchecked: p + l4)
            let version = g.version
            guard version <= 1 else { return greOnly(&out, .greBadVersion) }
            if g.routingPresent { return greOnly(&out, .greRoutingUnsupported) }
            let hl = g.headerLength
            guard avail >= hl else { return greOnly(&out, .greTruncated) }
            let inner: Next
            var skip = hl
            switch g.protocolType {
            case EtherType.ipv4: inner = .ipv4
            case EtherType.ipv6: inner = .ipv6
            case EtherType.transparentEthernet: inner = .ethernet
            case EtherType.mplsUnicast, EtherType.mplsMulticast: inner = .mpls
            case EtherType.ppp: inner = .ppp
            case EtherType.wccp:
                // WCCP redirect: a 4-byte redirect header before the original IPv4 packet.
                inner = .ipv4; skip += 4
            case EtherType.erspan2:
                // ERSPAN type II: an 8-byte header before the mirrored Ethernet frame.
                inner = .ethernet; skip += 8
            case EtherType.erspan3:
                // ERSPAN type III: 12 bytes, plus an 8-byte platform subheader when the O bit is set.
                guard avail >= hl + 12 else { return greOnly(&out, .greTruncated) }
                inner = .ethernet; skip += 12 + (p.u8(l4 + hl + 11) & 1 != 0 ? 8 : 0)
            default:
                // A GRE payload segcheck does not open: the GRE flow itself is the finding unit.
                finish(&out, .decoded, .none); return nil
            }
            guard avail >= skip else { return greOnly(&out, .greTruncated) }
            guard enterTunnel(&out, .gre) else { return nil }
            return advance(inner, by: skip)
        default:
            // Any other IP protocol (ESP, AH-only, OSPF, VRRP, PIM, SCTP, ...): a complete flow key. Protocols with
            // 16-bit ports in the first 4 bytes (SCTP, DCCP, UDP-Lite) get them.
            if hasPorts(proto) && avail >= 4 {
                out.tuple.srcPort = p.be16(l4); out.tuple.dstPort = p.be16(l4 + 2)
            }
            finish(&out, .decoded, .none)
            return nil
        }
    }

    /// Finishes a GRE packet as the GRE flow itself, with `event` as its anomaly.
    static func greOnly(_ out: inout DecodedPacket, _ event: DecodeEvent) -> (Next, Int)? {
        if out.anomaly == .none { out.anomaly = event }
        finish(&out, .decoded, .none)
        return nil
    }

    /// The next layer of a tunnel and how far past the IP header it starts.
    @inline(__always) static func advance(_ next: Next, by bytes: Int) -> (Next, Int) { (next, bytes) }

    @inline(__always) static func hasPorts(_ proto: UInt8) -> Bool {
        proto == IPProto.tcp || proto == IPProto.udp || proto == 132 || proto == 33 || proto == 136
    }

    static func decodeARP(_ p: UnsafeRawPointer, _ off: Int, _ end: Int, _ out: inout DecodedPacket) {
        guard end - off >= 8 else { return finish(&out, .malformed, .arpTruncated) }
        let a = ARPHeader(unchecked: p + off)
        if a.hardwareLength == 6 && a.protocolLength == 4 && a.protocolType == EtherType.ipv4 {
            guard end - off >= ARPHeader.length else { return finish(&out, .malformed, .arpTruncated) }
            // Sender/target IPs in the tuple, operation in srcPort: enough for ARP-based zone checks downstream.
            out.tuple = FlowTuple(src: a.senderIP, dst: a.targetIP, srcPort: a.operation, dstPort: 0, proto: 0)
            if out.tunnelDepth == 0 { out.srcMAC = a.senderMAC }
        }
        finish(&out, .skipped, .arp)
    }
}
