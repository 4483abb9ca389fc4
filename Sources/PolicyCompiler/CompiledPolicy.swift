// The compiled policy: per-field equivalence classes feeding a precomputed verdict table, so classifying a flow is a
// fixed handful of array loads (no rule loop, no allocation) however many rules the policy has.
//
// Read it in this order:
//   1. AddressClasses   — address → address class (zone + host groups), via sorted disjoint intervals and an IPv4 trie.
//   2. service classes  — protocol → protocol slot (256 entries: where its cells start in a row, and its key table);
//                          port or ICMP type/code → key class, one 65536-entry table per protocol class rules split.
//   3. pair rows        — (source class, destination class) → start of that pair's verdict row.
//   4. verdict rows     — for every (protocol class, key class) cell, the first rule that matches, painted rule by rule
//                          in policy order (first match wins) — see `VerdictTableBuilder`. Rows are stored as 64-cell
//                          chunks, each distinct chunk once, and each distinct row once.
// classify() = 2 address lookups + 1 pair-row load + 2 service-table loads + 1 chunk-reference load + 1 cell load.
import Policy
import Wire

public struct CompiledPolicy: Sendable {
    /// The policy this was compiled from (rule indices in decisions point into `policy.flows`).
    public let policy: Policy

    @usableFromInline let addresses: AddressClasses
    /// Per address class: zone and most specific host group (-1 = none), side by side so one load gets both.
    @usableFromInline let classEnds: [ClassEnds]
    @usableFromInline let classCount: Int
    /// pairRow[src * classCount + dst]: start in `rowChunks` of the verdict row of that pair of address classes.
    @usableFromInline let pairRow: [UInt32]
    /// Rows as lists of chunk numbers; chunk k holds cells[k*64 ..< k*64+64].
    @usableFromInline let rowChunks: [UInt32]
    /// Per protocol number: where its cells start in a row, and its port / ICMP key table.
    @usableFromInline let protocolSlots: [ProtocolSlot]
    /// Service key → key class, one 65536-entry table per protocol class that has more than one key class.
    @usableFromInline let keyTable: [UInt16]
    /// Packed decisions: verdict in the low 3 bits, rule index + 1 above.
    @usableFromInline let cells: [UInt32]
    let hostMACs: [[UInt64]]

    /// Inherited (preset) rules that never decide a flow because the policy's own rules override them.
    public let unreachableInheritedRules: [Int]

    /// What was built, for `segcheck compile`.
    public let statistics: Statistics

    public struct Statistics: Sendable {
        public var zones: Int
        public var hostGroups: Int
        public var rules: Int
        public var addressIntervals: Int
        public var addressClasses: Int
        public var ipv4TrieBlocks: Int
        public var ipv6TrieBlocks: Int
        public var protocolClasses: Int
        public var keyClasses: Int
        public var pairClasses: Int
        public var verdictRows: Int
        public var verdictChunks: Int
        public var cells: Int
        public var memoryBytes: Int
        public var buildSeconds: Double
        /// Milliseconds per build step, in order.
        public var phases: [Phase]
    }
    public struct Phase: Sendable { public var step: String; public var milliseconds: Double }

    /// Validates rule reachability and builds the automaton. Throws a PolicyError (with the rule's file:line:column) for a
    /// rule of the policy's own that can never decide a flow because earlier rules cover everything it matches.
    public static func compile(_ policy: Policy, memoryLimitCells: Int = 256 << 20) throws -> CompiledPolicy {
        try CompiledPolicy(policy: policy, memoryLimitCells: memoryLimitCells)
    }

