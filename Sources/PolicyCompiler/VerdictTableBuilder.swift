// Builds the compiled policy's tables: endpoint and service equivalence classes, and one verdict row per distinct
// (source class, destination class) behaviour, painted rule by rule in policy order (first match wins). Also finds
// rules that can never decide a flow.
import Policy
import Wire

/// Where a protocol's cells start in a verdict row, and which key table (if any) splits them by port or ICMP type/code.
@usableFromInline @frozen
struct ProtocolSlot: Sendable {
    /// First cell of this protocol's part of every verdict row.
    @usableFromInline var rowOffset: UInt32
    /// Start of this protocol's 65536-entry table in `keyTable` (0 for protocols without key classes).
    @usableFromInline var keyBase: UInt32
    /// 0xFFFF when the key matters, 0 when the protocol has one key class (then `keyTable[0]`, which is 0, is read).
    @usableFromInline var keyMask: UInt16
    @usableFromInline init(rowOffset: UInt32, keyBase: UInt32, keyMask: UInt16) {
        self.rowOffset = rowOffset; self.keyBase = keyBase; self.keyMask = keyMask
    }
}

struct VerdictTableBuilder {
    let policy: Policy
    let addresses: AddressClasses
    let memoryLimitCells: Int

    // Outputs.
    /// pairRow[src * classCount + dst]: start in `rowChunks` of the pair's verdict row.
    var pairRow: [UInt32] = []
    var protocolSlots: [ProtocolSlot] = []
    var protoClassCount = 0
    /// Per keyed protocol class, 65536 entries: service key → key class within that protocol.
    var keyTable: [UInt16] = [0]
    /// Cells per verdict row: the key classes of every protocol class, side by side.
    var rowWidth = 0
    /// Verdict cells, in chunks of `chunkSize`; a row is a list of chunk numbers in `rowChunks`.
    var cells: [UInt32] = []
    var rowChunks: [UInt32] = []
    var pairClasses = 0
    var distinctRows = 0

    // Reachability: did rule r decide at least one cell; can it meet any pair of addresses at all.
    var decided: [Bool] = []
    var appearsInSomePair: [Bool] = []
    /// For each rule, a (source class, destination class, cell) it matches; where an undecided rule's example blocker is.
    var witness: [(src: Int32, dst: Int32, cell: Int32)] = []

    init(policy: Policy, addresses: AddressClasses, memoryLimitCells: Int) {
        self.policy = policy; self.addresses = addresses; self.memoryLimitCells = memoryLimitCells
    }

    static func packed(_ verdict: Verdict, rule: Int) -> UInt32 { UInt32(rule + 1) << 3 | UInt32(verdict.rawValue) }

    /// How long each build step took (milliseconds), for `segcheck compile` and the benchmark.
    var phases: [(step: String, milliseconds: Double)] = []

