// Reads a YAML policy (via Yams' node tree, keeping each value's line and column) into a PolicyDocument.
import Yams

enum YAMLPolicyReader {
    static func read(text: String, file: String) throws(PolicyError) -> PolicyDocument {
        let root: Node?
        do {
            root = try Yams.compose(yaml: text)
        } catch let error as YamlError {
            throw yamlError(error, file: file)
        } catch {
            throw PolicyError(SourceLocation(file: file, line: 1, column: 1), "cannot parse YAML: \(error)")
        }
        var doc = PolicyDocument(file: file)
        guard let root else { throw PolicyError(SourceLocation(file: file, line: 1, column: 1), "empty policy file: expected keys policy, zones, hosts, flows") }
        let r = Reader(file: file)
        let top = try r.mapping(root, what: "the policy")
        for (key, value) in top {
            switch key.text {
            case "policy", "name": doc.name = try r.scalar(value, what: "policy name")
            case "extends": doc.extends = try r.scalar(value, what: "extends")
            case "zones": doc.zones = try r.entries(value, what: "zone").map { (name, fields, loc) throws(PolicyError) in try zone(name, fields, loc, r) }
            case "hosts": doc.hosts = try r.entries(value, what: "host group").map { (name, fields, loc) throws(PolicyError) in try host(name, fields, loc, r) }
            case "flows", "rules":
                guard case .sequence(let seq) = value else {
                    throw PolicyError(r.location(value), "'flows' must be a list of rules (each line starting with '- ')")
                }
                for item in seq { doc.flows.append(try flow(item, r)) }
            case "interfaces":
                for (iface, zone) in try r.mapping(value, what: "interfaces") { doc.interfaces.append((iface, try r.scalar(zone, what: "zone"))) }
            case "description", "notes", "version", "model", "revision", "sources": break  // free text for people
            default:
                throw PolicyError(key.location, "unknown key '\(key.text)': expected policy, extends, zones, hosts, flows, interfaces, description")
            }
        }
        return doc
    }

    private static func zone(_ name: Located, _ fields: [(Located, Node)], _ loc: SourceLocation, _ r: Reader) throws(PolicyError) -> PolicyDocument.ZoneEntry {
        var z = PolicyDocument.ZoneEntry(name: name, location: loc)
        for (k, v) in fields {
            switch k.text {
            case "name": z.name = try r.scalar(v, what: "name")
            case "tier": z.tier = try r.scalar(v, what: "tier")
            case "label": z.label = try r.scalar(v, what: "label")
            case "networks", "network", "addresses": z.networks = try r.list(v, what: "networks")
            case "vlans", "vlan": z.vlans = try r.list(v, what: "vlans")
            case "description", "note", "cite": break
            default: throw PolicyError(k.location, "unknown zone key '\(k.text)': expected tier, networks, vlans, label")
            }
        }
        return z
    }

    private static func host(_ name: Located, _ fields: [(Located, Node)], _ loc: SourceLocation, _ r: Reader) throws(PolicyError) -> PolicyDocument.HostEntry {
        var h = PolicyDocument.HostEntry(name: name, location: loc)
        for (k, v) in fields {
            switch k.text {
            case "name": h.name = try r.scalar(v, what: "name")
            case "zone": h.zone = try r.scalar(v, what: "zone")
            case "label": h.label = try r.scalar(v, what: "label")
            case "addresses", "address", "networks": h.addresses = try r.list(v, what: "addresses")
            case "macs", "mac": h.macs = try r.list(v, what: "macs")
            case "description", "note", "cite": break
            default: throw PolicyError(k.location, "unknown host group key '\(k.text)': expected zone, addresses, macs, label")
            }
        }
        return h
    }

