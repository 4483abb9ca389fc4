// Helpers for the report tests: temporary files, EVE event builders, the repository root.
import Foundation
@testable import Report

enum Fixture {
    static let repoRoot: URL = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    static func tempDir() -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("segcheck-report-\(UUID().uuidString)")
        try! FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    static func write(_ text: String, name: String, in dir: URL) -> String {
        let url = dir.appendingPathComponent(name)
        try! Data(text.utf8).write(to: url)
        return url.path
    }

    static func json(_ object: [String: Any]) -> String {
        String(decoding: try! JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes]), as: UTF8.self)
    }

    static func alert(_ time: String, _ src: String, _ dst: String, dport: Int, proto: String = "TCP", from: String, to: String,
                      rule: String, verdict: String = "denied", cite: String, sport: Int = 40000) -> String {
        json(["timestamp": time, "event_type": "alert", "flow_id": 1234, "src_ip": src, "src_port": sport, "dest_ip": dst,
              "dest_port": dport, "proto": proto, "vlan": [20], "community_id": "1:test",
              "alert": ["signature": "segcheck \(from)->\(to)", "action": "allowed"],
              "segcheck": ["src_zone": from, "dest_zone": to, "rule": rule, "cite": cite, "initiator": "src", "verdict": verdict]])
    }

    static func flow(_ time: String, from: String, to: String) -> String {
        json(["timestamp": time, "event_type": "flow", "src_ip": "192.0.2.1", "dest_ip": "192.0.2.2", "proto": "TCP",
              "segcheck": ["src_zone": from, "dest_zone": to]])
    }

    static func stats(_ time: String, iface: String, packets: Int, drops: Int, malformed: Int) -> String {
        json(["timestamp": time, "event_type": "stats", "in_iface": iface,
              "stats": ["capture": ["kernel_packets": packets, "kernel_drops": drops], "decoder": ["pkts": packets - drops, "malformed": malformed]]])
    }

    static let clauseA = "対策基準 4(1)①: マイナンバー利用事務系と他の領域を通信できないようにしなければならない (L244)"
    static let clauseB = "対策基準 4(2)①: 両環境間の通信環境を分離した上で、必要な通信だけを許可 (L260)"

    /// A small EVE file with known counts: 3 violations mynumber→lgwan (clause A), 2 lgwan→inet (clause B),
    /// 1 alert-rule match (not a violation), 4 flows lgwan→inet, 2 flows lgwan→lgwan, stats for two sensors.
    static func smallEVE(in dir: URL, name: String = "eve.json") -> String {
        let lines = [
            stats("2026-11-26T00:00:00.000000+0000", iface: "eno2", packets: 100, drops: 0, malformed: 0),
            alert("2026-11-26T00:10:00.000000+0000", "192.0.2.10", "192.0.2.70", dport: 25, from: "mynumber", to: "lgwan", rule: "MN-LG", cite: clauseA),
            alert("2026-11-26T00:11:00.000000+0000", "192.0.2.10", "192.0.2.70", dport: 25, from: "mynumber", to: "lgwan", rule: "MN-LG", cite: clauseA, sport: 40001),
            alert("2026-11-26T01:30:00.000000+0000", "192.0.2.11", "192.0.2.71", dport: 445, from: "mynumber", to: "lgwan", rule: "MN-LG", cite: clauseA),
            alert("2026-11-26T02:00:00.000000+0000", "192.0.2.71", "192.0.2.140", dport: 445, from: "lgwan", to: "inet", rule: "LG-INET", cite: clauseB),
            alert("2026-11-26T02:05:00.000000+0000", "192.0.2.72", "192.0.2.141", dport: 139, from: "lgwan", to: "inet", rule: "LG-INET", cite: clauseB),
            alert("2026-11-26T02:06:00.000000+0000", "192.0.2.72", "192.0.2.141", dport: 22, from: "lgwan", to: "inet", rule: "WATCH", verdict: "alert", cite: "監視対象"),
            flow("2026-11-26T02:00:01.000000+0000", from: "lgwan", to: "inet"),
            flow("2026-11-26T02:00:02.000000+0000", from: "lgwan", to: "inet"),
            flow("2026-11-26T02:00:03.000000+0000", from: "lgwan", to: "inet"),
            flow("2026-11-26T02:00:04.000000+0000", from: "lgwan", to: "inet"),
            flow("2026-11-26T02:00:05.000000+0000", from: "lgwan", to: "lgwan"),
            flow("2026-11-26T02:00:06.000000+0000", from: "lgwan", to: "lgwan"),
            stats("2026-11-26T03:00:00.000000+0000", iface: "eno2", packets: 1000, drops: 7, malformed: 2),
            stats("2026-11-26T03:00:00.000000+0000", iface: "eno3", packets: 500, drops: 1, malformed: 0),
        ]
        return write(lines.joined(separator: "\n") + "\n", name: name, in: dir)
    }
}
