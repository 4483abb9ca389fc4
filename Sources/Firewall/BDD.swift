// Reduced ordered binary decision diagrams: the exact set representation behind the firewall analysis.
//
// Nodes live in flat arrays (no per-node objects), are hash-consed through an open-addressing unique table and
// are never freed during one analysis (an analysis is short-lived; memory is bounded by the rule set). Binary
// operations go through a direct-mapped computed cache. Node 0 is the empty set, node 1 the full set.

/// A BDD node reference. 0 = false (empty set), 1 = true (everything).
public typealias BDDRef = Int32

struct BDDNodeRecord { var level: Int32; var low: Int32; var high: Int32 }
struct BDDCacheEntry { var a: Int32; var b: Int32; var op: Int32; var result: Int32 }
struct BDDSplitEntry { var a: Int32; var b: Int32; var inside: Int32; var outside: Int32 }

/// All mutable state behind one pointer: the hot paths read it without Swift's dynamic exclusivity checks.
struct BDDCore {
    var nodes: UnsafeMutablePointer<BDDNodeRecord>
    var capacity: Int
    var count: Int
    var buckets: UnsafeMutablePointer<UInt32>
    var bucketMask: Int
    /// Low bits of a unique-table slot that hold the node index (the rest hold hash bits).
    var indexBits: Int
    var cache: UnsafeMutablePointer<BDDCacheEntry>
    var cacheMask: Int
    var splitCache: UnsafeMutablePointer<BDDSplitEntry>
    var splitMask: Int
    var steps: Int = 0
}

public final class BDD {
    public static let falseRef: BDDRef = 0
    public static let trueRef: BDDRef = 1

    /// Number of variables; terminals carry level `varCount`.
    public let varCount: Int32
    private let core: UnsafeMutablePointer<BDDCore>

    private enum Op: Int32 { case and = 1, or = 2, andNot = 3, not = 4, intersects = 5 }

    /// `expectedNodes`: a guess of the final node count, so the node array and unique table are allocated once
    /// instead of being rehashed while they grow.
    public init(varCount: Int, cacheBits: Int = 16, expectedNodes: Int = 0) {
        self.varCount = Int32(varCount)
        var capacity = 1 << 16
        while capacity < expectedNodes && capacity < 1 << 28 { capacity <<= 1 }
        let nodes = UnsafeMutablePointer<BDDNodeRecord>.allocate(capacity: capacity)
        nodes[0] = BDDNodeRecord(level: Int32(varCount), low: 0, high: 0)
        nodes[1] = BDDNodeRecord(level: Int32(varCount), low: 1, high: 1)
        let cacheSize = 1 << cacheBits
        let cache = UnsafeMutablePointer<BDDCacheEntry>.allocate(capacity: cacheSize)
        cache.initialize(repeating: BDDCacheEntry(a: -1, b: -1, op: 0, result: 0), count: cacheSize)
        let splitSize = 1 << (cacheBits - 1)
        let splitCache = UnsafeMutablePointer<BDDSplitEntry>.allocate(capacity: splitSize)
        splitCache.initialize(repeating: BDDSplitEntry(a: -1, b: -1, inside: 0, outside: 0), count: splitSize)
        core = UnsafeMutablePointer<BDDCore>.allocate(capacity: 1)
        core.initialize(to: BDDCore(nodes: nodes, capacity: capacity, count: 2, buckets: UnsafeMutablePointer<UInt32>.allocate(capacity: 1),
                                    bucketMask: 0, indexBits: 0, cache: cache, cacheMask: cacheSize - 1, splitCache: splitCache,
                                    splitMask: splitSize - 1))
        core.pointee.buckets.deallocate()
        BDD.makeTable(core, capacity: capacity)
    }

    deinit {
        core.pointee.nodes.deallocate()
        core.pointee.buckets.deallocate()
        core.pointee.cache.deallocate()
        core.pointee.splitCache.deallocate()
        core.deallocate()
    }

    /// Recursive steps taken by the binary operations so far (for profiling).
    public var steps: Int { core.pointee.steps }

    /// Number of nodes allocated so far (including the two terminals).
    public var nodeCount: Int { core.pointee.count }

    @inline(__always) public func level(of f: BDDRef) -> Int32 { core.pointee.nodes[Int(f)].level }
    @inline(__always) public func low(of f: BDDRef) -> BDDRef { core.pointee.nodes[Int(f)].low }
    @inline(__always) public func high(of f: BDDRef) -> BDDRef { core.pointee.nodes[Int(f)].high }

