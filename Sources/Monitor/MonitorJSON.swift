// Monitor: a small JSON object writer for the monitor's own EVE events (stats, feed, policy_reload).
import EventOutput

/// Builds one JSON object as text, in insertion order.
struct JSONObject {
    private(set) var text = "{"
    private var first = true

    private mutating func key(_ k: String) {
        if !first { text += "," }
        first = false
        text += JSONObject.quote(k) + ":"
    }
    mutating func add(_ k: String, _ v: String) { key(k); text += JSONObject.quote(v) }
    mutating func add(_ k: String, _ v: UInt64) { key(k); text += String(v) }
    mutating func add(_ k: String, _ v: Int) { key(k); text += String(v) }
    mutating func add(_ k: String, _ v: Bool) { key(k); text += v ? "true" : "false" }
    mutating func add(_ k: String, _ v: Double) {
        key(k)
        if v.isFinite { text += v == v.rounded() && abs(v) < 1e15 ? String(Int64(v)) : String((v * 1000).rounded() / 1000) } else { text += "null" }
    }
    mutating func add(_ k: String, _ v: JSONObject) { key(k); text += v.finished }
    mutating func add(_ k: String, _ v: [JSONObject]) { key(k); text += "[" + v.map(\.finished).joined(separator: ",") + "]" }
    mutating func addRaw(_ k: String, _ json: String) { key(k); text += json }
    var finished: String { text + "}" }

    /// A JSON string literal, escaped by the same code as every EVE line (EventOutput's JSONLine).
    static func quote(_ s: String) -> String {
        var line = JSONLine(capacity: s.utf8.count + 2)
        line.appendEscaped(s)
        return String(decoding: line.bytes, as: UTF8.self)
    }
}

/// EVE-style timestamp: `2026-11-26T08:50:00.123456+0000` (Suricata's spelling).
func eveTimestamp(nanoseconds: Int64) -> String { EveTime.string(nanoseconds) }
