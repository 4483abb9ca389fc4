// EventOutput: RFC 5424 syslog messages with structured data, sent to a unix socket (/dev/log) or UDP (RFC 5426).
#if canImport(Glibc)
import Glibc
#endif

/// Where syslog messages go. Text forms: `unix:/dev/log`, `/dev/log`, `udp:127.0.0.1:514`, `udp:[::1]:514`.
public enum SyslogTarget: Sendable, Equatable, CustomStringConvertible {
    case unix(path: String)
    case udp(host: String, port: UInt16)

    public init?(_ text: String) {
        if text.hasPrefix("unix:") {
            let path = String(text.dropFirst(5))
            guard !path.isEmpty else { return nil }
            self = .unix(path: path)
        } else if text.hasPrefix("/") {
            self = .unix(path: text)
        } else if text.hasPrefix("udp:") {
            guard let (host, portText) = splitHostPort(Substring(text.dropFirst(4))) else { return nil }
            guard !host.isEmpty, let port = UInt16(portText), port > 0 else { return nil }
            self = .udp(host: String(host), port: port)
        } else {
            return nil
        }
    }

    public var description: String {
        switch self {
        case .unix(let path): return "unix:\(path)"
        case .udp(let host, let port): return host.contains(":") ? "udp:[\(host)]:\(port)" : "udp:\(host):\(port)"
        }
    }
}

/// RFC 5424 severities (the numeric values the PRI field encodes).
public enum SyslogSeverity: Int, Sendable {
    case emergency = 0, alert, critical, error, warning, notice, informational, debug
}

/// Builds RFC 5424 messages: `<PRI>1 TIMESTAMP HOSTNAME APP-NAME PROCID MSGID [SD-ID k="v" ...] MSG`.
public enum RFC5424 {
    /// The structured-data ID segcheck uses (32473 is the private enterprise number RFC 5612 reserves for examples;
    /// replace it with your own registered number if your SIEM requires one).
    public static let structuredDataID = "segcheck@32473"

    /// Escapes a PARAM-VALUE: `"`, `\` and `]` get a backslash (RFC 5424 section 6.3.3).
    public static func escapeParamValue(_ value: String) -> String {
        var out = ""
        out.reserveCapacity(value.utf8.count)
        for ch in value.unicodeScalars {
            if ch == "\"" || ch == "\\" || ch == "]" { out.unicodeScalars.append("\\") }
            out.unicodeScalars.append(ch)
        }
        return out
    }

    /// A header field (HOSTNAME, APP-NAME, PROCID, MSGID): printable US-ASCII without spaces, "-" when empty.
    public static func headerField(_ value: String, maxLength: Int) -> String {
        var out = ""
        for b in value.utf8 where b >= 33 && b <= 126 {
            out.unicodeScalars.append(Unicode.Scalar(b))
            if out.utf8.count >= maxLength { break }
        }
        return out.isEmpty ? "-" : out
    }

    /// SD-NAME: printable ASCII except `=`, space, `]`, `"`; at most 32 characters.
    public static func paramName(_ value: String) -> String {
        var out = ""
        for b in value.utf8 where b >= 33 && b <= 126 && b != UInt8(ascii: "=") && b != UInt8(ascii: "]") && b != UInt8(ascii: "\"") {
            out.unicodeScalars.append(Unicode.Scalar(b))
            if out.utf8.count >= 32 { break }
        }
        return out.isEmpty ? "x" : out
    }

    /// Formats a timestamp in nanoseconds since the epoch as RFC 3339 UTC with microseconds (RFC 5424 allows at most 6 digits).
    public static func timestamp(nanoseconds: Int64) -> String {
        var seconds = time_t(nanoseconds / 1_000_000_000)
        var frac = nanoseconds % 1_000_000_000
        if frac < 0 { frac += 1_000_000_000; seconds -= 1 }
        var parts = tm()
        gmtime_r(&seconds, &parts)
        func pad(_ v: Int, _ width: Int) -> String {
            let s = String(v)
            return s.count >= width ? s : String(repeating: "0", count: width - s.count) + s
        }
        return "\(pad(Int(parts.tm_year) + 1900, 4))-\(pad(Int(parts.tm_mon) + 1, 2))-\(pad(Int(parts.tm_mday), 2))T"
            + "\(pad(Int(parts.tm_hour), 2)):\(pad(Int(parts.tm_min), 2)):\(pad(Int(parts.tm_sec), 2)).\(pad(Int(frac / 1000), 6))Z"
    }

