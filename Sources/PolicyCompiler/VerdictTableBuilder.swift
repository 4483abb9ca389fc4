// Builds the compiled policy's tables: endpoint and service equivalence classes, pair classes, and the verdict rows
// painted rule by rule in policy order (first match wins). Also finds rules that can never decide a flow.
import Policy
import Wire

struct VerdictTableBuilder {
    let policy: Policy
    let addresses: AddressClasses
    let memoryLimitCells: Int

    // Outputs.
    var pairClassTable: [UInt32] = []
    var rowStart: [UInt32] = []
    var protoClassTable = [UInt8](repeating: 0, count: 256)
    var protoClassCount = 0
    var keyClassTable = [UInt16](repeating: 0, count: 65536)
    var keyClassCount = 0
    /// Verdict cells, in chunks of `chunkSize`; a row is a list of chunk numbers in `rowChunks`.
    var cells: [UInt32] = []
    var rowChunks: [UInt32] = []
    var rowWidthChunks = 0
    var distinctRows = 0

    // Reachability: did rule r decide at least one cell, and if not, which earlier rule covered its first cell.
    var decided: [Bool] = []
    var blocker: [Int32] = []
    var appearsInSomePair: [Bool] = []

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
        decided = Array(repeating: false, count: rules.count)
        blocker = Array(repeating: -1, count: rules.count)
        appearsInSomePair = Array(repeating: false, count: rules.count)

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
        // For each class, the endpoints (as used in `from` / in `to`) it matches, in increasing id order.
        var fromEndpoints = Array(repeating: [Int](), count: classCount)
        var toEndpoints = Array(repeating: [Int](), count: classCount)
        for (e, ep) in endpoints.enumerated() {
            for c in 0..<classCount where ep.matches(classes[c], zoneTiers: zoneTiers) {
                if usedAsFrom.contains(e) { fromEndpoints[c].append(e) }
                if usedAsTo.contains(e) { toEndpoints[c].append(e) }
            }
        }

        phase("endpoints")
        // 2. Rules grouped by their (from, to) endpoint pair, in policy order.
        var groupRules: [Int: [Int]] = [:]
        for r in rules.indices { groupRules[ruleFrom[r] * endpoints.count + ruleTo[r], default: []].append(r) }

        // 3. Source and destination kinds: classes that match the same endpoints behave the same.
        func kinds(_ lists: [[Int]]) -> (of: [Int], members: [[Int]]) {
            var id: [[Int]: Int] = [:]
            var of = [Int](repeating: 0, count: lists.count)
            var members: [[Int]] = []
            for (c, l) in lists.enumerated() {
                if let k = id[l] { of[c] = k } else { id[l] = members.count; of[c] = members.count; members.append(l) }
            }
            return (of, members)
        }
        let srcKinds = kinds(fromEndpoints), dstKinds = kinds(toEndpoints)

        // 4. Candidate rule lists per (source kind, destination kind), shared when equal.
        var candidateID: [[Int]: Int] = [:]
        var candidates: [[Int]] = []
        var candidateOfKinds = [Int](repeating: 0, count: srcKinds.members.count * dstKinds.members.count)
        for (sk, fromList) in srcKinds.members.enumerated() {
            for (dk, toList) in dstKinds.members.enumerated() {
                var groups: [Int] = []
                for f in fromList { for t in toList { let g = f * endpoints.count + t; if groupRules[g] != nil { groups.append(g) } } }
                groups.sort()
                let id: Int
                if let known = candidateID[groups] { id = known } else {
                    id = candidates.count
                    candidateID[groups] = id
                    var list: [Int] = []
                    for g in groups { list += groupRules[g]! }
                    list.sort()
                    candidates.append(list)
                }
                candidateOfKinds[sk * dstKinds.members.count + dk] = id
            }
        }

        phase("candidate lists")
        // 5. Pair classes: (candidate list, same zone or not); pair class 0 = an end in no zone.
        var pairID: [Int: UInt32] = [:]
        var pairs: [(candidate: Int, sameZone: Bool)] = [(-1, false)]
        pairClassTable = [UInt32](repeating: 0, count: classCount * classCount)
        for a in 0..<classCount where classes[a].zone >= 0 {
            for b in 0..<classCount where classes[b].zone >= 0 {
                let cand = candidateOfKinds[srcKinds.of[a] * dstKinds.members.count + dstKinds.of[b]]
                let same = classes[a].zone == classes[b].zone
                let key = cand << 1 | (same ? 1 : 0)
                if let p = pairID[key] { pairClassTable[a * classCount + b] = p; continue }
                let p = UInt32(pairs.count)
                pairID[key] = p
                pairs.append((cand, same))
                pairClassTable[a * classCount + b] = p
            }
        }

