// Address → address class: zones and host groups flattened into sorted disjoint intervals (longest prefix wins), with a
// 16-8-8 multibit trie for IPv4 (at most three array loads) and a 16-8-8-… trie for IPv6 (one load per byte of the
// longest prefix that matters there), so lookup cost does not grow with the number of networks.
import Policy
import Wire

/// What an address class stands for: the zone and most specific host group of its addresses, and every host group
/// (of that zone) that contains them, so a rule naming an outer host group still matches.
struct AddressClassInfo: Hashable, Sendable {
    var zone: Int32          // -1 = in no zone
    var host: Int32          // -1 = in no host group
    var hostChain: [Int32]   // all host groups of `zone` containing these addresses, innermost first
}

@usableFromInline
struct AddressClasses: Sendable {
    /// Class 0 is always "in no zone".
    var classes: [AddressClassInfo]
    /// Sorted disjoint intervals covering the whole 128-bit space: interval i starts at `starts[i]` and has class `classOf[i]`.
    @usableFromInline var starts: [IPAddress]
    @usableFromInline var classOf: [UInt32]
    /// IPv4 trie: level 1 has 65536 slots for the top 16 bits. A slot holds a class (high bit clear) or, with the high bit
    /// set, the index of a 256-slot block for the next 8 bits (levels 2 and 3 live in `v4Blocks`).
    @usableFromInline var v4Top: [UInt32]
    @usableFromInline var v4Blocks: [UInt32]
    /// IPv6 trie (see buildV6Trie): 65536-slot root, then 256-slot blocks per byte.
    @usableFromInline var v6Top: [UInt32]
    @usableFromInline var v6Blocks: [UInt32]
    /// Marks a trie slot that points to a block rather than holding a class. (IPv6 lookups binary-search `starts`.)
    @usableFromInline static let pointer: UInt32 = 0x8000_0000

    init(policy: Policy) {
        // Every zone network/range and host group address block, as an inclusive interval.
        struct Block { var first: IPAddress; var last: IPAddress; var zone: Int32; var host: Int32 }
        var blocks: [Block] = []
        for (zi, z) in policy.zones.enumerated() {
            for n in z.networks { blocks.append(Block(first: n.first, last: n.last, zone: Int32(zi), host: -1)) }
            for r in z.ranges { blocks.append(Block(first: r.lowerBound, last: r.upperBound, zone: Int32(zi), host: -1)) }
        }
        let zoneOfHost = Dictionary(uniqueKeysWithValues: policy.zones.enumerated().map { ($1.name, Int32($0)) })
        for (hi, h) in policy.hosts.enumerated() {
            let zi = zoneOfHost[h.zone] ?? -1
            for n in h.networks { blocks.append(Block(first: n.first, last: n.last, zone: zi, host: Int32(hi))) }
            for r in h.ranges { blocks.append(Block(first: r.lowerBound, last: r.upperBound, zone: zi, host: Int32(hi))) }
        }
        // Outer blocks first; for equal blocks the zone before the host group, so the host group is the inner one.
        blocks.sort { a, b in
            if a.first != b.first { return a.first < b.first }
            if a.last != b.last { return a.last > b.last }
            return a.host < b.host
        }

        var classes = [AddressClassInfo(zone: -1, host: -1, hostChain: [])]
        var classIndex: [AddressClassInfo: UInt32] = [classes[0]: 0]
        var starts: [IPAddress] = []
        var classOf: [UInt32] = []
        var stack: [Block] = []   // blocks containing the current position, outermost first (they nest: validated on load)

        func currentClass() -> UInt32 {
            guard let inner = stack.last else { return 0 }
            let zone = inner.zone
            var chain: [Int32] = []
            for b in stack.reversed() where b.host >= 0 && b.zone == zone && !chain.contains(b.host) { chain.append(b.host) }
            let info = AddressClassInfo(zone: zone, host: chain.first ?? -1, hostChain: chain)
            if let c = classIndex[info] { return c }
            let c = UInt32(classes.count)
            classes.append(info); classIndex[info] = c
            return c
        }
        func emit(_ at: IPAddress) {
            let c = currentClass()
            if let last = starts.last, last == at { classOf[classOf.count - 1] = c; return }
            if let lastClass = classOf.last, lastClass == c { return }
            starts.append(at); classOf.append(c)
        }
        /// Pops blocks that end before `position`, emitting the class that starts after each one.
        func close(before position: IPAddress?) {
            while let top = stack.last, position == nil || top.last < position! {
                stack.removeLast()
                if top.last == .max { continue }
                let after = top.last.successor
                if stack.last.map({ $0.last >= after }) ?? true { emit(after) }
            }
        }
        emit(.zero)
        for b in blocks {
            close(before: b.first)
            stack.append(b)
            emit(b.first)
        }
        close(before: nil)
        self.classes = classes
        self.starts = starts
        self.classOf = classOf
        (v4Top, v4Blocks) = AddressClasses.buildV4Trie(starts: starts, classOf: classOf)
        (v6Top, v6Blocks) = AddressClasses.buildV6Trie(starts: starts, classOf: classOf)
    }

