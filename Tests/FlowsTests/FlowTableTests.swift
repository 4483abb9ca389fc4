// FlowsTests: the flow table against a dictionary oracle, both directions on one entry, initiator rules, timeouts, eviction.
import Testing
import Wire
@testable import Flows

private func v4(_ s: String) -> IPAddress { IPAddress(s)! }

@Suite struct FlowTableTests {
    @Test func bothDirectionsShareOneCanonicalKey() {
        let (k1, aSent1) = FlowKey.canonical(src: v4("10.0.0.9"), dst: v4("10.0.0.1"), srcPort: 50000, dstPort: 80, proto: 6)
        let (k2, aSent2) = FlowKey.canonical(src: v4("10.0.0.1"), dst: v4("10.0.0.9"), srcPort: 80, dstPort: 50000, proto: 6)
        #expect(k1 == k2)
        #expect(k1.hash64 == k2.hash64)
        #expect(aSent1 == false && aSent2 == true)
        #expect(k1.a == v4("10.0.0.1") && k1.aPort == 80)
        // Same host talking to itself: the port breaks the tie.
        let (k3, _) = FlowKey.canonical(src: v4("10.0.0.1"), dst: v4("10.0.0.1"), srcPort: 5, dstPort: 4, proto: 17)
        let (k4, _) = FlowKey.canonical(src: v4("10.0.0.1"), dst: v4("10.0.0.1"), srcPort: 4, dstPort: 5, proto: 17)
        #expect(k3 == k4)
        // VLAN and tunnel layer separate flows.
        let (k5, _) = FlowKey.canonical(src: v4("10.0.0.9"), dst: v4("10.0.0.1"), srcPort: 50000, dstPort: 80, proto: 6, vlan0: 10)
        let (k6, _) = FlowKey.canonical(src: v4("10.0.0.9"), dst: v4("10.0.0.1"), srcPort: 50000, dstPort: 80, proto: 6, layer: 1)
        #expect(k5 != k1 && k6 != k1 && k5.hash64 != k1.hash64 && k6.hash64 != k1.hash64)
    }

    @Test func initiatorFromHandshakeFirstPacketAndPorts() {
        #expect(InitiatorRule.decide(proto: 6, tcpFlags: 0x02, srcPort: 40000, dstPort: 22, isReply: false) == (true, .handshake))
        #expect(InitiatorRule.decide(proto: 6, tcpFlags: 0x12, srcPort: 22, dstPort: 40000, isReply: false) == (false, .handshake))
        // Mid-stream: an ACK from the server port → the receiver is the client.
        #expect(InitiatorRule.decide(proto: 6, tcpFlags: 0x10, srcPort: 443, dstPort: 51000, isReply: false) == (false, .wellKnownPort))
        #expect(InitiatorRule.decide(proto: 6, tcpFlags: 0x18, srcPort: 51000, dstPort: 443, isReply: false) == (true, .wellKnownPort))
        #expect(InitiatorRule.decide(proto: 6, tcpFlags: 0x10, srcPort: 3306, dstPort: 50001, isReply: false) == (false, .wellKnownPort))
        #expect(InitiatorRule.decide(proto: 6, tcpFlags: 0x10, srcPort: 3000, dstPort: 4000, isReply: false) == (true, .firstPacket))
        #expect(InitiatorRule.decide(proto: 17, tcpFlags: 0, srcPort: 40000, dstPort: 53, isReply: false) == (true, .firstPacket))
        #expect(InitiatorRule.decide(proto: 17, tcpFlags: 0, srcPort: 53, dstPort: 40000, isReply: false) == (false, .wellKnownPort))
        #expect(InitiatorRule.decide(proto: 17, tcpFlags: 0, srcPort: 514, dstPort: 514, isReply: false) == (true, .firstPacket))
        let reply = ICMPPairing.normalize(proto: 1, type: 0)
        #expect(reply == (8, true))
        #expect(InitiatorRule.decide(proto: 1, tcpFlags: 0, srcPort: 0, dstPort: 0, isReply: reply.isReply) == (false, .icmpType))
        #expect(ICMPPairing.normalize(proto: 58, type: 129) == (128, true))
        #expect(ICMPPairing.normalize(proto: 1, type: 3) == (3, false))
    }

    @Test func countersGoToTheRightDirectionAndTcpStatesAdvance() {
        let t = FlowTable(capacity: 8)
        let (key, clientIsA) = FlowKey.canonical(src: v4("192.168.1.5"), dst: v4("10.1.1.1"), srcPort: 40000, dstPort: 445, proto: 6)
        let h = key.hash64
        let s = t.insert(key, hash: h, now: 1_000, initiatorIsA: clientIsA, method: .handshake)
        t.update(s, now: 1_000, senderIsA: clientIsA, bytes: 60, tcpFlags: 0x02)
        #expect(t.entries[Int(s)].state == .tcpNew)
        t.update(s, now: 2_000, senderIsA: !clientIsA, bytes: 60, tcpFlags: 0x12)
        #expect(t.entries[Int(s)].state == .tcpEstablished)
        t.update(s, now: 3_000, senderIsA: clientIsA, bytes: 100, tcpFlags: 0x11)
        #expect(t.entries[Int(s)].state == .tcpEstablished)
        t.update(s, now: 4_000, senderIsA: !clientIsA, bytes: 54, tcpFlags: 0x11)
        let e = t.entries[Int(s)]
        #expect(e.state == .tcpClosed)
        #expect(e.pktsToServer == 2 && e.pktsToClient == 2 && e.bytesToServer == 160 && e.bytesToClient == 114)
        #expect(e.start == 1_000 && e.last == 4_000)
        #expect(e.client.ip == v4("192.168.1.5") && e.client.port == 40000 && e.server.port == 445)
        #expect(e.flowID > 0 && e.flowID <= UInt64(Int64.max))
        #expect(t.lookup(key, hash: h) == s)
    }

