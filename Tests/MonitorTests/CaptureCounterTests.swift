// MonitorTests: 32-bit wrapping pcap_stats counters become correct 64-bit totals; fanout option encoding.
import Testing
@testable import Capture

@Suite struct CaptureCounterTests {
    @Test func countsUpWithoutWrap() {
        var c = WrappingCounter32()
        c.update(10); c.update(250); c.update(250)
        #expect(c.total == 250)
    }

    @Test func wrapAt32BitsKeepsRunningTotal() {
        var c = WrappingCounter32()
        c.update(UInt32.max - 5)          // 4294967290 so far
        c.update(10)                      // wrapped: +16
        #expect(c.total == UInt64(UInt32.max) - 5 + 16)
        c.update(UInt32.max)              // +(2^32 - 1 - 10)
        c.update(0)                       // +1
        #expect(c.total == UInt64(UInt32.max) * 2 + 2)
    }

    @Test func manyWrapsAccumulateBeyond32Bits() {
        var c = WrappingCounter32()
        var reading: UInt32 = 0
        var expected: UInt64 = 0
        // 3 billion packets between each reading, 10 readings: 30 billion in all, far beyond 2^32.
        for _ in 0..<10 {
            reading = reading &+ 3_000_000_000
            expected += 3_000_000_000
            c.update(reading)
        }
        #expect(c.total == expected)
        #expect(c.total > UInt64(UInt32.max) * 6)
    }

    @Test func totalsTrackEachCounterSeparately() {
        var t = CaptureCounterTotals()
        t.update(RawCaptureStats(received: 4_000_000_000, dropped: 7, interfaceDropped: 0))
        t.update(RawCaptureStats(received: 100, dropped: 9, interfaceDropped: 1))
        #expect(t.received.total == 4_294_967_396)
        #expect(t.dropped.total == 9)
        #expect(t.interfaceDropped.total == 1)
    }

    @Test func fanoutOptionValue() {
        let f = FanoutSettings(groupID: 0x1234)
        // PACKET_FANOUT_HASH (0) | PACKET_FANOUT_FLAG_DEFRAG (0x8000) in the high 16 bits, group id in the low 16.
        #expect(f.socketOptionValue == 0x8000_1234)
        #expect(FanoutSettings(groupID: 7, defragment: false).socketOptionValue == 7)
        #expect(FanoutSettings.groupID(forInterfaceIndex: 2, processID: 100) != FanoutSettings.groupID(forInterfaceIndex: 3, processID: 100))
    }
}
