// VendorCommon: the neutral intermediate every vendor parser (Yamaha, NEC IX, FortiGate, Cisco, PAN-OS, Junos) fills in, plus shared tokens, ports and errors.
import Wire
import Policy

/// The vendor configuration formats this module reads (iptables and nftables live beside them, owned by the firewall module).
public enum VendorFormat: String, CaseIterable, Sendable {
    case yamaha, ix, fortigate, ios, asa, panos, junos

    /// Parses text of this format into the intermediate vendor rule set.
    public func parseVendor(_ text: String, file: String) throws(VendorParseError) -> VendorRuleSet {
        switch self {
        case .yamaha: return try YamahaRTXParser.parse(text, file: file)
        case .ix: return try NECIXParser.parse(text, file: file)
        case .fortigate: return try FortiGateParser.parse(text, file: file)
        case .ios: return try CiscoParser.parse(text, file: file, flavor: .ios)
        case .asa: return try CiscoParser.parse(text, file: file, flavor: .asa)
        case .panos: return try PaloAltoParser.parse(text, file: file)
        case .junos: return try JuniperParser.parse(text, file: file)
        }
    }

    /// Human name for reports.
    public var displayName: String {
        switch self {
        case .yamaha: return "Yamaha RTX"
        case .ix: return "NEC UNIVERGE IX"
        case .fortigate: return "FortiGate FortiOS"
        case .ios: return "Cisco IOS"
        case .asa: return "Cisco ASA"
        case .panos: return "Palo Alto PAN-OS"
        case .junos: return "Juniper SRX (Junos)"
        }
    }
}

/// A configuration the parser cannot use: where and why. The CLI prints it and exits 2.
public struct VendorParseError: Error, Sendable, CustomStringConvertible, Equatable {
    public var file: String
    public var line: Int
    public var column: Int
    public var reason: String
    public init(file: String, line: Int, column: Int, reason: String) {
        self.file = file; self.line = line; self.column = column; self.reason = reason
    }
    public var description: String { "\(file):\(line):\(column): error: \(reason)" }
}

/// A set of addresses: a union of inclusive ranges, optionally negated (matches everything outside the union).
public struct VendorAddressSet: Sendable, Hashable {
    public var ranges: [ClosedRange<IPAddress>]
    public var negated: Bool
    /// Members the parser cannot resolve (FQDN, dynamic groups, EDL): each may stand for any address.
    /// Lowered to `.unknown` so the analysis treats them conservatively and marks findings that depend on them.
    public var unresolved: [String]
    public init(ranges: [ClosedRange<IPAddress>], negated: Bool = false, unresolved: [String] = []) { self.ranges = ranges; self.negated = negated; self.unresolved = unresolved }
    /// Every address, IPv4 and IPv6.
    public static let any = VendorAddressSet(ranges: [IPAddress.zero...IPAddress.max])
    /// Every IPv4 address (held IPv4-mapped).
    public static let anyV4 = VendorAddressSet(ranges: [IPAddress(v4: 0)...IPAddress(v4: .max)])
    public static let none = VendorAddressSet(ranges: [])
    public var isAny: Bool { !negated && ranges.contains { $0.lowerBound == .zero && $0.upperBound == .max } }
    public static func network(_ n: IPNetwork) -> VendorAddressSet { VendorAddressSet(ranges: [n.first...n.last]) }
    public static func host(_ a: IPAddress) -> VendorAddressSet { VendorAddressSet(ranges: [a...a]) }
    /// Whether `a` is in the set (used by tests and the reference evaluator).
    public func contains(_ a: IPAddress) -> Bool {
        let inside = ranges.contains { $0.contains(a) }
        return negated ? !inside : inside
    }
    /// The union of plain (non-negated) sets; negated members cannot be merged and are reported by the caller.
    public static func union(_ sets: [VendorAddressSet]) -> VendorAddressSet {
        var unresolved: [String] = []
        for s in sets { for u in s.unresolved where !unresolved.contains(u) { unresolved.append(u) } }
        return VendorAddressSet(ranges: mergeRanges(sets.flatMap { $0.ranges }), unresolved: unresolved)
    }

