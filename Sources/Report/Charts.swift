// Inline SVG charts for the report: the zone-to-zone heat map and the violation timeline (no scripts, no external assets).
import Foundation

/// Escapes text for HTML/SVG element content and attribute values.
func esc(_ s: String) -> String {
    var out = ""
    out.reserveCapacity(s.utf8.count)
    for c in s.unicodeScalars {
        switch c {
        case "&": out += "&amp;"
        case "<": out += "&lt;"
        case ">": out += "&gt;"
        case "\"": out += "&quot;"
        case "'": out += "&#39;"
        default:
            // Control characters other than tab/newline cannot appear in HTML; show them as U+FFFD.
            if c.value < 0x20 && c != "\t" && c != "\n" { out += "\u{FFFD}" } else { out.unicodeScalars.append(c) }
        }
    }
    return out
}

/// Rough rendered width of text in px at a font size: CJK and full-width ≈ 1em, others ≈ 0.58em.
func textWidth(_ s: String, size: Double) -> Double {
    s.unicodeScalars.reduce(0) { $0 + ($1.value >= 0x2E80 ? size : size * 0.58) }
}

/// White → deep red for 0...1 (0 is drawn separately).
func heatColor(_ fraction: Double) -> String {
    let f = max(0, min(1, fraction))
    // From #fde0dc (light) to #b71c1c (dark).
    let r = Int(253 + (183 - 253) * f), g = Int(224 + (28 - 224) * f), b = Int(220 + (28 - 220) * f)
    return String(format: "#%02x%02x%02x", r, g, b)
}

struct HeatMap {
    var zones: [String]
    var labels: [String]
    var violations: [ZonePair: Int]
    var flows: [ZonePair: Int]
    var proven: Set<ZonePair> = []
    var fromLabel: String

    func svg() -> String {
        let font = 11.0
        let n = zones.count
        let maxLabel = labels.map { textWidth($0, size: font) }.max() ?? 60
        let rowLabelW = min(220, max(90, maxLabel + 16))
        // Column labels are rotated by -50°: they rise by sin(50°) and reach right by cos(50°) of their width.
        let rightPad = max(20, maxLabel * 0.64 - 20)
        // Fit the A4 text width (about 680 px) when there are many zones: narrower cells, never under 50 px.
        let cellW = max(50, min(78, (680 - rowLabelW - rightPad) / Double(max(n, 1))))
        let cellH = 38.0
        let colLabelH = min(190, max(60, maxLabel * 0.77 + 18))
        let width = rowLabelW + Double(n) * cellW + rightPad
        let height = colLabelH + Double(n) * cellH + 8
        let maxV = max(1, violations.values.max() ?? 1)
        var s = "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"chart heatmap\" viewBox=\"0 0 \(fmt(width)) \(fmt(height))\" width=\"\(fmt(width))\" height=\"\(fmt(height))\" role=\"img\">"
        s += "<text x=\"4\" y=\"\(fmt(colLabelH - 8))\" class=\"axis\">\(esc(fromLabel))</text>"
        for (j, label) in labels.enumerated() {
            let x = rowLabelW + Double(j) * cellW + cellW / 2 + 4
            s += "<text transform=\"translate(\(fmt(x)),\(fmt(colLabelH - 6))) rotate(-50)\" class=\"col\">\(esc(label))</text>"
        }
        for (i, src) in zones.enumerated() {
            let y = colLabelH + Double(i) * cellH
            s += "<text x=\"\(fmt(rowLabelW - 8))\" y=\"\(fmt(y + cellH / 2 + 4))\" text-anchor=\"end\" class=\"row\">\(esc(labels[i]))</text>"
            for (j, dst) in zones.enumerated() {
                let x = rowLabelW + Double(j) * cellW
                let pair = ZonePair(src: src, dest: dst)
                let v = violations[pair] ?? 0
                let f = flows[pair]
                let fill = v > 0 ? heatColor(0.25 + 0.75 * Double(v) / Double(maxV)) : (i == j ? "#eef1f4" : "#ffffff")
                s += "<rect x=\"\(fmt(x))\" y=\"\(fmt(y))\" width=\"\(fmt(cellW))\" height=\"\(fmt(cellH))\" fill=\"\(fill)\" stroke=\"#9aa5b1\" stroke-width=\"0.6\"/>"
                let dark = v > 0 && Double(v) / Double(maxV) > 0.35
                let main = v > 0 ? v.grouped : (f == nil ? "–" : "0")
                let sub = f.map { "(\($0.grouped))" } ?? ""
                let mainY = sub.isEmpty ? y + cellH / 2 + 5 : y + cellH / 2 + 1
                s += "<text x=\"\(fmt(x + cellW / 2))\" y=\"\(fmt(mainY))\" text-anchor=\"middle\" class=\"cell\(v > 0 ? " hot" : "")\(dark ? " dark" : "")\">\(esc(main))</text>"
                if !sub.isEmpty {
                    s += "<text x=\"\(fmt(x + cellW / 2))\" y=\"\(fmt(y + cellH / 2 + 14))\" text-anchor=\"middle\" class=\"sub\(dark ? " dark" : "")\">\(esc(sub))</text>"
                }
                if proven.contains(pair) {
                    s += "<text x=\"\(fmt(x + cellW - 4))\" y=\"\(fmt(y + 11))\" text-anchor=\"end\" class=\"proof\">✓</text>"
                }
            }
        }
        s += "</svg>"
        return s
    }
}