    /// One complete message. The MSG part is UTF-8 and starts with the BOM, as RFC 5424 section 6.4 requires for UTF-8 text.
    public static func message(facility: Int, severity: SyslogSeverity, timestampNanoseconds: Int64, hostname: String,
                               appName: String, processID: String, messageID: String,
                               structuredData: [(String, String)], text: String) -> String {
        let pri = facility * 8 + severity.rawValue
        var sd = "-"
        if !structuredData.isEmpty {
            sd = "[" + structuredDataID
            for (k, v) in structuredData { sd += " \(paramName(k))=\"\(escapeParamValue(v))\"" }
            sd += "]"
        }
        var line = "<\(pri)>1 \(timestamp(nanoseconds: timestampNanoseconds)) \(headerField(hostname, maxLength: 255)) "
        line += "\(headerField(appName, maxLength: 48)) \(headerField(processID, maxLength: 128)) \(headerField(messageID, maxLength: 32)) \(sd)"
        if !text.isEmpty { line += " \u{FEFF}" + text }
        return line
    }
}

/// Why a syslog destination could not be used.
public struct SyslogError: Error, Sendable, CustomStringConvertible {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// Sends RFC 5424 messages over a datagram socket. Not thread-safe: the monitor calls it from its single writer.
public final class SyslogSender {
    public let target: SyslogTarget
    public let facility: Int
    public let appName: String
    public let hostname: String
    public let processID: String
    private var fd: Int32 = -1
    /// Messages that could not be sent (collector down, socket buffer full).
    public private(set) var failures: UInt64 = 0
    public private(set) var sent: UInt64 = 0

    /// Facility 13 ("log audit") by default; `local0`...`local7` are 16...23.
    public init(target: SyslogTarget, facility: Int = 13, appName: String = "segcheck") throws(SyslogError) {
        self.target = target
        self.facility = facility
        self.appName = appName
        var name = [CChar](repeating: 0, count: 256)
        gethostname(&name, 255)
        self.hostname = String(cString: name)
        self.processID = String(getpid())
        try connect()
    }

    deinit { if fd >= 0 { Glibc.close(fd) } }

    private func connect() throws(SyslogError) {
        if fd >= 0 { Glibc.close(fd); fd = -1 }
        switch target {
        case .unix(let path):
            let s = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
            guard s >= 0 else { throw SyslogError("syslog: cannot create unix socket: \(String(cString: strerror(errno)))") }
            var addr = sockaddr_un()
            addr.sun_family = sa_family_t(AF_UNIX)
            let bytes = Array(path.utf8)
            guard bytes.count < MemoryLayout.size(ofValue: addr.sun_path) else {
                Glibc.close(s); throw SyslogError("syslog: socket path too long: \(path)")
            }
            withUnsafeMutableBytes(of: &addr.sun_path) { raw in
                for (i, b) in bytes.enumerated() { raw[i] = b }
                raw[bytes.count] = 0
            }
            let rc = withUnsafePointer(to: &addr) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.connect(s, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
            }
            if rc != 0 {
                let e = errno
                Glibc.close(s)
                throw SyslogError("syslog: cannot connect to \(path): \(String(cString: strerror(e)))")
            }
            fd = s
        case .udp(let host, let port):
            var hints = addrinfo()
            hints.ai_socktype = Int32(SOCK_DGRAM.rawValue)
            hints.ai_flags = AI_NUMERICHOST
            var res: UnsafeMutablePointer<addrinfo>?
            let gai = getaddrinfo(host, String(port), &hints, &res)
            guard gai == 0, let ai = res else {
                throw SyslogError("syslog: '\(host)' is not a numeric IP address (\(String(cString: gai_strerror(gai))))")
            }
            defer { freeaddrinfo(res) }
            let s = socket(ai.pointee.ai_family, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
            guard s >= 0 else { throw SyslogError("syslog: cannot create UDP socket: \(String(cString: strerror(errno)))") }
            if Glibc.connect(s, ai.pointee.ai_addr, ai.pointee.ai_addrlen) != 0 {
                let e = errno
                Glibc.close(s)
                throw SyslogError("syslog: cannot use \(target): \(String(cString: strerror(e)))")
            }
            fd = s
        }
    }

    /// Reconnects (after syslogd restarted, or on SIGUSR1). Keeps the old socket state on failure.
    public func reopen() {
        try? connect()
    }

    /// Formats and sends one message; failures are counted, never fatal.
    public func send(severity: SyslogSeverity, messageID: String, timestampNanoseconds: Int64,
                     structuredData: [(String, String)], text: String) {
        let line = RFC5424.message(facility: facility, severity: severity, timestampNanoseconds: timestampNanoseconds,
                                   hostname: hostname, appName: appName, processID: processID, messageID: messageID,
                                   structuredData: structuredData, text: text)
        var ok = false
        for attempt in 0..<2 {
            if fd < 0 { if attempt == 0 { reopen(); continue } else { break } }
            let n = line.utf8CString.withUnsafeBufferPointer { buf in
                Glibc.send(fd, buf.baseAddress, buf.count - 1, Int32(MSG_NOSIGNAL))
            }
            if n >= 0 { ok = true; break }
            // A restarted syslogd leaves a stale unix socket (ECONNREFUSED/ENOTCONN): reconnect once.
            if case .unix = target, attempt == 0 { reopen() } else { break }
        }
        if ok { sent &+= 1 } else { failures &+= 1 }
    }
}