    /// Sorted, with overlapping and adjacent ranges merged (keeps nested groups from growing with duplicates).
    static func mergeRanges(_ r: [ClosedRange<IPAddress>]) -> [ClosedRange<IPAddress>] {
        guard r.count > 1 else { return r }
        let sorted = r.sorted { $0.lowerBound < $1.lowerBound }
        var out: [ClosedRange<IPAddress>] = [sorted[0]]
        for x in sorted.dropFirst() {
            let last = out[out.count - 1]
            let adjacent = last.upperBound != .max && successor(last.upperBound) == x.lowerBound
            if x.lowerBound <= last.upperBound || adjacent {
                out[out.count - 1] = last.lowerBound...max(last.upperBound, x.upperBound)
            } else { out.append(x) }
        }
        return out
    }
    static func successor(_ a: IPAddress) -> IPAddress {
        a.lo == .max ? IPAddress(hi: a.hi &+ 1, lo: 0) : IPAddress(hi: a.hi, lo: a.lo + 1)
    }
}

/// What a rule matches above IP: protocol, ports, ICMP type/code. nil / empty means any.
public struct VendorService: Sendable, Hashable {
    public var proto: UInt8?
    public var srcPorts: [PortRange]
    public var dstPorts: [PortRange]
    public var icmpType: UInt8?
    public var icmpCode: UInt8?
    /// TCP only: matches only packets of an established connection (ACK or RST set), e.g. IOS `established`, Yamaha `established`.
    public var establishedOnly: Bool
    /// A part of the match the parser cannot model (TCP flag tests, App-ID): may or may not match.
    public var unknown: String?
    public init(proto: UInt8? = nil, srcPorts: [PortRange] = [], dstPorts: [PortRange] = [], icmpType: UInt8? = nil, icmpCode: UInt8? = nil, establishedOnly: Bool = false, unknown: String? = nil) {
        self.proto = proto; self.srcPorts = srcPorts; self.dstPorts = dstPorts; self.icmpType = icmpType; self.icmpCode = icmpCode; self.establishedOnly = establishedOnly; self.unknown = unknown
    }
    public static let any = VendorService()
    /// Whether a concrete packet matches (reference evaluator for tests).
    public func matches(proto p: UInt8, srcPort: UInt16, dstPort: UInt16) -> Bool {
        if let q = proto, q != p { return false }
        if p == IPProto.icmp || p == IPProto.icmpv6 {
            if let t = icmpType, UInt16(t) != srcPort { return false }
            if let c = icmpCode, UInt16(c) != dstPort { return false }
            return true
        }
        if !srcPorts.isEmpty && !srcPorts.contains(where: { $0.contains(srcPort) }) { return false }
        if !dstPorts.isEmpty && !dstPorts.contains(where: { $0.contains(dstPort) }) { return false }
        return true
    }
}

public enum VendorAction: String, Sendable, Hashable { case permit, deny }

/// One rule (ACL entry, filter line or security policy) in evaluation order.
public struct VendorRule: Sendable, Hashable {
    /// The vendor's own identifier: filter number, ACL name + sequence, policy id or name.
    public var name: String
    public var action: VendorAction
    public var sources: VendorAddressSet
    public var destinations: VendorAddressSet
    /// Any of these services matches; empty means any traffic.
    public var services: [VendorService]
    /// Zone-based devices: the rule only applies to packets entering/leaving these interfaces or vendor zones (empty = any).
    public var fromZones: [String]
    public var toZones: [String]
    public var location: SourceLocation
    /// The rule as written (rejoined, one line) for traces and reports.
    public var text: String
    /// Approximations the parser made for this rule (App-ID treated as its ports, restrict treated as pass, ...).
    public var notes: [String]
    /// The rule matches traffic NOT in `services` (FortiGate service-negate).
    public var servicesNegated: Bool
    /// Conditions the parser cannot model (schedules, App-ID, users): each may or may not hold.
    public var unknowns: [String]
    public init(name: String, action: VendorAction, sources: VendorAddressSet = .any, destinations: VendorAddressSet = .any, services: [VendorService] = [], fromZones: [String] = [], toZones: [String] = [], location: SourceLocation, text: String, notes: [String] = [], servicesNegated: Bool = false, unknowns: [String] = []) {
        self.name = name; self.action = action; self.sources = sources; self.destinations = destinations; self.services = services
        self.fromZones = fromZones; self.toZones = toZones; self.location = location; self.text = text; self.notes = notes
        self.servicesNegated = servicesNegated; self.unknowns = unknowns
    }
    public func matches(src: IPAddress, dst: IPAddress, proto: UInt8, srcPort: UInt16, dstPort: UInt16) -> Bool {
        guard sources.contains(src), destinations.contains(dst) else { return false }
        if services.isEmpty { return !servicesNegated }
        return services.contains { $0.matches(proto: proto, srcPort: srcPort, dstPort: dstPort) } != servicesNegated
    }
}

