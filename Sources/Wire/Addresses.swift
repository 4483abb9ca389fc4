// Wire: addresses shared by every layer. IPv4 is held IPv4-mapped (::ffff:a.b.c.d) so one 128-bit type serves both families.

/// A 128-bit IP address. IPv4 addresses are stored IPv4-mapped (`::ffff:a.b.c.d`).
public struct IPAddress: Hashable, Comparable, Sendable, CustomStringConvertible {
    public var hi: UInt64
    public var lo: UInt64

    @inlinable public init(hi: UInt64, lo: UInt64) { self.hi = hi; self.lo = lo }

    /// An IPv4 address from its host-order 32-bit value.
    @inlinable public init(v4 value: UInt32) { self.hi = 0; self.lo = 0x0000_FFFF_0000_0000 | UInt64(value) }

    @inlinable public var isIPv4: Bool { hi == 0 && (lo >> 32) == 0xFFFF }
    @inlinable public var v4Value: UInt32 { UInt32(truncatingIfNeeded: lo) }

    @inlinable public static func < (a: IPAddress, b: IPAddress) -> Bool { a.hi != b.hi ? a.hi < b.hi : a.lo < b.lo }

    public static let zero = IPAddress(hi: 0, lo: 0)
    public static let max = IPAddress(hi: .max, lo: .max)

    /// Parses dotted IPv4 or RFC 4291 IPv6 text (with `::` and an embedded IPv4 tail). Returns nil on anything else.
    public init?(_ text: Substring) {
        if !text.contains(":") {
            guard let v = IPAddress.parseV4(text) else { return nil }
            self.init(v4: v)
            return
        }
        var groups: [UInt16] = []
        var doubleColonAt: Int? = nil
        var s = text
        if s.hasPrefix("::") { doubleColonAt = 0; s = s.dropFirst(2) }
        while !s.isEmpty {
            let end = s.firstIndex(of: ":") ?? s.endIndex
            let part = s[s.startIndex..<end]
            if part.contains(".") {
                guard end == s.endIndex, let v4 = IPAddress.parseV4(part) else { return nil }
                groups.append(UInt16(v4 >> 16)); groups.append(UInt16(v4 & 0xFFFF))
                s = s[end...]
                break
            }
            guard !part.isEmpty, part.count <= 4, let g = UInt16(part, radix: 16) else { return nil }
            groups.append(g)
            s = s[end...]
            if s.hasPrefix("::") {
                if doubleColonAt != nil { return nil }
                doubleColonAt = groups.count; s = s.dropFirst(2)
            } else if s.hasPrefix(":") {
                s = s.dropFirst()
                if s.isEmpty { return nil }
            }
        }
        if let at = doubleColonAt {
            guard groups.count <= 7 else { return nil }
            groups.insert(contentsOf: repeatElement(0, count: 8 - groups.count), at: at)
        }
        guard groups.count == 8 else { return nil }
        var hi: UInt64 = 0, lo: UInt64 = 0
        for i in 0..<4 { hi = hi << 16 | UInt64(groups[i]) }
        for i in 4..<8 { lo = lo << 16 | UInt64(groups[i]) }
        self.init(hi: hi, lo: lo)
    }
    public init?(_ text: String) { self.init(Substring(text)) }

    /// Four dot-separated decimal parts of 1 to 3 ASCII digits, each at most 255. Reads UTF-8 bytes (rule sets
    /// hold thousands of addresses).
    static func parseV4(_ text: Substring) -> UInt32? {
        var value: UInt32 = 0, part: UInt32 = 0
        var digits = 0, count = 0
        for b in text.utf8 {
            if b == UInt8(ascii: ".") {
                guard digits > 0, part <= 255, count < 3 else { return nil }
                value = value << 8 | part
                count += 1; part = 0; digits = 0
            } else if b >= UInt8(ascii: "0") && b <= UInt8(ascii: "9") {
                digits += 1
                guard digits <= 3 else { return nil }
                part = part * 10 + UInt32(b - UInt8(ascii: "0"))
            } else {
                return nil
            }
        }
        guard digits > 0, part <= 255, count == 3 else { return nil }
        return value << 8 | part
    }