    @Test func timeoutsRunOnPacketTimeByState() {
        var to = FlowTimeouts()
        to.new = 30_000_000_000; to.established = 300_000_000_000
        let t = FlowTable(capacity: 16, timeouts: to)
        let sec: Int64 = 1_000_000_000
        let (udpOneWay, _) = FlowKey.canonical(src: v4("10.0.0.1"), dst: v4("10.0.0.2"), srcPort: 1000, dstPort: 53, proto: 17)
        let (udpTwoWay, tA) = FlowKey.canonical(src: v4("10.0.0.3"), dst: v4("10.0.0.2"), srcPort: 1000, dstPort: 53, proto: 17)
        let s1 = t.insert(udpOneWay, hash: udpOneWay.hash64, now: 0, initiatorIsA: true, method: .firstPacket)
        t.update(s1, now: 0, senderIsA: true, bytes: 10, tcpFlags: 0)
        let s2 = t.insert(udpTwoWay, hash: udpTwoWay.hash64, now: 0, initiatorIsA: tA, method: .firstPacket)
        t.update(s2, now: 0, senderIsA: tA, bytes: 10, tcpFlags: 0)
        t.update(s2, now: 1 * sec, senderIsA: !tA, bytes: 10, tcpFlags: 0)
        #expect(t.expired(now: 30 * sec) == -1)            // exactly at the timeout: still alive
        #expect(t.expired(now: 31 * sec) == s1)           // one-way flow: the "new" timeout
        t.remove(s1)
        #expect(t.expired(now: 200 * sec) == -1)           // two-way flow: the "established" timeout
        #expect(t.expired(now: 302 * sec) == s2)
        t.remove(s2)
        #expect(t.count == 0 && t.expired(now: 10_000 * sec) == -1 && t.oldest() == -1)
    }

    @Test func fullTableEvictsTheFlowIdleLongest() {
        let t = FlowTable(capacity: 4)
        var slots: [Int32] = []
        for i in 0..<4 {
            let (k, a) = FlowKey.canonical(src: v4("10.0.0.\(i + 1)"), dst: v4("10.9.9.9"), srcPort: 1234, dstPort: 80, proto: 6)
            let s = t.insert(k, hash: k.hash64, now: Int64(i) * 10_000_000_000, initiatorIsA: a, method: .handshake)
            t.update(s, now: Int64(i) * 10_000_000_000, senderIsA: a, bytes: 1, tcpFlags: 2)
            slots.append(s)
        }
        #expect(t.isFull)
        // Touch the first flow again: now the second is the idlest.
        t.update(slots[0], now: 100_000_000_000, senderIsA: t.entries[Int(slots[0])].initiatorIsA, bytes: 1, tcpFlags: 0x10)
        #expect(t.oldest() == slots[1])
        // Each flow touched later moves behind the others.
        t.update(slots[1], now: 100_500_000_000, senderIsA: t.entries[Int(slots[1])].initiatorIsA, bytes: 1, tcpFlags: 0x10)
        #expect(t.oldest() == slots[2])
        t.update(slots[2], now: 100_600_000_000, senderIsA: t.entries[Int(slots[2])].initiatorIsA, bytes: 1, tcpFlags: 0x10)
        #expect(t.oldest() == slots[3])
    }

    /// Random insert/lookup/remove against a Dictionary: backward-shift deletion must never lose a key.
    @Test func randomOperationsMatchADictionary() {
        var rng = SystemRandomNumberGenerator()
        let t = FlowTable(capacity: 512)
        var oracle: [FlowKey: Int32] = [:]
        for step in 0..<50_000 {
            let (k, a) = FlowKey.canonical(src: IPAddress(v4: UInt32.random(in: 0..<64, using: &rng)),
                                           dst: IPAddress(v4: 0x0A00_0000 | UInt32.random(in: 0..<16, using: &rng)),
                                           srcPort: UInt16.random(in: 0..<4, using: &rng), dstPort: 80, proto: 17)
            let found = t.lookup(k, hash: k.hash64)
            #expect(found == (oracle[k] ?? -1))
            if found >= 0 {
                if Bool.random(using: &rng) { t.remove(found); oracle[k] = nil }
                else { t.update(found, now: Int64(step), senderIsA: a, bytes: 1, tcpFlags: 0) }
            } else {
                if t.isFull {
                    let victim = t.oldest()
                    oracle[t.entries[Int(victim)].key] = nil
                    t.remove(victim)
                }
                oracle[k] = t.insert(k, hash: k.hash64, now: Int64(step), initiatorIsA: a, method: .firstPacket)
            }
            #expect(t.count == oracle.count)
        }
        for (k, s) in oracle { #expect(t.lookup(k, hash: k.hash64) == s) }
    }

    @Test func entryStaysSmallEnoughForAMillionFlowsIn300MB() {
        // Table storage per flow: the entry plus two 8-byte index cells.
        let perFlow = MemoryLayout<FlowEntry>.stride + 16
        #expect(perFlow * 1_000_000 < 200_000_000)
    }
}
