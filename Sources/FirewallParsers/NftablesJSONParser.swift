// nftables JSON parser: `nft -j list ruleset` (libnftables-json(5)) into the shared nftables form. Includes a small
// JSON reader that keeps line and column of every value, so errors and findings point into the JSON file.
import Firewall
import Policy

/// A JSON value with where it starts.
indirect enum JValue {
    case object([(String, JValue)], SourceLocation)
    case array([JValue], SourceLocation)
    case string(String, SourceLocation)
    case number(Double, String, SourceLocation)
    case bool(Bool, SourceLocation)
    case null(SourceLocation)

    var location: SourceLocation {
        switch self {
        case .object(_, let l), .array(_, let l), .string(_, let l), .number(_, _, let l), .bool(_, let l), .null(let l): return l
        }
    }
    subscript(_ key: String) -> JValue? {
        if case .object(let kv, _) = self { return kv.first { $0.0 == key }?.1 }
        return nil
    }
    var string: String? { if case .string(let s, _) = self { return s }; return nil }
    var array: [JValue]? { if case .array(let a, _) = self { return a }; return nil }
    var int: Int? { if case .number(let d, _, _) = self, d == d.rounded() { return Int(d) }; return nil }
    /// Scalars as nft writes them in text (numbers without ".0").
    var scalarText: String? {
        switch self {
        case .string(let s, _): return s
        case .number(_, let raw, _): return raw
        case .bool(let b, _): return b ? "true" : "false"
        default: return nil
        }
    }
    var singleKey: (String, JValue)? { if case .object(let kv, _) = self, kv.count == 1 { return kv[0] }; return nil }
}

struct JSONReader {
    let bytes: [UInt8]
    let file: String
    var i = 0, line = 1, lineStart = 0
    let maxDepth = 256

    init(_ text: String, file: String) { bytes = Array(text.utf8); self.file = file }

    var here: SourceLocation { SourceLocation(file: file, line: line, column: i - lineStart + 1) }
    func fail(_ msg: String) -> ConfigError { ConfigError(here, msg) }

    mutating func ws() {
        while i < bytes.count {
            let c = bytes[i]
            if c == 0x0A { line += 1; i += 1; lineStart = i }
            else if c == 0x20 || c == 0x09 || c == 0x0D { i += 1 }
            else { break }
        }
    }

    mutating func document() throws -> JValue {
        ws()
        let v = try value(depth: 0)
        ws()
        guard i == bytes.count else { throw fail("unexpected data after the JSON document") }
        return v
    }

    mutating func value(depth: Int) throws -> JValue {
        guard depth < maxDepth else { throw fail("JSON nested deeper than \(maxDepth) levels") }
        ws()
        guard i < bytes.count else { throw fail("unexpected end of JSON (expected a value)") }
        let loc = here
        switch bytes[i] {
        case UInt8(ascii: "{"):
            i += 1
            var kv: [(String, JValue)] = []
            ws()
            if i < bytes.count && bytes[i] == UInt8(ascii: "}") { i += 1; return .object(kv, loc) }
            while true {
                ws()
                guard i < bytes.count, bytes[i] == UInt8(ascii: "\"") else { throw fail("expected a string key in object") }
                let k = try string()
                ws()
                guard i < bytes.count, bytes[i] == UInt8(ascii: ":") else { throw fail("expected ':' after object key") }
                i += 1
                kv.append((k, try value(depth: depth + 1)))
                ws()
                guard i < bytes.count else { throw fail("unexpected end of JSON inside an object") }
                if bytes[i] == UInt8(ascii: ",") { i += 1; continue }
                if bytes[i] == UInt8(ascii: "}") { i += 1; return .object(kv, loc) }
                throw fail("expected ',' or '}' in object")
            }
        case UInt8(ascii: "["):
            i += 1
            var xs: [JValue] = []
            ws()
            if i < bytes.count && bytes[i] == UInt8(ascii: "]") { i += 1; return .array(xs, loc) }
            while true {
                xs.append(try value(depth: depth + 1))
                ws()
                guard i < bytes.count else { throw fail("unexpected end of JSON inside an array") }
                if bytes[i] == UInt8(ascii: ",") { i += 1; continue }
                if bytes[i] == UInt8(ascii: "]") { i += 1; return .array(xs, loc) }
                throw fail("expected ',' or ']' in array")
            }
        case UInt8(ascii: "\""):
            return .string(try string(), loc)
        case UInt8(ascii: "t"): try literal("true"); return .bool(true, loc)
        case UInt8(ascii: "f"): try literal("false"); return .bool(false, loc)
        case UInt8(ascii: "n"): try literal("null"); return .null(loc)
        default:
            let start = i
            while i < bytes.count, "+-0123456789.eE".utf8.contains(bytes[i]) { i += 1 }
            let raw = String(decoding: bytes[start..<i], as: UTF8.self)
            guard !raw.isEmpty, let d = Double(raw) else { i = start; throw fail("expected a JSON value") }
            return .number(d, raw, loc)
        }
    }

