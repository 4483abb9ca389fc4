// EventOutput: a hand-written JSON Lines builder over a reusable byte buffer (RFC 8259 escaping, no Foundation).
import Wire

/// Builds one JSON object at a time into a growing byte buffer; callers write the buffer out in batches.
/// Commas are handled by `needsComma`; keys are trusted ASCII literals.
public struct JSONLine {
    public var bytes: [UInt8] = []
    @usableFromInline var needsComma = false

    public init(capacity: Int = 1 << 16) { bytes.reserveCapacity(capacity) }

    public mutating func beginObject() { comma(); bytes.append(123); needsComma = false }
    public mutating func endObject() { bytes.append(125); needsComma = true }
    public mutating func beginObject(_ key: StaticString) { self.key(key); bytes.append(123); needsComma = false }
    public mutating func beginArray(_ key: StaticString) { self.key(key); bytes.append(91); needsComma = false }
    public mutating func endArray() { bytes.append(93); needsComma = true }
    /// Ends the current top-level object's line.
    public mutating func endLine() { bytes.append(10); needsComma = false }

    @inlinable mutating func comma() { if needsComma { bytes.append(44) } }

    public mutating func key(_ k: StaticString) {
        comma()
        bytes.append(34)
        k.withUTF8Buffer { bytes.append(contentsOf: $0) }
        bytes.append(34); bytes.append(58)
        needsComma = false
    }
    /// A key that is not a literal (counter names): escaped like any string.
    public mutating func key(_ k: String) {
        comma()
        appendEscaped(k)
        bytes.append(58)
        needsComma = false
    }

    public mutating func string(_ k: StaticString, _ v: String) { key(k); appendEscaped(v); needsComma = true }
    public mutating func string(_ k: StaticString, _ v: String?) {
        if let v { string(k, v) } else { null(k) }
    }
    public mutating func null(_ k: StaticString) { key(k); bytes.append(contentsOf: "null".utf8); needsComma = true }
    public mutating func int(_ k: StaticString, _ v: Int64) { key(k); appendInt(v); needsComma = true }
    public mutating func int(_ k: String, _ v: Int64) { key(k); appendInt(v); needsComma = true }
    public mutating func uint(_ k: StaticString, _ v: UInt64) { key(k); appendUInt(v); needsComma = true }
    public mutating func uint(_ k: String, _ v: UInt64) { key(k); appendUInt(v); needsComma = true }
    public mutating func bool(_ k: StaticString, _ v: Bool) { key(k); bytes.append(contentsOf: (v ? "true" : "false").utf8); needsComma = true }
    public mutating func timestamp(_ k: StaticString, _ ns: Int64) {
        key(k); bytes.append(34); EveTime.append(ns, to: &bytes); bytes.append(34); needsComma = true
    }
    /// An address as a JSON string; IPv4 written digit by digit (no String on the way).
    public mutating func ip(_ k: StaticString, _ a: IPAddress) {
        guard a.isIPv4 else { string(k, a.description); return }
        key(k)
        bytes.append(34)
        let v = a.v4Value
        appendUInt(UInt64(v >> 24)); bytes.append(46)
        appendUInt(UInt64((v >> 16) & 0xFF)); bytes.append(46)
        appendUInt(UInt64((v >> 8) & 0xFF)); bytes.append(46)
        appendUInt(UInt64(v & 0xFF))
        bytes.append(34)
        needsComma = true
    }
    /// An array element.
    public mutating func element(_ v: UInt64) { comma(); appendUInt(v); needsComma = true }
    public mutating func element(_ v: String) { comma(); appendEscaped(v); needsComma = true }

    mutating func appendUInt(_ v: UInt64) {
        if v == 0 { bytes.append(48); return }
        var tmp: (UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8,
                  UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8) =
            (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
        var n = 0
        var x = v
        withUnsafeMutableBytes(of: &tmp) { buf in
            while x > 0 { buf[19 - n] = UInt8(48 + x % 10); x /= 10; n += 1 }
            bytes.append(contentsOf: buf[(20 - n)...])
        }
    }
    mutating func appendInt(_ v: Int64) {
        if v < 0 { bytes.append(45); appendUInt(UInt64(bitPattern: 0 &- v)) } else { appendUInt(UInt64(v)) }
    }

    /// Appends `s` as a JSON string. Plain ASCII runs are copied as they are; `"`, `\` and control characters are
    /// escaped; other UTF-8 (Japanese zone labels) passes through unchanged, since Swift strings are valid UTF-8.
    public mutating func appendEscaped(_ s: String) {
        bytes.append(34)
        var s = s
        s.withUTF8 { u in
            var runStart = 0
            var i = 0
            let n = u.count
            while i < n {
                let c = u[i]
                if c >= 0x20 && c != 34 && c != 92 { i += 1; continue }
                if runStart < i { bytes.append(contentsOf: UnsafeBufferPointer(rebasing: u[runStart..<i])) }
                switch c {
                case 34: bytes.append(92); bytes.append(34)
                case 92: bytes.append(92); bytes.append(92)
                case 10: bytes.append(92); bytes.append(110)
                case 13: bytes.append(92); bytes.append(114)
                case 9: bytes.append(92); bytes.append(116)
                case 8: bytes.append(92); bytes.append(98)
                case 12: bytes.append(92); bytes.append(102)
                default:
                    let hex: [UInt8] = Array("0123456789abcdef".utf8)
                    bytes.append(contentsOf: [92, 117, 48, 48, hex[Int(c >> 4)], hex[Int(c & 15)]])
                }
                i += 1
                runStart = i
            }
            if runStart < n { bytes.append(contentsOf: UnsafeBufferPointer(rebasing: u[runStart..<n])) }
        }
        bytes.append(34)
    }
}
