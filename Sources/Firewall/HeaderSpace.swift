// The packet header space as BDD variables: field layout, predicate encoding, well-formed packets, concrete packets.
//
// Variable order (top to bottom): in-interface, out-interface, conntrack state, IP protocol, destination port,
// source port, source address (128 bits, MSB first), destination address (128 bits). Interfaces are indices into
// `interfaces` (every name the policy and the rule sets mention) plus one extra value, "another interface".
import Policy
import Wire

/// A 128-bit field value.
public struct FieldValue: Hashable, Sendable {
    public var hi: UInt64
    public var lo: UInt64
    public init(hi: UInt64 = 0, lo: UInt64) { self.hi = hi; self.lo = lo }
    public init(_ a: IPAddress) { hi = a.hi; lo = a.lo }
    /// Bit i counted from the least significant bit.
    @inline(__always) func bit(_ i: Int) -> Bool { i < 64 ? (lo >> UInt64(i)) & 1 == 1 : (hi >> UInt64(i - 64)) & 1 == 1 }
}

/// Where a field's bits sit in the variable order. Bit k counts from the most significant (k = 0).
/// Address fields are split: their low 32 bits (the IPv4 part of an IPv4-mapped address) come early in the order,
/// their top 96 bits at the very end, so every IPv4 rule shares one tail for "both addresses IPv4-mapped".
public struct FieldLayout: Hashable, Sendable {
    public var start: Int32
    public var width: Int32
    /// For split 128-bit fields: where bits 0..<96 start (bits 96..<128 are at `start`); -1 if contiguous.
    public var hiStart: Int32 = -1
    @inline(__always) public func variable(_ k: Int) -> Int32 {
        if hiStart < 0 { return start + Int32(k) }
        return k >= 96 ? start + Int32(k - 96) : hiStart + Int32(k)
    }
    /// Bit positions ordered by decreasing variable index (the order BDDs are built bottom-up in).
    var buildOrder: [Int] {
        if hiStart < 0 { return Array((0..<Int(width)).reversed()) }
        let low = Array((96..<128).reversed()), high = Array((0..<96).reversed())
        return hiStart > start ? high + low : low + high
    }
}

/// One concrete packet (a witness, or a sample for the kernel lab).
public struct Packet: Hashable, Sendable {
    public var src: IPAddress
    public var dst: IPAddress
    public var proto: UInt8
    /// For ICMP/ICMPv6: the ICMP type.
    public var srcPort: UInt16
    /// For ICMP/ICMPv6: the ICMP code.
    public var dstPort: UInt16
    /// nil = an interface no configuration or policy names.
    public var inInterface: String?
    public var outInterface: String?
    /// Exactly one state.
    public var state: ConnStates
    public init(src: IPAddress, dst: IPAddress, proto: UInt8, srcPort: UInt16, dstPort: UInt16, inInterface: String? = nil, outInterface: String? = nil, state: ConnStates = .new) {
        self.src = src; self.dst = dst; self.proto = proto; self.srcPort = srcPort; self.dstPort = dstPort
        self.inInterface = inInterface; self.outInterface = outInterface; self.state = state
    }
    public var isICMP: Bool { proto == IPProto.icmp || proto == IPProto.icmpv6 }
}

public final class HeaderSpace {
    public let bdd: BDD
    /// Interface names, sorted; index `interfaces.count` means "another interface".
    public let interfaces: [String]
    let interfaceIndex: [String: Int]
    public let inIface: FieldLayout
    public let outIface: FieldLayout
    public let state: FieldLayout
    public let proto: FieldLayout
    public let dstPort: FieldLayout
    public let srcPort: FieldLayout
    public let srcAddr: FieldLayout
    public let dstAddr: FieldLayout

    /// First variable of the address tails (the top 96 bits of both addresses, at the bottom of the order).
    var tailStart: Int { Int(min(srcAddr.hiStart, dstAddr.hiStart)) }
    /// Paths already built over the tail variables, by their constraints (see `Literals.build`).
    var tails: [ArraySlice<Int8>: BDDRef] = [:]

