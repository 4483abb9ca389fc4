// EventOutput: packet time (nanoseconds since the epoch) formatted as Suricata does: 2026-11-26T08:40:30.123456+0000 (UTC).

public enum EveTime {
    /// Civil date from days since 1970-01-01 (Howard Hinnant's algorithm); valid far beyond any capture.
    static func civil(days z0: Int64) -> (year: Int64, month: Int, day: Int) {
        let z = z0 + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365
        let y = yoe + era * 400
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        return (m <= 2 ? y + 1 : y, Int(m), Int(d))
    }

    /// Appends the timestamp (microsecond precision, like Suricata) to `out` as ASCII.
    public static func append(_ ns: Int64, to out: inout [UInt8]) {
        var secs = ns / 1_000_000_000
        var frac = ns % 1_000_000_000
        if frac < 0 { frac += 1_000_000_000; secs -= 1 }
        let micros = Int(frac / 1000)
        var days = secs / 86_400
        var rem = secs % 86_400
        if rem < 0 { rem += 86_400; days -= 1 }
        let (y, m, d) = civil(days: days)
        func digits(_ v: Int, _ n: Int) {
            var p = 1
            for _ in 1..<n { p *= 10 }
            while p > 0 { out.append(UInt8(48 + (v / p) % 10)); p /= 10 }
        }
        if y < 0 || y > 9999 { digits(0, 4) } else { digits(Int(y), 4) }
        out.append(45); digits(m, 2); out.append(45); digits(d, 2)
        out.append(84)
        digits(Int(rem / 3600), 2); out.append(58); digits(Int(rem / 60 % 60), 2); out.append(58); digits(Int(rem % 60), 2)
        out.append(46); digits(micros, 6)
        out.append(contentsOf: "+0000".utf8)
    }

    public static func string(_ ns: Int64) -> String {
        var out = [UInt8]()
        append(ns, to: &out)
        return String(decoding: out, as: UTF8.self)
    }
}
