// Reduced ordered binary decision diagrams: the exact set representation behind the firewall analysis.
//
// Nodes live in flat arrays (no per-node objects), are hash-consed through an open-addressing unique table and
// are never freed during one analysis (an analysis is short-lived; memory is bounded by the rule set). Binary
// operations go through a direct-mapped computed cache. Node 0 is the empty set, node 1 the full set.

/// A BDD node reference. 0 = false (empty set), 1 = true (everything).
public typealias BDDRef = Int32

public final class BDD {
    public static let falseRef: BDDRef = 0
    public static let trueRef: BDDRef = 1

    /// Number of variables; terminals carry level `varCount`.
    public let varCount: Int32
    private var level: [Int32] = []
    private var low: [BDDRef] = []
    private var high: [BDDRef] = []

    private var buckets: [Int32]
    private var bucketMask: Int

    private var cacheKeyA: [Int32]
    private var cacheKeyB: [Int32]
    private var cacheOp: [Int32]
    private var cacheResult: [Int32]
    private let cacheMask: Int

    private enum Op: Int32 { case and = 1, or = 2, andNot = 3, not = 4, exists = 5 }

    public init(varCount: Int, cacheBits: Int = 20) {
        self.varCount = Int32(varCount)
        level = [Int32(varCount), Int32(varCount)]
        low = [0, 1]
        high = [0, 1]
        level.reserveCapacity(1 << 16); low.reserveCapacity(1 << 16); high.reserveCapacity(1 << 16)
        buckets = [Int32](repeating: -1, count: 1 << 16)
        bucketMask = (1 << 16) - 1
        let cacheSize = 1 << cacheBits
        cacheKeyA = [Int32](repeating: -1, count: cacheSize)
        cacheKeyB = [Int32](repeating: -1, count: cacheSize)
        cacheOp = [Int32](repeating: 0, count: cacheSize)
        cacheResult = [Int32](repeating: 0, count: cacheSize)
        cacheMask = cacheSize - 1
    }

    /// Number of nodes allocated so far (including the two terminals).
    public var nodeCount: Int { level.count }

    @inline(__always) public func level(of f: BDDRef) -> Int32 { level[Int(f)] }
    @inline(__always) public func low(of f: BDDRef) -> BDDRef { low[Int(f)] }
    @inline(__always) public func high(of f: BDDRef) -> BDDRef { high[Int(f)] }

    @inline(__always) private func hash(_ v: Int32, _ l: Int32, _ h: Int32) -> Int {
        var x = UInt64(UInt32(bitPattern: v)) &* 0x9E37_79B9_7F4A_7C15
        x ^= UInt64(UInt32(bitPattern: l)) &* 0xC2B2_AE3D_27D4_EB4F
        x ^= UInt64(UInt32(bitPattern: h)) &* 0x1656_67B1_9E37_79F9
        x ^= x >> 29
        return Int(truncatingIfNeeded: x)
    }

    /// The unique node (v, lo, hi).
    public func node(_ v: Int32, _ lo: BDDRef, _ hi: BDDRef) -> BDDRef {
        if lo == hi { return lo }
        var i = hash(v, lo, hi) & bucketMask
        while true {
            let n = buckets[i]
            if n < 0 { break }
            let ni = Int(n)
            if level[ni] == v && low[ni] == lo && high[ni] == hi { return n }
            i = (i + 1) & bucketMask
        }
        let id = Int32(level.count)
        level.append(v); low.append(lo); high.append(hi)
        buckets[i] = id
        if level.count * 2 > buckets.count { grow() }
        return id
    }

    private func grow() {
        let size = buckets.count * 2
        buckets = [Int32](repeating: -1, count: size)
        bucketMask = size - 1
        for n in 2..<level.count {
            var i = hash(level[n], low[n], high[n]) & bucketMask
            while buckets[i] >= 0 { i = (i + 1) & bucketMask }
            buckets[i] = Int32(n)
        }
    }

