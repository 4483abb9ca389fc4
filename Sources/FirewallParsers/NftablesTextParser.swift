// nftables text parser: `nft list ruleset` output (and hand-written `nft -f` files in the same block form, with
// `define` variables and `flush ruleset`) into the shared nftables form.
import Firewall
import Policy

public enum NftablesTextParser {
    public static let format = RuleSetFormat(
        name: "nftables",
        detect: { text in
            // maxSplits: only the first lines are looked at, so do not split the whole file.
            for line in text.split(separator: "\n", maxSplits: 200, omittingEmptySubsequences: true).prefix(200) {
                let t = line.drop { $0 == " " || $0 == "\t" }
                if t.isEmpty || t.hasPrefix("#") { continue }
                return t.hasPrefix("table ") || t.hasPrefix("flush ruleset") || t.hasPrefix("define ") || t.hasPrefix("#!")
            }
            return false
        },
        parse: { text, file in try NftablesTextParser.parse(text, file: file) })

    enum Kind: Equatable { case word, string, newline, punct, end }
    struct Token {
        var kind: Kind
        var text: String
        var line: Int
        var column: Int
    }

    static func lex(_ text: String, file: String) throws -> [Token] {
        var out: [Token] = []
        var line = 1, col = 0
        var it = Array(text.unicodeScalars)
        it.append("\n")
        var i = 0
        func isWordChar(_ c: Unicode.Scalar) -> Bool {
            switch c {
            case "a"..."z", "A"..."Z", "0"..."9", "_", ".", "/", ":", "-", "*", "$", "@", "%", "\\", "[", "]", "+": return true
            default: return c.value > 127
            }
        }
        while i < it.count {
            let c = it[i]
            col += 1
            if c == "\n" {
                out.append(Token(kind: .newline, text: "\n", line: line, column: col))
                line += 1; col = 0; i += 1; continue
            }
            if c == " " || c == "\t" || c == "\r" { i += 1; continue }
            if c == "#" {
                while i < it.count && it[i] != "\n" { i += 1 }
                continue
            }
            if c == "\\" && i + 1 < it.count && it[i + 1] == "\n" { i += 2; line += 1; col = 0; continue }
            if c == "\"" {
                let startCol = col
                var s = ""
                i += 1
                while i < it.count && it[i] != "\"" {
                    if it[i] == "\n" { throw ConfigError(SourceLocation(file: file, line: line, column: startCol), "unterminated string") }
                    s.unicodeScalars.append(it[i]); i += 1; col += 1
                }
                i += 1; col += 1
                out.append(Token(kind: .string, text: s, line: line, column: startCol))
                continue
            }
            if c == "!" && i + 1 < it.count && it[i + 1] == "=" {
                out.append(Token(kind: .punct, text: "!=", line: line, column: col)); i += 2; col += 1; continue
            }
            if (c == "<" || c == ">" || c == "=") && i + 1 < it.count && it[i + 1] == "=" {
                out.append(Token(kind: .punct, text: String(c) + "=", line: line, column: col)); i += 2; col += 1; continue
            }
            if "{};,=<>!".unicodeScalars.contains(c) {
                out.append(Token(kind: .punct, text: String(c), line: line, column: col)); i += 1; continue
            }
            if isWordChar(c) {
                let startCol = col
                var s = ""
                while i < it.count && isWordChar(it[i]) { s.unicodeScalars.append(it[i]); i += 1; col += 1 }
                col -= 1
                // A lone ":" or "." is punctuation (vmap separator, concatenation).
                out.append(Token(kind: (s == ":" || s == ".") ? .punct : .word, text: s, line: line, column: startCol))
                continue
            }
            throw ConfigError(SourceLocation(file: file, line: line, column: col), "unexpected character '\(c)'")
        }
        out.append(Token(kind: .end, text: "end of file", line: line, column: 1))
        return out
    }

    public static func parse(_ text: String, file: String) throws -> RuleSet {
        var p = Parser(tokens: try lex(text, file: file), file: file, lines: text.split(separator: "\n", omittingEmptySubsequences: false))
        let n = try p.parseFile()
        return try NftTranslate.ruleSet(n, format: "nftables", file: file)
    }

    struct Parser {
        var tokens: [Token]
        var pos = 0
        let file: String
        let lines: [Substring]
        var result = NftRuleset()
        var defines: [String: [Token]] = [:]

