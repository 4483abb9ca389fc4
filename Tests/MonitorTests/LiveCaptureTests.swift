// MonitorTests: real libpcap live capture on loopback — filter errors, fanout keeping flows on one handle, breakloop, stats.
import Foundation
import Testing
@testable import Capture
import CPcap

/// Sends one UDP datagram from 127.0.0.1:sport to 127.0.0.1:dport (the destination need not listen).
func sendUDP(from sport: UInt16, to dport: UInt16, payload: String = "x") {
    let fd = socket(AF_INET, Int32(SOCK_DGRAM.rawValue), 0)
    defer { close(fd) }
    var one: Int32 = 1
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
    var src = sockaddr_in(); src.sin_family = sa_family_t(AF_INET); src.sin_addr.s_addr = UInt32(0x7F00_0001).bigEndian; src.sin_port = sport.bigEndian
    _ = withUnsafePointer(to: &src) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) } }
    var dst = src; dst.sin_port = dport.bigEndian
    _ = payload.withCString { p in
        withUnsafePointer(to: &dst) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { sendto(fd, p, strlen(p), 0, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) } }
    }
}

/// The UDP ports of an Ethernet/IPv4/UDP frame captured on lo (DLT_EN10MB), or nil.
func udpPorts(_ b: UnsafeRawBufferPointer) -> (UInt16, UInt16)? {
    guard b.count >= 14 + 20 + 8, b[12] == 0x08, b[13] == 0x00, b[23] == 17 else { return nil }
    let ihl = Int(b[14] & 0x0F) * 4
    let s = UInt16(b[14 + ihl]) << 8 | UInt16(b[15 + ihl]), d = UInt16(b[16 + ihl]) << 8 | UInt16(b[17 + ihl])
    return (s, d)
}

@Suite(.serialized) struct LiveCaptureTests {
    @Test func badFilterNamesTheFilterAndReason() throws {
        guard Env.isRoot else { print("skipped: live capture needs root or CAP_NET_RAW"); return }
        var o = LiveCaptureOptions(interface: "lo")
        o.filter = "tcp port eighty and"
        do {
            _ = try LiveCapture(o)
            Issue.record("a bad filter was accepted")
        } catch {
            #expect(error.kind == .filter)
            #expect(error.description.contains("bad capture filter 'tcp port eighty and'"))
            #expect(error.description.hasPrefix("lo: "))
        }
    }

    @Test func missingInterfaceIsAClearError() {
        guard Env.isRoot else { print("skipped: live capture needs root or CAP_NET_RAW"); return }
        do {
            _ = try LiveCapture(LiveCaptureOptions(interface: "mon-nosuch0"))
            Issue.record("opened a missing interface")
        } catch {
            #expect(error.kind == .noSuchDevice)
            #expect(error.description.contains("mon-nosuch0: no such interface"))
        }
    }

    @Test func fanoutKeepsBothDirectionsOfEachFlowOnOneHandle() throws {
        guard Env.isRoot else { print("skipped: live capture needs root or CAP_NET_RAW"); return }
        let base: UInt16 = 47_100
        var o = LiveCaptureOptions(interface: "lo")
        o.filter = "udp and host 127.0.0.1 and portrange \(base)-\(base + 99)"
        o.fanout = FanoutSettings(groupID: FanoutSettings.groupID(forInterfaceIndex: interfaceIndex("lo")) &+ 0x0500)
        let handles = [try LiveCapture(o), try LiveCapture(o)]
        #expect(handles.allSatisfy { $0.nanosecondTimestamps })
        for h in handles { h.setNonBlocking(true) }
        let flows = 24
        for i in 0..<flows {
            let client = base + UInt16(i), server = base + 50 + UInt16(i)
            sendUDP(from: client, to: server)
            sendUDP(from: server, to: client)
        }
        // Which handle saw which (unordered) port pair, and in which directions.
        var seen: [[Set<String>]] = [Array(repeating: [], count: flows), Array(repeating: [], count: flows)]
        var timestamps: [Int64] = []
        let wall = Int64(Date().timeIntervalSince1970 * 1e9)
        for (k, h) in handles.enumerated() {
            let rx = LivePacketReceiver { p in
                guard let (s, d) = udpPorts(p.bytes) else { return }
                let i = Int(min(s, d) - base)
                guard i >= 0, i < flows else { return }
                seen[k][i].insert("\(s)>\(d)")
                timestamps.append(p.timestampNanoseconds)
            }
            let deadline = Date().addingTimeInterval(2)
            while Date() < deadline {
                if h.dispatch(maxPackets: -1, into: rx) <= 0 { usleep(10_000) }
                if seen[k].reduce(0, { $0 + $1.count }) + seen[1 - k].reduce(0, { $0 + $1.count }) == flows * 2 && k == 1 { break }
            }
        }
        var perHandle = [0, 0]
        for i in 0..<flows {
            let a = seen[0][i], b = seen[1][i]
            #expect(a.count + b.count == 2, "flow \(i): both directions captured exactly once")
            #expect(a.isEmpty || b.isEmpty, "flow \(i) was split across handles: \(a) / \(b)")
            perHandle[a.isEmpty ? 1 : 0] += 1
        }
        #expect(perHandle[0] > 0 && perHandle[1] > 0, "the kernel spread \(flows) flows over both members: \(perHandle)")
        // Nanosecond timestamps near the wall clock, with sub-microsecond digits present in some packet.
        #expect(timestamps.allSatisfy { abs($0 - wall) < 10_000_000_000 })
        // pcap_stats sees at least what was delivered.
        let received = handles.compactMap { $0.rawStats()?.received }.reduce(UInt32(0), +)
        #expect(received >= UInt32(flows * 2))
    }

    @Test func breakLoopWakesABlockedRead() throws {
        guard Env.isRoot else { print("skipped: live capture needs root or CAP_NET_RAW"); return }
        var o = LiveCaptureOptions(interface: "lo")
        o.filter = "udp port 1 and udp port 2"      // matches nothing
        o.timeoutMilliseconds = 30_000
        let h = try LiveCapture(o)
        let rx = LivePacketReceiver { _ in }
        let started = Date()
        DispatchQueue.global().asyncAfter(deadline: .now() + 0.3) { h.breakLoop() }
        var r: Int32 = 0
        repeat { r = h.dispatch(maxPackets: -1, into: rx) } while r == 0 && Date().timeIntervalSince(started) < 10
        #expect(r == PCAP_ERROR_BREAK)
        #expect(Date().timeIntervalSince(started) < 5)
    }
}
