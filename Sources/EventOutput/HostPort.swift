// EventOutput: splits "host:port" and "[v6-host]:port" destinations (syslog and Prometheus listen addresses).

/// Splits `host:port` (the last colon) or `[host]:port`; nil when the brackets or the colon are missing.
func splitHostPort(_ text: Substring) -> (host: Substring, port: Substring)? {
    if text.hasPrefix("[") {
        guard let close = text.firstIndex(of: "]") else { return nil }
        let rest = text[text.index(after: close)...]
        guard rest.hasPrefix(":") else { return nil }
        return (text[text.index(after: text.startIndex)..<close], rest.dropFirst())
    }
    guard let colon = text.lastIndex(of: ":") else { return nil }
    return (text[..<colon], text[text.index(after: colon)...])
}