    init(policy: Policy, memoryLimitCells: Int) throws(PolicyError) {
        let clock = ContinuousClock()
        let started = clock.now
        self.policy = policy
        let addresses = AddressClasses(policy: policy)
        self.addresses = addresses
        classEnds = addresses.classes.map { ClassEnds(zone: $0.zone, host: $0.host) }
        classCount = addresses.classes.count

        var builder = VerdictTableBuilder(policy: policy, addresses: addresses, memoryLimitCells: memoryLimitCells)
        try builder.build()
        pairRow = builder.pairRow
        protocolSlots = builder.protocolSlots
        keyTable = builder.keyTable
        cells = builder.cells
        rowChunks = builder.rowChunks
        hostMACs = policy.hosts.map { $0.macs.map(\.value).sorted() }

        let memory = addresses.starts.count * 20 + (addresses.v4Top.count + addresses.v4Blocks.count + addresses.v6Top.count + addresses.v6Blocks.count) * 4
            + pairRow.count * 4 + rowChunks.count * 4 + protocolSlots.count * 12 + keyTable.count * 2 + cells.count * 4 + classEnds.count * 8
        statistics = Statistics(zones: policy.zones.count, hostGroups: policy.hosts.count, rules: policy.flows.count,
                                addressIntervals: addresses.starts.count, addressClasses: classCount,
                                ipv4TrieBlocks: addresses.v4Blocks.count / 256, ipv6TrieBlocks: addresses.v6Blocks.count / 256, protocolClasses: builder.protoClassCount,
                                keyClasses: builder.rowWidth, pairClasses: builder.pairClasses, verdictRows: builder.distinctRows, verdictChunks: builder.cells.count / CompiledPolicy.chunkSize,
                                cells: cells.count, memoryBytes: memory, buildSeconds: Self.seconds(clock.now - started),
                                phases: builder.phases.map { Phase(step: $0.step, milliseconds: $0.milliseconds) })
        unreachableInheritedRules = builder.unreachableInherited
        try builder.checkReachability()
    }

    /// An address class's zone and most specific host group.
    @usableFromInline @frozen
    struct ClassEnds: Sendable {
        @usableFromInline var zone: Int32
        @usableFromInline var host: Int32
        @usableFromInline init(zone: Int32, host: Int32) { self.zone = zone; self.host = host }
    }

    /// Verdict rows are stored in chunks of 64 cells.
    @usableFromInline static let chunkShift = 6
    @usableFromInline static let chunkSize = 1 << chunkShift

    static func seconds(_ d: Duration) -> Double {
        Double(d.components.seconds) + Double(d.components.attoseconds) * 1e-18
    }

    /// The verdict on a flow from `src` (initiator) to `dst` (responder). For ICMP/ICMPv6 pass type as `srcPort` and code as `dstPort`.
    @inlinable
    public func classify(src: IPAddress, dst: IPAddress, proto: UInt8, srcPort: UInt16, dstPort: UInt16) -> Decision {
        let s = Int(addresses.classOf(src))
        let d = Int(addresses.classOf(dst))
        let start = Int(pairRow[s &* classCount &+ d])
        // The service key: responder port, or for ICMP/ICMPv6 type<<8 | code.
        let key = (proto == 1 || proto == 58) ? (srcPort & 0xFF) << 8 | (dstPort & 0xFF) : dstPort
        let slot = protocolSlots[Int(proto)]
        let svc = Int(slot.rowOffset) &+ Int(keyTable[Int(slot.keyBase) &+ Int(key & slot.keyMask)])
        let chunk = Int(rowChunks[start &+ (svc >> CompiledPolicy.chunkShift)])
        let cell = cells[(chunk << CompiledPolicy.chunkShift) | (svc & (CompiledPolicy.chunkSize - 1))]
        return CompiledPolicy.decision(cell, classEnds[s], classEnds[d])
    }

    /// A packed cell and the two ends' classes as a Decision.
    @inlinable @inline(__always)
    static func decision(_ cell: UInt32, _ src: ClassEnds, _ dst: ClassEnds) -> Decision {
        // Cells hold only Verdict raw values in their low 3 bits (VerdictTableBuilder.packed), so the cast is exact.
        Decision(verdict: unsafeBitCast(UInt8(truncatingIfNeeded: cell & 7), to: Verdict.self), rule: Int32(bitPattern: cell >> 3) &- 1,
                 srcZone: src.zone, dstZone: dst.zone, srcHost: src.host, dstHost: dst.host)
    }

    /// Flows per burst in the batched `classify`: enough independent lookups to overlap their cache misses.
    @usableFromInline static let burst = 16