        init(tokens: [Token], file: String, lines: [Substring]) { self.tokens = tokens; self.file = file; self.lines = lines }

        var tok: Token { tokens[pos] }
        func loc(_ t: Token) -> SourceLocation { SourceLocation(file: file, line: t.line, column: t.column) }
        func fail(_ t: Token, _ msg: String) -> ConfigError { ConfigError(loc(t), msg + (t.kind == .end ? "" : " (found '\(t.text == "\n" ? "end of line" : t.text)')")) }
        mutating func next() -> Token { let t = tokens[pos]; if pos < tokens.count - 1 { pos += 1 }; return t }
        mutating func skipNewlines() { while tok.kind == .newline || (tok.kind == .punct && tok.text == ";") { pos += 1 } }
        mutating func expect(_ text: String) throws {
            guard tok.text == text && tok.kind != .string else { throw fail(tok, "expected '\(text)'") }
            pos += 1
        }
        mutating func word(_ what: String) throws -> Token {
            guard tok.kind == .word || tok.kind == .string else { throw fail(tok, "expected \(what)") }
            return next()
        }
        func isEndOfStatement(_ t: Token) -> Bool { t.kind == .newline || t.kind == .end || (t.kind == .punct && (t.text == ";" || t.text == "}")) }

        mutating func parseFile() throws -> NftRuleset {
            while true {
                skipNewlines()
                if tok.kind == .end { break }
                let t = try word("'table', 'flush ruleset' or 'define'")
                switch t.text {
                case "table": try table()
                case "flush":
                    let w = try word("'ruleset'")
                    guard w.text == "ruleset" else { throw fail(w, "only 'flush ruleset' is supported") }
                case "define":
                    let name = try word("a variable name")
                    try expect("=")
                    var body: [Token] = []
                    var depth = 0
                    while !(depth == 0 && (tok.kind == .newline || tok.kind == .end)) {
                        if tok.text == "{" { depth += 1 }
                        if tok.text == "}" { depth -= 1 }
                        body.append(next())
                    }
                    defines[name.text] = body
                default: throw fail(t, "expected 'table', 'flush ruleset' or 'define'")
                }
            }
            return result
        }

        mutating func table() throws {
            var family = "ip"
            var nameTok = try word("a table family or name")
            if ["ip", "ip6", "inet", "arp", "bridge", "netdev"].contains(nameTok.text) && tok.kind != .punct {
                family = nameTok.text
                nameTok = try word("a table name")
            }
            let table = nameTok.text
            try expect("{")
            while true {
                skipNewlines()
                if tok.text == "}" && tok.kind == .punct { pos += 1; break }
                let t = try word("'chain', 'set', 'map' or '}'")
                switch t.text {
                case "chain": try chain(family: family, table: table, start: t)
                case "set", "map": try set(family: family, table: table, start: t, isMap: t.text == "map")
                case "flags", "comment":
                    while !isEndOfStatement(tok) { pos += 1 }
                case "flowtable", "counter", "quota", "ct", "limit", "secmark", "synproxy":
                    try skipBlock(t)
                    result.notes.append(ParseNote(.info, loc(t), "\(t.text) object in table \(family) \(table) is not analysed"))
                default: throw fail(t, "expected 'chain', 'set', 'map' or '}'")
                }
            }
        }

        mutating func skipBlock(_ start: Token) throws {
            while !(tok.kind == .punct && tok.text == "{") {
                if tok.kind == .end { throw fail(start, "unterminated block") }
                pos += 1
            }
            var depth = 0
            repeat {
                if tok.kind == .end { throw fail(start, "unterminated block") }
                if tok.text == "{" && tok.kind == .punct { depth += 1 }
                if tok.text == "}" && tok.kind == .punct { depth -= 1 }
                pos += 1
            } while depth > 0
        }