    static let stateOrder: [ConnStates] = [.new, .established, .related, .invalid, .untracked]
    static let portProtocols: [UInt8] = [6, 17, 33, 132, 136]  // TCP, UDP, DCCP, SCTP, UDP-Lite

    /// `expectedNodes`: a guess of how many BDD nodes the analysis will build (see `BDD.init`).
    public init(interfaces names: some Sequence<String>, expectedNodes: Int = 0) {
        interfaces = Array(Set(names)).sorted()
        var idx: [String: Int] = [:]
        for (i, n) in interfaces.enumerated() { idx[n] = i }
        interfaceIndex = idx
        var w: Int32 = 1
        while (1 << w) < interfaces.count + 1 { w += 1 }
        var next: Int32 = 0
        func field(_ width: Int32) -> FieldLayout { defer { next += width }; return FieldLayout(start: next, width: width) }
        inIface = field(w); outIface = field(w); state = field(3); proto = field(8)
        dstPort = field(16); srcPort = field(16)
        var src = field(32), dst = field(32)
        src.width = 128; dst.width = 128
        src.hiStart = field(96).start; dst.hiStart = field(96).start
        srcAddr = src; dstAddr = dst
        bdd = BDD(varCount: Int(next), expectedNodes: expectedNodes)
    }

    // MARK: building blocks

    public func equals(_ f: FieldLayout, _ v: FieldValue) -> BDDRef { cube(f, v, fixed: Int(f.width)) }

    /// The set where the top `fixed` bits of field f equal those of v.
    func cube(_ f: FieldLayout, _ v: FieldValue, fixed: Int) -> BDDRef {
        var r: BDDRef = BDD.trueRef
        let width = Int(f.width)
        @inline(__always) func step(_ k: Int) {
            if k >= fixed { return }
            let b = v.bit(width - 1 - k)
            r = b ? bdd.node(f.variable(k), 0, r) : bdd.node(f.variable(k), r, 0)
        }
        // Bottom-up in variable order, without building the order as an array (this runs for every address).
        if f.hiStart < 0 {
            for k in stride(from: width - 1, through: 0, by: -1) { step(k) }
        } else if f.hiStart > f.start {
            for k in stride(from: 95, through: 0, by: -1) { step(k) }
            for k in stride(from: 127, through: 96, by: -1) { step(k) }
        } else {
            for k in stride(from: 127, through: 96, by: -1) { step(k) }
            for k in stride(from: 95, through: 0, by: -1) { step(k) }
        }
        return r
    }
    public func atLeast(_ f: FieldLayout, _ c: FieldValue) -> BDDRef {
        var r: BDDRef = BDD.trueRef
        for k in stride(from: f.width - 1, through: 0, by: -1) {
            r = c.bit(Int(f.width - 1 - k)) ? bdd.node(f.start + k, 0, r) : bdd.node(f.start + k, r, 1)
        }
        return r
    }
    public func atMost(_ f: FieldLayout, _ c: FieldValue) -> BDDRef {
        var r: BDDRef = BDD.trueRef
        for k in stride(from: f.width - 1, through: 0, by: -1) {
            r = c.bit(Int(f.width - 1 - k)) ? bdd.node(f.start + k, 1, r) : bdd.node(f.start + k, r, 0)
        }
        return r
    }
    /// If [lo, hi] is an aligned block (a CIDR prefix, a single value, a full port range): how many top bits of the
    /// field it fixes (to those of lo).
    static func alignedBlock(_ f: FieldLayout, _ lo: FieldValue, _ hi: FieldValue) -> Int? {
        let xhi = lo.hi ^ hi.hi, xlo = lo.lo ^ hi.lo
        let free: Int
        if xhi == 0 { free = xlo == 0 ? 0 : 64 - xlo.leadingZeroBitCount }
        else { free = 128 - xhi.leadingZeroBitCount }
        for i in 0..<free where lo.bit(i) || !hi.bit(i) { return nil }
        return Int(f.width) - free
    }