    mutating func literal(_ word: String) throws {
        let w = Array(word.utf8)
        guard i + w.count <= bytes.count, Array(bytes[i..<i + w.count]) == w else { throw fail("expected a JSON value") }
        i += w.count
    }

    mutating func string() throws -> String {
        i += 1
        var out: [UInt8] = []
        while true {
            guard i < bytes.count else { throw fail("unterminated string") }
            let c = bytes[i]
            if c == UInt8(ascii: "\"") { i += 1; break }
            if c == 0x0A { throw fail("newline inside a string") }
            if c == UInt8(ascii: "\\") {
                i += 1
                guard i < bytes.count else { throw fail("unterminated escape") }
                switch bytes[i] {
                case UInt8(ascii: "n"): out.append(0x0A)
                case UInt8(ascii: "t"): out.append(0x09)
                case UInt8(ascii: "r"): out.append(0x0D)
                case UInt8(ascii: "b"): out.append(0x08)
                case UInt8(ascii: "f"): out.append(0x0C)
                case UInt8(ascii: "u"):
                    guard i + 4 < bytes.count, let v = UInt32(String(decoding: bytes[i + 1...i + 4], as: UTF8.self), radix: 16) else { throw fail("bad \\u escape") }
                    i += 4
                    out.append(contentsOf: Array(String(Unicode.Scalar(v).map { Character($0) } ?? "?").utf8))
                default: out.append(bytes[i])
                }
                i += 1
                continue
            }
            out.append(c); i += 1
        }
        return String(decoding: out, as: UTF8.self)
    }
}

public enum NftablesJSONParser {
    public static let format = RuleSetFormat(
        name: "nftables-json",
        detect: { text in
            let head = text.prefix(4096)
            return head.drop { $0 == " " || $0 == "\n" || $0 == "\t" || $0 == "\r" }.hasPrefix("{") && head.contains("\"nftables\"")
        },
        parse: { text, file in try NftablesJSONParser.parse(text, file: file) })