    @inline(__always) private static func hash(_ v: Int32, _ l: Int32, _ h: Int32) -> Int {
        var x = UInt64(UInt32(bitPattern: l)) | UInt64(UInt32(bitPattern: h)) << 32
        x ^= UInt64(UInt32(bitPattern: v)) &* 0x9E37_79B9_7F4A_7C15
        x = (x ^ (x >> 31)) &* 0xBF58_476D_1CE4_E5B9
        x = (x ^ (x >> 27)) &* 0x94D0_49BB_1331_11EB
        return Int(truncatingIfNeeded: x ^ (x >> 31))
    }

    /// The unique node (v, lo, hi).
    ///
    /// Unique-table slots hold a node index plus, in the bits the index does not need, a few bits of the node's hash:
    /// a probe only reads a node record when those bits agree, so creating a node (the common case) usually touches
    /// only the table.
    public func node(_ v: Int32, _ lo: BDDRef, _ hi: BDDRef) -> BDDRef {
        if lo == hi { return lo }
        let c = core
        let mask = c.pointee.bucketMask
        let buckets = c.pointee.buckets
        let nodes = c.pointee.nodes
        let indexBits = c.pointee.indexBits
        let indexMask = (UInt32(1) << UInt32(indexBits)) &- 1
        let h = BDD.hash(v, lo, hi)
        let tag = BDD.tag(h, indexBits)
        var i = BDD.slot(h, lo, hi, mask)
        while true {
            let e = buckets[i]
            if e == BDD.emptySlot { break }
            if e & ~indexMask == tag {
                let n = Int(e & indexMask)
                let r = nodes[n]
                if r.level == v && r.low == lo && r.high == hi { return Int32(n) }
            }
            i = (i + 1) & mask
        }
        let count = c.pointee.count
        c.pointee.nodes[count] = BDDNodeRecord(level: v, low: lo, high: hi)
        buckets[i] = tag | UInt32(count)
        c.pointee.count = count + 1
        if count + 1 == c.pointee.capacity { grow() }
        return Int32(count)
    }

    static let emptySlot = UInt32.max

    /// Where probing for (v, lo, hi) starts: in a 4096-slot window picked by the newer child, at a hashed offset.
    /// Nodes are numbered in creation order and an operation builds a node right after its children, so the nodes
    /// being made share a few windows that stay in cache instead of landing anywhere in the table. (The table has
    /// two slots per node, so windows are as full as the table on average; probing runs on past a full window.)
    @inline(__always) private static func slot(_ h: Int, _ lo: BDDRef, _ hi: BDDRef, _ mask: Int) -> Int {
        let newer = Int(max(lo, hi))
        return ((newer << 1) & ~4095 | (h & 4095)) & mask
    }

    /// node(v, lo, hi), answering without a table probe when it is one of the two operand nodes at hand (results
    /// often are: a rule inside the remaining set, a branch an operation leaves unchanged).
    @inline(__always) private func make(_ v: Int32, _ lo: BDDRef, _ hi: BDDRef,
                                        _ a: BDDRef, _ na: BDDNodeRecord, _ b: BDDRef, _ nb: BDDNodeRecord) -> BDDRef {
        if na.level == v && na.low == lo && na.high == hi { return a }
        if nb.level == v && nb.low == lo && nb.high == hi { return b }
        return node(v, lo, hi)
    }

    /// Hash bits above the index bits of a slot. Indices stay below 2^(indexBits-1), so no slot equals `emptySlot`.
    @inline(__always) private static func tag(_ h: Int, _ indexBits: Int) -> UInt32 {
        UInt32(truncatingIfNeeded: UInt64(bitPattern: Int64(h)) >> 40) << UInt32(indexBits)
    }

    /// Doubles the node array and rebuilds the unique table (twice as many slots as nodes, so at most half full).
    private func grow() {
        let c = core
        let count = c.pointee.count
        let capacity = c.pointee.capacity * 2
        let grown = UnsafeMutablePointer<BDDNodeRecord>.allocate(capacity: capacity)
        grown.moveInitialize(from: c.pointee.nodes, count: count)
        c.pointee.nodes.deallocate()
        c.pointee.nodes = grown
        c.pointee.capacity = capacity
        c.pointee.buckets.deallocate()
        BDD.makeTable(c, capacity: capacity)
    }

    /// A fresh unique table for `capacity` nodes holding the first `count` nodes.
    private static func makeTable(_ c: UnsafeMutablePointer<BDDCore>, capacity: Int) {
        let size = capacity * 2
        let buckets = UnsafeMutablePointer<UInt32>.allocate(capacity: size)
        buckets.initialize(repeating: emptySlot, count: size)
        let indexBits = capacity.trailingZeroBitCount + 1
        let mask = size - 1
        let nodes = c.pointee.nodes
        for n in 2..<max(2, c.pointee.count) {
            let r = nodes[n]
            let h = hash(r.level, r.low, r.high)
            var i = slot(h, r.low, r.high, mask)
            while buckets[i] != emptySlot { i = (i + 1) & mask }
            buckets[i] = tag(h, indexBits) | UInt32(n)
        }
        c.pointee.buckets = buckets
        c.pointee.bucketMask = mask
        c.pointee.indexBits = indexBits
    }

