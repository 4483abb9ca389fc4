// WireTests: fragment tracking: first fragment last, overlaps, tiny fragments, limits, eviction and timeouts.
import Testing
@testable import Wire

/// An IPv4 fragment of a TCP datagram from 10.0.0.1:1234 to 10.0.0.2:22, `payload` bytes at `offset` (8-byte units).
func tcpFragment(id: UInt16 = 7, offset: UInt16, payload: Int, more: Bool, src: String = "10.0.0.1") -> DecodedPacket {
    var f = FrameBuilder()
    f.ethernet(EtherType.ipv4)
    f.ipv4(src, "10.0.0.2", proto: 6, payload: payload, id: id, more: more, offset: offset)
    if offset == 0 {
        f.tcp(1234, 22)
        f.raw([UInt8](repeating: 0x41, count: max(0, payload - 20)))
        if payload < 20 { f.bytes.removeLast(20 - payload) }
    } else {
        f.raw([UInt8](repeating: 0x42, count: payload))
    }
    return decode(f.bytes)
}

@Suite struct DefragmenterTests {
    @Test func firstFragmentArrivingLastClassifiesTheHeldOnes() {
        var d = Defragmenter()
        let a = d.feed(tcpFragment(offset: 100, payload: 200, more: false), timestampNanoseconds: 1)
        #expect(a.status == .needMore && a.tuple.dstPort == 0 && a.event == .none)
        let b = d.feed(tcpFragment(offset: 50, payload: 400, more: true), timestampNanoseconds: 2)
        #expect(b.status == .needMore)
        let c = d.feed(tcpFragment(offset: 0, payload: 400, more: true), timestampNanoseconds: 3)
        #expect(c.status == .classified && c.event == .none)
        #expect(c.tuple == FlowTuple(src: ip("10.0.0.1"), dst: ip("10.0.0.2"), srcPort: 1234, dstPort: 22, proto: 6))
        #expect(c.heldPackets == 2 && c.heldBytes == UInt64(14 + 20 + 200) + UInt64(14 + 20 + 400))
        #expect(c.complete)
        #expect(d.counters.datagramsCompleted == 1 && d.counters.fragments == 3)
        // A late duplicate of a fragment already seen is neither an overlap nor a new datagram.
        let dup = d.feed(tcpFragment(offset: 50, payload: 400, more: true), timestampNanoseconds: 4)
        #expect(dup.status == .classified && dup.event == .none && dup.heldPackets == 0)
    }

    @Test func inOrderFragmentsAreClassifiedImmediately() {
        var d = Defragmenter()
        let a = d.feed(tcpFragment(offset: 0, payload: 64, more: true), timestampNanoseconds: 1)
        #expect(a.status == .classified && a.tuple.dstPort == 22 && !a.complete)
        let b = d.feed(tcpFragment(offset: 8, payload: 10, more: false), timestampNanoseconds: 2)
        #expect(b.status == .classified && b.tuple.srcPort == 1234 && b.complete)
        // A different identification is another datagram.
        let c = d.feed(tcpFragment(id: 8, offset: 8, payload: 10, more: false), timestampNanoseconds: 3)
        #expect(c.status == .needMore)
        #expect(d.activeDatagrams == 2)
    }

    @Test func overlapIsReportedOncePerDatagram() {
        var d = Defragmenter()
        _ = d.feed(tcpFragment(offset: 0, payload: 64, more: true), timestampNanoseconds: 1)
        // Starts at byte 56, inside the first fragment's 0..<64: the classic overwrite of data already sent.
        let o = d.feed(tcpFragment(offset: 7, payload: 64, more: true), timestampNanoseconds: 2)
        #expect(o.event == .fragmentOverlap && o.status == .classified)
        let o2 = d.feed(tcpFragment(offset: 6, payload: 64, more: false), timestampNanoseconds: 3)
        #expect(o2.event == .none)
        #expect(d.counters.overlaps == 1)
    }

    @Test func tinyFragmentsAreEvasion() {
        var d = Defragmenter()
        // The tiny-fragment attack (RFC 1858): 8 bytes of TCP in the first fragment, the flags in the next one.
        let t = d.feed(tcpFragment(offset: 0, payload: 8, more: true), timestampNanoseconds: 1)
        #expect(t.event == .fragmentTooSmall)
        #expect(t.status == .classified && t.tuple.dstPort == 22)   // the ports are in those 8 bytes
        // A middle fragment of 16 bytes from another sender.
        var e = Defragmenter()
        let m = e.feed(tcpFragment(offset: 10, payload: 16, more: true, src: "10.0.0.9"), timestampNanoseconds: 1)
        #expect(m.event == .fragmentTooSmall)
        // The last fragment may be as short as it likes.
        var g = Defragmenter()
        #expect(g.feed(tcpFragment(offset: 10, payload: 4, more: false), timestampNanoseconds: 1).event == .none)
    }

    @Test func oversizedDatagramAndTooManyFragments() {
        var d = Defragmenter()
        let big = d.feed(tcpFragment(offset: 8189, payload: 64, more: false), timestampNanoseconds: 1)
        #expect(big.event == .fragmentTooLarge)
        var limits = DefragmenterLimits()
        limits.maxFragmentsPerDatagram = 4
        var e = Defragmenter(limits: limits)
        var events: [DecodeEvent] = []
        for i in 0..<6 { events.append(e.feed(tcpFragment(offset: UInt16(i * 8), payload: 64, more: true), timestampNanoseconds: 1).event) }
        #expect(events == [.none, .none, .none, .none, .fragmentTooMany, .none])
    }

    @Test func memoryIsBoundedAndEvictionCounted() {
        var limits = DefragmenterLimits()
        limits.maxDatagrams = 16
        var d = Defragmenter(limits: limits)
        for i in 0..<1000 {
            _ = d.feed(tcpFragment(id: UInt16(i), offset: 10, payload: 64, more: true), timestampNanoseconds: Int64(i))
            #expect(d.activeDatagrams <= 16)
        }
        #expect(d.counters.evictedIncomplete == 1000 - 16)
        #expect(d.counters.heldFragmentsNeverClassified == 1000 - 16)
    }

    @Test func timeoutsRunOnPacketTime() {
        var d = Defragmenter()
        _ = d.feed(tcpFragment(offset: 10, payload: 64, more: false), timestampNanoseconds: 0)
        d.expire(now: 29_000_000_000)
        #expect(d.activeDatagrams == 1)
        d.expire(now: 31_000_000_000)
        #expect(d.activeDatagrams == 0 && d.counters.timedOutIncomplete == 1 && d.counters.timedOutWithoutPorts == 1)
        // Lazily: the first fragment arriving after the timeout starts a new datagram rather than completing the old.
        _ = d.feed(tcpFragment(offset: 10, payload: 64, more: false), timestampNanoseconds: 100_000_000_000)
        let late = d.feed(tcpFragment(offset: 0, payload: 80, more: true), timestampNanoseconds: 140_000_000_000)
        #expect(late.heldPackets == 0 && late.status == .classified)
        #expect(d.counters.timedOutIncomplete == 2)
    }

    @Test func unfragmentedPacketsPassThrough() {
        var d = Defragmenter()
        var f = FrameBuilder()
        f.ethernet(EtherType.ipv4); f.ipv4("1.1.1.1", "2.2.2.2", proto: 17, payload: 8); f.udp(5, 6, payload: 0)
        let r = d.feed(decode(f.bytes), timestampNanoseconds: 0)
        #expect(r.status == .classified && r.tuple.srcPort == 5 && d.counters.fragments == 0)
    }
}