    private static func flow(_ node: Node, _ r: Reader) throws(PolicyError) -> PolicyDocument.FlowEntry {
        var f = PolicyDocument.FlowEntry(location: r.location(node))
        for (k, v) in try r.mapping(node, what: "a flow rule") {
            switch k.text {
            case "id": f.id = try r.scalar(v, what: "id")
            case "from": f.from = try r.scalar(v, what: "from")
            case "to": f.to = try r.scalar(v, what: "to")
            case "proto", "protocol": f.proto = try r.scalar(v, what: "proto")
            case "ports", "port": f.ports = try r.list(v, what: "ports")
            case "icmp_type", "icmpType": f.icmpType = try r.scalar(v, what: "icmp_type")
            case "icmp_code", "icmpCode": f.icmpCode = try r.scalar(v, what: "icmp_code")
            case "action": f.action = try r.scalar(v, what: "action")
            case "via": f.via = try r.scalar(v, what: "via")
            case "cite": f.cite = try r.scalar(v, what: "cite")
            case "note", "unverified": f.note = try r.scalar(v, what: k.text)
            case "description": break
            default:
                throw PolicyError(k.location, "unknown rule key '\(k.text)': expected id, from, to, proto, ports, icmp_type, icmp_code, action, via, cite, note")
            }
        }
        return f
    }

    private static func yamlError(_ error: YamlError, file: String) -> PolicyError {
        switch error {
        case .scanner(let context, let problem, let mark, _), .parser(let context, let problem, let mark, _), .composer(let context, let problem, let mark, _):
            var message = "YAML syntax: \(problem)"
            if let context { message += " (\(context.text) at line \(context.mark.line), column \(context.mark.column))" }
            return PolicyError(SourceLocation(file: file, line: mark.line, column: mark.column), message)
        default:
            return PolicyError(SourceLocation(file: file, line: 1, column: 1), "cannot parse YAML: \(error)")
        }
    }

    /// Small helpers that turn Yams nodes into located values, with errors that say what was expected.
    struct Reader {
        let file: String
        func location(_ node: Node) -> SourceLocation {
            guard let m = node.mark else { return SourceLocation(file: file, line: 1, column: 1) }
            return SourceLocation(file: file, line: m.line, column: m.column)
        }
        func scalar(_ node: Node, what: String) throws(PolicyError) -> Located {
            guard case .scalar(let s) = node else { throw PolicyError(location(node), "\(what) must be a single value, not a list or mapping") }
            return Located(s.string, location(node))
        }
        /// A list of scalars; a single scalar counts as a one-item list.
        func list(_ node: Node, what: String) throws(PolicyError) -> [Located] {
            switch node {
            case .scalar(let s) where s.string.isEmpty || (s.tag.description.hasSuffix("null") && s.string == "~"): return []
            case .scalar: return [try scalar(node, what: what)]
            case .sequence(let seq): return try seq.map { (n) throws(PolicyError) in try scalar(n, what: "each item of \(what)") }
            default: throw PolicyError(location(node), "\(what) must be a list such as [a, b]")
            }
        }
        func mapping(_ node: Node, what: String) throws(PolicyError) -> [(Located, Node)] {
            guard case .mapping(let m) = node else { throw PolicyError(location(node), "\(what) must be a mapping of key: value") }
            var seen: [String: SourceLocation] = [:]
            var out: [(Located, Node)] = []
            for (k, v) in m {
                let key = try scalar(k, what: "a key")
                if let first = seen[key.text] { throw PolicyError(key.location, "key '\(key.text)' appears twice (first at \(first))") }
                seen[key.text] = key.location
                out.append((key, v))
            }
            return out
        }
        /// Zones and host groups: either `name: {fields}` or a list of `{name: ..., fields}`.
        func entries(_ node: Node, what: String) throws(PolicyError) -> [(Located, [(Located, Node)], SourceLocation)] {
            switch node {
            case .mapping:
                return try mapping(node, what: "\(what)s").map { (k, v) throws(PolicyError) in (k, try mapping(v, what: "\(what) '\(k.text)'"), k.location) }
            case .sequence(let seq):
                return try seq.map { (item) throws(PolicyError) in
                    let fields = try mapping(item, what: "a \(what)")
                    guard let name = fields.first(where: { $0.0.text == "name" }) else {
                        throw PolicyError(location(item), "each \(what) in a list needs 'name:'")
                    }
                    return (try scalar(name.1, what: "name"), fields, location(item))
                }
            default:
                throw PolicyError(location(node), "\(what)s must be a mapping of name: {fields} or a list")
            }
        }
    }
}
