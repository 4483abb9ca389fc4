// Monitor: one worker thread — its own capture handle on every interface, its own inspector, its own counters.
import Capture
import CPcap
#if canImport(Glibc)
import Glibc
#endif

/// What a worker publishes for the control thread (under a lock, about once a second and at exit).
struct WorkerSnapshot: Sendable {
    var delivered: UInt64 = 0
    /// Per interface (same order as the monitor's interface list): 64-bit kernel counters.
    var kernel: [CaptureCounterTotals] = []
    var pipeline: [(String, UInt64)] = []
    var appliedPolicyGeneration: Int = 0
    var finished = false
    var error: String?
}

/// Shared state every worker reads between batches.
final class WorkerControl: @unchecked Sendable {
    struct State {
        var stop = false
        /// Remaining packet budget for `-c` (nil = unlimited).
        var remaining: UInt64?
        var policyGeneration = 0
    }
    let state: Locked<State>
    init(count: UInt64?) { state = Locked(State(remaining: count)) }

    var shouldStop: Bool { state.withLock { $0.stop } }

    /// Takes up to `want` packets from the `-c` budget; 0 means the budget is spent.
    func reserve(_ want: Int32) -> Int32 {
        state.withLock { s in
            guard let r = s.remaining else { return want }
            let take = Int32(min(UInt64(want), r))
            s.remaining = r - UInt64(take)
            return take
        }
    }
    func giveBack(_ n: Int32) {
        guard n > 0 else { return }
        state.withLock { s in if let r = s.remaining { s.remaining = r + UInt64(n) } }
    }
    var budgetSpent: Bool { state.withLock { $0.remaining == 0 } }
}

final class CaptureWorker<Inspector: MonitorInspector>: @unchecked Sendable {
    let index: Int
    let captures: [LiveCapture]
    let inspector: Inspector
    let control: WorkerControl
    let snapshot: Locked<WorkerSnapshot>
    /// The policy to apply and its generation (set by the control thread on SIGHUP).
    let pendingPolicy: Locked<(generation: Int, policy: Inspector.CompiledPolicyType?)>
    /// Called when this worker hit the `-c` budget or a fatal capture error, so the control thread stops everyone.
    let onEnd: @Sendable () -> Void
    private var thread: pthread_t?
    private var totals: [CaptureCounterTotals]
    private let linkTypes: [UInt32]
    /// Packets read per interface (owned by the worker thread; published with the snapshot).
    private var delivered: [UInt64]

    static var batch: Int32 { 256 }

    init(index: Int, captures: [LiveCapture], inspector: Inspector, control: WorkerControl, onEnd: @escaping @Sendable () -> Void) {
        self.index = index
        self.captures = captures
        self.inspector = inspector
        self.control = control
        self.onEnd = onEnd
        self.snapshot = Locked(WorkerSnapshot(kernel: Array(repeating: CaptureCounterTotals(), count: captures.count)))
        self.pendingPolicy = Locked((generation: 0, policy: nil))
        self.totals = Array(repeating: CaptureCounterTotals(), count: captures.count)
        self.linkTypes = captures.map(\.linkType)
        self.delivered = Array(repeating: 0, count: captures.count)
    }

    func start() {
        thread = startThread { self.run() }
    }

    func join() {
        if let t = thread { pthread_join(t, nil); thread = nil }
    }

    /// Wakes a read blocked in libpcap (eventfd on Linux) so the worker sees the stop flag.
    func breakLoop() { for c in captures { c.breakLoop() } }

    private func applyPendingPolicy(_ applied: inout Int) {
        let pending = pendingPolicy.withLock { p -> (Int, Inspector.CompiledPolicyType?) in
            let r = (p.generation, p.policy); p.policy = nil; return r
        }
        if let policy = pending.1, pending.0 != applied {
            inspector.replacePolicy(policy)
            applied = pending.0
            let gen = applied
            snapshot.withLock { $0.appliedPolicyGeneration = gen }
        }
    }

    private func publish(final: Bool, error: String? = nil) {
        for (i, c) in captures.enumerated() { if let raw = c.rawStats() { totals[i].update(raw) } }
        let delivered = self.delivered.reduce(UInt64(0), &+)
        let counters = inspector.counters()
        let t = totals
        snapshot.withLock { s in
            s.delivered = delivered
            s.kernel = t
            s.pipeline = counters
            s.finished = final
            if let error { s.error = error }
        }
    }

    /// Reads up to `limit` packets from handle `i` straight into the inspector: pcap_next_ex, no callback, no
    /// per-packet reference counting or allocation. Returns the count, or -1 on a capture error.
    @inline(__always)
    private func drain(_ i: Int, _ limit: Int32) -> Int32 {
        let capture = captures[i], linkType = linkTypes[i]
        var packet = LivePacket()
        var n: Int32 = 0
        while n < limit {
            let r = capture.next(&packet)
            if r != 1 { if r == -1 { return -1 }; break }
            inspector.process(packet, linkType: linkType, interface: i)
            n += 1
        }
        delivered[i] &+= UInt64(n)
        return n
    }

    /// At stop, reads what the kernel had already queued for us (its counters: received - dropped - delivered), so
    /// packets that reached the ring before the stop are inspected, not lost; bounded by that count and by `-c`.
    private func drainQueued() {
        for i in captures.indices {
            guard let raw = captures[i].rawStats() else { continue }
            totals[i].update(raw)
            var left = unreadPackets(received: totals[i].received.total, dropped: totals[i].dropped.total, delivered: delivered[i])
            while left > 0 {
                let budget = control.reserve(Int32(min(left, UInt64(Self.batch))))
                if budget == 0 { break }
                let r = drain(i, budget)
                control.giveBack(budget - max(r, 0))
                if r <= 0 { break }
                left -= min(left, UInt64(r))
            }
        }
    }

    private func run() {
        var applied = 0
        // Non-blocking reads behind our own poll(2) with a 100 ms timeout: with TPACKET_V3 a blocking libpcap read
        // can wait forever on a silent link, and the worker must still swap policies, expire flows and publish
        // stats. `breakLoop` (pcap_breakloop) still ends a read in progress; the timeout bounds the stop latency.
        for c in captures { c.setNonBlocking(true) }
        var fds = captures.map { pollfd(fd: $0.fileDescriptor, events: Int16(POLLIN), revents: 0) }
        var lastHousekeeping = monotonicSeconds()
        var failure: String?
        loop: while !control.shouldStop {
            applyPendingPolicy(&applied)
            let budget = control.reserve(Self.batch)
            if budget == 0 { onEnd(); break }
            var got: Int32 = 0
            let ready = poll(&fds, nfds_t(fds.count), 100)
            if ready > 0 {
                for i in fds.indices where fds[i].revents != 0 && got < budget {
                    let r = drain(i, budget - got)
                    if r < 0 { failure = "\(captures[i].interface): capture failed: \(captures[i].lastError)"; break }
                    got += r
                }
            }
            control.giveBack(budget - got)
            if failure != nil { break loop }
            let now = monotonicSeconds()
            if now - lastHousekeeping >= 1.0 {
                lastHousekeeping = now
                inspector.tick(nowNanoseconds: wallClockNanoseconds())
                publish(final: false)
            }
        }
        applyPendingPolicy(&applied)
        if failure == nil { drainQueued() }
        inspector.finish()
        publish(final: true, error: failure)
        if failure != nil { onEnd() }
    }
}
