// Property test: on random policies, the compiled automaton and the separately written linear scan agree on every flow.
import PropertyBased
import Policy
import PolicyCompiler
import Testing
import Wire

@Suite struct CompilerPropertyTests {
    /// Compares compiled lookup with the oracle on `flows` random flows; returns the number of disagreements (after #expect).
    static func disagreements(seed: UInt64, maxRules: Int, flows: Int) throws -> Int {
        let random = RandomPolicy.make(seed: seed, maxRules: maxRules)
        let compiled = try CompiledPolicy.compile(random.policy)
        let oracle = LinearClassifier(policy: random.policy)
        var rng = SeededRandom(seed: seed ^ 0xF10F)
        var bad = 0
        var tuples: [FlowTuple] = []
        var single: [Decision] = []
        for _ in 0..<flows {
            let (s, d, p, sp, dp) = random.flow(&rng)
            let a = compiled.classify(src: s, dst: d, proto: p, srcPort: sp, dstPort: dp)
            let b = oracle.classify(src: s, dst: d, proto: p, srcPort: sp, dstPort: dp)
            if a != b {
                if bad == 0 { Issue.record("seed \(seed): \(s) → \(d) proto \(p) \(sp)/\(dp): compiled \(a), linear \(b)") }
                bad += 1
            }
            // The address-only queries must agree too.
            if compiled.zoneIndex(of: s) != Int32(oracle.zone(of: s)) { bad += 1 }
            tuples.append(FlowTuple(src: s, dst: d, srcPort: sp, dstPort: dp, proto: p))
            single.append(a)
        }
        // The batched lookup must give the single lookup's answer for every flow, in batches of every shape (partial
        // bursts, several bursts, a tail).
        var batched = [Decision](repeating: Decision(verdict: .unknownZone, rule: -2, srcZone: -2, dstZone: -2), count: tuples.count)
        var at = 0, size = 1
        while at < tuples.count {
            let n = min(size, tuples.count - at)
            tuples.withUnsafeBufferPointer { t in
                batched.withUnsafeMutableBufferPointer { out in
                    compiled.classify(UnsafeBufferPointer(rebasing: t[at..<(at + n)]), into: UnsafeMutableBufferPointer(rebasing: out[at..<(at + n)]))
                }
            }
            at += n
            size = size % 41 + 7
        }
        for i in tuples.indices where batched[i] != single[i] {
            if bad == 0 { Issue.record("seed \(seed): batched \(batched[i]) ≠ single \(single[i]) for \(tuples[i])") }
            bad += 1
        }
        return bad
    }

    @Test func smallPoliciesManyFlows() async throws {
        await propertyCheck(count: 100, input: Gen.int(in: 0...Int(Int32.max))) { seed in
            let bad = (try? Self.disagreements(seed: UInt64(seed), maxRules: 60, flows: 10_000)) ?? -1
            #expect(bad == 0)
        }
    }

    @Test func largePolicies() async throws {
        await propertyCheck(count: 4, input: Gen.int(in: 0...Int(Int32.max))) { seed in
            let bad = (try? Self.disagreements(seed: UInt64(seed), maxRules: 3000, flows: 5000)) ?? -1
            #expect(bad == 0)
        }
    }
}