    public var description: String {
        if isIPv4 {
            let v = v4Value
            return "\(v >> 24).\((v >> 16) & 255).\((v >> 8) & 255).\(v & 255)"
        }
        var groups: [UInt16] = []
        for i in (0..<4).reversed() { groups.append(UInt16(truncatingIfNeeded: hi >> (UInt64(i) * 16))) }
        for i in (0..<4).reversed() { groups.append(UInt16(truncatingIfNeeded: lo >> (UInt64(i) * 16))) }
        // RFC 5952: compress the longest run (≥2) of zero groups.
        var bestStart = -1, bestLen = 0, i = 0
        while i < 8 {
            if groups[i] == 0 {
                var j = i
                while j < 8 && groups[j] == 0 { j += 1 }
                if j - i > bestLen && j - i >= 2 { bestStart = i; bestLen = j - i }
                i = j
            } else { i += 1 }
        }
        func hex(_ r: ArraySlice<UInt16>) -> String { r.map { String($0, radix: 16) }.joined(separator: ":") }
        if bestStart < 0 { return hex(groups[...]) }
        return hex(groups[0..<bestStart]) + "::" + hex(groups[(bestStart + bestLen)...])
    }

    /// The address with all bits after `prefixLength` (counted over 128 bits) cleared.
    @inlinable public func masked(_ prefixLength: Int) -> IPAddress {
        if prefixLength >= 128 { return self }
        if prefixLength <= 0 { return .zero }
        if prefixLength <= 64 {
            return IPAddress(hi: prefixLength == 64 ? hi : hi & ~(UInt64.max >> UInt64(prefixLength)), lo: 0)
        }
        return IPAddress(hi: hi, lo: lo & ~(UInt64.max >> UInt64(prefixLength - 64)))
    }
}

/// An IP network in CIDR form; `prefixLength` counts over 128 bits (an IPv4 /24 is stored as 96 + 24).
public struct IPNetwork: Hashable, Sendable, CustomStringConvertible {
    public var address: IPAddress
    public var prefixLength: Int

    public init(address: IPAddress, prefixLength: Int) {
        self.address = address.masked(prefixLength); self.prefixLength = prefixLength
    }

    /// Parses `10.0.0.0/8`, `fd00::/8`, or a bare address (a host route).
    public init?(_ text: Substring) {
        let parts = text.split(separator: "/", maxSplits: 1, omittingEmptySubsequences: false)
        guard let addr = IPAddress(parts[0]) else { return nil }
        var len = addr.isIPv4 ? 32 : 128
        if parts.count == 2 {
            guard let l = Int(parts[1]), l >= 0, l <= len, parts[1].allSatisfy({ $0.isASCII && $0.isNumber }) else { return nil }
            len = l
        }
        self.init(address: addr, prefixLength: addr.isIPv4 ? 96 + len : len)
    }
    public init?(_ text: String) { self.init(Substring(text)) }

    @inlinable public func contains(_ a: IPAddress) -> Bool { a.masked(prefixLength) == address }
    public var first: IPAddress { address }
    public var last: IPAddress {
        if prefixLength >= 128 { return address }
        if prefixLength <= 64 { return IPAddress(hi: address.hi | (prefixLength == 64 ? 0 : UInt64.max >> UInt64(prefixLength)), lo: .max) }
        return IPAddress(hi: address.hi, lo: address.lo | (UInt64.max >> UInt64(prefixLength - 64)))
    }
    public var description: String {
        address.isIPv4 && prefixLength >= 96 ? "\(address)/\(prefixLength - 96)" : "\(address)/\(prefixLength)"
    }
}

/// A 48-bit Ethernet MAC address held in the low bits of a UInt64.
public struct MACAddress: Hashable, Sendable, CustomStringConvertible {
    public var value: UInt64
    @inlinable public init(_ value: UInt64) { self.value = value & 0xFFFF_FFFF_FFFF }
    public init?(_ text: Substring) {
        let parts = text.split(whereSeparator: { $0 == ":" || $0 == "-" })
        guard parts.count == 6 else { return nil }
        var v: UInt64 = 0
        for p in parts {
            guard p.count == 2, let b = UInt8(p, radix: 16) else { return nil }
            v = v << 8 | UInt64(b)
        }
        self.value = v
    }
    public init?(_ text: String) { self.init(Substring(text)) }
    public var description: String {
        (0..<6).map { i in
            let b = UInt8(truncatingIfNeeded: value >> UInt64((5 - i) * 8))
            return (b < 16 ? "0" : "") + String(b, radix: 16)
        }.joined(separator: ":")
    }
}

/// IP protocol numbers segcheck names.
public enum IPProto {
    public static let icmp: UInt8 = 1
    public static let tcp: UInt8 = 6
    public static let udp: UInt8 = 17
    public static let gre: UInt8 = 47
    public static let icmpv6: UInt8 = 58
    public static let ipip: UInt8 = 4
    public static let ipv6: UInt8 = 41

    /// Suricata's EVE spelling of a protocol.
    public static func eveName(_ p: UInt8) -> String {
        switch p {
        case icmp: return "ICMP"
        case tcp: return "TCP"
        case udp: return "UDP"
        case icmpv6: return "IPv6-ICMP"
        case gre: return "GRE"
        case 132: return "SCTP"
        default: return String(p)
        }
    }
}