        mutating func chain(family: String, table: String, start: Token) throws {
            let name = try word("a chain name")
            try expect("{")
            var c = NftChain(family: family, table: table, name: name.text, type: nil, hook: nil, priority: 0, policy: .accept, rules: [], location: loc(start))
            while true {
                skipNewlines()
                if tok.kind == .punct && tok.text == "}" { pos += 1; break }
                if tok.kind == .end { throw fail(tok, "chain \(name.text) is not closed with '}'") }
                if tok.kind == .word && tok.text == "type" {
                    pos += 1
                    c.type = try word("a chain type (filter, nat, route)").text
                    let h = try word("'hook'")
                    guard h.text == "hook" else { throw fail(h, "expected 'hook'") }
                    c.hook = try word("a hook name").text
                    if tok.text == "device" { pos += 1; _ = try word("a device name") }
                    let p = try word("'priority'")
                    guard p.text == "priority" else { throw fail(p, "expected 'priority'") }
                    c.priority = try priority()
                    continue
                }
                if tok.kind == .word && tok.text == "policy" {
                    pos += 1
                    let v = try word("accept or drop")
                    switch v.text {
                    case "accept": c.policy = .accept
                    case "drop": c.policy = .drop
                    default: throw fail(v, "expected policy accept or drop")
                    }
                    continue
                }
                if tok.kind == .word && (tok.text == "comment" || tok.text == "devices") {
                    while !isEndOfStatement(tok) { pos += 1 }
                    continue
                }
                c.rules.append(try rule())
            }
            result.chains.append(c)
        }

        mutating func priority() throws -> Int {
            let t = try word("a priority")
            var base: Int
            if let n = Int(t.text) { base = n }
            else if let n = NftTranslate.priorityNames[t.text] { base = n }
            else { throw fail(t, "expected a priority number or name (raw, mangle, dstnat, filter, security, srcnat)") }
            if tok.kind == .word, let n = Int(tok.text), tok.text.hasPrefix("-") {   // "filter -10" lexes as a word
                base += n; pos += 1
            } else if tok.kind == .word && (tok.text == "+" || tok.text == "-") {
                let sign = next().text
                let v = try word("a number")
                guard let n = Int(v.text) else { throw fail(v, "expected a number") }
                base += sign == "+" ? n : -n
            }
            return base
        }

        mutating func set(family: String, table: String, start: Token, isMap: Bool) throws {
            let name = try word("a set name")
            try expect("{")
            var s = NftSet(family: family, table: table, name: name.text, elements: [], verdicts: [], location: loc(start))
            while true {
                skipNewlines()
                if tok.kind == .punct && tok.text == "}" { pos += 1; break }
                if tok.kind == .end { throw fail(tok, "set \(name.text) is not closed with '}'") }
                let t = try word("set property")
                if t.text == "elements" {
                    try expect("=")
                    guard tok.text == "{" else { throw fail(tok, "expected '{'") }
                    pos += 1
                    while true {
                        while tok.kind == .newline { pos += 1 }
                        if tok.kind == .punct && tok.text == "}" { pos += 1; break }
                        let v = try value(allowSet: false)
                        if isMap {
                            try expect(":")
                            s.verdicts.append((v, try verdictWord()))
                        } else { s.elements.append(v) }
                        while tok.kind == .newline { pos += 1 }
                        if tok.kind == .punct && tok.text == "," { pos += 1 }
                    }
                } else {
                    while !isEndOfStatement(tok) { pos += 1 }
                }
            }
            result.sets.append(s)
        }

        mutating func verdictWord() throws -> FirewallAction {
            let t = try word("a verdict")
            switch t.text {
            case "accept": return .accept
            case "drop": return .drop
            case "reject": return .reject
            case "return": return .return
            case "continue": return .continue
            case "jump": return .jump(try word("a chain name").text)
            case "goto": return .goto(try word("a chain name").text)
            default: throw fail(t, "expected a verdict (accept, drop, reject, return, jump CHAIN, goto CHAIN)")
            }
        }

        /// One value: atom, prefix, range, `@set`, `$var`, `{ set }`, concatenation `a . b`, flag list `a,b`.
        mutating func value(allowSet: Bool = true) throws -> NftValue {
            var parts = [try simpleValue()]
            while tok.kind == .punct && tok.text == "." {
                pos += 1
                parts.append(try simpleValue())
            }
            return parts.count == 1 ? parts[0] : .concat(parts)
        }