public enum VendorDirection: String, Sendable, Hashable { case `in`, out }

/// Where a rule list is enforced.
public enum VendorBinding: Sendable, Hashable {
    /// An ACL/filter list bound to an interface in one direction (Yamaha, NEC IX, IOS, ASA). Once bound: first match, then implicit deny.
    case interface(name: String, direction: VendorDirection)
    /// A zone-based policy table (FortiGate, PAN-OS, SRX): one ordered list for all traffic crossing the device;
    /// each rule names its own from/to zones or interfaces.
    case zoneTable
}

/// One enforced rule list.
public struct VendorFilter: Sendable {
    public var name: String
    public var binding: VendorBinding
    public var rules: [VendorRule]
    /// What happens to a packet no rule matches.
    public var defaultAction: VendorAction
    /// PAN-OS: packets whose ingress and egress zone are the same are allowed when no rule matches (intrazone-default).
    public var intraZoneDefaultPermit: Bool
    /// Where the binding was written.
    public var location: SourceLocation
    public init(name: String, binding: VendorBinding, rules: [VendorRule], defaultAction: VendorAction = .deny, intraZoneDefaultPermit: Bool = false, location: SourceLocation) {
        self.name = name; self.binding = binding; self.rules = rules; self.defaultAction = defaultAction; self.intraZoneDefaultPermit = intraZoneDefaultPermit; self.location = location
    }
}

/// Which analysis results an unsupported line could change.
public enum VendorScope: Sendable, Hashable, CustomStringConvertible {
    /// Could change any zone pair's result.
    case everything
    /// Only packets entering or leaving this interface (or vendor zone).
    case interface(String)
    /// Only one rule's match (the rule is kept, with the part it could not read over-approximated or dropped as noted).
    case rule(String)
    public var description: String {
        switch self {
        case .everything: return "all zone pairs"
        case .interface(let i): return "traffic through \(i)"
        case .rule(let r): return "rule \(r)"
        }
    }
}

/// A line the parser read but could not model. Never dropped silently: surfaced in the output with its scope.
public struct VendorUnsupported: Sendable, Hashable {
    public var location: SourceLocation
    public var text: String
    public var reason: String
    public var scope: VendorScope
    /// True for lines that are understood and deliberately skipped (disabled/inactive rules): reported as information.
    public var skipped: Bool
    public init(location: SourceLocation, text: String, reason: String, scope: VendorScope, skipped: Bool = false) {
        self.location = location; self.text = text; self.reason = reason; self.scope = scope; self.skipped = skipped
    }
}

/// A parsed vendor configuration, ready to lower into the firewall rule model.
public struct VendorRuleSet: Sendable {
    public var format: VendorFormat
    public var file: String
    public var filters: [VendorFilter]
    /// Vendor zone → member interfaces, as the configuration declares them (FortiGate `system zone`, PAN-OS `zone`, SRX `security-zone`).
    public var zoneInterfaces: [String: [String]]
    public var unsupported: [VendorUnsupported]
    /// Counts of configuration lines that are understood but do not affect filtering (routing, DHCP, NAT...), by keyword.
    public var ignoredLines: Int
    public init(format: VendorFormat, file: String, filters: [VendorFilter] = [], zoneInterfaces: [String: [String]] = [:], unsupported: [VendorUnsupported] = [], ignoredLines: Int = 0) {
        self.format = format; self.file = file; self.filters = filters; self.zoneInterfaces = zoneInterfaces; self.unsupported = unsupported; self.ignoredLines = ignoredLines
    }
    public var ruleCount: Int { filters.reduce(0) { $0 + $1.rules.count } }
}

// MARK: - Tokens

/// A word of a configuration line with its 1-based column.
public struct VendorToken: Sendable, Hashable {
    public var text: Substring
    public var column: Int
    /// Whether it was written in quotes (quotes removed).
    public var quoted: Bool
}

