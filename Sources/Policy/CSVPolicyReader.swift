// Reads the zones, hosts and flows tables of a CSV policy (as exported from Excel), keeping each cell's line and column.
import Foundation
enum CSVPolicyReader {
    /// One cell of a CSV file: its text and where it started.
    struct Cell {
        var text: String
        var line: Int
        var column: Int
        var quoted: Bool
    }

    /// RFC 4180 CSV: comma separated, double quotes with "" escapes, line breaks inside quotes. Columns count characters.
    static func parse(_ text: String, file: String) throws(PolicyError) -> [[Cell]] {
        var rows: [[Cell]] = []
        var row: [Cell] = []
        var field = ""
        var line = 1, column = 1
        var fieldLine = 1, fieldColumn = 1
        var inQuotes = false, wasQuoted = false, afterQuote = false
        var chars = Array(text)
        if chars.first == "\u{FEFF}" { chars.removeFirst() }
        var i = 0
        func endField() {
            row.append(Cell(text: field, line: fieldLine, column: fieldColumn, quoted: wasQuoted))
            field = ""; wasQuoted = false; afterQuote = false
        }
        while i < chars.count {
            let c = chars[i]
            if inQuotes {
                if c == "\"" {
                    if i + 1 < chars.count && chars[i + 1] == "\"" { field.append("\""); i += 2; column += 2; continue }
                    inQuotes = false; afterQuote = true
                } else {
                    field.append(c)
                    if c == "\n" || c == "\r\n" { line += 1; column = 0 }
                }
                i += 1; column += 1
                continue
            }
            switch c {
            case ",":
                endField()
                i += 1; column += 1
                fieldLine = line; fieldColumn = column
            case "\n", "\r\n", "\r":
                endField()
                if !(row.count == 1 && row[0].text.isEmpty && !row[0].quoted) { rows.append(row) } else { rows.append([]) }
                row = []
                i += 1; line += 1; column = 1
                fieldLine = line; fieldColumn = column
            case "\"":
                if field.isEmpty && !wasQuoted { inQuotes = true; wasQuoted = true; i += 1; column += 1; continue }
                throw PolicyError(SourceLocation(file: file, line: line, column: column),
                                  "stray double quote inside a cell: quote the whole cell and double the quote (\"\")")
            default:
                if afterQuote {
                    throw PolicyError(SourceLocation(file: file, line: line, column: column), "text after a closing quote: expected a comma or the end of the line")
                }
                field.append(c)
                i += 1; column += 1
            }
        }
        if inQuotes {
            throw PolicyError(SourceLocation(file: file, line: fieldLine, column: fieldColumn), "quoted cell never closed: a double quote is missing")
        }
        if !field.isEmpty || !row.isEmpty || wasQuoted { endField(); rows.append(row) }
        return rows
    }

    /// Header aliases: what municipal staff are likely to write in the first row (English or Japanese).
    static let aliases: [String: String] = [
        "name": "name", "名前": "name", "ゾーン名": "name", "名称": "name", "ホスト名": "name", "グループ名": "name",
        "tier": "tier", "層": "tier", "区分": "tier", "系": "tier",
        "label": "label", "表示名": "label", "ラベル": "label",
        "networks": "networks", "network": "networks", "ネットワーク": "networks", "セグメント": "networks",
        "addresses": "addresses", "address": "addresses", "アドレス": "addresses", "ipアドレス": "addresses",
        "vlans": "vlans", "vlan": "vlans",
        "zone": "zone", "ゾーン": "zone", "所属": "zone",
        "macs": "macs", "mac": "macs", "macアドレス": "macs",
        "id": "id", "番号": "id", "no": "id", "no.": "id",
        "from": "from", "送信元": "from", "接続元": "from", "通信元": "from",
        "to": "to", "宛先": "to", "接続先": "to", "通信先": "to",
        "proto": "proto", "protocol": "proto", "プロトコル": "proto",
        "ports": "ports", "port": "ports", "ポート": "ports", "ポート番号": "ports",
        "icmp_type": "icmp_type", "icmp_code": "icmp_code",
        "action": "action", "動作": "action", "可否": "action", "アクション": "action",
        "via": "via", "方式": "via", "経路": "via",
        "cite": "cite", "根拠": "cite", "出典": "cite",
        "note": "note", "備考": "note",
    ]

