// bench-compiler: compiles a synthetic policy of N rules and measures lookups/s of the compiled automaton and of the
// linear first-match scan on the same flows, plus compile time and memory. scripts/bench-compiler.sh runs it per size.
#if canImport(Glibc)
import Glibc
#endif
import Policy
import PolicyCompiler
import SyntheticPolicies
import Wire
import Foundation

func peakRSSKiB() -> Int {
    var usage = rusage()
    getrusage(RUSAGE_SELF.rawValue, &usage)
    return Int(usage.ru_maxrss)
}

func seconds(_ d: Duration) -> Double { Double(d.components.seconds) + Double(d.components.attoseconds) * 1e-18 }

/// CPU time of this thread: the machine is shared, so rates are per CPU-second of this one thread (one core's work),
/// not per wall-clock second.
func cpuSeconds() -> Double {
    var t = timespec()
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t)
    return Double(t.tv_sec) + Double(t.tv_nsec) * 1e-9
}

var ruleCount = 1000
var flowCount = 1 << 20
var args = CommandLine.arguments.dropFirst()
while let a = args.popFirst() {
    switch a {
    case "--rules": ruleCount = Int(args.popFirst() ?? "") ?? ruleCount
    case "--flows": flowCount = Int(args.popFirst() ?? "") ?? flowCount
    default:
        print("usage: bench-compiler [--rules N] [--flows N]")
        exit(2)
    }
}

let clock = ContinuousClock()
let policy = SyntheticPolicy.make(rules: ruleCount)
let flows = SyntheticPolicy.flows(for: policy, count: flowCount)
let rssBefore = peakRSSKiB()
let compileStart = clock.now
let compileCPUStart = cpuSeconds()
let compiled: CompiledPolicy
do { compiled = try CompiledPolicy.compile(policy) } catch { print("compile failed: \(error)"); exit(2) }
let compileSeconds = cpuSeconds() - compileCPUStart
let compileWallSeconds = seconds(clock.now - compileStart)
let rssAfter = peakRSSKiB()
let linear = LinearClassifier(policy: policy)

// Both must agree on a sample before anything is timed.
for f in flows.prefix(2000) {
    let a = compiled.classify(src: f.src, dst: f.dst, proto: f.proto, srcPort: f.srcPort, dstPort: f.dstPort)
    let b = linear.classify(src: f.src, dst: f.dst, proto: f.proto, srcPort: f.srcPort, dstPort: f.dstPort)
    if a != b { print("DISAGREEMENT \(f): compiled \(a) linear \(b)"); exit(1) }
}

/// Runs `body` over the flows until `minimum` seconds have passed; returns lookups per second (best of `rounds`).
@inline(never)
func rate(rounds: Int, minimum: Double, _ body: (Flow) -> UInt32) -> (Double, UInt32) {
    var best = 0.0
    var sink: UInt32 = 0
    for _ in 0..<rounds {
        var done = 0
        let start = cpuSeconds()
        var elapsed = 0.0
        repeat {
            for f in flows { sink &+= body(f) }
            done += flows.count
            elapsed = cpuSeconds() - start
        } while elapsed < minimum
        best = max(best, Double(done) / elapsed)
    }
    return (best, sink)
}

let (compiledRate, s1) = rate(rounds: 5, minimum: 0.2) { f in
    let d = compiled.classify(src: f.src, dst: f.dst, proto: f.proto, srcPort: f.srcPort, dstPort: f.dstPort)
    return UInt32(d.verdict.rawValue) &+ UInt32(bitPattern: d.rule)
}
// The batched lookup on the same flows, 64 per call (a capture burst), into a reused decision buffer.
let tuples = flows.map { FlowTuple(src: $0.src, dst: $0.dst, srcPort: $0.srcPort, dstPort: $0.dstPort, proto: $0.proto) }
let batchSize = 64
var batchDecisions = [Decision](repeating: Decision(verdict: .unknownZone, rule: -1, srcZone: -1, dstZone: -1), count: batchSize)
// Batched and single must agree before the batched rate is timed.
tuples.withUnsafeBufferPointer { t in
    batchDecisions.withUnsafeMutableBufferPointer { out in
        for b in stride(from: 0, to: min(t.count, 4096), by: batchSize) {
            let n = min(batchSize, t.count - b)
            compiled.classify(UnsafeBufferPointer(rebasing: t[b..<(b + n)]), into: out)
            for i in 0..<n {
                let f = t[b + i]
                let single = compiled.classify(src: f.src, dst: f.dst, proto: f.proto, srcPort: f.srcPort, dstPort: f.dstPort)
                if out[i] != single { print("BATCH DISAGREEMENT \(f): batched \(out[i]) single \(single)"); exit(1) }
            }
        }
    }
}
var batchedBest = 0.0
var s3: UInt32 = 0
tuples.withUnsafeBufferPointer { t in
    batchDecisions.withUnsafeMutableBufferPointer { out in
        for _ in 0..<5 {
            var done = 0
            let start = cpuSeconds()
            var elapsed = 0.0
            repeat {
                var b = 0
                while b < t.count {
                    let n = min(batchSize, t.count - b)
                    compiled.classify(UnsafeBufferPointer(rebasing: t[b..<(b + n)]), into: out)
                    for i in 0..<n { s3 &+= UInt32(out[i].verdict.rawValue) &+ UInt32(bitPattern: out[i].rule) }
                    b += n
                }
                done += t.count
                elapsed = cpuSeconds() - start
            } while elapsed < 0.2
            batchedBest = max(batchedBest, Double(done) / elapsed)
        }
    }
}
// The linear scan is slow at large sizes: time it on a slice.
let linearFlows = Array(flows.prefix(ruleCount >= 10_000 ? 2_000 : 100_000))
var linearDone = 0
var s2: UInt32 = 0
let linearStart = cpuSeconds()
var linearElapsed = 0.0
repeat {
    for f in linearFlows {
        let d = linear.classify(src: f.src, dst: f.dst, proto: f.proto, srcPort: f.srcPort, dstPort: f.dstPort)
        s2 &+= UInt32(d.verdict.rawValue)
    }
    linearDone += linearFlows.count
    linearElapsed = cpuSeconds() - linearStart
} while linearElapsed < 0.5
let linearRate = Double(linearDone) / linearElapsed

let s = compiled.statistics
if ProcessInfo.processInfo.environment["SEGCHECK_COMPILE_TRACE"] != nil {
    print("phases: " + s.phases.map { "\($0.step) \(String(format: "%.1f", $0.milliseconds)) ms" }.joined(separator: ", "))
}
// One machine-readable line; scripts/bench-compiler.sh turns these into the table.
print("rules=\(ruleCount) zones=\(s.zones) hosts=\(s.hostGroups) classes=\(s.addressClasses) keyclasses=\(s.keyClasses) pairs=\(s.pairClasses) rows=\(s.verdictRows) chunks=\(s.verdictChunks) compile_ms=\(String(format: "%.1f", compileSeconds * 1000)) compile_wall_ms=\(String(format: "%.1f", compileWallSeconds * 1000)) table_mb=\(String(format: "%.1f", Double(s.memoryBytes) / 1_048_576)) compile_peak_mb=\(String(format: "%.1f", Double(rssAfter - rssBefore) / 1024)) compiled_lookups_per_s=\(Int(compiledRate)) batched_lookups_per_s=\(Int(batchedBest)) linear_lookups_per_s=\(Int(linearRate)) sink=\(s1 &+ s2 &+ s3)")