    @inline(__always) private func cacheSlot(_ op: Op, _ a: Int32, _ b: Int32) -> Int {
        var x = UInt64(UInt32(bitPattern: a)) | UInt64(UInt32(bitPattern: b)) << 32
        x ^= UInt64(op.rawValue) &* 0x9E37_79B9_7F4A_7C15
        x = (x ^ (x >> 31)) &* 0xBF58_476D_1CE4_E5B9
        x ^= x >> 29
        return Int(truncatingIfNeeded: x) & core.pointee.cacheMask
    }
    @inline(__always) private func cached(_ op: Op, _ a: Int32, _ b: Int32) -> Int32? {
        let e = core.pointee.cache[cacheSlot(op, a, b)]
        if e.op == op.rawValue && e.a == a && e.b == b { return e.result }
        return nil
    }
    @inline(__always) private func store(_ op: Op, _ a: Int32, _ b: Int32, _ r: Int32) {
        core.pointee.cache[cacheSlot(op, a, b)] = BDDCacheEntry(a: a, b: b, op: op.rawValue, result: r)
    }

    /// The single variable `v` (true when bit v is 1).
    public func variable(_ v: Int32) -> BDDRef { node(v, 0, 1) }

    public func and(_ a: BDDRef, _ b: BDDRef) -> BDDRef {
        if a == 0 || b == 0 { return 0 }
        if a == 1 { return b }
        if b == 1 || a == b { return a }
        let (x, y) = a < b ? (a, b) : (b, a)
        if let r = cached(.and, x, y) { return r }
        core.pointee.steps &+= 1
        let nx = core.pointee.nodes[Int(x)], ny = core.pointee.nodes[Int(y)]
        let r: BDDRef
        if nx.level == ny.level { r = make(nx.level, and(nx.low, ny.low), and(nx.high, ny.high), x, nx, y, ny) }
        else if nx.level < ny.level { r = make(nx.level, and(nx.low, y), and(nx.high, y), x, nx, y, ny) }
        else { r = make(ny.level, and(x, ny.low), and(x, ny.high), x, nx, y, ny) }
        store(.and, x, y, r)
        return r
    }

    public func or(_ a: BDDRef, _ b: BDDRef) -> BDDRef {
        if a == 1 || b == 1 { return 1 }
        if a == 0 { return b }
        if b == 0 || a == b { return a }
        let (x, y) = a < b ? (a, b) : (b, a)
        if let r = cached(.or, x, y) { return r }
        core.pointee.steps &+= 1
        let nx = core.pointee.nodes[Int(x)], ny = core.pointee.nodes[Int(y)]
        let r: BDDRef
        if nx.level == ny.level { r = make(nx.level, or(nx.low, ny.low), or(nx.high, ny.high), x, nx, y, ny) }
        else if nx.level < ny.level { r = make(nx.level, or(nx.low, y), or(nx.high, y), x, nx, y, ny) }
        else { r = make(ny.level, or(x, ny.low), or(x, ny.high), x, nx, y, ny) }
        store(.or, x, y, r)
        return r
    }

    /// a ∧ ¬b, without building ¬b (stays local to b's paths).
    public func andNot(_ a: BDDRef, _ b: BDDRef) -> BDDRef {
        if a == 0 || b == 1 || a == b { return 0 }
        if b == 0 { return a }
        if a == 1 { return not(b) }
        if let r = cached(.andNot, a, b) { return r }
        core.pointee.steps &+= 1
        let na = core.pointee.nodes[Int(a)], nb = core.pointee.nodes[Int(b)]
        let r: BDDRef
        if na.level == nb.level { r = make(na.level, andNot(na.low, nb.low), andNot(na.high, nb.high), a, na, b, nb) }
        else if na.level < nb.level { r = make(na.level, andNot(na.low, b), andNot(na.high, b), a, na, b, nb) }
        else { r = make(nb.level, andNot(a, nb.low), andNot(a, nb.high), a, na, b, nb) }
        store(.andNot, a, b, r)
        return r
    }

    public func not(_ a: BDDRef) -> BDDRef {
        if a == 0 { return 1 }
        if a == 1 { return 0 }
        if let r = cached(.not, a, 0) { return r }
        let na = core.pointee.nodes[Int(a)]
        let r = node(na.level, not(na.low), not(na.high))
        store(.not, a, 0, r)
        return r
    }