enum VendorTokenizer {
    /// Splits on blanks; double quotes group (with `\"` escapes); single quotes too when `singleQuotes`.
    /// Returns nil plus the column of an unterminated quote.
    static func split(_ line: Substring, singleQuotes: Bool = false) -> (tokens: [VendorToken], unterminatedAt: Int?) {
        var tokens: [VendorToken] = []
        var i = line.startIndex
        var col = 1
        while i < line.endIndex {
            let c = line[i]
            if c == " " || c == "\t" || c == "\r" { i = line.index(after: i); col += 1; continue }
            if c == "\"" || (singleQuotes && c == "'") {
                let quote = c
                let startCol = col
                var j = line.index(after: i); col += 1
                var text = ""
                var closed = false
                while j < line.endIndex {
                    let d = line[j]
                    if d == "\\" && quote == "\"" {
                        let n = line.index(after: j)
                        if n < line.endIndex { text.append(line[n]); j = line.index(after: n); col += 2; continue }
                    }
                    if d == quote { closed = true; j = line.index(after: j); col += 1; break }
                    text.append(d); j = line.index(after: j); col += 1
                }
                if !closed { return (tokens, startCol) }
                tokens.append(VendorToken(text: Substring(text), column: startCol, quoted: true))
                i = j
                continue
            }
            let start = i
            let startCol = col
            while i < line.endIndex, line[i] != " ", line[i] != "\t", line[i] != "\r" { i = line.index(after: i); col += 1 }
            tokens.append(VendorToken(text: line[start..<i], column: startCol, quoted: false))
        }
        return (tokens, nil)
    }
}

/// Splits a text into lines (LF, CRLF or CR) with 1-based numbers; never allocates per character.
func vendorLines(_ text: String) -> [(number: Int, text: Substring)] {
    var out: [(Int, Substring)] = []
    var n = 0
    // Split on \n; strip a trailing \r; lone \r also ends a line.
    for raw in text.split(separator: "\n", omittingEmptySubsequences: false) {
        var parts = raw.split(separator: "\r", omittingEmptySubsequences: false)
        if parts.count > 1, parts.last?.isEmpty == true { parts.removeLast() }
        for p in parts { n += 1; out.append((n, p)) }
    }
    if let last = out.last, last.1.isEmpty { out.removeLast() }
    return out
}

// MARK: - Numbers, addresses, ports

enum VendorParse {
    static func uint(_ s: Substring, max: UInt64) -> UInt64? {
        guard !s.isEmpty, s.count <= 20, s.allSatisfy({ $0.isASCII && $0.isNumber }), let v = UInt64(s), v <= max else { return nil }
        return v
    }
    static func port(_ s: Substring) -> UInt16? { uint(s, max: 65535).map { UInt16($0) } }

    /// Dotted netmask (255.255.255.0) → prefix length, nil if not contiguous.
    static func maskLength(_ s: Substring) -> Int? {
        guard let a = IPAddress(s), a.isIPv4 else { return nil }
        let v = a.v4Value
        let n = v.nonzeroBitCount
        let expected: UInt32 = n == 0 ? 0 : ~UInt32(0) << UInt32(32 - n)
        return v == expected ? n : nil
    }

    /// `A`, `A/len`, `A/dotted-mask` → a network. IPv4 or IPv6.
    static func network(_ s: Substring) -> IPNetwork? {
        if let slash = s.firstIndex(of: "/") {
            let a = s[s.startIndex..<slash], m = s[s.index(after: slash)...]
            if m.contains(".") {
                guard let addr = IPAddress(a), addr.isIPv4, let len = maskLength(m) else { return nil }
                return IPNetwork(address: addr, prefixLength: 96 + len)
            }
        }
        return IPNetwork(s)
    }

    /// `A-B` (both addresses, same family, A ≤ B) → a range.
    static func range(_ s: Substring) -> ClosedRange<IPAddress>? {
        let parts = s.split(separator: "-", maxSplits: 1, omittingEmptySubsequences: false)
        guard parts.count == 2, let a = IPAddress(parts[0]), let b = IPAddress(parts[1]), a.isIPv4 == b.isIPv4, a <= b else { return nil }
        return a...b
    }

    /// Address + Cisco wildcard mask (bits set = don't care). Non-contiguous masks expand into ranges (bounded).
    static func wildcard(_ addr: IPAddress, _ wild: UInt32, limit: Int = 4096) -> [ClosedRange<IPAddress>]? {
        let base = addr.v4Value & ~wild
        // Low contiguous run of don't-care bits gives block size; the rest enumerate.
        let lowRun = (~wild).trailingZeroBitCount  // number of low bits that are all 1 in wild
        let blockMask: UInt32 = lowRun >= 32 ? ~0 : (UInt32(1) << UInt32(lowRun)) &- 1
        let highWild = wild & ~blockMask
        let count = highWild.nonzeroBitCount
        if count > 12 || (1 << count) > limit { return nil }
        var bits: [UInt32] = []
        for b in 0..<32 where highWild & (UInt32(1) << UInt32(b)) != 0 { bits.append(UInt32(1) << UInt32(b)) }
        var out: [ClosedRange<IPAddress>] = []
        for k in 0..<(1 << count) {
            var v = base
            for (j, bit) in bits.enumerated() where k & (1 << j) != 0 { v |= bit }
            out.append(IPAddress(v4: v)...IPAddress(v4: v | blockMask))
        }
        return out.sorted { $0.lowerBound < $1.lowerBound }
    }

