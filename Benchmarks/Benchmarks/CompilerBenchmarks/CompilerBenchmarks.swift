// ordo-one/benchmark suite for the rules compiler: lookup latency and allocations per lookup (expected: zero) at 10 and 100k rules.
import Benchmark
import Policy
import PolicyCompiler
import SyntheticPolicies
import Wire

let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(metrics: [.wallClock, .throughput, .mallocCountTotal, .instructions], maxDuration: .seconds(2))
    for rules in [10, 100_000] {
        let policy = SyntheticPolicy.make(rules: rules)
        let compiled = try! CompiledPolicy.compile(policy)
        let flows = SyntheticPolicy.flows(for: policy, count: 4096)
        // One iteration = 4096 lookups; mallocCountTotal must stay 0.
        Benchmark("compiled lookup ×4096, \(rules) rules", configuration: .init(scalingFactor: .kilo)) { benchmark in
            for _ in benchmark.scaledIterations {
                var sink: UInt32 = 0
                for f in flows {
                    sink &+= UInt32(compiled.classify(src: f.src, dst: f.dst, proto: f.proto, srcPort: f.srcPort, dstPort: f.dstPort).verdict.rawValue)
                }
                blackHole(sink)
            }
        }
        // The same 4096 flows through the batched lookup, 64 per call: mallocCountTotal must stay 0 here too.
        let tuples = flows.map { FlowTuple(src: $0.src, dst: $0.dst, srcPort: $0.srcPort, dstPort: $0.dstPort, proto: $0.proto) }
        Benchmark("compiled batched lookup ×4096, \(rules) rules", configuration: .init(scalingFactor: .kilo)) { benchmark in
            var out = [Decision](repeating: Decision(verdict: .unknownZone, rule: -1, srcZone: -1, dstZone: -1), count: 64)
            for _ in benchmark.scaledIterations {
                var sink: UInt32 = 0
                tuples.withUnsafeBufferPointer { t in
                    out.withUnsafeMutableBufferPointer { o in
                        for b in stride(from: 0, to: t.count, by: 64) {
                            compiled.classify(UnsafeBufferPointer(rebasing: t[b..<(b + 64)]), into: o)
                            for d in o { sink &+= UInt32(d.verdict.rawValue) }
                        }
                    }
                }
                blackHole(sink)
            }
        }
    }
    Benchmark("compile 10k rules", configuration: .init(metrics: [.wallClock, .peakMemoryResident, .mallocCountTotal], maxIterations: 5)) { benchmark in
        let policy = SyntheticPolicy.make(rules: 10_000)
        benchmark.startMeasurement()
        blackHole(try! CompiledPolicy.compile(policy))
    }
}
