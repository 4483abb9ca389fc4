// Loads a policy from disk: a YAML file, or CSV tables (a directory or a *-zones.csv/*-flows.csv pair), then resolves `extends:`.
import Foundation

public enum PolicyLoader {
    /// Largest policy file read (a spreadsheet export of 100k rules is ~10 MB).
    public static let maximumFileSize = 256 << 20

    /// Loads and validates the policy at `path`: a `.yaml`/`.yml` file, a directory holding `zones.csv` + `flows.csv`
    /// (+ optional `hosts.csv`), or one of `NAME-zones.csv` / `NAME-flows.csv` / `NAME-hosts.csv`.
    /// Every problem is a PolicyError with file, line and column.
    public static func load(path: String) throws(PolicyError) -> Policy {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw PolicyError(SourceLocation(file: path, line: 0, column: 0), "no such policy file or directory")
        }
        if isDirectory.boolValue {
            return try loadCSV(zones: path + "/zones.csv", hosts: path + "/hosts.csv", flows: path + "/flows.csv",
                               name: URL(fileURLWithPath: path).lastPathComponent, baseDirectory: path)
        }
        let lower = path.lowercased()
        if lower.hasSuffix(".csv") {
            for table in ["zones", "flows", "hosts"] {
                for sep in ["-", "_", "."] where lower.hasSuffix(sep + table + ".csv") {
                    let prefix = String(path.dropLast(table.count + 4))
                    let name = URL(fileURLWithPath: String(prefix.dropLast())).lastPathComponent
                    return try loadCSV(zones: prefix + "zones.csv", hosts: prefix + "hosts.csv", flows: prefix + "flows.csv",
                                       name: name, baseDirectory: (path as NSString).deletingLastPathComponent)
                }
            }
            if lower.hasSuffix("/zones.csv") || lower.hasSuffix("/flows.csv") || lower == "zones.csv" || lower == "flows.csv" {
                return try load(path: (path as NSString).deletingLastPathComponent.isEmpty ? "." : (path as NSString).deletingLastPathComponent)
            }
            throw PolicyError(SourceLocation(file: path, line: 0, column: 0),
                              "a CSV policy is a pair of tables: name the files zones.csv and flows.csv (or NAME-zones.csv and NAME-flows.csv), optionally hosts.csv")
        }
        let text = try readText(path)
        return try load(yaml: text, file: path)
    }

    /// Loads a YAML policy from text; `file` is used in messages and to resolve a relative `extends:` path.
    public static func load(yaml text: String, file: String) throws(PolicyError) -> Policy {
        let doc = try YAMLPolicyReader.read(text: text, file: file)
        return try finish(doc, baseDirectory: (file as NSString).deletingLastPathComponent, chain: [file])
    }

    /// The presets built into segcheck (`extends: mic-alpha`), by name.
    public static var presetNames: [String] { PresetTexts.all.keys.sorted() }

    /// The YAML text of a built-in preset.
    public static func presetText(_ name: String) -> String? { PresetTexts.all[name] }

    /// Loads a built-in preset as a policy of its own (with its example zones).
    public static func loadPreset(_ name: String) throws(PolicyError) -> Policy {
        guard let text = PresetTexts.all[name] else {
            throw PolicyError(SourceLocation(file: name, line: 0, column: 0), "no preset '\(name)'; presets: \(presetNames.joined(separator: ", "))")
        }
        return try load(yaml: text, file: "preset:\(name)")
    }

    static func loadCSV(zones: String, hosts: String, flows: String, name: String, baseDirectory: String) throws(PolicyError) -> Policy {
        var doc = PolicyDocument(file: flows)
        doc.name = Located(name, SourceLocation(file: zones, line: 1, column: 1))
        let zoneText = try readText(zones)
        try CSVPolicyReader.readZones(text: zoneText, file: zones, into: &doc)
        if FileManager.default.fileExists(atPath: hosts) {
            try CSVPolicyReader.readHosts(text: try readText(hosts), file: hosts, into: &doc)
        }
        try CSVPolicyReader.readFlows(text: try readText(flows), file: flows, into: &doc)
        var policy = try finish(doc, baseDirectory: baseDirectory, chain: [flows])
        policy.sources = [zones] + (FileManager.default.fileExists(atPath: hosts) ? [hosts] : []) + [flows]
        return policy
    }

    static func readText(_ path: String) throws(PolicyError) -> String {
        let here = SourceLocation(file: path, line: 0, column: 0)
        guard let handle = FileHandle(forReadingAtPath: path) else { throw PolicyError(here, "cannot open file (missing or unreadable)") }
        defer { try? handle.close() }
        let data: Data
        do { data = try handle.read(upToCount: maximumFileSize + 1) ?? Data() } catch { throw PolicyError(here, "cannot read file: \(error)") }
        guard data.count <= maximumFileSize else { throw PolicyError(here, "file larger than \(maximumFileSize >> 20) MB; is this really a policy?") }
        return try TextDecoding.decode([UInt8](data), file: path).0
    }

    /// Assembles a document and appends the rules of the policy it extends (after its own rules, so local rules win).
    static func finish(_ doc: PolicyDocument, baseDirectory: String, chain: [String], strictTiers: Bool = true) throws(PolicyError) -> Policy {
        var (policy, _) = try doc.assemble(strictTiers: strictTiers)
        if policy.name.isEmpty { policy.name = URL(fileURLWithPath: doc.file).deletingPathExtension().lastPathComponent }
        guard let ext = doc.extends else { return policy }
        let parentName = ext.text
        guard chain.count < 8 else { throw PolicyError(ext.location, "'extends:' chain deeper than 8 files: \(chain.joined(separator: " → "))") }
        let parent: Policy
        if let text = PresetTexts.all[parentName] {
            let file = "preset:\(parentName)"
            guard !chain.contains(file) else { throw PolicyError(ext.location, "'extends:' loops back to \(parentName)") }
            let pdoc = try YAMLPolicyReader.read(text: text, file: file)
            parent = try finish(pdoc, baseDirectory: baseDirectory, chain: chain + [file], strictTiers: false)
        } else if parentName.hasSuffix(".yaml") || parentName.hasSuffix(".yml") || parentName.contains("/") {
            let path = parentName.hasPrefix("/") ? parentName : (baseDirectory.isEmpty ? parentName : baseDirectory + "/" + parentName)
            guard !chain.contains(path) else { throw PolicyError(ext.location, "'extends:' loops back to \(path)") }
            guard FileManager.default.fileExists(atPath: path) else { throw PolicyError(ext.location, "extends '\(parentName)': no such file \(path)") }
            let pdoc = try YAMLPolicyReader.read(text: try readText(path), file: path)
            parent = try finish(pdoc, baseDirectory: (path as NSString).deletingLastPathComponent, chain: chain + [path], strictTiers: false)
        } else {
            throw PolicyError(ext.location, "unknown preset '\(parentName)' in extends: presets are \(presetNames.joined(separator: ", ")), or give a path to a .yaml file")
        }
        // Inherited rules may only name tiers or `any`: the parent's zones are examples and are not inherited.
        let own = Set(policy.zones.map(\.name) + policy.hosts.map(\.name))
        var ids = Set(policy.flows.map(\.id))
        for var rule in parent.flows {
            for end in [rule.from, rule.to] where end != "any" && !end.hasPrefix("tier:") && !own.contains(end) {
                throw PolicyError(rule.location, "inherited rule '\(rule.id)' names '\(end)', which \(doc.file) does not define (presets should name tier:NAME or any)")
            }
            if ids.contains(rule.id) { rule.id = parentName + ":" + rule.id }
            ids.insert(rule.id)
            if rule.inheritedFrom == nil { rule.inheritedFrom = parentName }
            policy.flows.append(rule)
        }
        policy.sources += parent.sources
        return policy
    }
}
