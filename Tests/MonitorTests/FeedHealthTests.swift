// MonitorTests: dead-feed detection reports silence as its own event and recovery once.
import Testing
@testable import Monitor

@Suite struct FeedHealthTests {
    @Test func silenceBecomesDeadOnceThenAliveAgain() {
        var f = FeedHealth(deadAfter: 10, now: 0)
        #expect(f.observe(count: 5, now: 1) == .none)
        #expect(f.observe(count: 5, now: 10.5) == .none)
        #expect(f.observe(count: 5, now: 11) == .becameDead(silentSeconds: 10))
        #expect(f.isDead)
        #expect(f.observe(count: 5, now: 30) == .none)        // reported once, not every tick
        #expect(f.observe(count: 6, now: 31) == .becameAlive(deadSeconds: 30))
        #expect(!f.isDead)
    }

    @Test func neverAnyPacketIsDeadToo() {
        var f = FeedHealth(deadAfter: 2, now: 100)
        #expect(f.observe(count: 0, now: 101) == .none)
        #expect(f.observe(count: 0, now: 102) == .becameDead(silentSeconds: 2))
    }

    @Test func zeroDisables() {
        var f = FeedHealth(deadAfter: 0, now: 0)
        #expect(f.observe(count: 0, now: 1_000_000) == .none)
        #expect(!f.isDead)
    }
}