    public func range(_ f: FieldLayout, _ lo: FieldValue, _ hi: FieldValue) -> BDDRef {
        // An aligned block is a cube over its fixed top bits.
        if let fixed = HeaderSpace.alignedBlock(f, lo, hi) { return cube(f, lo, fixed: fixed) }
        if f.hiStart >= 0 { return anyOf(cidrBlocks(lo, hi).map { cube(f, $0.0, fixed: $0.1) }) }
        return bdd.and(atLeast(f, lo), atMost(f, hi))
    }
    /// [lo, hi] as aligned blocks (value, number of fixed top bits of 128).
    func cidrBlocks(_ lo: FieldValue, _ hi: FieldValue) -> [(FieldValue, Int)] {
        var out: [(FieldValue, Int)] = []
        var cur = (lo.hi, lo.lo)
        let end = (hi.hi, hi.lo)
        func le(_ a: (UInt64, UInt64), _ b: (UInt64, UInt64)) -> Bool { a.0 != b.0 ? a.0 < b.0 : a.1 <= b.1 }
        while le(cur, end) {
            // Largest block starting at cur that stays within end.
            var size = cur.1 == 0 ? (cur.0 == 0 ? 128 : 64 + cur.0.trailingZeroBitCount) : cur.1.trailingZeroBitCount
            while size > 0 {
                // last = cur + 2^size - 1
                var last = cur
                if size >= 64 { last.1 = .max; last.0 = cur.0 | (size >= 128 ? .max : (UInt64(1) << UInt64(size - 64)) - 1) }
                else { last.1 = cur.1 | ((UInt64(1) << UInt64(size)) - 1) }
                if le(last, end) { break }
                size -= 1
            }
            out.append((FieldValue(hi: cur.0, lo: cur.1), 128 - size))
            // cur += 2^size
            if size >= 128 { break }
            if size >= 64 {
                let (h, o) = cur.0.addingReportingOverflow(UInt64(1) << UInt64(size - 64))
                if o { break }
                cur = (h, 0)
            } else {
                let (l, o) = cur.1.addingReportingOverflow(UInt64(1) << UInt64(size))
                cur.1 = l
                if o { let (h, o2) = cur.0.addingReportingOverflow(1); if o2 { break }; cur.0 = h }
            }
        }
        return out
    }

    public func anyOf(_ parts: [BDDRef]) -> BDDRef { parts.reduce(BDD.falseRef) { bdd.or($0, $1) } }

    public func srcIn(_ ranges: [ClosedRange<IPAddress>]) -> BDDRef {
        anyOf(ranges.map { range(srcAddr, FieldValue($0.lowerBound), FieldValue($0.upperBound)) })
    }
    public func dstIn(_ ranges: [ClosedRange<IPAddress>]) -> BDDRef {
        anyOf(ranges.map { range(dstAddr, FieldValue($0.lowerBound), FieldValue($0.upperBound)) })
    }
    public func protoIn(_ protos: [UInt8]) -> BDDRef { anyOf(protos.map { equals(proto, FieldValue(lo: UInt64($0))) }) }
    public func portsIn(_ f: FieldLayout, _ ranges: [PortRange]) -> BDDRef {
        anyOf(ranges.map { range(f, FieldValue(lo: UInt64($0.lo)), FieldValue(lo: UInt64($0.hi))) })
    }
    public func stateIn(_ s: ConnStates) -> BDDRef {
        anyOf(HeaderSpace.stateOrder.enumerated().filter { s.contains($0.element) }.map { equals(state, FieldValue(lo: UInt64($0.offset))) })
    }
    /// Interfaces by index (`interfaces.count` = another interface).
    public func interfaceIn(_ f: FieldLayout, _ indices: [Int]) -> BDDRef {
        anyOf(indices.map { equals(f, FieldValue(lo: UInt64($0))) })
    }
    public func index(ofInterface name: String) -> Int? { interfaceIndex[name] }