    /// (a ∧ b, a ∧ ¬b) in one pass over both: the packets of `a` a rule matches and those that go on past it.
    public func split(_ a: BDDRef, _ b: BDDRef) -> (inside: BDDRef, outside: BDDRef) {
        if a == 0 { return (0, 0) }
        if b == 0 { return (0, a) }
        if b == 1 || a == b { return (a, 0) }
        if a == 1 { return (b, not(b)) }
        let c = core
        let slot = splitSlot(a, b)
        let e = c.pointee.splitCache[slot]
        if e.a == a && e.b == b { return (e.inside, e.outside) }
        c.pointee.steps &+= 1
        let na = c.pointee.nodes[Int(a)], nb = c.pointee.nodes[Int(b)]
        let level: Int32
        let lo: (inside: BDDRef, outside: BDDRef), hi: (inside: BDDRef, outside: BDDRef)
        if na.level == nb.level { level = na.level; lo = split(na.low, nb.low); hi = split(na.high, nb.high) }
        else if na.level < nb.level { level = na.level; lo = split(na.low, b); hi = split(na.high, b) }
        else { level = nb.level; lo = split(a, nb.low); hi = split(a, nb.high) }
        let r = (inside: make(level, lo.inside, hi.inside, a, na, b, nb), outside: make(level, lo.outside, hi.outside, a, na, b, nb))
        c.pointee.splitCache[slot] = BDDSplitEntry(a: a, b: b, inside: r.inside, outside: r.outside)
        return r
    }

    @inline(__always) private func splitSlot(_ a: Int32, _ b: Int32) -> Int {
        var x = UInt64(UInt32(bitPattern: a)) | UInt64(UInt32(bitPattern: b)) << 32
        x = (x ^ (x >> 31)) &* 0xBF58_476D_1CE4_E5B9
        x ^= x >> 29
        return Int(truncatingIfNeeded: x) & core.pointee.splitMask
    }

    /// True if a ∧ b is not empty; builds no nodes and stops at the first common packet.
    public func intersects(_ a: BDDRef, _ b: BDDRef) -> Bool {
        if a == 0 || b == 0 { return false }
        if a == 1 || b == 1 || a == b { return true }
        let (x, y) = a < b ? (a, b) : (b, a)
        if let r = cached(.intersects, x, y) { return r != 0 }
        core.pointee.steps &+= 1
        let nx = core.pointee.nodes[Int(x)], ny = core.pointee.nodes[Int(y)]
        let r: Bool
        if nx.level == ny.level { r = intersects(nx.low, ny.low) || intersects(nx.high, ny.high) }
        else if nx.level < ny.level { r = intersects(nx.low, y) || intersects(nx.high, y) }
        else { r = intersects(x, ny.low) || intersects(x, ny.high) }
        store(.intersects, x, y, r ? 1 : 0)
        return r
    }

    /// if f then g else h.
    public func ite(_ f: BDDRef, _ g: BDDRef, _ h: BDDRef) -> BDDRef {
        or(and(f, g), andNot(h, f))
    }

    /// True if a ⊆ b.
    public func implies(_ a: BDDRef, _ b: BDDRef) -> Bool { andNot(a, b) == 0 }

    /// ∃ variables in [fromLevel, toLevel) . f — used to project a set onto some fields.
    public func exists(_ f: BDDRef, fromLevel: Int32, toLevel: Int32) -> BDDRef {
        var memo: [BDDRef: BDDRef] = [:]
        func go(_ f: BDDRef) -> BDDRef {
            if f < 2 { return f }
            let l = level(of: f)
            if l >= toLevel { return f }
            if let r = memo[f] { return r }
            let lo = go(low(of: f)), hi = go(high(of: f))
            let r = l >= fromLevel ? or(lo, hi) : node(l, lo, hi)
            memo[f] = r
            return r
        }
        return go(f)
    }

    /// Number of nodes reachable from f (for reports and benchmarks).
    public func size(_ f: BDDRef) -> Int {
        var seen = Set<BDDRef>()
        var stack = [f]
        while let n = stack.popLast() {
            if n < 2 || !seen.insert(n).inserted { continue }
            stack.append(low(of: n)); stack.append(high(of: n))
        }
        return seen.count
    }

    /// One satisfying assignment, choosing 0 for every free variable and the low branch whenever it is satisfiable.
    /// Returns nil for the empty set. `bits[v]` is the value of variable v.
    public func pickMin(_ f: BDDRef) -> [Bool]? {
        if f == 0 { return nil }
        var bits = [Bool](repeating: false, count: Int(varCount))
        var n = f
        while n > 1 {
            let l = Int(level(of: n))
            if low(of: n) != 0 { n = low(of: n) } else { bits[l] = true; n = high(of: n) }
        }
        return bits
    }
}