    mutating func build() throws(PolicyError) {
        let clock = ContinuousClock()
        var mark = clock.now
        func phase(_ name: String) {
            let now = clock.now
            phases.append((name, CompiledPolicy.seconds(now - mark) * 1000))
            mark = now
        }
        let rules = policy.flows
        let classes = addresses.classes
        let classCount = classes.count

        // 1. Endpoints: each distinct from/to value once, and which address classes it matches.
        var zoneIndex: [String: Int32] = [:]
        for (i, z) in policy.zones.enumerated() { zoneIndex[z.name] = Int32(i) }
        var hostIndex: [String: Int32] = [:]
        for (i, h) in policy.hosts.enumerated() { hostIndex[h.name] = Int32(i) }
        let zoneTiers = policy.zones.map(\.tier)
        var endpointID: [String: Int] = [:]
        var endpoints: [Endpoint] = []
        func endpoint(_ name: String) -> Int {
            if let id = endpointID[name] { return id }
            endpointID[name] = endpoints.count
            endpoints.append(Endpoint(name, policy: policy, zoneIndex: zoneIndex, hostIndex: hostIndex))
            return endpoints.count - 1
        }
        let ruleFrom = rules.map { endpoint($0.from) }
        let ruleTo = rules.map { endpoint($0.to) }
        let usedAsFrom = Set(ruleFrom), usedAsTo = Set(ruleTo)
        // For each class, the endpoints (as used in `from` / in `to`) it matches, in increasing id order, split into
        // zone-level endpoints (any, zone, tier: the same for every class of a zone) and host-group endpoints.
        var zoneFrom = Array(repeating: [Int](), count: classCount), hostFrom = zoneFrom
        var zoneTo = zoneFrom, hostTo = zoneFrom
        var firstFromClass = [Int32](repeating: -1, count: endpoints.count), firstToClass = firstFromClass
        for (e, ep) in endpoints.enumerated() {
            var isHost = false
            if case .host = ep { isHost = true }
            for c in 0..<classCount where ep.matches(classes[c], zoneTiers: zoneTiers) {
                if usedAsFrom.contains(e) {
                    if isHost { hostFrom[c].append(e) } else { zoneFrom[c].append(e) }
                    if firstFromClass[e] < 0 { firstFromClass[e] = Int32(c) }
                }
                if usedAsTo.contains(e) {
                    if isHost { hostTo[c].append(e) } else { zoneTo[c].append(e) }
                    if firstToClass[e] < 0 { firstToClass[e] = Int32(c) }
                }
            }
        }
        appearsInSomePair = rules.indices.map { firstFromClass[ruleFrom[$0]] >= 0 && firstToClass[ruleTo[$0]] >= 0 }

        phase("endpoints")
        // 2. Rules grouped by their (from, to) endpoint pair, in policy order.
        var groupRules: [Int: [Int32]] = [:]
        for r in rules.indices { groupRules[ruleFrom[r] * endpoints.count + ruleTo[r], default: []].append(Int32(r)) }

        // 3. Kinds: classes that match the same endpoints behave the same. The zone-level part of a kind picks its base
        //    row; the host-group part adds a few rules on top.
        func kinds(_ lists: [[Int]]) -> (of: [Int], members: [[Int]]) {
            var id: [[Int]: Int] = [:]
            var of = [Int](repeating: 0, count: lists.count)
            var members: [[Int]] = []
            for (c, l) in lists.enumerated() {
                if let k = id[l] { of[c] = k } else { id[l] = members.count; of[c] = members.count; members.append(l) }
            }
            return (of, members)
        }
        let srcBase = kinds(zoneFrom), dstBase = kinds(zoneTo)
        let srcHosts = kinds(hostFrom), dstHosts = kinds(hostTo)

        phase("kinds")
        // 4. Service classes. Protocols are grouped by which kinds of rule can apply to them.
        struct RuleKind: Hashable { var proto: Int16; var hasPorts: Bool; var hasICMP: Bool }
        let ruleKind = rules.map { RuleKind(proto: $0.proto.map(Int16.init) ?? -1, hasPorts: !$0.ports.isEmpty, hasICMP: $0.icmpType != nil) }
        let distinctKinds = Array(Set(ruleKind))
        var protoSignature: [[Bool]: Int] = [:]
        var representative: [UInt8] = []
        var protoClassOf = [Int](repeating: 0, count: 256)
        for p in 0..<256 {
            let probe = { (k: RuleKind) -> Bool in
                var r = FlowRule(id: "", from: "", to: "", action: .allow, location: SourceLocation(file: "", line: 0, column: 0))
                r.proto = k.proto < 0 ? nil : UInt8(k.proto)
                if k.hasPorts { r.ports = [.all] }
                if k.hasICMP { r.icmpType = 0 }
                return ServiceMatch.ruleApplies(r, toProtocol: UInt8(p))
            }
            let sig = distinctKinds.map(probe) + [ServiceMatch.portProtocols.contains(UInt8(p)), ServiceMatch.isICMP(UInt8(p))]
            if let c = protoSignature[sig] { protoClassOf[p] = c } else {
                protoSignature[sig] = representative.count
                protoClassOf[p] = representative.count
                representative.append(UInt8(p))
            }
        }
        protoClassCount = representative.count
        // Key classes per protocol class: cut its 16-bit key space at every port range / ICMP type-code boundary of the
        // rules that apply to it. A protocol class no rule splits has one key class and no table.
        var classOffset = [Int](repeating: 0, count: representative.count)
        var classKeyBase = [Int](repeating: 0, count: representative.count)
        var classKeyed = [Bool](repeating: false, count: representative.count)
        keyTable = [0]
        rowWidth = 0
        for (pc, p) in representative.enumerated() {
            var cut = [Bool](repeating: false, count: 65537)
            var any = false
            for r in rules where ServiceMatch.ruleApplies(r, toProtocol: p) {
                for range in ServiceMatch.keyRanges(r, proto: p) ?? [] {
                    cut[Int(range.lowerBound)] = true; cut[Int(range.upperBound) + 1] = true; any = true
                }
            }
            classOffset[pc] = rowWidth
            guard any else { rowWidth += 1; continue }
            classKeyed[pc] = true
            classKeyBase[pc] = keyTable.count
            var k = -1
            keyTable.reserveCapacity(keyTable.count + 65536)
            for key in 0..<65536 {
                if key == 0 || cut[key] { k += 1 }
                keyTable.append(UInt16(k))
            }
            rowWidth += k + 1
        }
        protocolSlots = (0..<256).map { p in
            let pc = protoClassOf[p]
            return ProtocolSlot(rowOffset: UInt32(classOffset[pc]), keyBase: UInt32(classKeyBase[pc]), keyMask: classKeyed[pc] ? 0xFFFF : 0)
        }
        func keyClass(_ pc: Int, _ key: UInt16) -> Int { classKeyed[pc] ? Int(keyTable[classKeyBase[pc] + Int(key)]) : 0 }

        // Each rule's cell spans (absolute indices in a row), flattened.
        var spanFirst = [Int](repeating: 0, count: rules.count + 1)
        var spanLo: [Int32] = [], spanHi: [Int32] = []
        for (r, rule) in rules.enumerated() {
            spanFirst[r] = spanLo.count
            for (pc, p) in representative.enumerated() where ServiceMatch.ruleApplies(rule, toProtocol: p) {
                if let ranges = ServiceMatch.keyRanges(rule, proto: p) {
                    for range in ranges {
                        spanLo.append(Int32(classOffset[pc] + keyClass(pc, range.lowerBound)))
                        spanHi.append(Int32(classOffset[pc] + keyClass(pc, range.upperBound)))
                    }
                } else {
                    let width = classKeyed[pc] ? keyClass(pc, 0xFFFF) + 1 : 1
                    spanLo.append(Int32(classOffset[pc])); spanHi.append(Int32(classOffset[pc] + width - 1))
                }
            }
        }
        spanFirst[rules.count] = spanLo.count
        witness = rules.indices.map { r in
            (firstFromClass[ruleFrom[r]], firstToClass[ruleTo[r]], spanFirst[r] < spanFirst[r + 1] ? spanLo[spanFirst[r]] : -1)
        }

        phase("service classes")
        // 5. Pair classes: the distinct (source kind, destination kind, same zone) combinations of zoned classes.
        let srcKindCount = srcBase.members.count * srcHosts.members.count
        let dstKindCount = dstBase.members.count * dstHosts.members.count
        var comboID: [Int: Int32] = [:]
        var combos: [(base: Int, srcHosts: Int, dstHosts: Int, sameZone: Bool)] = []
        var pairCombo = [Int32](repeating: -1, count: classCount * classCount)
        for a in 0..<classCount where classes[a].zone >= 0 {
            let sk = srcBase.of[a] * srcHosts.members.count + srcHosts.of[a]
            for b in 0..<classCount where classes[b].zone >= 0 {
                let dk = dstBase.of[b] * dstHosts.members.count + dstHosts.of[b]
                let same = classes[a].zone == classes[b].zone
                let key = (sk * dstKindCount + dk) << 1 | (same ? 1 : 0)
                if let known = comboID[key] { pairCombo[a * classCount + b] = known; continue }
                let id = Int32(combos.count)
                comboID[key] = id
                combos.append((srcBase.of[a] * dstBase.members.count + dstBase.of[b], srcHosts.of[a], dstHosts.of[b], same))
                pairCombo[a * classCount + b] = id
            }
        }
        comboID = [:]
        _ = srcKindCount
        pairClasses = combos.count + 1

        phase("pair classes")
        // 6. Verdict rows. A pair's row is, per cell, the first (lowest-numbered) matching rule among its candidates. The
        //    candidates are the base rules (zone-level endpoints at both ends, the same for every pair of the two zones'
        //    kinds) plus the few rules that name a host group at either end; so each base row is painted once, in policy
        //    order with skip pointers, and each pair's row is that base row with its host-group rules laid over it
        //    (keeping the lower rule number per cell). Rows are stored as chunks of 64 cells; equal chunks and equal rows
        //    are stored once (hash-consed).
        let chunksPerRow = (rowWidth + Self.chunkSize - 1) / Self.chunkSize
        let paddedWidth = chunksPerRow * Self.chunkSize
        let none = Int32.max
        let baseRow = UnsafeMutableBufferPointer<Int32>.allocate(capacity: paddedWidth)
        let work = UnsafeMutableBufferPointer<Int32>.allocate(capacity: paddedWidth)
        let row = UnsafeMutableBufferPointer<UInt32>.allocate(capacity: paddedWidth)
        let next = UnsafeMutableBufferPointer<Int32>.allocate(capacity: rowWidth + 1)
        defer { baseRow.deallocate(); work.deallocate(); row.deallocate(); next.deallocate() }
        // Each rule's cell value.
        let ruleValue: [UInt32] = rules.indices.map { r in
            let verdict: Verdict = switch rules[r].action { case .allow: .allowed; case .deny: .denied; case .alert: .alert }
            return Self.packed(verdict, rule: r)
        }
        /// The candidate rules of endpoint lists `from` × `to` (unsorted).
        func candidates(_ from: [Int], _ to: [Int], into list: inout [Int32]) {
            for f in from { for t in to { if let g = groupRules[f * endpoints.count + t] { list += g } } }
        }
        var chunkByHash: [UInt64: UInt32] = [:]     // first chunk with this hash; more in `sameHash`
        var sameHash: [UInt32] = []                 // per chunk: next chunk with the same hash, or UInt32.max
        var rowByHash: [UInt64: [UInt32]] = [:]
        var refs = [UInt32](repeating: 0, count: chunksPerRow)
        var comboRow = [UInt32](repeating: 0, count: combos.count)
        // Pairs with an end in no zone: a row of `unknownZone`.
        func storeRow() throws(PolicyError) -> UInt32 {
            for c in 0..<chunksPerRow {
                let base = c * Self.chunkSize
                var h: UInt64 = 0x243F_6A88_85A3_08D3
                for i in base..<(base + Self.chunkSize) { h = (h ^ UInt64(row[i])) &* 0x100_0000_01B3; h ^= h >> 29 }
                var found = chunkByHash[h] ?? UInt32.max
                while found != UInt32.max {
                    let at = Int(found) * Self.chunkSize
                    var equal = true
                    for i in 0..<Self.chunkSize where cells[at + i] != row[base + i] { equal = false; break }
                    if equal { break }
                    found = sameHash[Int(found)]
                }
                if found == UInt32.max {
                    guard cells.count + Self.chunkSize <= memoryLimitCells else {
                        throw PolicyError(SourceLocation(file: policy.sources.first ?? policy.name, line: 1, column: 1),
                                          "policy too large to compile: more than \(memoryLimitCells) verdict cells (\(combos.count) pair classes × \(rowWidth) service classes)")
                    }
                    found = UInt32(cells.count / Self.chunkSize)
                    cells.append(contentsOf: row[base..<(base + Self.chunkSize)])
                    sameHash.append(chunkByHash[h] ?? UInt32.max)
                    chunkByHash[h] = found
                }
                refs[c] = found
            }
            var rh: UInt64 = 0x1357_9BDF_2468_ACE0
            for r in refs { rh = (rh ^ UInt64(r)) &* 0x100_0000_01B3; rh ^= rh >> 31 }
            for s in rowByHash[rh] ?? [] {
                var equal = true
                for c in 0..<chunksPerRow where rowChunks[Int(s) + c] != refs[c] { equal = false; break }
                if equal { return s }
            }
            let start = UInt32(rowChunks.count)
            rowChunks += refs
            rowByHash[rh, default: []].append(start)
            distinctRows += 1
            return start
        }
        row.update(repeating: Self.packed(.unknownZone, rule: -1))
        let unknownRow = try storeRow()

        // Combos grouped by base row, so each base row is painted once and kept only while its pairs are built.
        let order = combos.indices.sorted { combos[$0].base < combos[$1].base }
        var list: [Int32] = []
        var paintedBase = -1
        for ci in order {
            let combo = combos[ci]
            if combo.base != paintedBase {
                paintedBase = combo.base
                let sb = combo.base / dstBase.members.count, db = combo.base % dstBase.members.count
                list.removeAll(keepingCapacity: true)
                candidates(srcBase.members[sb], dstBase.members[db], into: &list)
                list.sort()
                baseRow.update(repeating: none)
                if !list.isEmpty {
                    for i in 0...rowWidth { next[i] = Int32(i) }
                    for r in list {
                        for k in spanFirst[Int(r)]..<spanFirst[Int(r) + 1] {
                            var i = Self.find(next, Int(spanLo[k]))
                            let hi = Int(spanHi[k])
                            while i <= hi {
                                baseRow[i] = r
                                next[i] = Int32(i + 1)
                                i = Self.find(next, i + 1)
                            }
                        }
                    }
                }
            }
            // Host-group rules of this pair: host endpoints at either end against the other end's endpoints.
            let sb = combo.base / dstBase.members.count, db = combo.base % dstBase.members.count
            let hf = srcHosts.members[combo.srcHosts], ht = dstHosts.members[combo.dstHosts]
            list.removeAll(keepingCapacity: true)
            if !hf.isEmpty || !ht.isEmpty {
                candidates(hf, dstBase.members[db], into: &list)
                candidates(srcBase.members[sb], ht, into: &list)
                candidates(hf, ht, into: &list)
            }
            var source = baseRow
            if !list.isEmpty {
                _ = work.update(fromContentsOf: baseRow)
                for r in list {
                    for k in spanFirst[Int(r)]..<spanFirst[Int(r) + 1] {
                        for i in Int(spanLo[k])...Int(spanHi[k]) where r < work[i] { work[i] = r }
                    }
                }
                source = work
            }
            let fill = Self.packed(combo.sameZone ? .intraZone : .defaultDeny, rule: -1)
            for i in 0..<paddedWidth {
                let r = source[i]
                row[i] = r == none ? fill : ruleValue[Int(r)]
            }
            comboRow[ci] = try storeRow()
        }
        pairRow = pairCombo.map { $0 < 0 ? unknownRow : comboRow[Int($0)] }

        // A rule decided something if some stored cell names it.
        decided = Array(repeating: false, count: rules.count)
        for cell in cells where cell >> 3 != 0 { decided[Int(cell >> 3) - 1] = true }
        phase("verdict rows")
    }