    /// IPv4 (IPv4-mapped) source address.
    public lazy var srcIsV4: BDDRef = range(srcAddr, FieldValue(lo: 0x0000_FFFF_0000_0000), FieldValue(lo: 0x0000_FFFF_FFFF_FFFF))
    public lazy var dstIsV4: BDDRef = range(dstAddr, FieldValue(lo: 0x0000_FFFF_0000_0000), FieldValue(lo: 0x0000_FFFF_FFFF_FFFF))

    public func family(_ fams: FamilySet) -> BDDRef {
        switch (fams.contains(.ipv4), fams.contains(.ipv6)) {
        case (true, true): return BDD.trueRef
        case (true, false): return srcIsV4
        case (false, true): return bdd.not(srcIsV4)
        default: return BDD.falseRef
        }
    }

    /// Packets that can exist: interface indices and state in range, both addresses of one family, ICMP only in its
    /// family, ports only for port-carrying protocols (ICMP: type/code ≤ 255; others: 0).
    public lazy var wellFormed: BDDRef = {
        let n = interfaces.count
        let ifaces = bdd.and(atMost(inIface, FieldValue(lo: UInt64(n))), atMost(outIface, FieldValue(lo: UInt64(n))))
        let states = atMost(state, FieldValue(lo: 4))
        let sameFamily = bdd.or(bdd.and(srcIsV4, dstIsV4), bdd.and(bdd.not(srcIsV4), bdd.not(dstIsV4)))
        let withPorts = protoIn(HeaderSpace.portProtocols)
        let icmp4 = bdd.and(protoIn([IPProto.icmp]), srcIsV4)
        let icmp6 = bdd.andNot(protoIn([IPProto.icmpv6]), srcIsV4)
        let small = bdd.and(atMost(srcPort, FieldValue(lo: 255)), atMost(dstPort, FieldValue(lo: 255)))
        let zeroPorts = bdd.and(equals(srcPort, FieldValue(lo: 0)), equals(dstPort, FieldValue(lo: 0)))
        let notPortOrICMP = bdd.andNot(bdd.not(withPorts), protoIn([IPProto.icmp, IPProto.icmpv6]))
        let ports = bdd.or(withPorts, bdd.or(bdd.and(bdd.or(icmp4, icmp6), small), bdd.and(notPortOrICMP, zeroPorts)))
        return [ifaces, states, sameFamily, ports].reduce(BDD.trueRef) { bdd.and($0, $1) }
    }()

    // MARK: predicates and match expressions

    /// (certainly matches, may match) for one predicate.
    public func compile(_ p: Predicate) -> (BDDRef, BDDRef) {
        switch p {
        case .srcAddress(let r): let x = srcIn(r); return (x, x)
        case .dstAddress(let r): let x = dstIn(r); return (x, x)
        case .proto(let ps): let x = protoIn(ps); return (x, x)
        case .srcPort(let r): let x = portsIn(srcPort, r); return (x, x)
        case .dstPort(let r): let x = portsIn(dstPort, r); return (x, x)
        case .icmpType(let ts): let x = anyOf(ts.map { equals(srcPort, FieldValue(lo: UInt64($0))) }); return (x, x)
        case .icmpCode(let cs): let x = anyOf(cs.map { equals(dstPort, FieldValue(lo: UInt64($0))) }); return (x, x)
        case .inInterface(let pats): return interfaces(pats, inIface)
        case .outInterface(let pats): return interfaces(pats, outIface)
        case .state(let s): let x = stateIn(s); return (x, x)
        case .family(let f): let x = family(f); return (x, x)
        }
    }

    private func interfaces(_ pats: [InterfacePattern], _ f: FieldLayout) -> (BDDRef, BDDRef) {
        var known: [Int] = []
        var otherMay = false
        for p in pats {
            switch p {
            case .exact(let n):
                if let i = interfaceIndex[n] { known.append(i) } else { otherMay = true }
            case .prefix(let pre):
                for (i, n) in interfaces.enumerated() where n.hasPrefix(pre) { known.append(i) }
                otherMay = true
            }
        }
        let u = interfaceIn(f, known)
        return (u, otherMay ? bdd.or(u, interfaceIn(f, [interfaces.count])) : u)
    }

