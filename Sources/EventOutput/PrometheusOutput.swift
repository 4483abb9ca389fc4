// EventOutput: Prometheus text exposition (format 0.0.4), served on a loopback HTTP port or written as a textfile.
#if canImport(Glibc)
import Glibc
#endif

/// Where metrics go. Text forms: `127.0.0.1:9560` or `[::1]:9560` (HTTP, loopback only), `textfile:/path/segcheck.prom`
/// or any path ending in `.prom` (node_exporter textfile collector, rewritten atomically at each stats interval).
public enum MetricsTarget: Sendable, Equatable, CustomStringConvertible {
    case http(host: String, port: UInt16)
    case textfile(path: String)

    public init?(_ text: String) {
        if text.hasPrefix("textfile:") {
            let p = String(text.dropFirst(9)); guard !p.isEmpty else { return nil }
            self = .textfile(path: p)
        } else if text.hasSuffix(".prom") {
            self = .textfile(path: text)
        } else {
            var rest = Substring(text)
            if rest.hasPrefix("http://") { rest = rest.dropFirst(7) }
            if rest.hasSuffix("/metrics") { rest = rest.dropLast(8) }
            guard let (host, portText) = splitHostPort(rest) else { return nil }
            guard let port = UInt16(portText) else { return nil }
            self = .http(host: host.isEmpty ? "127.0.0.1" : String(host), port: port)
        }
    }

    public var description: String {
        switch self {
        case .http(let h, let p): return h.contains(":") ? "http://[\(h)]:\(p)/metrics" : "http://\(h):\(p)/metrics"
        case .textfile(let path): return "textfile:\(path)"
        }
    }
}

/// One metric family: a name, its help text, its type and its samples.
public struct MetricFamily: Sendable {
    public enum Kind: String, Sendable { case counter, gauge }
    public struct Sample: Sendable {
        public var labels: [(String, String)]
        public var value: Double
        public init(labels: [(String, String)] = [], value: Double) { self.labels = labels; self.value = value }
    }
    public var name: String
    public var help: String
    public var kind: Kind
    public var samples: [Sample]
    public init(name: String, help: String, kind: Kind, samples: [Sample]) {
        self.name = name; self.help = help; self.kind = kind; self.samples = samples
    }
}

/// Renders the Prometheus text exposition format.
public enum PrometheusText {
    public static let contentType = "text/plain; version=0.0.4; charset=utf-8"

    /// Label values escape `\`, `"` and newline.
    public static func escapeLabelValue(_ v: String) -> String {
        var out = ""
        for ch in v.unicodeScalars {
            switch ch {
            case "\\": out += "\\\\"
            case "\"": out += "\\\""
            case "\n": out += "\\n"
            default: out.unicodeScalars.append(ch)
            }
        }
        return out
    }

    /// HELP text escapes `\` and newline.
    public static func escapeHelp(_ v: String) -> String {
        var out = ""
        for ch in v.unicodeScalars {
            switch ch {
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            default: out.unicodeScalars.append(ch)
            }
        }
        return out
    }

    /// Integers print without a fraction; NaN and infinities use Prometheus spellings.
    public static func formatValue(_ v: Double) -> String {
        if v.isNaN { return "NaN" }
        if v.isInfinite { return v > 0 ? "+Inf" : "-Inf" }
        if v == v.rounded(), abs(v) < 9.0e15 { return String(Int64(v)) }
        return String(v)
    }

    public static func render(_ families: [MetricFamily]) -> String {
        var out = ""
        for f in families {
            out += "# HELP \(f.name) \(escapeHelp(f.help))\n# TYPE \(f.name) \(f.kind.rawValue)\n"
            for s in f.samples {
                out += f.name
                if !s.labels.isEmpty {
                    out += "{" + s.labels.map { "\($0.0)=\"\(escapeLabelValue($0.1))\"" }.joined(separator: ",") + "}"
                }
                out += " \(formatValue(s.value))\n"
            }
        }
        return out
    }
}

/// Why metrics could not be published.
public struct MetricsError: Error, Sendable, CustomStringConvertible {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// Writes the exposition to a file atomically (temporary file in the same directory, then rename),
/// so node_exporter's textfile collector never reads half a file.
public enum PrometheusTextfile {
    public static func write(_ text: String, to path: String) throws(MetricsError) {
        let tmp = path + ".tmp.\(getpid())"
        guard let f = fopen(tmp, "w") else {
            throw MetricsError("metrics: cannot write \(tmp): \(String(cString: strerror(errno)))")
        }
        let bytes = Array(text.utf8)
        let n = bytes.withUnsafeBufferPointer { fwrite($0.baseAddress, 1, $0.count, f) }
        let closed = fclose(f)
        guard n == bytes.count, closed == 0 else {
            unlink(tmp); throw MetricsError("metrics: short write to \(tmp)")
        }
        if rename(tmp, path) != 0 {
            let e = errno
            unlink(tmp)
            throw MetricsError("metrics: cannot rename to \(path): \(String(cString: strerror(e)))")
        }
    }
}

/// A minimal HTTP/1.0 server for `GET /metrics` on a loopback address, on its own thread.
/// It refuses non-loopback addresses: the sensor's metrics are for a local scraper or an SSH tunnel, not the segments.
public final class PrometheusHTTPServer: @unchecked Sendable {
    public let host: String
    public private(set) var port: UInt16
    private var listenFD: Int32 = -1
    private var thread: pthread_t?
    private let render: @Sendable () -> String
    private var stopping = false
    private let lock = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)