        mutating func simpleValue() throws -> NftValue {
            let t = tok
            if t.kind == .punct && t.text == "{" {
                pos += 1
                var xs: [NftValue] = []
                while true {
                    while tok.kind == .newline { pos += 1 }
                    if tok.kind == .punct && tok.text == "}" { pos += 1; break }
                    xs.append(try value())
                    while tok.kind == .newline { pos += 1 }
                    if tok.kind == .punct && tok.text == "," { pos += 1 } else if !(tok.kind == .punct && tok.text == "}") {
                        throw fail(tok, "expected ',' or '}' in set")
                    }
                }
                return .set(xs)
            }
            guard t.kind == .word || t.kind == .string else { throw fail(t, "expected a value") }
            pos += 1
            if t.kind == .string { return .atom(t.text, loc(t)) }
            if t.text.hasPrefix("$") {
                let name = String(t.text.dropFirst())
                guard let body = defines[name] else { throw fail(t, "variable $\(name) is not defined") }
                var sub = Parser(tokens: body + [Token(kind: .end, text: "end of file", line: t.line, column: t.column)], file: file, lines: lines)
                sub.defines = defines
                return try sub.value()
            }
            if t.text.hasPrefix("@") { return .named(String(t.text.dropFirst()), loc(t)) }
            if let slash = t.text.firstIndex(of: "/") {
                guard let len = Int(t.text[t.text.index(after: slash)...]) else { throw fail(t, "bad prefix length") }
                return .prefix(String(t.text[..<slash]), len, loc(t))
            }
            // Ranges a-b (interface names and ICMP names contain '-', so only split numeric/address looking values).
            if let dash = rangeDash(t.text) {
                return .range(.atom(String(t.text[..<dash]), loc(t)), .atom(String(t.text[t.text.index(after: dash)...]), loc(t)))
            }
            return .atom(t.text, loc(t))
        }

        func rangeDash(_ s: String) -> String.Index? {
            guard let d = s.firstIndex(of: "-"), d != s.startIndex else { return nil }
            let a = s[..<d], b = s[s.index(after: d)...]
            func looksNumeric(_ x: Substring) -> Bool { !x.isEmpty && x.allSatisfy { $0.isHexDigit || $0 == "." || $0 == ":" } && x.contains { $0.isNumber } }
            return looksNumeric(a) && looksNumeric(b) ? d : nil
        }

        static let statementWords: Set<String> = ["counter", "log", "comment", "limit", "meta", "ct", "notrack", "quota", "mark"]

        mutating func rule() throws -> NftRule {
            let first = tok
            let lineText = first.line <= lines.count ? String(lines[first.line - 1]).trimmingSpaces : ""
            var statements: [NftStatement] = []
            while !isEndOfStatement(tok) {
                let t = tok
                let startPos = pos
                switch t.kind == .word ? t.text : "" {
                case "accept", "drop", "reject", "return", "continue", "jump", "goto":
                    let v = try verdictWord()
                    if case .reject = v { while tok.kind == .word && !isEndOfStatement(tok) && tok.text != "comment" { pos += 1 } }
                    statements.append(.verdict(v, loc(t)))
                case "queue":
                    pos += 1
                    while tok.kind == .word && ["num", "bypass", "fanout", "flags", "to"].contains(tok.text) || (tok.kind == .word && Int(tok.text) != nil) { pos += 1 }
                    statements.append(.verdict(.unknown("queue"), loc(t)))
                case "counter":
                    pos += 1
                    while tok.kind == .word && (tok.text == "packets" || tok.text == "bytes" || Int(tok.text) != nil) { pos += 1 }
                    statements.append(.effectless)
                case "log":
                    pos += 1
                    while tok.kind == .word && ["prefix", "level", "flags", "group", "snaplen", "queue-threshold"].contains(tok.text) {
                        pos += 1
                        if !isEndOfStatement(tok) { pos += 1 }
                        while tok.kind == .punct && tok.text == "," { pos += 2 }
                    }
                    statements.append(.effectless)
                case "comment":
                    pos += 1
                    if tok.kind == .string || tok.kind == .word { pos += 1 }
                    statements.append(.effectless)
                case "limit", "quota":
                    pos += 1
                    var words = [t.text]
                    while tok.kind == .word && !isVerdictOrSelector(tok.text) { words.append(next().text) }
                    statements.append(.unknownMatch(words.joined(separator: " "), loc(t)))
                case "notrack":
                    pos += 1
                    statements.append(.effectless)
                default:
                    statements.append(try matchStatement())
                }
                if pos == startPos { throw fail(t, "unexpected") }
            }
            return NftRule(statements: statements, location: loc(first), text: lineText)
        }

        func isVerdictOrSelector(_ w: String) -> Bool {
            ["accept", "drop", "reject", "return", "continue", "jump", "goto", "counter", "log", "comment", "ip", "ip6", "tcp", "udp", "th",
             "meta", "ct", "iifname", "oifname", "iif", "oif", "icmp", "icmpv6", "sctp"].contains(w)
        }

