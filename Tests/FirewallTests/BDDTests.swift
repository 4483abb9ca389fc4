// The BDD core against truth tables (every operation, with a tiny operation cache and a growing node table), the
// one-path compilation of aligned conjunctions against one BDD per test, and the per-field bounds against the
// exact overlap test.
import Testing
@testable import Firewall
import Policy
import Wire

@Suite struct BDDTests {
    struct RNG { var s: UInt64; mutating func next() -> UInt64 { s &+= 0x9E37_79B9_7F4A_7C15; var z = s; z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9; z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB; return z ^ (z >> 31) }
        mutating func below(_ n: Int) -> Int { Int(next() % UInt64(n)) } }

    /// Value of f under the assignment whose bit v is variable v.
    static func eval(_ bdd: BDD, _ f: BDDRef, _ x: Int) -> Bool {
        var n = f
        while n > 1 { n = (x >> Int(bdd.level(of: n))) & 1 == 1 ? bdd.high(of: n) : bdd.low(of: n) }
        return n == BDD.trueRef
    }

    /// A random function of `vars` variables as a union of random cubes, with its truth table.
    static func random(_ bdd: BDD, _ vars: Int, _ rng: inout RNG) -> BDDRef {
        var f = BDD.falseRef
        for _ in 0..<(1 + rng.below(6)) {
            var cube = BDD.trueRef
            for v in 0..<vars where rng.below(3) != 0 {
                let x = bdd.variable(Int32(v))
                cube = rng.below(2) == 0 ? bdd.and(cube, x) : bdd.andNot(cube, x)
            }
            f = bdd.or(f, cube)
        }
        return f
    }

    @Test func operationsMatchTruthTables() {
        let vars = 7
        let bdd = BDD(varCount: vars, cacheBits: 4)   // 16 cache slots: results must not depend on cache hits
        var rng = RNG(s: 7)
        for _ in 0..<300 {
            let a = BDDTests.random(bdd, vars, &rng), b = BDDTests.random(bdd, vars, &rng)
            let and = bdd.and(a, b), or = bdd.or(a, b), andNot = bdd.andNot(a, b), not = bdd.not(a)
            let (inside, outside) = bdd.split(a, b)
            #expect(inside == and && outside == andNot)   // canonical: the same set is the same node
            #expect(bdd.intersects(a, b) == (and != BDD.falseRef))
            #expect(bdd.implies(a, b) == (andNot == BDD.falseRef))
            for x in 0..<(1 << vars) {
                let va = BDDTests.eval(bdd, a, x), vb = BDDTests.eval(bdd, b, x)
                #expect(BDDTests.eval(bdd, and, x) == (va && vb))
                #expect(BDDTests.eval(bdd, or, x) == (va || vb))
                #expect(BDDTests.eval(bdd, andNot, x) == (va && !vb))
                #expect(BDDTests.eval(bdd, not, x) == !va)
            }
        }
    }

    @Test func nodeTableGrowsAndStaysCanonical() {
        // 100,000 distinct 20-variable minterms: more nodes than the initial table holds.
        let bdd = BDD(varCount: 20)
        var refs: [BDDRef] = []
        for m in 0..<100_000 {
            var r = BDD.trueRef
            for v in stride(from: 19, through: 0, by: -1) { r = (m >> v) & 1 == 1 ? bdd.node(Int32(v), 0, r) : bdd.node(Int32(v), r, 0) }
            refs.append(r)
        }
        #expect(bdd.nodeCount > 1 << 16)
        for m in stride(from: 0, to: 100_000, by: 997) {
            var r = BDD.trueRef
            for v in stride(from: 19, through: 0, by: -1) { r = (m >> v) & 1 == 1 ? bdd.node(Int32(v), 0, r) : bdd.node(Int32(v), r, 0) }
            #expect(r == refs[m])
            #expect(BDDTests.eval(bdd, r, m) && !BDDTests.eval(bdd, r, m ^ 1))
        }
    }

    static func randomRule(_ rng: inout RNG) -> [MatchExpr] {
        func addr() -> ClosedRange<IPAddress> {
            let a = UInt32(10 << 24) | UInt32(rng.below(4) << 16) | UInt32(rng.below(256) << 8) | UInt32(rng.below(256))
            let len = [32, 24, 16, 8][rng.below(4)]
            let net = IPNetwork(address: IPAddress(v4: a), prefixLength: 96 + len)
            return net.first...net.last
        }
        var parts: [MatchExpr] = []
        if rng.below(4) != 0 { parts.append(.test(.srcAddress([addr()]))) }
        if rng.below(4) != 0 { parts.append(.test(.dstAddress([addr()]))) }
        if rng.below(4) != 0 { parts.append(.test(.proto([[6, 17, 1][rng.below(3)]]))) }
        switch rng.below(4) {
        case 0: let p = UInt16(rng.below(1024)); parts.append(.test(.dstPort([PortRange(p, p)])))
        case 1: let p = UInt16(rng.below(1024)); parts.append(.test(.dstPort([PortRange(p, p + UInt16(rng.below(300)))])))
        case 2: parts.append(.test(.dstPort([PortRange(22, 22), PortRange(UInt16(rng.below(1024)), 1100)])))
        default: break
        }
        if rng.below(5) == 0 { parts.append(.test(.proto([[6, 17][rng.below(2)]]))) }   // may contradict the first
        if rng.below(6) == 0 { parts.append(.not(.test(.srcPort([PortRange(0, 1023)])))) }
        return parts
    }

    @Test func alignedConjunctionsCompileToTheSameSet() {
        let space = HeaderSpace(interfaces: ["eth0"])
        let bdd = space.bdd
        var rng = RNG(s: 11)
        for _ in 0..<400 {
            let parts = BDDTests.randomRule(&rng)
            let (u, o) = space.compile(.and(parts))
            var expected = BDD.trueRef
            for p in parts { expected = bdd.and(expected, space.compile(p).1) }
            #expect(u == expected && o == expected)
        }
    }

    @Test func disjointBoundsMeanNoCommonPacket() {
        let space = HeaderSpace(interfaces: ["eth0"])
        var rng = RNG(s: 13)
        var rules: [(MatchBox, BDDRef)] = []
        for _ in 0..<150 {
            let e = MatchExpr.and(BDDTests.randomRule(&rng))
            rules.append((MatchBox(e), space.compile(e).1))
        }
        var disjoint = 0
        for i in rules.indices {
            for j in rules.indices where rules[i].0.disjoint(rules[j].0) {
                disjoint += 1
                #expect(!space.bdd.intersects(rules[i].1, rules[j].1))
            }
        }
        #expect(disjoint > 1000)   // the bounds do rule out pairs
    }
}