    /// Protocol names shared by the vendors.
    static func proto(_ s: Substring) -> UInt8? {
        switch s.lowercased() {
        case "tcp": return IPProto.tcp
        case "udp": return IPProto.udp
        case "icmp": return IPProto.icmp
        case "icmp6", "icmpv6", "ipv6-icmp": return IPProto.icmpv6
        case "gre": return IPProto.gre
        case "esp": return 50
        case "ah": return 51
        case "ospf", "ospfigp": return 89
        case "sctp": return 132
        case "igmp": return 2
        case "pim": return 103
        case "vrrp": return 112
        case "eigrp": return 88
        case "ipinip", "ipip": return IPProto.ipip
        default: return uint(s[...], max: 255).map { UInt8($0) }
        }
    }
}

/// Well-known port names as vendors spell them. Keys are lower-case with `_` folded to `-`.
enum VendorPorts {
    static let table: [String: UInt16] = [
        "ftp-data": 20, "ftpdata": 20, "ftp": 21, "ssh": 22, "telnet": 23, "smtp": 25, "time": 37, "nameserver": 42,
        "whois": 43, "nicname": 43, "tacacs": 49, "domain": 53, "dns": 53, "bootps": 67, "dhcps": 67, "bootpc": 68, "dhcpc": 68,
        "tftp": 69, "gopher": 70, "finger": 79, "www": 80, "http": 80, "kerberos": 88, "pop2": 109, "pop3": 110,
        "sunrpc": 111, "rpc": 111, "ident": 113, "auth": 113, "nntp": 119, "ntp": 123, "netbios-ns": 137, "netbios-dgm": 138,
        "netbios-ssn": 139, "netbios-ss": 139, "imap": 143, "imap4": 143, "snmp": 161, "snmptrap": 162, "snmp-trap": 162,
        "bgp": 179, "irc": 194, "ldap": 389, "https": 443, "microsoft-ds": 445, "smb": 445, "isakmp": 500, "ike": 500,
        "exec": 512, "biff": 512, "login": 513, "who": 513, "cmd": 514, "rsh": 514, "syslog": 514, "lpd": 515,
        "printer": 515, "talk": 517, "ntalk": 518, "rip": 520, "uucp": 540, "klogin": 543, "kshell": 544,
        "submission": 587, "ldaps": 636, "kerberos-adm": 749, "imaps": 993, "pop3s": 995, "socks": 1080,
        "sqlnet": 1521, "pptp": 1723, "radius": 1812, "radius-acct": 1813, "radacct": 1813, "nfs": 2049,
        "ms-sql": 1433, "mssql": 1433, "rdp": 3389, "ms-wbt-server": 3389, "sip": 5060, "lotusnotes": 1352, "citrix-ica": 1494,
        "ctiqbe": 2748, "h323": 1720, "hostname": 101, "mobile-ip": 434, "pim-auto-rp": 496, "cifs": 3020,
        "discard": 9, "echo": 7, "daytime": 13, "chargen": 19, "xdmcp": 177, "snpp": 444, "nat-t": 4500,
        "secureid-udp": 5510, "pcanywhere-data": 5631, "pcanywhere-status": 5632, "kpasswd": 464, "aol": 5190,
    ]
    static func lookup(_ s: Substring) -> UInt16? {
        if let n = VendorParse.port(s) { return n }
        return table[String(s.lowercased().map { $0 == "_" ? "-" : $0 })]
    }
}

/// Normalises a set of port ranges: sorted, merged.
func mergePorts(_ r: [PortRange]) -> [PortRange] {
    let s = r.sorted { $0.lo < $1.lo }
    var out: [PortRange] = []
    for p in s {
        if var last = out.last, UInt32(p.lo) <= UInt32(last.hi) + 1 {
            last.hi = max(last.hi, p.hi); out[out.count - 1] = last
        } else { out.append(p) }
    }
    return out
}