    /// Class of an address by binary search over interval starts (used for IPv6 and to build the IPv4 trie).
    @inlinable
    func searchClass(_ a: IPAddress) -> UInt32 {
        var lo = 0, hi = starts.count - 1   // invariant: starts[lo] <= a
        while lo < hi {
            let mid = (lo + hi + 1) >> 1
            if starts[mid] <= a { lo = mid } else { hi = mid - 1 }
        }
        return classOf[lo]
    }

    @inlinable @inline(__always)
    func classOf(_ a: IPAddress) -> UInt32 {
        if a.hi == 0 && (a.lo >> 32) == 0xFFFF {
            let v = UInt32(truncatingIfNeeded: a.lo)
            var slot = v4Top[Int(v >> 16)]
            if slot & AddressClasses.pointer == 0 { return slot }
            slot = v4Blocks[Int(slot & ~AddressClasses.pointer) &* 256 &+ Int((v >> 8) & 0xFF)]
            if slot & AddressClasses.pointer == 0 { return slot }
            return v4Blocks[Int(slot & ~AddressClasses.pointer) &* 256 &+ Int(v & 0xFF)]
        }
        var slot = v6Top[Int(a.hi >> 48)]
        var byteIndex = 2                // bytes 0-1 chose the root slot; a block is at most 14 deep (byte 15)
        while slot & AddressClasses.pointer != 0 {
            let byte = byteIndex < 8 ? (a.hi >> UInt64(56 &- 8 &* byteIndex)) & 0xFF : (a.lo >> UInt64(120 &- 8 &* byteIndex)) & 0xFF
            slot = v6Blocks[Int(slot & ~AddressClasses.pointer) &* 256 &+ Int(byte)]
            byteIndex &+= 1
        }
        return slot
    }