    /// The verdicts on a batch of flows: `decisions[i]` is exactly `classify(flows[i])`. The lookups run in bursts of
    /// 16, stage by stage (address classes of all 16, then their row chunks, then their cells), so the cache misses
    /// of one flow overlap those of the others (as DPDK's `rte_acl_classify` does on a burst). No allocation: the
    /// per-burst scratch lives on the stack. For ICMP/ICMPv6 the tuple's ports hold type and code.
    @inlinable
    public func classify(_ flows: UnsafeBufferPointer<FlowTuple>, into decisions: UnsafeMutableBufferPointer<Decision>) {
        precondition(decisions.count >= flows.count, "classify: fewer decision slots than flows")
        let burst = CompiledPolicy.burst
        withUnsafeTemporaryAllocation(of: Int.self, capacity: 3 * burst) { scratch in
            pairRow.withUnsafeBufferPointer { pairRow in
            rowChunks.withUnsafeBufferPointer { rowChunks in
            cells.withUnsafeBufferPointer { cells in
                var first = 0
                while first < flows.count {
                    let n = min(burst, flows.count - first)
                    // Stage 1: address classes of both ends.
                    for j in 0..<n {
                        scratch[j] = Int(addresses.classOf(flows[first &+ j].src))
                        scratch[burst &+ j] = Int(addresses.classOf(flows[first &+ j].dst))
                    }
                    // Stage 2: the row chunk reference to read (pair row + service cell).
                    for j in 0..<n {
                        let f = flows[first &+ j]
                        let start = Int(pairRow[scratch[j] &* classCount &+ scratch[burst &+ j]])
                        let key = (f.proto == 1 || f.proto == 58) ? (f.srcPort & 0xFF) << 8 | (f.dstPort & 0xFF) : f.dstPort
                        let slot = protocolSlots[Int(f.proto)]
                        let svc = Int(slot.rowOffset) &+ Int(keyTable[Int(slot.keyBase) &+ Int(key & slot.keyMask)])
                        scratch[2 &* burst &+ j] = (start &+ (svc >> CompiledPolicy.chunkShift)) << CompiledPolicy.chunkShift
                            | (svc & (CompiledPolicy.chunkSize - 1))
                    }
                    // Stage 3: chunk → cell index.
                    for j in 0..<n {
                        let at = scratch[2 &* burst &+ j]
                        let chunk = Int(rowChunks[at >> CompiledPolicy.chunkShift])
                        scratch[2 &* burst &+ j] = (chunk << CompiledPolicy.chunkShift) | (at & (CompiledPolicy.chunkSize - 1))
                    }
                    // Stage 4: cells → decisions.
                    for j in 0..<n {
                        let cell = cells[scratch[2 &* burst &+ j]]
                        decisions[first &+ j] = CompiledPolicy.decision(cell, classEnds[scratch[j]], classEnds[scratch[burst &+ j]])
                    }
                    first &+= n
                }
            }
            }
            }
        }
    }

    /// Index into `policy.zones` of the zone an address belongs to (longest prefix), or -1.
    public func zoneIndex(of a: IPAddress) -> Int32 { classEnds[Int(addresses.classOf(a))].zone }

    /// Index into `policy.hosts` of the most specific host group containing the address, or -1.
    public func hostIndex(of a: IPAddress) -> Int32 { classEnds[Int(addresses.classOf(a))].host }

    /// False when the host group pins MAC addresses and `mac` is not one of them (通信経路の限定 by MAC and IP).
    public func macAllowed(hostIndex: Int32, mac: MACAddress) -> Bool {
        guard hostIndex >= 0, Int(hostIndex) < hostMACs.count else { return true }
        let macs = hostMACs[Int(hostIndex)]
        if macs.isEmpty { return true }
        var lo = 0, hi = macs.count
        while lo < hi {
            let mid = (lo + hi) >> 1
            if macs[mid] < mac.value { lo = mid + 1 } else { hi = mid }
        }
        return lo < macs.count && macs[lo] == mac.value
    }
}