        phase("pair classes")
        // 6. Service classes. Protocols are grouped by which kinds of rule can apply to them.
        struct RuleKind: Hashable { var proto: Int16; var hasPorts: Bool; var hasICMP: Bool }
        let ruleKind = rules.map { RuleKind(proto: $0.proto.map(Int16.init) ?? -1, hasPorts: !$0.ports.isEmpty, hasICMP: $0.icmpType != nil) }
        let distinctKinds = Array(Set(ruleKind))
        var protoSignature: [[Bool]: Int] = [:]
        var representative: [UInt8] = []
        for p in 0..<256 {
            let probe = { (k: RuleKind) -> Bool in
                var r = FlowRule(id: "", from: "", to: "", action: .allow, location: SourceLocation(file: "", line: 0, column: 0))
                r.proto = k.proto < 0 ? nil : UInt8(k.proto)
                if k.hasPorts { r.ports = [.all] }
                if k.hasICMP { r.icmpType = 0 }
                return ServiceMatch.ruleApplies(r, toProtocol: UInt8(p))
            }
            let sig = distinctKinds.map(probe) + [ServiceMatch.portProtocols.contains(UInt8(p)), ServiceMatch.isICMP(UInt8(p))]
            if let c = protoSignature[sig] { protoClassTable[p] = UInt8(c) } else {
                protoSignature[sig] = representative.count
                protoClassTable[p] = UInt8(representative.count)
                representative.append(UInt8(p))
            }
        }
        protoClassCount = representative.count
        // Key classes: cut the 16-bit key space at every port range / ICMP type-code boundary of any rule.
        var cut = [Bool](repeating: false, count: 65537)
        for r in rules {
            for pr in r.ports { cut[Int(pr.lo)] = true; cut[Int(pr.hi) + 1] = true }
            if let t = r.icmpType {
                let base = Int(t) << 8
                if let c = r.icmpCode { cut[base | Int(c)] = true; cut[(base | Int(c)) + 1] = true } else { cut[base] = true; cut[base + 256] = true }
            }
        }
        var k = -1
        for key in 0..<65536 {
            if key == 0 || cut[key] { k += 1 }
            keyClassTable[key] = UInt16(k)
        }
        keyClassCount = k + 1

        // Per rule and protocol class: does it apply, and which key-class ranges does it cover.
        var ruleCells: [[(proto: Int, lo: Int, hi: Int)]] = []
        ruleCells.reserveCapacity(rules.count)
        for r in rules {
            var list: [(Int, Int, Int)] = []
            for (pc, p) in representative.enumerated() where ServiceMatch.ruleApplies(r, toProtocol: p) {
                if let ranges = ServiceMatch.keyRanges(r, proto: p) {
                    for range in ranges { list.append((pc, Int(keyClassTable[Int(range.lowerBound)]), Int(keyClassTable[Int(range.upperBound)]))) }
                } else {
                    list.append((pc, 0, keyClassCount - 1))
                }
            }
            ruleCells.append(list)
        }