    /// (certainly matches, may match) for a match expression; `.unknown` is (nothing, everything).
    public func compile(_ e: MatchExpr) -> (BDDRef, BDDRef) {
        switch e {
        case .any: return (BDD.trueRef, BDD.trueRef)
        case .none: return (BDD.falseRef, BDD.falseRef)
        case .test(let p): return compile(p)
        case .and(let xs):
            // Tests that are one aligned block each (a prefix, a protocol, a port) form one cube, built bottom-up in
            // a single pass instead of one cube per test and an ∧ per test; the rest is ∧-ed on afterwards.
            var literals = Literals(count: Int(bdd.varCount))
            var u = BDD.trueRef, o = BDD.trueRef
            var rest: [MatchExpr] = []
            for x in xs {
                if case .test(let p) = x, literals.add(p, self) { continue }
                rest.append(x)
            }
            if literals.empty { return (BDD.falseRef, BDD.falseRef) }
            if literals.any { let c = literals.build(self); u = c; o = c }
            for x in rest { let (a, b) = compile(x); u = bdd.and(u, a); o = bdd.and(o, b) }
            return (u, o)
        case .or(let xs):
            var u = BDD.falseRef, o = BDD.falseRef
            for x in xs { let (a, b) = compile(x); u = bdd.or(u, a); o = bdd.or(o, b) }
            return (u, o)
        case .not(let x):
            let (a, b) = compile(x)
            return (bdd.not(b), bdd.not(a))
        case .unknown: return (BDD.falseRef, BDD.trueRef)
        }
    }

    // MARK: concrete packets

    func read(_ bits: [Bool], _ f: FieldLayout) -> FieldValue {
        var v = FieldValue(lo: 0)
        for k in 0..<Int(f.width) {
            let i = Int(f.width) - 1 - k
            if bits[Int(f.variable(k))] {
                if i < 64 { v.lo |= 1 << UInt64(i) } else { v.hi |= 1 << UInt64(i - 64) }
            }
        }
        return v
    }

    /// The packet a full assignment describes.
    public func packet(from bits: [Bool]) -> Packet {
        func iface(_ f: FieldLayout) -> String? {
            let i = Int(read(bits, f).lo)
            return i < interfaces.count ? interfaces[i] : nil
        }
        let s = Int(read(bits, state).lo)
        return Packet(src: IPAddress(hi: read(bits, srcAddr).hi, lo: read(bits, srcAddr).lo),
                      dst: IPAddress(hi: read(bits, dstAddr).hi, lo: read(bits, dstAddr).lo),
                      proto: UInt8(truncatingIfNeeded: read(bits, proto).lo),
                      srcPort: UInt16(truncatingIfNeeded: read(bits, srcPort).lo),
                      dstPort: UInt16(truncatingIfNeeded: read(bits, dstPort).lo),
                      inInterface: iface(inIface), outInterface: iface(outIface),
                      state: s < HeaderSpace.stateOrder.count ? HeaderSpace.stateOrder[s] : .untracked)
    }

    /// The set holding exactly this packet.
    public func point(_ p: Packet) -> BDDRef {
        let ii = p.inInterface.flatMap { interfaceIndex[$0] } ?? interfaces.count
        let oi = p.outInterface.flatMap { interfaceIndex[$0] } ?? interfaces.count
        let parts: [BDDRef] = [
            equals(inIface, FieldValue(lo: UInt64(ii))), equals(outIface, FieldValue(lo: UInt64(oi))), stateIn(p.state),
            equals(proto, FieldValue(lo: UInt64(p.proto))), equals(dstPort, FieldValue(lo: UInt64(p.dstPort))),
            equals(srcPort, FieldValue(lo: UInt64(p.srcPort))), equals(srcAddr, FieldValue(p.src)), equals(dstAddr, FieldValue(p.dst)),
        ]
        return parts.reduce(BDD.trueRef) { bdd.and($0, $1) }
    }

