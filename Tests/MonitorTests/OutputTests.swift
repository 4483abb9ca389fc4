// MonitorTests: RFC 5424 syslog (format, escaping, real UDP and unix-socket delivery) and Prometheus exposition (HTTP, textfile).
import Foundation
#if canImport(Glibc)
import Glibc
#endif
import Testing
@testable import EventOutput

/// A datagram socket bound on loopback UDP or a unix path, to play the collector.
final class DatagramCollector {
    let fd: Int32
    var port: UInt16 = 0
    init(udp: Bool, path: String? = nil) {
        if udp {
            fd = socket(AF_INET, Int32(SOCK_DGRAM.rawValue), 0)
            var a = sockaddr_in(); a.sin_family = sa_family_t(AF_INET); a.sin_addr.s_addr = UInt32(0x7F00_0001).bigEndian; a.sin_port = 0
            _ = withUnsafePointer(to: &a) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) } }
            var len = socklen_t(MemoryLayout<sockaddr_in>.size)
            _ = withUnsafeMutablePointer(to: &a) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &len) } }
            port = UInt16(bigEndian: a.sin_port)
        } else {
            fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue), 0)
            var a = sockaddr_un(); a.sun_family = sa_family_t(AF_UNIX)
            let bytes = Array(path!.utf8)
            withUnsafeMutableBytes(of: &a.sun_path) { raw in for (i, b) in bytes.enumerated() { raw[i] = b }; raw[bytes.count] = 0 }
            _ = withUnsafePointer(to: &a) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) } }
        }
        var tv = timeval(tv_sec: 3, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
    }
    deinit { close(fd) }
    func receive(timeoutMilliseconds: Int) -> String? {
        var tv = timeval(tv_sec: timeoutMilliseconds / 1000, tv_usec: Int((timeoutMilliseconds % 1000) * 1000))
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
        return receive()
    }
    func receive() -> String? {
        var buf = [UInt8](repeating: 0, count: 65536)
        let n = buf.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
        return n > 0 ? String(decoding: buf[0..<n], as: UTF8.self) : nil
    }
}

@Suite struct SyslogTests {
    @Test func targetParsing() {
        #expect(SyslogTarget("unix:/dev/log") == .unix(path: "/dev/log"))
        #expect(SyslogTarget("/run/systemd/journal/syslog") == .unix(path: "/run/systemd/journal/syslog"))
        #expect(SyslogTarget("udp:127.0.0.1:514") == .udp(host: "127.0.0.1", port: 514))
        #expect(SyslogTarget("udp:[::1]:5514") == .udp(host: "::1", port: 5514))
        #expect(SyslogTarget("udp:127.0.0.1") == nil)
        #expect(SyslogTarget("tcp:127.0.0.1:514") == nil)
        #expect(SyslogTarget("udp:127.0.0.1:0") == nil)
    }

    @Test func messageLayoutFollowsRFC5424() {
        let m = RFC5424.message(facility: 13, severity: .warning, timestampNanoseconds: 1_764_147_600_123_456_789,
                                hostname: "sensor 1", appName: "segcheck", processID: "42", messageID: "ALERT",
                                structuredData: [("src_ip", "10.0.0.1"), ("rule", "A\"B]C\\D")], text: "禁止された通信")
        // PRI = 13*8+4 = 108; version 1; UTC timestamp with 6 fraction digits; spaces removed from HOSTNAME.
        #expect(m.hasPrefix("<108>1 2025-11-26T09:00:00.123456Z sensor1 segcheck 42 ALERT [segcheck@32473 src_ip=\"10.0.0.1\" rule=\"A\\\"B\\]C\\\\D\"] \u{FEFF}禁止された通信"))
    }

    @Test func emptyStructuredDataIsNilValue() {
        let m = RFC5424.message(facility: 1, severity: .informational, timestampNanoseconds: 0, hostname: "", appName: "a",
                                processID: "1", messageID: "", structuredData: [], text: "")
        #expect(m == "<14>1 1970-01-01T00:00:00.000000Z - a 1 - -")
    }

    @Test func deliversOverUDPToLoopbackCollector() throws {
        let collector = DatagramCollector(udp: true)
        let sender = try SyslogSender(target: .udp(host: "127.0.0.1", port: collector.port))
        sender.send(severity: .error, messageID: "ALERT", timestampNanoseconds: 0, structuredData: [("dest_port", "22")], text: "hello")
        let got = try #require(collector.receive())
        #expect(got.hasPrefix("<107>1 1970-01-01T00:00:00.000000Z "))
        #expect(got.contains(" segcheck \(getpid()) ALERT [segcheck@32473 dest_port=\"22\"] \u{FEFF}hello"))
        #expect(sender.sent == 1 && sender.failures == 0)
    }

    @Test func deliversToUnixSocketAndReconnects() throws {
        let path = NSTemporaryDirectory() + "segcheck-syslog-\(getpid())-\(UInt32.random(in: 0...UInt32.max)).sock"
        defer { unlink(path) }
        var collector: DatagramCollector? = DatagramCollector(udp: false, path: path)
        let sender = try SyslogSender(target: .unix(path: path))
        sender.send(severity: .notice, messageID: "FEED", timestampNanoseconds: 0, structuredData: [], text: "one")
        #expect(collector?.receive()?.hasSuffix("one") == true)
        // The collector restarts (new socket at the same path): the sender reconnects on its own.
        collector = nil
        unlink(path)
        collector = DatagramCollector(udp: false, path: path)
        sender.send(severity: .notice, messageID: "FEED", timestampNanoseconds: 0, structuredData: [], text: "two")
        #expect(collector?.receive()?.hasSuffix("two") == true)
    }