    /// Binds now (so a busy port is a startup error); serves after `start()`. Port 0 picks a free port.
    public init(host: String, port: UInt16, render: @escaping @Sendable () -> String) throws(MetricsError) {
        self.host = host
        self.port = port
        self.render = render
        pthread_mutex_init(lock, nil)
        var hints = addrinfo()
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        hints.ai_flags = AI_NUMERICHOST | AI_PASSIVE
        var res: UnsafeMutablePointer<addrinfo>?
        guard getaddrinfo(host, String(port), &hints, &res) == 0, let ai = res else {
            throw MetricsError("metrics: '\(host)' is not a numeric IP address")
        }
        defer { freeaddrinfo(res) }
        // Loopback only: 127.0.0.0/8 or ::1.
        let isLoopback: Bool = {
            if ai.pointee.ai_family == AF_INET {
                return ai.pointee.ai_addr.withMemoryRebound(to: sockaddr_in.self, capacity: 1) {
                    (UInt32(bigEndian: $0.pointee.sin_addr.s_addr) >> 24) == 127
                }
            }
            if ai.pointee.ai_family == AF_INET6 {
                return ai.pointee.ai_addr.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { p in
                    withUnsafeBytes(of: p.pointee.sin6_addr) { b in b.prefix(15).allSatisfy { $0 == 0 } && b[15] == 1 }
                }
            }
            return false
        }()
        guard isLoopback else { throw MetricsError("metrics: refusing to listen on \(host): only loopback addresses (127.0.0.1, ::1) are allowed") }
        let s = socket(ai.pointee.ai_family, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard s >= 0 else { throw MetricsError("metrics: socket: \(String(cString: strerror(errno)))") }
        var one: Int32 = 1
        setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
        guard bind(s, ai.pointee.ai_addr, ai.pointee.ai_addrlen) == 0, listen(s, 16) == 0 else {
            let e = errno
            Glibc.close(s)
            throw MetricsError("metrics: cannot listen on \(host):\(port): \(String(cString: strerror(e)))")
        }
        var bound = sockaddr_storage()
        var len = socklen_t(MemoryLayout<sockaddr_storage>.size)
        withUnsafeMutablePointer(to: &bound) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { _ = getsockname(s, $0, &len) } }
        let boundPort: UInt16 = withUnsafeBytes(of: bound) { b in UInt16(b[2]) << 8 | UInt16(b[3]) }
        self.port = boundPort
        self.listenFD = s
    }

    deinit {
        stop()
        pthread_mutex_destroy(lock); lock.deallocate()
    }

    public func start() {
        let box = Unmanaged.passRetained(self)
        var t = pthread_t()
        pthread_create(&t, nil, { arg in
            let server = Unmanaged<PrometheusHTTPServer>.fromOpaque(arg!).takeRetainedValue()
            server.serve()
            return nil
        }, box.toOpaque())
        thread = t
    }

    /// Stops accepting and waits for the serving thread.
    public func stop() {
        pthread_mutex_lock(lock)
        let already = stopping
        stopping = true
        pthread_mutex_unlock(lock)
        if already { return }
        if let t = thread { pthread_join(t, nil); thread = nil }
        if listenFD >= 0 { Glibc.close(listenFD); listenFD = -1 }
    }

    private var isStopping: Bool {
        pthread_mutex_lock(lock); defer { pthread_mutex_unlock(lock) }
        return stopping
    }

    private func serve() {
        while !isStopping {
            var pfd = pollfd(fd: listenFD, events: Int16(POLLIN), revents: 0)
            let r = poll(&pfd, 1, 200)
            if r <= 0 { continue }
            let c = accept(listenFD, nil, nil)
            if c < 0 { continue }
            handle(connection: c)
            Glibc.close(c)
        }
    }

    private func handle(connection c: Int32) {
        var tv = timeval(tv_sec: 2, tv_usec: 0)
        setsockopt(c, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
        var request = [UInt8]()
        var buf = [UInt8](repeating: 0, count: 2048)
        while request.count < 8192 {
            let n = buf.withUnsafeMutableBytes { recv(c, $0.baseAddress, $0.count, 0) }
            if n <= 0 { break }
            request.append(contentsOf: buf[0..<n])
            if request.count >= 4, request.suffix(4).elementsEqual([13, 10, 13, 10]) { break }
            if request.count >= 2, request.suffix(2).elementsEqual([10, 10]) { break }
        }
        let firstLine = String(decoding: request.prefix { $0 != 13 && $0 != 10 }, as: UTF8.self)
        let parts = firstLine.split(separator: " ")
        var status = "200 OK", body = "", type = PrometheusText.contentType
        if parts.count < 2 || (parts[0] != "GET" && parts[0] != "HEAD") {
            status = "405 Method Not Allowed"; body = "only GET /metrics\n"; type = "text/plain"
        } else if parts[1] != "/metrics" && parts[1] != "/" {
            status = "404 Not Found"; body = "try /metrics\n"; type = "text/plain"
        } else {
            body = render()
        }
        let bodyBytes = Array(body.utf8)
        var response = Array("HTTP/1.0 \(status)\r\nContent-Type: \(type)\r\nContent-Length: \(bodyBytes.count)\r\nConnection: close\r\n\r\n".utf8)
        if parts.first != "HEAD" { response += bodyBytes }
        var off = 0
        while off < response.count {
            let n = response.withUnsafeBytes { send(c, $0.baseAddress! + off, $0.count - off, Int32(MSG_NOSIGNAL)) }
            if n <= 0 { break }
            off += n
        }
    }
}