struct Timeline {
    var start: Date
    var end: Date
    var times: [Date]
    var outages: [Date]
    var labels: Labels
    var dates: DateText

    /// Bucket size in seconds and its name, aiming at ≤ 48 bars.
    func bucket() -> (seconds: Double, name: String) {
        let span = max(60, end.timeIntervalSince(start))
        let steps: [(Double, String)] = [
            (60, labels.bucketMinute), (300, labels.bucketMinutes(5)), (600, labels.bucketMinutes(10)),
            (900, labels.bucketMinutes(15)), (1800, labels.bucketMinutes(30)), (3600, labels.bucketHour),
            (7200, labels.bucketHours(2)), (10800, labels.bucketHours(3)), (21600, labels.bucketHours(6)),
            (43200, labels.bucketHours(12)), (86400, labels.bucketDay)]
        for (sec, name) in steps where span / sec <= 48 { return (sec, name) }
        let days = (span / 86400 / 48).rounded(.up)
        return (days * 86400, labels.lang == .ja ? "\(Int(days))日" : "\(Int(days)) days")
    }

    func svg() -> String {
        let (size, _) = bucket()
        let jst = 9.0 * 3600
        // Align buckets to JST boundaries.
        let first = ((start.timeIntervalSince1970 + jst) / size).rounded(.down) * size - jst
        let count = max(1, Int(((end.timeIntervalSince1970 - first) / size).rounded(.down)) + 1)
        var bins = [Int](repeating: 0, count: count)
        for t in times {
            let i = Int((t.timeIntervalSince1970 - first) / size)
            if i >= 0 && i < count { bins[i] += 1 }
        }
        let width = 680.0, height = 200.0
        let left = 46.0, right = 12.0, top = 14.0, bottom = 46.0
        let plotW = width - left - right, plotH = height - top - bottom
        let maxBin = max(1, bins.max() ?? 1)
        let yMax = niceCeiling(maxBin)
        var s = "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"chart timeline\" viewBox=\"0 0 \(fmt(width)) \(fmt(height))\" width=\"\(fmt(width))\" height=\"\(fmt(height))\" role=\"img\">"
        // Grid and y axis.
        for k in 0...4 {
            let v = yMax * k / 4
            let y = top + plotH - plotH * Double(v) / Double(yMax)
            s += "<line x1=\"\(fmt(left))\" y1=\"\(fmt(y))\" x2=\"\(fmt(width - right))\" y2=\"\(fmt(y))\" class=\"grid\"/>"
            s += "<text x=\"\(fmt(left - 6))\" y=\"\(fmt(y + 4))\" text-anchor=\"end\" class=\"tick\">\(v.grouped)</text>"
        }
        s += "<text x=\"4\" y=\"\(fmt(top - 4))\" class=\"tick\">\(esc(labels.countAxis))</text>"
        let barW = plotW / Double(count)
        for (i, n) in bins.enumerated() where n > 0 {
            let h = plotH * Double(n) / Double(yMax)
            s += "<rect x=\"\(fmt(left + Double(i) * barW + barW * 0.12))\" y=\"\(fmt(top + plotH - h))\" width=\"\(fmt(max(1, barW * 0.76)))\" height=\"\(fmt(h))\" class=\"bar\"><title>\(n)</title></rect>"
        }
        s += "<line x1=\"\(fmt(left))\" y1=\"\(fmt(top + plotH))\" x2=\"\(fmt(width - right))\" y2=\"\(fmt(top + plotH))\" class=\"axisline\"/>"
        // X ticks: at JST midnights when the span covers days, else about 6 evenly spaced labels.
        let total = Double(count) * size
        var ticks: [(Double, String, String)] = []   // (x, first line, second line)
        if total >= 2 * 86400 && 86400.truncatingRemainder(dividingBy: size) == 0 {
            let days = Int((total / 86400).rounded(.up))
            let stepDays = max(1, Int((Double(days) / 8).rounded(.up)))
            var t = ((first + jst) / 86400).rounded(.up) * 86400 - jst
            while t <= first + total {
                let text = dates.dateTime(Date(timeIntervalSince1970: t))
                ticks.append((left + plotW * (t - first) / total, String(text.prefix(10)), ""))
                t += Double(stepDays) * 86400
            }
        } else {
            let every = max(1, Int((Double(count) / 6).rounded(.up)))
            for i in stride(from: 0, to: count, by: every) {
                let text = dates.dateTime(Date(timeIntervalSince1970: first + Double(i) * size))
                ticks.append((left + Double(i) * barW, String(text.prefix(10)), String(text.dropFirst(11).prefix(5))))
            }
        }
        for (x, line1, line2) in ticks {
            s += "<line x1=\"\(fmt(x))\" y1=\"\(fmt(top))\" x2=\"\(fmt(x))\" y2=\"\(fmt(top + plotH + 4))\" class=\"daygrid\"/>"
            s += "<text x=\"\(fmt(x))\" y=\"\(fmt(top + plotH + 17))\" text-anchor=\"middle\" class=\"tick\">\(esc(line1))</text>"
            if !line2.isEmpty { s += "<text x=\"\(fmt(x))\" y=\"\(fmt(top + plotH + 30))\" text-anchor=\"middle\" class=\"tick\">\(esc(line2))</text>" }
        }
        for o in outages {
            let x = left + plotW * (o.timeIntervalSince1970 - first) / total
            guard x >= left && x <= width - right else { continue }
            s += "<line x1=\"\(fmt(x))\" y1=\"\(fmt(top + 8))\" x2=\"\(fmt(x))\" y2=\"\(fmt(top + plotH))\" class=\"outageline\"/>"
            s += "<path d=\"M\(fmt(x)),\(fmt(top + 9)) l-5,-9 h10 z\" class=\"outage\"/>"
        }
        s += "</svg>"
        return s
    }

    private func niceCeiling(_ n: Int) -> Int {
        var step = 1
        while true {
            for m in [1, 2, 5] where step * m * 4 >= n { return step * m * 4 }
            step *= 10
        }
    }
}

func fmt(_ d: Double) -> String {
    d == d.rounded() ? String(Int(d)) : String(format: "%.1f", d)
}
