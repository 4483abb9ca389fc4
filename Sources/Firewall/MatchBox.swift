// Per-field bounds of a rule's match (protocols, destination ports, address hulls): a cheap test that two rules
// cannot match one packet, used before the exact BDD test when anomalies scan earlier rules.
import Wire

struct MatchBox {
    /// Protocols as a 256-bit set; nil = any.
    var protocols: [UInt64]?
    var dstPorts: ClosedRange<UInt16>?
    var src: ClosedRange<IPAddress>?
    var dst: ClosedRange<IPAddress>?

    /// Bounds holding every packet `e` may match (conjuncts other than plain tests are left out: still a superset).
    init(_ e: MatchExpr) {
        switch e {
        case .test(let p): add(p)
        case .and(let xs): for case .test(let p) in xs { add(p) }
        default: break
        }
    }

    private mutating func add(_ p: Predicate) {
        switch p {
        case .proto(let ps) where protocols == nil:
            var m = [UInt64](repeating: 0, count: 4)
            for x in ps { m[Int(x) >> 6] |= 1 << UInt64(x & 63) }
            protocols = m
        case .dstPort(let rs) where dstPorts == nil && !rs.isEmpty:
            let lo = rs.map(\.lo).min()!, hi = rs.map(\.hi).max()!
            if lo <= hi { dstPorts = lo...hi }
        case .srcAddress(let rs) where src == nil && !rs.isEmpty:
            src = rs.map(\.lowerBound).min()!...rs.map(\.upperBound).max()!
        case .dstAddress(let rs) where dst == nil && !rs.isEmpty:
            dst = rs.map(\.lowerBound).min()!...rs.map(\.upperBound).max()!
        default: break
        }
    }

    /// True if no packet can lie in both boxes.
    func disjoint(_ o: MatchBox) -> Bool {
        if let a = protocols, let b = o.protocols, zip(a, b).allSatisfy({ $0 & $1 == 0 }) { return true }
        if let a = dstPorts, let b = o.dstPorts, !a.overlaps(b) { return true }
        if let a = src, let b = o.src, !a.overlaps(b) { return true }
        if let a = dst, let b = o.dst, !a.overlaps(b) { return true }
        return false
    }
}
