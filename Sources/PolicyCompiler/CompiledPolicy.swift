// The compiled policy: per-field equivalence classes feeding a precomputed verdict table, so classifying a flow is a
// fixed handful of array loads (no rule loop, no allocation) however many rules the policy has.
//
// Read it in this order:
//   1. AddressClasses   — address → address class (zone + host groups), via sorted disjoint intervals and an IPv4 trie.
//   2. service classes  — protocol → protocol class (256-entry table); port or ICMP type/code → key class (65536-entry table).
//   3. pair classes     — (source class, destination class) → pair class: pairs whose candidate rules are the same share one.
//   4. verdict rows     — one row per distinct pair class: for every (protocol class, key class) cell, the first rule that
//                          matches, painted rule by rule in policy order (first match wins) — see `VerdictTableBuilder`.
//                          Rows are stored as 64-cell chunks, each distinct chunk once.
// classify() = 2 address lookups + 1 pair-table load + 2 service-table loads + 1 chunk-reference load + 1 cell load.
import Policy
import Wire

public struct CompiledPolicy: Sendable {
    /// The policy this was compiled from (rule indices in decisions point into `policy.flows`).
    public let policy: Policy

    @usableFromInline let addresses: AddressClasses
    /// Per address class: zone and most specific host group (-1 = none).
    @usableFromInline let classZone: [Int32]
    @usableFromInline let classHost: [Int32]
    /// pairClass[src * classCount + dst]
    @usableFromInline let pairClass: [UInt32]
    @usableFromInline let classCount: Int
    /// Start (in `rowChunks`) of each pair class's row.
    @usableFromInline let rowStart: [UInt32]
    /// Rows as lists of chunk numbers; chunk k holds cells[k*64 ..< k*64+64].
    @usableFromInline let rowChunks: [UInt32]
    @usableFromInline let protoClass: [UInt8]
    @usableFromInline let keyClass: [UInt16]
    @usableFromInline let keyClassCount: Int
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
        classZone = addresses.classes.map(\.zone)
        classHost = addresses.classes.map(\.host)
        classCount = addresses.classes.count

        var builder = VerdictTableBuilder(policy: policy, addresses: addresses, memoryLimitCells: memoryLimitCells)
        try builder.build()
        pairClass = builder.pairClassTable
        rowStart = builder.rowStart
        protoClass = builder.protoClassTable
        keyClass = builder.keyClassTable
        keyClassCount = builder.keyClassCount
        cells = builder.cells
        rowChunks = builder.rowChunks
        hostMACs = policy.hosts.map { $0.macs.map(\.value).sorted() }

        let memory = addresses.starts.count * 20 + (addresses.v4Top.count + addresses.v4Blocks.count + addresses.v6Top.count + addresses.v6Blocks.count) * 4
            + pairClass.count * 4 + rowStart.count * 4 + rowChunks.count * 4 + 256 + keyClass.count * 2 + cells.count * 4 + classZone.count * 8
        statistics = Statistics(zones: policy.zones.count, hostGroups: policy.hosts.count, rules: policy.flows.count,
                                addressIntervals: addresses.starts.count, addressClasses: classCount,
                                ipv4TrieBlocks: addresses.v4Blocks.count / 256, ipv6TrieBlocks: addresses.v6Blocks.count / 256, protocolClasses: builder.protoClassCount,
                                keyClasses: keyClassCount, pairClasses: rowStart.count, verdictRows: builder.distinctRows, verdictChunks: builder.cells.count / CompiledPolicy.chunkSize,
                                cells: cells.count, memoryBytes: memory, buildSeconds: Self.seconds(clock.now - started),
                                phases: builder.phases.map { Phase(step: $0.step, milliseconds: $0.milliseconds) })
        unreachableInheritedRules = builder.unreachableInherited
        try builder.checkReachability()
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
        let pair = Int(pairClass[s &* classCount &+ d])
        // The service key: responder port, or for ICMP/ICMPv6 type<<8 | code.
        let key = (proto == 1 || proto == 58) ? (srcPort & 0xFF) << 8 | (dstPort & 0xFF) : dstPort
        let svc = Int(protoClass[Int(proto)]) &* keyClassCount &+ Int(keyClass[Int(key)])
        let chunk = Int(rowChunks[Int(rowStart[pair]) &+ (svc >> CompiledPolicy.chunkShift)])
        let cell = cells[(chunk << CompiledPolicy.chunkShift) | (svc & (CompiledPolicy.chunkSize - 1))]
        return Decision(verdict: Verdict(rawValue: UInt8(truncatingIfNeeded: cell & 7)) ?? .unknownZone,
                        rule: Int32(bitPattern: cell >> 3) &- 1,
                        srcZone: classZone[s], dstZone: classZone[d], srcHost: classHost[s], dstHost: classHost[d])
    }

    /// Index into `policy.zones` of the zone an address belongs to (longest prefix), or -1.
    public func zoneIndex(of a: IPAddress) -> Int32 { classZone[Int(addresses.classOf(a))] }

    /// Index into `policy.hosts` of the most specific host group containing the address, or -1.
    public func hostIndex(of a: IPAddress) -> Int32 { classHost[Int(addresses.classOf(a))] }

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