    @Test func missingSocketIsAClearError() {
        #expect(throws: SyslogError.self) { try SyslogSender(target: .unix(path: "/nonexistent/dev/log")) }
        do { _ = try SyslogSender(target: .unix(path: "/nonexistent/dev/log")) } catch {
            #expect(error.description.contains("/nonexistent/dev/log"))
        }
    }
}

/// Fetches a URL path from a loopback HTTP server with a plain socket.
func httpGet(port: UInt16, path: String) -> String? {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    defer { close(fd) }
    var a = sockaddr_in(); a.sin_family = sa_family_t(AF_INET); a.sin_addr.s_addr = UInt32(0x7F00_0001).bigEndian; a.sin_port = port.bigEndian
    let rc = withUnsafePointer(to: &a) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) } }
    guard rc == 0 else { return nil }
    let req = "GET \(path) HTTP/1.0\r\nHost: localhost\r\n\r\n"
    _ = req.withCString { send(fd, $0, strlen($0), 0) }
    var out = [UInt8](), buf = [UInt8](repeating: 0, count: 4096)
    while true {
        let n = buf.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
        if n <= 0 { break }
        out += buf[0..<n]
    }
    return String(decoding: out, as: UTF8.self)
}

@Suite struct PrometheusTests {
    let families = [
        MetricFamily(name: "segcheck_violations_total", help: "Violating flows.\nPer pair.", kind: .counter, samples: [
            .init(labels: [("src_zone", "lgwan"), ("dest_zone", "inet")], value: 3),
            .init(labels: [("src_zone", "マイナンバー\"系\\"), ("dest_zone", "a\nb")], value: 1),
        ]),
        MetricFamily(name: "segcheck_feed_up", help: "Feed.", kind: .gauge, samples: [.init(labels: [("interface", "mon0")], value: 1)]),
        MetricFamily(name: "segcheck_ratio", help: "r", kind: .gauge, samples: [.init(value: 0.25), .init(labels: [("x", "y")], value: .nan)]),
    ]

    @Test func rendersTextExposition() {
        let text = PrometheusText.render(families)
        #expect(text == """
        # HELP segcheck_violations_total Violating flows.\\nPer pair.
        # TYPE segcheck_violations_total counter
        segcheck_violations_total{src_zone="lgwan",dest_zone="inet"} 3
        segcheck_violations_total{src_zone="マイナンバー\\"系\\\\",dest_zone="a\\nb"} 1
        # HELP segcheck_feed_up Feed.
        # TYPE segcheck_feed_up gauge
        segcheck_feed_up{interface="mon0"} 1
        # HELP segcheck_ratio r
        # TYPE segcheck_ratio gauge
        segcheck_ratio 0.25
        segcheck_ratio{x="y"} NaN

        """)
    }

    @Test func targetParsing() {
        #expect(MetricsTarget("127.0.0.1:9560") == .http(host: "127.0.0.1", port: 9560))
        #expect(MetricsTarget("http://[::1]:9560/metrics") == .http(host: "::1", port: 9560))
        #expect(MetricsTarget(":9560") == .http(host: "127.0.0.1", port: 9560))
        #expect(MetricsTarget("/var/lib/node_exporter/segcheck.prom") == .textfile(path: "/var/lib/node_exporter/segcheck.prom"))
        #expect(MetricsTarget("textfile:/tmp/x") == .textfile(path: "/tmp/x"))
        #expect(MetricsTarget("nonsense") == nil)
    }

    @Test func servesMetricsOnLoopback() throws {
        let text = PrometheusText.render(families)
        let server = try PrometheusHTTPServer(host: "127.0.0.1", port: 0) { text }
        server.start()
        defer { server.stop() }
        let response = try #require(httpGet(port: server.port, path: "/metrics"))
        #expect(response.hasPrefix("HTTP/1.0 200 OK\r\n"))
        #expect(response.contains("Content-Type: text/plain; version=0.0.4"))
        #expect(response.hasSuffix(text))
        let missing = try #require(httpGet(port: server.port, path: "/other"))
        #expect(missing.hasPrefix("HTTP/1.0 404"))
    }

    @Test func refusesNonLoopbackAddress() {
        #expect(throws: MetricsError.self) { try PrometheusHTTPServer(host: "0.0.0.0", port: 0) { "" } }
    }

    @Test func textfileIsReplacedAtomically() throws {
        let dir = NSTemporaryDirectory() + "segcheck-prom-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let path = dir + "/segcheck.prom"
        try PrometheusTextfile.write("a 1\n", to: path)
        try PrometheusTextfile.write("a 2\n", to: path)
        #expect(try String(contentsOfFile: path, encoding: .utf8) == "a 2\n")
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir) == ["segcheck.prom"])
        #expect(throws: MetricsError.self) { try PrometheusTextfile.write("x", to: "/nonexistent-dir/x.prom") }
    }
}