    /// Narrows `set` field by field towards natural values: each candidate is tried in order and kept if the set
    /// still has a packet with it. Then fills the rest with the smallest values. nil if `set` is empty.
    public func pick(_ set: BDDRef, preferences: [(FieldLayout, [FieldValue])]) -> Packet? {
        if set == BDD.falseRef { return nil }
        var s = set
        for (field, candidates) in preferences {
            for c in candidates {
                let t = bdd.and(s, equals(field, c))
                if t != BDD.falseRef { s = t; break }
            }
        }
        guard let bits = bdd.pickMin(s) else { return nil }
        return packet(from: bits)
    }
}

/// A conjunction of single-variable constraints (0, 1 or free per variable) collected from predicates that are one
/// aligned block, built as one BDD path. `empty` once two constraints contradict each other.
struct Literals {
    var value: [Int8]
    var any = false
    var empty = false
    init(count: Int) { value = [Int8](repeating: -1, count: count) }

    mutating func fix(_ f: FieldLayout, _ v: FieldValue, fixed: Int) {
        let width = Int(f.width)
        any = any || fixed > 0
        for k in 0..<fixed {
            let bit: Int8 = v.bit(width - 1 - k) ? 1 : 0
            let i = Int(f.variable(k))
            if value[i] >= 0 && value[i] != bit { empty = true }
            value[i] = bit
        }
    }

    /// Adds p if it is one aligned block of one field; false (nothing added) otherwise.
    mutating func add(_ p: Predicate, _ space: HeaderSpace) -> Bool {
        func block(_ f: FieldLayout, _ lo: FieldValue, _ hi: FieldValue) -> Bool {
            guard let fixed = HeaderSpace.alignedBlock(f, lo, hi) else { return false }
            fix(f, lo, fixed: fixed)
            return true
        }
        switch p {
        case .srcAddress(let rs) where rs.count == 1:
            return block(space.srcAddr, FieldValue(rs[0].lowerBound), FieldValue(rs[0].upperBound))
        case .dstAddress(let rs) where rs.count == 1:
            return block(space.dstAddr, FieldValue(rs[0].lowerBound), FieldValue(rs[0].upperBound))
        case .proto(let ps) where ps.count == 1:
            fix(space.proto, FieldValue(lo: UInt64(ps[0])), fixed: Int(space.proto.width))
            return true
        case .srcPort(let rs) where rs.count == 1:
            return block(space.srcPort, FieldValue(lo: UInt64(rs[0].lo)), FieldValue(lo: UInt64(rs[0].hi)))
        case .dstPort(let rs) where rs.count == 1:
            return block(space.dstPort, FieldValue(lo: UInt64(rs[0].lo)), FieldValue(lo: UInt64(rs[0].hi)))
        default:
            return false
        }
    }

    /// The path: bottom-up in variable order, as `HeaderSpace.cube` builds one field. The bottom part (the top 96
    /// bits of both addresses: the same "IPv4-mapped" pattern for nearly every rule) is looked up, not rebuilt.
    func build(_ space: HeaderSpace) -> BDDRef {
        let bdd = space.bdd
        let tailStart = space.tailStart
        let tail = value[tailStart...]
        var r: BDDRef
        if let known = space.tails[tail] { r = known }
        else {
            r = BDD.trueRef
            for v in stride(from: value.count - 1, through: tailStart, by: -1) where value[v] >= 0 {
                r = value[v] == 1 ? bdd.node(Int32(v), 0, r) : bdd.node(Int32(v), r, 0)
            }
            space.tails[tail] = r
        }
        for v in stride(from: tailStart - 1, through: 0, by: -1) where value[v] >= 0 {
            r = value[v] == 1 ? bdd.node(Int32(v), 0, r) : bdd.node(Int32(v), r, 0)
        }
        return r
    }
}