    public static func parse(_ text: String, file: String) throws -> RuleSet {
        var reader = JSONReader(text, file: file)
        let doc = try reader.document()
        guard let items = doc["nftables"]?.array else { throw ConfigError(doc.location, "expected an object with an \"nftables\" array (nft -j list ruleset)") }
        var n = NftRuleset()
        var chainIndex: [String: Int] = [:]
        for item in items {
            guard let (kind, body) = item.singleKey else { throw ConfigError(item.location, "expected an object with one key (table, chain, set, map, rule, metainfo)") }
            func str(_ k: String) throws -> String {
                guard let s = body[k]?.scalarText else { throw ConfigError(body.location, "\(kind) needs \"\(k)\"") }
                return s
            }
            switch kind {
            case "metainfo", "table", "flowtable", "counter", "quota", "ct helper", "limit", "element": continue
            case "chain":
                let family = try str("family"), table = try str("table"), name = try str("name")
                var c = NftChain(family: family, table: table, name: name, type: body["type"]?.string, hook: body["hook"]?.string,
                                 priority: 0, policy: .accept, rules: [], location: body.location)
                if let p = body["prio"] {
                    if let v = p.int { c.priority = v }
                    else if let s = p.string, let v = NftTranslate.priorityNames[s] { c.priority = v }
                    else { throw ConfigError(p.location, "expected a chain priority number") }
                }
                if let pol = body["policy"]?.string {
                    switch pol { case "accept": c.policy = .accept; case "drop": c.policy = .drop
                    default: throw ConfigError(body["policy"]!.location, "expected policy accept or drop, found \(pol)") }
                }
                chainIndex["\(family) \(table) \(name)"] = n.chains.count
                n.chains.append(c)
            case "set", "map":
                let family = try str("family"), table = try str("table"), name = try str("name")
                var s = NftSet(family: family, table: table, name: name, elements: [], verdicts: [], location: body.location)
                if let elems = body["elem"]?.array {
                    for e in elems {
                        if kind == "map" {
                            guard let pair = e.array, pair.count == 2 else { throw ConfigError(e.location, "expected [key, verdict] in map elements") }
                            s.verdicts.append((try value(pair[0]), try verdict(pair[1])))
                        } else {
                            s.elements.append(try value(e))
                        }
                    }
                }
                n.sets.append(s)
            case "rule":
                let family = try str("family"), table = try str("table"), chain = try str("chain")
                guard let ci = chainIndex["\(family) \(table) \(chain)"] else {
                    throw ConfigError(body.location, "rule for chain \(family) \(table) \(chain), which is not declared before it")
                }
                guard let exprs = body["expr"]?.array else { throw ConfigError(body.location, "rule needs an \"expr\" array") }
                var statements: [NftStatement] = []
                var words: [String] = []
                for e in exprs {
                    let (st, w) = try statement(e)
                    statements.append(st)
                    if !w.isEmpty { words.append(w) }
                }
                let handle = body["handle"]?.scalarText.map { " # handle \($0)" } ?? ""
                n.chains[ci].rules.append(NftRule(statements: statements, location: item.location, text: words.joined(separator: " ") + handle))
            default:
                n.notes.append(ParseNote(.info, item.location, "\(kind) object is not analysed"))
            }
        }
        return try NftTranslate.ruleSet(n, format: "nftables-json", file: file)
    }

    static func verdict(_ v: JValue) throws -> FirewallAction {
        guard let (k, body) = v.singleKey else { throw ConfigError(v.location, "expected a verdict object") }
        switch k {
        case "accept": return .accept
        case "drop": return .drop
        case "reject": return .reject
        case "return": return .return
        case "continue": return .continue
        case "jump", "goto":
            guard let t = body["target"]?.string else { throw ConfigError(body.location, "\(k) needs a \"target\"") }
            return k == "jump" ? .jump(t) : .goto(t)
        case "queue": return .unknown("queue")
        default: throw ConfigError(v.location, "unknown verdict \(k)")
        }
    }

    static func value(_ v: JValue) throws -> NftValue {
        switch v {
        case .string(let s, let l):
            if s.hasPrefix("@") { return .named(String(s.dropFirst()), l) }
            return .atom(s, l)
        case .number(_, let raw, let l): return .atom(raw, l)
        case .array(let xs, _): return .list(try xs.map(value))
        case .object(_, let l):
            guard let (k, body) = v.singleKey else { throw ConfigError(l, "expected a value object (prefix, range, set, concat)") }
            switch k {
            case "prefix":
                guard let a = body["addr"]?.scalarText, let len = body["len"]?.int else { throw ConfigError(body.location, "prefix needs addr and len") }
                return .prefix(a, len, body.location)
            case "range":
                guard let ab = body.array, ab.count == 2 else { throw ConfigError(body.location, "range needs two values") }
                return .range(try value(ab[0]), try value(ab[1]))
            case "set":
                if let xs = body.array { return .set(try xs.map(value)) }
                return .set([try value(body)])
            case "concat":
                guard let xs = body.array else { throw ConfigError(body.location, "concat needs an array") }
                return .concat(try xs.map(value))
            case "elem":
                guard let inner = body["val"] else { throw ConfigError(body.location, "elem needs val") }
                return try value(inner)
            default: throw ConfigError(l, "value \(k) is not supported")
            }
        default: throw ConfigError(v.location, "expected a value")
        }
    }