    struct Table {
        var file: String
        var columns: [String: Int]
        var rows: [[Cell]]
        func value(_ row: [Cell], _ key: String) -> Located? {
            guard let c = columns[key], c < row.count else { return nil }
            let cell = row[c]
            let t = cell.text.trimmingCharacters(in: .whitespaces)
            return t.isEmpty ? nil : Located(t, SourceLocation(file: file, line: cell.line, column: cell.column))
        }
        /// A cell holding several values separated by spaces, commas, semicolons, 、 or line breaks.
        func values(_ row: [Cell], _ key: String) -> [Located] {
            guard let c = columns[key], c < row.count else { return [] }
            let cell = row[c]
            var out: [Located] = []
            var current = "", startLine = cell.line, startColumn = cell.column + (cell.quoted ? 1 : 0)
            var line = startLine, column = startColumn
            for ch in cell.text + " " {
                if ch == " " || ch == "," || ch == ";" || ch == "、" || ch == "，" || ch == "\n" || ch == "\r\n" || ch == "\t" || ch == "　" {
                    if !current.isEmpty { out.append(Located(current, SourceLocation(file: file, line: startLine, column: startColumn))) }
                    current = ""
                    if ch == "\n" || ch == "\r\n" { line += 1; column = 0 }
                    column += 1
                    startLine = line; startColumn = column
                } else {
                    current.append(ch)
                    column += 1
                }
            }
            return out
        }
        func rowLocation(_ row: [Cell]) -> SourceLocation {
            SourceLocation(file: file, line: row.first?.line ?? 1, column: 1)
        }
    }

    static func table(_ text: String, file: String, allowed: Set<String>, required: [String]) throws(PolicyError) -> Table {
        let rows = try parse(text, file: file)
        guard let headerIndex = rows.firstIndex(where: { !$0.isEmpty }) else {
            throw PolicyError(SourceLocation(file: file, line: 1, column: 1), "empty table: expected a header row with \(required.joined(separator: ", "))")
        }
        var columns: [String: Int] = [:]
        for (i, cell) in rows[headerIndex].enumerated() {
            let raw = cell.text.trimmingCharacters(in: .whitespaces)
            if raw.isEmpty { continue }
            guard let key = aliases[raw.lowercased()], allowed.contains(key) else {
                throw PolicyError(SourceLocation(file: file, line: cell.line, column: cell.column),
                                  "unknown column '\(raw)': expected \(allowed.sorted().joined(separator: ", "))")
            }
            if columns[key] != nil { throw PolicyError(SourceLocation(file: file, line: cell.line, column: cell.column), "column '\(raw)' appears twice") }
            columns[key] = i
        }
        for r in required where columns[r] == nil {
            throw PolicyError(SourceLocation(file: file, line: rows[headerIndex].first?.line ?? 1, column: 1), "header row lacks the '\(r)' column")
        }
        var body: [[Cell]] = []
        for row in rows[(headerIndex + 1)...] {
            if row.allSatisfy({ $0.text.trimmingCharacters(in: .whitespaces).isEmpty }) { continue }  // blank spreadsheet row
            if row.first?.text.hasPrefix("#") == true { continue }                                       // comment row
            let width = (columns.values.max() ?? 0) + 1
            if row.count > width, let extra = row[width...].first(where: { !$0.text.trimmingCharacters(in: .whitespaces).isEmpty }) {
                throw PolicyError(SourceLocation(file: file, line: extra.line, column: extra.column), "cell '\(extra.text)' is beyond the last named column")
            }
            body.append(row)
        }
        return Table(file: file, columns: columns, rows: body)
    }

    static func readZones(text: String, file: String, into doc: inout PolicyDocument) throws(PolicyError) {
        let t = try table(text, file: file, allowed: ["name", "tier", "label", "networks", "addresses", "vlans"], required: ["name"])
        for row in t.rows {
            guard let name = t.value(row, "name") else { throw PolicyError(t.rowLocation(row), "zone row without a name") }
            var z = PolicyDocument.ZoneEntry(name: name, location: name.location)
            z.tier = t.value(row, "tier"); z.label = t.value(row, "label")
            z.networks = t.values(row, "networks") + t.values(row, "addresses")
            z.vlans = t.values(row, "vlans")
            doc.zones.append(z)
        }
    }

    static func readHosts(text: String, file: String, into doc: inout PolicyDocument) throws(PolicyError) {
        let t = try table(text, file: file, allowed: ["name", "zone", "label", "addresses", "networks", "macs"], required: ["name", "zone"])
        for row in t.rows {
            guard let name = t.value(row, "name") else { throw PolicyError(t.rowLocation(row), "host group row without a name") }
            var h = PolicyDocument.HostEntry(name: name, location: name.location)
            h.zone = t.value(row, "zone"); h.label = t.value(row, "label")
            h.addresses = t.values(row, "addresses") + t.values(row, "networks")
            h.macs = t.values(row, "macs")
            doc.hosts.append(h)
        }
    }

    static func readFlows(text: String, file: String, into doc: inout PolicyDocument) throws(PolicyError) {
        let t = try table(text, file: file, allowed: ["id", "from", "to", "proto", "ports", "icmp_type", "icmp_code", "action", "via", "cite", "note"],
                          required: ["from", "to", "action"])
        for row in t.rows {
            var f = PolicyDocument.FlowEntry(location: t.rowLocation(row))
            f.id = t.value(row, "id"); f.from = t.value(row, "from"); f.to = t.value(row, "to")
            f.proto = t.value(row, "proto"); f.ports = t.values(row, "ports")
            f.icmpType = t.value(row, "icmp_type"); f.icmpCode = t.value(row, "icmp_code")
            f.action = t.value(row, "action"); f.via = t.value(row, "via"); f.cite = t.value(row, "cite"); f.note = t.value(row, "note")
            doc.flows.append(f)
        }
    }
}