        phase("service classes")
        // 7. Verdict rows: paint each pair class's row with its candidate rules in policy order (first match wins). A row
        //    is stored as chunks of 64 cells; equal chunks are stored once (hash-consed), so rows that differ from each
        //    other in a few cells (a host group's exceptions to its zone's rules) share everything else.
        let rowWidth = protoClassCount * keyClassCount
        let chunksPerRow = (rowWidth + Self.chunkSize - 1) / Self.chunkSize
        rowWidthChunks = chunksPerRow
        // Scratch space for painting, as raw buffers: this loop runs over every cell of every pair class.
        let row = UnsafeMutableBufferPointer<UInt32>.allocate(capacity: chunksPerRow * Self.chunkSize)
        let next = UnsafeMutableBufferPointer<Int32>.allocate(capacity: rowWidth + 1)
        let decidedFlag = UnsafeMutableBufferPointer<Bool>.allocate(capacity: max(1, rules.count))
        let blockedBy = UnsafeMutableBufferPointer<Int32>.allocate(capacity: max(1, rules.count))
        let appears = UnsafeMutableBufferPointer<Bool>.allocate(capacity: max(1, rules.count))
        decidedFlag.initialize(repeating: false); blockedBy.initialize(repeating: -1); appears.initialize(repeating: false)
        defer {
            decided = Array(decidedFlag.prefix(rules.count)); blocker = Array(blockedBy.prefix(rules.count))
            appearsInSomePair = Array(appears.prefix(rules.count))
            row.deallocate(); next.deallocate(); decidedFlag.deallocate(); blockedBy.deallocate(); appears.deallocate()
        }
        // Each rule's cell value and its cell spans (absolute indices in a row), flattened.
        let ruleValue: [UInt32] = rules.indices.map { r in
            let verdict: Verdict = switch rules[r].action { case .allow: .allowed; case .deny: .denied; case .alert: .alert }
            return Self.packed(verdict, rule: r)
        }
        var spanFirst = [Int](repeating: 0, count: rules.count + 1)
        var spanLo: [Int] = [], spanHi: [Int] = []
        for r in rules.indices {
            spanFirst[r] = spanLo.count
            for span in ruleCells[r] { spanLo.append(span.proto * keyClassCount + span.lo); spanHi.append(span.proto * keyClassCount + span.hi) }
        }
        spanFirst[rules.count] = spanLo.count
        var chunkByHash: [UInt64: UInt32] = [:]     // first chunk with this hash; more in `sameHash`
        var sameHash: [UInt32] = []                 // per chunk: next chunk with the same hash, or UInt32.max
        var rowByHash: [UInt64: [UInt32]] = [:]
        var refs = [UInt32](repeating: 0, count: chunksPerRow)
        rowStart = []
        rowStart.reserveCapacity(pairs.count)
        for (pi, pair) in pairs.enumerated() {
            let fill = pi == 0 ? Self.packed(.unknownZone, rule: -1) : Self.packed(pair.sameZone ? .intraZone : .defaultDeny, rule: -1)
            row.update(repeating: fill)
            let candidateRules = pi == 0 ? [] : candidates[pair.candidate]
            if !candidateRules.isEmpty {
                for i in 0...rowWidth { next[i] = Int32(i) }
                for r in candidateRules {
                    appears[r] = true
                    let value = ruleValue[r]
                    for k in spanFirst[r]..<spanFirst[r + 1] {
                        let lo = spanLo[k], hi = spanHi[k]
                        var i = Self.find(next, lo)
                        while i <= hi {
                            row[i] = value
                            decidedFlag[r] = true
                            next[i] = Int32(i + 1)
                            i = Self.find(next, i + 1)
                        }
                        if !decidedFlag[r] && blockedBy[r] < 0 { blockedBy[r] = Int32(bitPattern: row[lo] >> 3) - 1 }
                    }
                }
            }
            // Chunks: find or store each.
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
                                          "policy too large to compile: more than \(memoryLimitCells) verdict cells (\(pairs.count) pair classes × \(rowWidth) service classes)")
                    }
                    found = UInt32(cells.count / Self.chunkSize)
                    cells.append(contentsOf: row[base..<(base + Self.chunkSize)])
                    sameHash.append(chunkByHash[h] ?? UInt32.max)
                    chunkByHash[h] = found
                }
                refs[c] = found
            }
            // Rows: share identical chunk lists.
            var rh: UInt64 = 0x1357_9BDF_2468_ACE0
            for r in refs { rh = (rh ^ UInt64(r)) &* 0x100_0000_01B3; rh ^= rh >> 31 }
            var start: UInt32? = nil
            for s in rowByHash[rh] ?? [] {
                var equal = true
                for c in 0..<chunksPerRow where rowChunks[Int(s) + c] != refs[c] { equal = false; break }
                if equal { start = s; break }
            }
            if start == nil {
                start = UInt32(rowChunks.count)
                rowChunks += refs
                rowByHash[rh, default: []].append(start!)
                distinctRows += 1
            }
            rowStart.append(start!)
        }
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

    /// A rule of the policy's own that never decides any flow is an error (inherited preset rules may be overridden).
    func checkReachability() throws(PolicyError) {
        for (r, rule) in policy.flows.enumerated() where rule.inheritedFrom == nil && !decided[r] {
            if !appearsInSomePair[r] {
                throw PolicyError(rule.location, "rule '\(rule.id)' can never match: no address belongs to both '\(rule.from)' as initiator and '\(rule.to)' as responder")
            }
            if blocker[r] >= 0 {
                let b = policy.flows[Int(blocker[r])]
                throw PolicyError(rule.location, "rule '\(rule.id)' is unreachable: every flow it matches is already decided by earlier rules (for example '\(b.id)' at \(b.location))")
            }
            throw PolicyError(rule.location, "rule '\(rule.id)' is unreachable: every flow it matches is already decided by earlier rules")
        }
    }

    /// Inherited rules that never decide a flow (overridden by the policy's own rules): reported, not errors.
    var unreachableInherited: [Int] {
        policy.flows.indices.filter { policy.flows[$0].inheritedFrom != nil && !decided[$0] }
    }
}
