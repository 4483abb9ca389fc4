// FlowsTests: draining a table at shutdown (`oldest` + `drainOne`, then `removeAll`) ends flows in the same order as
// removing them one by one; `forEachFlow` visits exactly the open flows; `prefetchEntry` only ever names a live slot.
import Testing
import Wire
@testable import Flows

@Suite struct FlowTableDrainTests {
    /// Two identical tables with `n` flows inserted and touched at seeded times, some removed.
    static func tables(_ n: Int, seed: UInt64) -> (FlowTable, FlowTable, [FlowKey: Int32]) {
        let a = FlowTable(capacity: n), b = FlowTable(capacity: n)
        var live: [FlowKey: Int32] = [:]
        var state = seed
        func next() -> UInt64 { state = state &* 6364136223846793005 &+ 1442695040888963407; return state >> 17 }
        for i in 0..<n {
            let src = IPAddress(v4: UInt32(0x0A00_0000) | UInt32(i))
            let (key, _) = FlowKey.canonical(src: src, dst: IPAddress(v4: 0x0A01_0001), srcPort: UInt16(1024 + i % 5000),
                                             dstPort: 443, proto: [6, 17][Int(next() % 2)])
            let t = Int64(next() % 600) * 1_000_000_000
            let sa = a.insert(key, hash: key.hash64, now: t, initiatorIsA: true, method: .firstPacket)
            let sb = b.insert(key, hash: key.hash64, now: t, initiatorIsA: true, method: .firstPacket)
            #expect(sa == sb)
            for _ in 0..<Int(next() % 3) {
                let later = t + Int64(next() % 900) * 1_000_000_000
                let toA = next() % 2 == 0
                a.update(sa, now: later, senderIsA: toA, bytes: 60, tcpFlags: 0x10)
                b.update(sb, now: later, senderIsA: toA, bytes: 60, tcpFlags: 0x10)
            }
            live[key] = sa
        }
        for (key, slot) in live where next() % 7 == 0 { a.remove(slot); b.remove(slot); live[key] = nil }
        return (a, b, live)
    }

    @Test(arguments: [1, 2, 50, 3000])
    func drainingEndsFlowsInTheOrderRemovingDoes(_ n: Int) {
        let (a, b, live) = Self.tables(n, seed: UInt64(n) * 7919)
        var visited: [Int32] = []
        a.forEachFlow { visited.append($0) }
        #expect(Set(visited) == Set(live.values) && visited.count == live.count)
        var drained: [Int32] = [], removed: [Int32] = []
        while true { let s = a.oldest(); if s < 0 { break }; drained.append(s); a.drainOne(s) }
        while true { let s = b.oldest(); if s < 0 { break }; removed.append(s); b.remove(s) }
        #expect(drained == removed && drained.count == live.count)
        #expect(a.count == 0)
        a.removeAll()
        #expect(a.count == 0 && a.oldest() < 0)
        for key in live.keys { #expect(a.lookup(key, hash: key.hash64) < 0) }
        // Usable again after removeAll.
        for (i, key) in live.keys.enumerated() {
            let s = a.insert(key, hash: key.hash64, now: 5, initiatorIsA: false, method: .handshake)
            #expect(s == Int32(i))
            #expect(a.lookup(key, hash: key.hash64) == s)
        }
        #expect(a.count == live.count)
    }

    @Test func prefetchEntryNamesOnlyLiveSlotsAndUsuallyTheRightOne() {
        let (a, _, live) = Self.tables(3000, seed: 42)
        var right = 0
        for (key, slot) in live {
            let s = a.prefetchEntry(hash: key.hash64)
            #expect(s == -1 || live.values.contains(s))
            if s == slot { right += 1 }
        }
        #expect(right > live.count / 2)    // the first probe holds most keys at load ≤ 1/2
        #expect(a.prefetchEntry(hash: 0xDEAD_BEEF_0000_0001) == -1 || live.values.contains(a.prefetchEntry(hash: 0xDEAD_BEEF_0000_0001)))
    }
}
