// Small helpers to read loosely-typed JSON (from JSONSerialization) by dotted key paths, tolerant of missing fields.
import Foundation

typealias JSONObject = [String: Any]

extension Dictionary where Key == String, Value == Any {
    /// The value at a dotted path ("segcheck.src_zone").
    func value(at path: String) -> Any? {
        if !path.utf8.contains(46) {   // no ".": one lookup, no splitting
            let v = self[path]
            return v is NSNull ? nil : v
        }
        var current: Any? = self
        for part in path.split(separator: ".") {
            guard let dict = current as? JSONObject else { return nil }
            current = dict[String(part)]
        }
        if current is NSNull { return nil }
        return current
    }

    /// The first of several paths that holds a string (numbers are turned into text).
    func string(_ paths: String...) -> String? { string(paths) }
    func string(_ paths: [String]) -> String? {
        for p in paths {
            switch value(at: p) {
            case let s as String where !s.isEmpty: return s
            case let n as NSNumber: return jsonNumberText(n)
            default: continue
            }
        }
        return nil
    }

    func int(_ paths: String...) -> Int? {
        for p in paths {
            switch value(at: p) {
            case let n as NSNumber where !isBool(n): return n.intValue
            case let s as String: if let v = Int(s) { return v }
            default: continue
            }
        }
        return nil
    }

    func object(_ paths: String...) -> JSONObject? {
        for p in paths { if let o = value(at: p) as? JSONObject { return o } }
        return nil
    }
}

/// JSON booleans arrive as NSNumber with ObjC type "c"; JSON numbers never do.
func isBool(_ n: NSNumber) -> Bool { String(cString: n.objCType) == "c" }

func jsonNumberText(_ n: NSNumber) -> String {
    let d = n.doubleValue
    if d == d.rounded(), abs(d) < 1e15 { return String(Int64(d)) }
    return n.stringValue
}

/// Compact JSON text of any value, keys sorted (for evidence cells that have no better rendering).
func compactJSON(_ value: Any) -> String {
    if let s = value as? String { return s }
    guard JSONSerialization.isValidJSONObject(value),
          let data = try? JSONSerialization.data(withJSONObject: value, options: [.sortedKeys, .withoutEscapingSlashes]) else {
        return "\(value)"
    }
    return String(decoding: data, as: UTF8.self)
}

/// Parses EVE timestamps: 2026-11-26T08:40:30.123456+0000, ...+00:00, ...Z, with or without fraction.
func parseEVETimestamp(_ text: String) -> Date? {
    let b = Array(text.utf8)
    func num(_ from: Int, _ count: Int) -> Int? {
        guard from + count <= b.count else { return nil }
        var v = 0
        for i in from..<(from + count) {
            let c = b[i]
            guard c >= 48 && c <= 57 else { return nil }
            v = v * 10 + Int(c - 48)
        }
        return v
    }
    guard b.count >= 19, let year = num(0, 4), b[4] == 45, let month = num(5, 2), b[7] == 45, let day = num(8, 2),
          b[10] == 84 || b[10] == 32, let hour = num(11, 2), b[13] == 58, let minute = num(14, 2), b[16] == 58,
          let second = num(17, 2), (1...12).contains(month), (1...31).contains(day), hour < 24, minute < 60, second < 61
    else { return nil }
    var i = 19
    var fraction = 0.0
    if i < b.count, b[i] == 46 {
        i += 1
        var scale = 0.1
        while i < b.count, b[i] >= 48, b[i] <= 57 { fraction += Double(b[i] - 48) * scale; scale /= 10; i += 1 }
    }
    var offset = 0
    if i < b.count {
        if b[i] == 90 { i += 1 }
        else if b[i] == 43 || b[i] == 45 {
            let sign = b[i] == 45 ? -1 : 1
            guard let oh = num(i + 1, 2) else { return nil }
            var j = i + 3
            if j < b.count, b[j] == 58 { j += 1 }
            guard let om = num(j, 2) else { return nil }
            offset = sign * (oh * 3600 + om * 60)
            i = j + 2
        } else { return nil }
    }
    guard i == b.count else { return nil }
    // Days from civil (proleptic Gregorian), Howard Hinnant's algorithm.
    let y = month <= 2 ? year - 1 : year
    let era = (y >= 0 ? y : y - 399) / 400
    let yoe = y - era * 400
    let mp = (month + 9) % 12
    let doy = (153 * mp + 2) / 5 + day - 1
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
    let days = era * 146097 + doe - 719468
    let seconds = Double(days * 86400 + hour * 3600 + minute * 60 + second - offset) + fraction
    return Date(timeIntervalSince1970: seconds)
}