    /// The selector a JSON "left" side names.
    static func selectors(_ v: JValue) -> ([NftSelector], String) {
        guard let (k, body) = v.singleKey else { return ([.unknown("expression")], "?") }
        switch k {
        case "payload":
            let proto = body["protocol"]?.string ?? "?", field = body["field"]?.string ?? "?"
            return ([NftTranslate.selector(proto, field)], "\(proto) \(field)")
        case "meta":
            let key = body["key"]?.string ?? "?"
            return ([NftTranslate.selector("meta", key)], key == "iifname" || key == "oifname" ? key : "meta \(key)")
        case "ct":
            let key = body["key"]?.string ?? "?"
            return ([NftTranslate.selector("ct", key)], "ct \(key)")
        case "concat":
            var sels: [NftSelector] = [], names: [String] = []
            for x in body.array ?? [] { let (s, n) = selectors(x); sels += s; names.append(n) }
            return (sels, names.joined(separator: " . "))
        default: return ([.unknown(k)], k)
        }
    }

    static func describe(_ v: JValue) -> String {
        switch v {
        case .string(let s, _): return s
        case .number(_, let raw, _): return raw
        case .array(let xs, _): return xs.map(describe).joined(separator: ",")
        case .object:
            guard let (k, b) = v.singleKey else { return "…" }
            switch k {
            case "prefix": return "\(b["addr"].map(describe) ?? "?")/\(b["len"].map(describe) ?? "?")"
            case "range": return (b.array ?? []).map(describe).joined(separator: "-")
            case "set": return "{ " + ((b.array ?? [b]).map(describe).joined(separator: ", ")) + " }"
            case "concat": return (b.array ?? []).map(describe).joined(separator: " . ")
            default: return k
            }
        default: return "…"
        }
    }

    static func statement(_ e: JValue) throws -> (NftStatement, String) {
        guard let (k, body) = e.singleKey else { throw ConfigError(e.location, "expected a statement object with one key") }
        switch k {
        case "match":
            guard let left = body["left"], let right = body["right"] else { throw ConfigError(body.location, "match needs left and right") }
            let op = body["op"]?.string ?? "=="
            let (sels, name) = selectors(left)
            let text = "\(name) \(op == "==" || op == "in" ? "" : op + " ")\(describe(right))"
            for s in sels { if case .unknown = s { return (.unknownMatch(text, e.location), text) } }
            return (.match(NftMatch(selectors: sels, negated: false, op: op, value: try value(right), location: e.location, text: text)), text)
        case "accept", "drop", "reject", "return", "continue", "jump", "goto", "queue":
            let v = try verdict(e)
            return (.verdict(v, e.location), v.description)
        case "counter", "log", "comment", "mangle", "notrack", "meta":
            return (.effectless, k == "comment" ? "" : k)
        case "vmap":
            guard let key = body["key"], let data = body["data"] else { throw ConfigError(body.location, "vmap needs key and data") }
            let (sels, name) = selectors(key)
            if let s = data.string, s.hasPrefix("@") {
                return (.vmapNamed(sels, String(s.dropFirst()), e.location, name), "\(name) vmap \(s)")
            }
            guard let set = data["set"]?.array else { throw ConfigError(data.location, "vmap data must be a set or @map") }
            var elems: [(NftValue, FirewallAction)] = []
            for el in set {
                guard let pair = el.array, pair.count == 2 else { throw ConfigError(el.location, "expected [key, verdict]") }
                elems.append((try value(pair[0]), try verdict(pair[1])))
            }
            return (.vmap(sels, elems, e.location, name), "\(name) vmap { … }")
        default:
            return (.unknownMatch(k, e.location), k)
        }
    }
}