/// The complement of a port set within 0...65535.
func complementPorts(_ r: [PortRange]) -> [PortRange] {
    var out: [PortRange] = []
    var next: UInt32 = 0
    for p in mergePorts(r) {
        if UInt32(p.lo) > next { out.append(PortRange(UInt16(next), p.lo - 1)) }
        next = UInt32(p.hi) + 1
    }
    if next <= 65535 { out.append(PortRange(UInt16(next), 65535)) }
    return out
}

/// Small helper to build errors with the file name bound.
struct VendorErrorSink {
    let file: String
    func error(_ line: Int, _ column: Int, _ reason: String) -> VendorParseError {
        VendorParseError(file: file, line: line, column: column, reason: reason)
    }
    func loc(_ line: Int, _ column: Int = 1) -> SourceLocation { SourceLocation(file: file, line: line, column: column) }
}

/// Guards every parser against pathological input: line count and line length limits (reported, never a crash).
enum VendorLimits {
    static let maxLineLength = 1 << 16
    static let maxLines = 2_000_000
    static let maxObjectDepth = 32
}

extension StringProtocol {
    /// The text without leading and trailing blanks (space, tab, CR).
    var vendorTrimmed: String {
        let isBlank: (Character) -> Bool = { $0 == " " || $0 == "\t" || $0 == "\r" }
        guard let a = firstIndex(where: { !isBlank($0) }), let b = lastIndex(where: { !isBlank($0) }) else { return "" }
        return String(self[a...b])
    }
}

// MARK: - Concrete evaluation (reference oracle for tests and fuzzing)

extension VendorRuleSet {
    /// Whether `name` (an interface) is `target` itself or a member of the vendor zone `target`.
    func interface(_ name: String, isIn target: String) -> Bool {
        name == target || (zoneInterfaces[target]?.contains(name) ?? false)
    }

    /// Evaluates one concrete packet entering on `inInterface` and leaving on `outInterface`, rule by rule, exactly as the
    /// device would (first match per filter, default at the end; every applicable filter must permit). Conditions the
    /// parser could not model count as matching for permit rules and as not matching for deny rules (the same
    /// conservative reading the symbolic analysis uses). Returns the verdict and the deciding rule of each filter.
    public func evaluate(src: IPAddress, dst: IPAddress, proto: UInt8, srcPort: UInt16, dstPort: UInt16,
                         inInterface: String, outInterface: String) -> (permitted: Bool, deciding: [String]) {
        var deciding: [String] = []
        var permitted = true
        for f in filters {
            switch f.binding {
            case .interface(let name, let dir):
                let i = dir == .in ? inInterface : outInterface
                if !interface(i, isIn: name) { continue }
            case .zoneTable: break
            }
            var verdict: VendorAction? = nil
            for r in f.rules {
                if !r.fromZones.isEmpty && !r.fromZones.contains(where: { interface(inInterface, isIn: $0) }) { continue }
                if !r.toZones.isEmpty && !r.toZones.contains(where: { interface(outInterface, isIn: $0) }) { continue }
                let uncertain = !r.unknowns.isEmpty || !r.sources.unresolved.isEmpty || !r.destinations.unresolved.isEmpty
                    || r.services.contains { $0.unknown != nil }
                if uncertain && r.action == .deny { continue }
                let srcOK = r.sources.contains(src) || (!r.sources.unresolved.isEmpty && !r.sources.negated)
                let dstOK = r.destinations.contains(dst) || (!r.destinations.unresolved.isEmpty && !r.destinations.negated)
                guard srcOK, dstOK else { continue }
                var svcOK: Bool
                if r.services.isEmpty { svcOK = true } else {
                    svcOK = r.services.contains { s in
                        if s.establishedOnly { return false }   // a new connection's first packet is never "established"
                        return s.matches(proto: proto, srcPort: srcPort, dstPort: dstPort)
                    }
                }
                if r.servicesNegated { svcOK = !svcOK }
                guard svcOK else { continue }
                verdict = r.action
                deciding.append(r.name)
                break
            }
            if verdict == nil {
                let sameZone = f.intraZoneDefaultPermit && zoneInterfaces.keys.contains { interface(inInterface, isIn: $0) && interface(outInterface, isIn: $0) }
                verdict = sameZone ? .permit : f.defaultAction
                deciding.append("\(f.name): default \(verdict!.rawValue)")
            }
            if verdict == .deny { permitted = false }
        }
        return (permitted, deciding)
    }
}