    /// IPv6 trie: a 65536-slot root for the first 16 bits, then 256-slot blocks per further byte (in `v6Blocks`), as
    /// deep as the policy's prefixes need (a /48 zone needs four loads). Same slot encoding as the IPv4 trie.
    static func buildV6Trie(starts: [IPAddress], classOf: [UInt32]) -> ([UInt32], [UInt32]) {
        var blocks: [UInt32] = []
        /// Index of the interval containing `a` (binary search; build time only).
        func index(_ a: IPAddress) -> Int {
            var lo = 0, hi = starts.count - 1
            while lo < hi {
                let mid = (lo + hi + 1) >> 1
                if starts[mid] <= a { lo = mid } else { hi = mid - 1 }
            }
            return lo
        }
        /// The last address of the slot starting at `a` whose first `bits` bits are fixed.
        func slotEnd(_ a: IPAddress, _ bits: Int) -> IPAddress {
            if bits >= 128 { return a }
            if bits < 64 { return IPAddress(hi: a.hi | (UInt64.max >> UInt64(bits)), lo: .max) }
            return IPAddress(hi: a.hi, lo: a.lo | (bits == 64 ? .max : UInt64.max >> UInt64(bits - 64)))
        }
        /// A slot's content: the class if one interval covers it, else a pointer to a new block for its next byte.
        let v4First = IPAddress(v4: 0), v4Last = IPAddress(v4: .max)
        func slot(_ a: IPAddress, _ bits: Int) -> UInt32 {
            // IPv4-mapped addresses are looked up in the IPv4 trie: their slots are never read here.
            if a >= v4First && slotEnd(a, bits) <= v4Last { return 0 }
            let i = index(a)
            if i + 1 == starts.count || starts[i + 1] > slotEnd(a, bits) { return classOf[i] }
            let block = blocks.count / 256
            blocks.append(contentsOf: repeatElement(0, count: 256))
            let shift = 120 - bits        // bit position of the next byte, counted from the low end of 128 bits
            for b in 0..<256 {
                let child = shift >= 64 ? IPAddress(hi: a.hi | UInt64(b) << UInt64(shift - 64), lo: a.lo)
                                        : IPAddress(hi: a.hi, lo: a.lo | UInt64(b) << UInt64(shift))
                let value = slot(child, bits + 8)
                blocks[block * 256 + b] = value
            }
            return AddressClasses.pointer | UInt32(block)
        }
        var top = [UInt32](repeating: 0, count: 65536)
        for t in 0..<65536 { top[t] = slot(IPAddress(hi: UInt64(t) << 48, lo: 0), 16) }
        return (top, blocks)
    }

    /// Builds the 16-8-8 trie from the intervals restricted to the IPv4-mapped range.
    static func buildV4Trie(starts: [IPAddress], classOf: [UInt32]) -> ([UInt32], [UInt32]) {
        let base = IPAddress(v4: 0)
        // Interval boundaries inside the IPv4 space, as 32-bit values, with the class in force from each.
        var cuts: [(UInt32, UInt32)] = []
        var firstIndex = 0
        for (i, s) in starts.enumerated() where s <= base { firstIndex = i }
        cuts.append((0, classOf[firstIndex]))
        var i = firstIndex + 1
        while i < starts.count, starts[i].hi == 0, (starts[i].lo >> 32) == 0xFFFF {
            cuts.append((UInt32(truncatingIfNeeded: starts[i].lo), classOf[i]))
            i += 1
        }
        var top = [UInt32](repeating: 0, count: 65536)
        var blocks: [UInt32] = []
        var ci = 0   // index into cuts of the interval containing the current address
        func classAt(_ v: UInt32) -> UInt32 {
            while ci + 1 < cuts.count && cuts[ci + 1].0 <= v { ci += 1 }
            return cuts[ci].1
        }
        /// True when [v, v+size) holds one class (cuts are visited in increasing order).
        func uniform(_ v: UInt32, _ size: UInt64) -> Bool {
            let next = ci + 1 < cuts.count ? UInt64(cuts[ci + 1].0) : UInt64(1) << 32
            return next >= UInt64(v) + size
        }
        for t in 0..<65536 {
            let v = UInt32(t) << 16
            let c = classAt(v)
            if uniform(v, 1 << 16) { top[t] = c; continue }
            let b2 = blocks.count / 256
            blocks.append(contentsOf: repeatElement(0, count: 256))
            top[t] = AddressClasses.pointer | UInt32(b2)
            for m in 0..<256 {
                let v2 = v | UInt32(m) << 8
                let c2 = classAt(v2)
                if uniform(v2, 256) { blocks[b2 * 256 + m] = c2; continue }
                let b3 = blocks.count / 256
                blocks.append(contentsOf: repeatElement(0, count: 256))
                blocks[b2 * 256 + m] = AddressClasses.pointer | UInt32(b3)
                for l in 0..<256 { blocks[b3 * 256 + l] = classAt(v2 | UInt32(l)) }
            }
        }
        return (top, blocks)
    }
}

extension IPAddress {
    /// The next address (wraps at the top; callers check for .max first).
    var successor: IPAddress { lo == .max ? IPAddress(hi: hi &+ 1, lo: 0) : IPAddress(hi: hi, lo: lo + 1) }
}