    static let chunkShift = CompiledPolicy.chunkShift
    static let chunkSize = CompiledPolicy.chunkSize

    /// First unpainted cell at or after i (skip pointers with path compression).
    @inline(__always)
    static func find(_ next: UnsafeMutableBufferPointer<Int32>, _ i: Int) -> Int {
        var root = i
        while Int(next[root]) != root { root = Int(next[root]) }
        var j = i
        while Int(next[j]) != root { let n = Int(next[j]); next[j] = Int32(root); j = n }
        return root
    }

    /// The rule deciding the cell where rule `r` first matches, for the pair of classes it was first seen with: for an
    /// undecided rule that is an earlier rule covering it.
    func blocker(of r: Int, classCount: Int) -> Int {
        let w = witness[r]
        guard w.src >= 0, w.dst >= 0, w.cell >= 0 else { return -1 }
        let start = Int(pairRow[Int(w.src) * classCount + Int(w.dst)])
        let chunk = Int(rowChunks[start + Int(w.cell) >> Self.chunkShift])
        let cell = cells[chunk << Self.chunkShift | Int(w.cell) & (Self.chunkSize - 1)]
        return Int(cell >> 3) - 1
    }

    /// A rule of the policy's own that never decides any flow is an error (inherited preset rules may be overridden).
    func checkReachability() throws(PolicyError) {
        for (r, rule) in policy.flows.enumerated() where rule.inheritedFrom == nil && !decided[r] {
            if !appearsInSomePair[r] {
                throw PolicyError(rule.location, "rule '\(rule.id)' can never match: no address belongs to both '\(rule.from)' as initiator and '\(rule.to)' as responder")
            }
            let b = blocker(of: r, classCount: addresses.classes.count)
            if b >= 0 && b < r {
                let rb = policy.flows[b]
                throw PolicyError(rule.location, "rule '\(rule.id)' is unreachable: every flow it matches is already decided by earlier rules (for example '\(rb.id)' at \(rb.location))")
            }
            throw PolicyError(rule.location, "rule '\(rule.id)' is unreachable: every flow it matches is already decided by earlier rules")
        }
    }

    /// Inherited rules that never decide a flow (overridden by the policy's own rules): reported, not errors.
    var unreachableInherited: [Int] {
        policy.flows.indices.filter { policy.flows[$0].inheritedFrom != nil && !decided[$0] }
    }
}