    @inline(__always) private func cacheSlot(_ op: Op, _ a: Int32, _ b: Int32) -> Int {
        var x = UInt64(UInt32(bitPattern: a)) &* 0x9E37_79B9_7F4A_7C15 ^ UInt64(UInt32(bitPattern: b)) &* 0xC2B2_AE3D_27D4_EB4F
        x ^= UInt64(op.rawValue) &* 0x1656_67B1_9E37_79F9
        x ^= x >> 31
        return Int(truncatingIfNeeded: x) & cacheMask
    }
    @inline(__always) private func cached(_ op: Op, _ a: Int32, _ b: Int32) -> Int32? {
        let s = cacheSlot(op, a, b)
        if cacheOp[s] == op.rawValue && cacheKeyA[s] == a && cacheKeyB[s] == b { return cacheResult[s] }
        return nil
    }
    @inline(__always) private func store(_ op: Op, _ a: Int32, _ b: Int32, _ r: Int32) {
        let s = cacheSlot(op, a, b)
        cacheOp[s] = op.rawValue; cacheKeyA[s] = a; cacheKeyB[s] = b; cacheResult[s] = r
    }

    /// The single variable `v` (true when bit v is 1).
    public func variable(_ v: Int32) -> BDDRef { node(v, 0, 1) }

    public func and(_ a: BDDRef, _ b: BDDRef) -> BDDRef {
        if a == 0 || b == 0 { return 0 }
        if a == 1 { return b }
        if b == 1 || a == b { return a }
        let (x, y) = a < b ? (a, b) : (b, a)
        if let r = cached(.and, x, y) { return r }
        let la = level[Int(x)], lb = level[Int(y)]
        let r: BDDRef
        if la == lb { r = node(la, and(low[Int(x)], low[Int(y)]), and(high[Int(x)], high[Int(y)])) }
        else if la < lb { r = node(la, and(low[Int(x)], y), and(high[Int(x)], y)) }
        else { r = node(lb, and(x, low[Int(y)]), and(x, high[Int(y)])) }
        store(.and, x, y, r)
        return r
    }

    public func or(_ a: BDDRef, _ b: BDDRef) -> BDDRef {
        if a == 1 || b == 1 { return 1 }
        if a == 0 { return b }
        if b == 0 || a == b { return a }
        let (x, y) = a < b ? (a, b) : (b, a)
        if let r = cached(.or, x, y) { return r }
        let la = level[Int(x)], lb = level[Int(y)]
        let r: BDDRef
        if la == lb { r = node(la, or(low[Int(x)], low[Int(y)]), or(high[Int(x)], high[Int(y)])) }
        else if la < lb { r = node(la, or(low[Int(x)], y), or(high[Int(x)], y)) }
        else { r = node(lb, or(x, low[Int(y)]), or(x, high[Int(y)])) }
        store(.or, x, y, r)
        return r
    }

    /// a ∧ ¬b, without building ¬b (stays local to b's paths).
    public func andNot(_ a: BDDRef, _ b: BDDRef) -> BDDRef {
        if a == 0 || b == 1 || a == b { return 0 }
        if b == 0 { return a }
        if a == 1 { return not(b) }
        if let r = cached(.andNot, a, b) { return r }
        let la = level[Int(a)], lb = level[Int(b)]
        let r: BDDRef
        if la == lb { r = node(la, andNot(low[Int(a)], low[Int(b)]), andNot(high[Int(a)], high[Int(b)])) }
        else if la < lb { r = node(la, andNot(low[Int(a)], b), andNot(high[Int(a)], b)) }
        else { r = node(lb, andNot(a, low[Int(b)]), andNot(a, high[Int(b)])) }
        store(.andNot, a, b, r)
        return r
    }

    public func not(_ a: BDDRef) -> BDDRef {
        if a == 0 { return 1 }
        if a == 1 { return 0 }
        if let r = cached(.not, a, 0) { return r }
        let r = node(level[Int(a)], not(low[Int(a)]), not(high[Int(a)]))
        store(.not, a, 0, r)
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
            let l = level[Int(f)]
            if l >= toLevel { return f }
            if let r = memo[f] { return r }
            let lo = go(low[Int(f)]), hi = go(high[Int(f)])
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
            stack.append(low[Int(n)]); stack.append(high[Int(n)])
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
            let l = Int(level[Int(n)])
            if low[Int(n)] != 0 { n = low[Int(n)] } else { bits[l] = true; n = high[Int(n)] }
        }
        return bits
    }
}
