// InspectTests: the batched pipeline (`nextBatch` + `processBatch`, what `segcheck review` runs) writes exactly the
// EVE output of the one-packet-at-a-time pipeline, on every test capture and on a generated capture with thousands
// of interleaved flows, VLAN tags, ICMP, timeouts and evictions in the middle of batches.
import Foundation
import Testing
import Capture
import EventOutput
import Flows
import Inspect
import Wire

@Suite struct BatchEquivalenceTests {
    static let policy = Paths.captures.appendingPathComponent("test-policy.yaml").path
    static let inputs: [String] = {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: Paths.captures.path)) ?? []
        return names.filter { $0.hasSuffix(".pcap") || $0.hasSuffix(".pcapng") || $0.hasSuffix(".pcap.gz") }.sorted() + ["rotated"]
    }()

    @Test(arguments: inputs)
    func batchedReviewWritesTheSameEventsOnEveryCapture(_ name: String) throws {
        let path = Paths.captures.appendingPathComponent(name).path
        let one = try reviewText([path], policyPath: Self.policy, batched: false)
        let many = try reviewText([path], policyPath: Self.policy, batched: true)
        #expect(one.problems == many.problems)
        #expect(!one.eve.isEmpty)
        #expect(one.eve == many.eve)
        // With a table of two flows: evictions inside batches.
        let tinyOne = try reviewText([path], policyPath: Self.policy, batched: false) { $0.flowCapacity = 2 }
        let tinyMany = try reviewText([path], policyPath: Self.policy, batched: true) { $0.flowCapacity = 2 }
        #expect(tinyOne.eve == tinyMany.eve)
    }

    /// Ethernet (optionally one 802.1Q tag) + IPv4 + TCP/UDP/ICMP, 60 bytes or more.
    static func frame(src: UInt32, dst: UInt32, proto: UInt8, sport: UInt16, dport: UInt16, flags: UInt8, vlan: UInt16?) -> [UInt8] {
        var f: [UInt8] = [2, 0, 0, 0, 0, 2, 2, 0, 0, 0, 0, 1]
        if let vlan { f += [0x81, 0x00, UInt8(vlan >> 8), UInt8(vlan & 0xFF)] }
        f += [0x08, 0x00]
        let l4: [UInt8]
        switch proto {
        case 6: l4 = [UInt8(sport >> 8), UInt8(sport & 0xFF), UInt8(dport >> 8), UInt8(dport & 0xFF), 0, 0, 0, 1, 0, 0, 0, 1, 0x50, flags, 0x20, 0, 0, 0, 0, 0]
        case 17: l4 = [UInt8(sport >> 8), UInt8(sport & 0xFF), UInt8(dport >> 8), UInt8(dport & 0xFF), 0, 8, 0, 0]
        default: l4 = [UInt8(sport), 0, 0, 0, 0, 1, 0, 1]      // ICMP: type in sport, code 0
        }
        let total = 20 + l4.count
        f += [0x45, 0, UInt8(total >> 8), UInt8(total & 0xFF), 0, 1, 0, 0, 64, proto, 0, 0]
        for a in [src, dst] { f += [UInt8(a >> 24), UInt8((a >> 16) & 0xFF), UInt8((a >> 8) & 0xFF), UInt8(a & 0xFF)] }
        f += l4
        while f.count < 60 { f.append(0) }
        return f
    }

    @Test func batchedReviewWritesTheSameEventsOnManyInterleavedFlows() throws {
        var rng = SystemRandomNumberGenerator()
        let seed = UInt64.random(in: 0...UInt64.max, using: &rng)
        var g = SplitMix(seed: seed)
        struct F { var src, dst: UInt32; var proto: UInt8; var sport, dport: UInt16; var vlan: UInt16? }
        // Addresses in the policy's zones (10.1-10.3) and outside them (10.9), so verdicts and findings vary.
        var flows: [F] = []
        for i in 0..<3000 {
            let src = UInt32(10 << 24) | UInt32(1 + g.next() % 3) << 16 | UInt32(g.next() % 4) << 8 | UInt32(1 + g.next() % 250)
            let dst = UInt32(10 << 24) | UInt32([1, 2, 3, 9][Int(g.next() % 4)]) << 16 | UInt32(1 + g.next() % 250)
            let proto: UInt8 = [6, 6, 17, 1][Int(g.next() % 4)]
            let vlan: UInt16? = g.next() % 5 == 0 ? UInt16(1 + g.next() % 3) : nil
            flows.append(F(src: src, dst: dst, proto: proto, sport: proto == 1 ? 8 : UInt16(1024 + i), dport: [25, 53, 445, 443][Int(g.next() % 4)], vlan: vlan))
        }
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("segcheck-batch-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("flows.pcap").path
        var w = try PcapWriter.create(path: path, linkType: 1)
        var t: Int64 = 1_700_000_000 * 1_000_000_000
        var packets = 0
        while packets < 60_000 {
            let f = flows[Int(g.next() % UInt64(flows.count))]
            let burst = 1 + Int(g.next() % 12)
            for j in 0..<burst {
                let reply = j % 3 == 2
                let fr = reply
                    ? Self.frame(src: f.dst, dst: f.src, proto: f.proto, sport: f.proto == 1 ? 0 : f.dport, dport: f.sport, flags: 0x12, vlan: f.vlan)
                    : Self.frame(src: f.src, dst: f.dst, proto: f.proto, sport: f.sport, dport: f.dport, flags: j == 0 ? 0x02 : 0x10, vlan: f.vlan)
                try fr.withUnsafeBytes { try w.write(timestampNanoseconds: t, bytes: $0) }
                packets += 1
                t += Int64(g.next() % 5_000_000)          // up to 5 ms apart: about 150 s of packet time
            }
            if g.next() % 200 == 0 { t += 40 * 1_000_000_000 }   // quiet gaps past short timeouts
        }
        try w.close()
        for capacity in [1 << 20, 150] {
            let configure: (inout InspectorConfiguration) -> Void = {
                $0.flowCapacity = capacity
                $0.timeouts = FlowTimeouts(tcpNew: 20, tcpEstablished: 30, tcpClosed: 10, new: 15, established: 25)
            }
            let one = try reviewText([path], policyPath: Self.policy, batched: false, configure: configure)
            let many = try reviewText([path], policyPath: Self.policy, batched: true, configure: configure)
            #expect(one.counters.packets >= 60_000)
            #expect(one.counters.flows > 1000, "seed \(seed)")
            if capacity == 150 { #expect(one.counters.flowsEvicted > 0 && one.counters.flowsTimedOut > 0, "seed \(seed)") }
            #expect(one.counters.violations > 0)
            #expect(one.eve == many.eve, "seed \(seed), capacity \(capacity)")
        }
    }
}

/// A small seeded generator (failures print the seed to replay).
struct SplitMix {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
