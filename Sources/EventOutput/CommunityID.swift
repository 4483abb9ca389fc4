// EventOutput: Corelight Community ID v1 (SHA-1 over seed, addresses, protocol and ports, base64) for joining with Zeek and Suricata logs.
import CCrypto
import Wire

public enum CommunityID {
    /// ICMP/ICMPv6 types that form a request/response pair with another type (the spec's port equivalents).
    static func counterpart(proto: UInt8, type: UInt8) -> UInt8? {
        if proto == IPProto.icmp {
            switch type {
            case 8: return 0
            case 0: return 8
            case 13: return 14
            case 14: return 13
            case 15: return 16
            case 16: return 15
            case 10: return 9
            case 9: return 10
            case 17: return 18
            case 18: return 17
            default: return nil
            }
        }
        switch type {
        case 128: return 129
        case 129: return 128
        case 133: return 134
        case 134: return 133
        case 135: return 136
        case 136: return 135
        case 130: return 131
        case 131: return 130
        case 139: return 140
        case 140: return 139
        case 144: return 145
        case 145: return 144
        default: return nil
        }
    }

    /// The Community ID of a flow seen as `src → dst`. For ICMP/ICMPv6 pass the type as `srcPort` and the code as `dstPort`.
    /// Protocols other than TCP, UDP, SCTP, ICMP and ICMPv6 hash without ports.
    public static func compute(src: IPAddress, dst: IPAddress, proto: UInt8, srcPort: UInt16, dstPort: UInt16, seed: UInt16 = 0) -> String {
        var saddr = src, daddr = dst
        var sport = srcPort, dport = dstPort
        var withPorts = true
        var oneWay = false
        switch proto {
        case IPProto.tcp, IPProto.udp, 132:
            break
        case IPProto.icmp, IPProto.icmpv6:
            let type = UInt8(truncatingIfNeeded: srcPort)
            if let other = counterpart(proto: proto, type: type) {
                sport = UInt16(type); dport = UInt16(other)
            } else {
                oneWay = true
            }
        default:
            withPorts = false; sport = 0; dport = 0
        }
        if !oneWay {
            let keep = saddr < daddr || (saddr == daddr && sport < dport)
            if !keep { swap(&saddr, &daddr); swap(&sport, &dport) }
        }
        var input = [UInt8]()
        input.reserveCapacity(40)
        input.append(UInt8(seed >> 8)); input.append(UInt8(seed & 0xFF))
        func appendAddress(_ a: IPAddress) {
            if a.isIPv4 {
                let v = a.v4Value
                input.append(UInt8(v >> 24)); input.append(UInt8((v >> 16) & 0xFF)); input.append(UInt8((v >> 8) & 0xFF)); input.append(UInt8(v & 0xFF))
            } else {
                for shift in stride(from: 56, through: 0, by: -8) { input.append(UInt8(truncatingIfNeeded: a.hi >> UInt64(shift))) }
                for shift in stride(from: 56, through: 0, by: -8) { input.append(UInt8(truncatingIfNeeded: a.lo >> UInt64(shift))) }
            }
        }
        appendAddress(saddr); appendAddress(daddr)
        input.append(proto); input.append(0)
        if withPorts {
            input.append(UInt8(sport >> 8)); input.append(UInt8(sport & 0xFF))
            input.append(UInt8(dport >> 8)); input.append(UInt8(dport & 0xFF))
        }
        var digest = [UInt8](repeating: 0, count: 20)
        input.withUnsafeBufferPointer { inp in
            digest.withUnsafeMutableBufferPointer { out in
                _ = SHA1(inp.baseAddress, inp.count, out.baseAddress)
            }
        }
        return "1:" + base64(digest)
    }

    static func base64(_ bytes: [UInt8]) -> String {
        let table = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)
        var out = [UInt8]()
        out.reserveCapacity((bytes.count + 2) / 3 * 4)
        var i = 0
        while i + 2 < bytes.count {
            let n = UInt32(bytes[i]) << 16 | UInt32(bytes[i + 1]) << 8 | UInt32(bytes[i + 2])
            out.append(table[Int(n >> 18)]); out.append(table[Int((n >> 12) & 63)])
            out.append(table[Int((n >> 6) & 63)]); out.append(table[Int(n & 63)])
            i += 3
        }
        let rest = bytes.count - i
        if rest == 1 {
            let n = UInt32(bytes[i]) << 16
            out.append(table[Int(n >> 18)]); out.append(table[Int((n >> 12) & 63)]); out.append(61); out.append(61)
        } else if rest == 2 {
            let n = UInt32(bytes[i]) << 16 | UInt32(bytes[i + 1]) << 8
            out.append(table[Int(n >> 18)]); out.append(table[Int((n >> 12) & 63)]); out.append(table[Int((n >> 6) & 63)]); out.append(61)
        }
        return String(decoding: out, as: UTF8.self)
    }
}