        static let protocolWords: Set<String> = ["ip", "ip6", "tcp", "udp", "th", "sctp", "dccp", "udplite", "icmp", "icmpv6", "meta", "ct",
                                                 "ether", "vlan", "arp", "ah", "esp", "comp", "rt", "hbh", "frag", "dst", "mh", "srh", "ipsec", "fib", "socket", "osf", "rt0", "tunnel"]

        /// `SELECTOR [. SELECTOR] [op] VALUE`, `SELECTOR vmap {…}`, `meta mark set X` (a statement), `tcp flags syn` (unknown).
        mutating func matchStatement() throws -> NftStatement {
            let start = tok
            var sels: [NftSelector] = []
            var texts: [String] = []
            while true {
                let w = try word("a match (ip saddr, tcp dport, ct state, iifname, ...), a statement or a verdict")
                var proto = w.text, field = ""
                if ["iifname", "oifname", "iif", "oif", "l4proto", "nfproto", "mark", "pkttype", "iiftype", "oiftype", "skuid", "skgid", "priority", "length", "protocol", "cpu", "random"].contains(w.text) {
                    proto = "meta"; field = w.text
                } else if Parser.protocolWords.contains(w.text) {
                    let f = try word("a header field after \(w.text)")
                    field = f.text
                    if w.text == "ct" && ["original", "reply"].contains(field) { field += " " + (try word("a field").text) }
                } else {
                    throw fail(w, "expected a match (ip saddr, tcp dport, ct state, iifname, ...), a statement or a verdict")
                }
                texts.append("\(proto) \(field)")
                sels.append(NftTranslate.selector(proto, field))
                if tok.kind == .punct && tok.text == "." { pos += 1; continue }
                break
            }
            let text = texts.joined(separator: " . ")
            // Statements that set something: effectless for acceptance.
            if tok.kind == .word && tok.text == "set" {
                pos += 1
                _ = try value()
                return .effectless
            }
            if tok.kind == .word && tok.text == "vmap" {
                pos += 1
                if tok.kind == .word && tok.text.hasPrefix("@") {
                    let n = next()
                    return .vmapNamed(sels, String(n.text.dropFirst()), loc(n), text)
                }
                try expect("{")
                var elems: [(NftValue, FirewallAction)] = []
                while true {
                    while tok.kind == .newline { pos += 1 }
                    if tok.kind == .punct && tok.text == "}" { pos += 1; break }
                    let k = try value()
                    try expect(":")
                    elems.append((k, try verdictWord()))
                    while tok.kind == .newline { pos += 1 }
                    if tok.kind == .punct && tok.text == "," { pos += 1 }
                }
                return .vmap(sels, elems, loc(start), text)
            }
            var op = "=="
            if tok.kind == .punct && ["==", "!=", "<", ">", "<=", ">="].contains(tok.text) { op = next().text }
            else if tok.kind == .word && ["eq", "ne", "lt", "gt", "le", "ge"].contains(tok.text) {
                let w = next().text
                op = ["eq": "==", "ne": "!=", "lt": "<", "gt": ">", "le": "<=", "ge": ">="][w]!
            }
            if isEndOfStatement(tok) { throw fail(tok, "expected a value after \(text)") }
            var v = try value()
            // ct state new,established (flag list)
            if tok.kind == .punct && tok.text == "," {
                var xs = [v]
                while tok.kind == .punct && tok.text == "," { pos += 1; xs.append(try value()) }
                v = .list(xs)
            }
            let full = "\(text) \(op == "==" ? "" : op + " ")\(describe(v))"
            for s in sels { if case .unknown = s { return .unknownMatch(full, loc(start)) } }
            return .match(NftMatch(selectors: sels, negated: false, op: op, value: v, location: loc(start), text: full))
        }

        func describe(_ v: NftValue) -> String {
            switch v {
            case .atom(let a, _): return a
            case .prefix(let a, let l, _): return "\(a)/\(l)"
            case .range(let a, let b): return "\(describe(a))-\(describe(b))"
            case .named(let n, _): return "@" + n
            case .set(let xs): return "{ " + xs.map(describe).joined(separator: ", ") + " }"
            case .concat(let xs): return xs.map(describe).joined(separator: " . ")
            case .list(let xs): return xs.map(describe).joined(separator: ",")
            }
        }
    }
}
