// Assembles a report from its inputs (policy, EVE files, firewall results, previous report) and renders it.
import Foundation
import Policy

public enum ReportFormat: String, Sendable, CaseIterable { case html, md, csv }

public struct ReportBuilder {
    public var content = ReportContent()

    public init(toolVersion: String, commandLine: String = "", generatedAt: Date = Date()) {
        content.toolVersion = toolVersion
        content.commandLine = commandLine
        content.generatedAt = generatedAt
    }

    /// Zone labels, rule clauses and the city's name from the policy; the hashes of the files it was read from.
    public mutating func setPolicy(_ policy: Policy, path: String) throws(ReportError) {
        content.policyName = policy.name
        content.zones = policy.zones.map { ($0.name, $0.label) }
        for r in policy.flows { content.ruleCites[r.id] = (r.cite, "\(URL(fileURLWithPath: r.location.file).lastPathComponent):\(r.location.line)") }
        var files = [path]
        for s in policy.sources where !files.contains(s) && s != path { files.append(s) }
        content.policyFiles = []
        for f in files where FileManager.default.fileExists(atPath: f) {
            content.policyFiles.append((f, try SHA256Digest.ofFile(f).hex))
        }
    }

    /// One EVE file, or every regular file of a directory (rotated logs: eve.json, eve.json.1.gz, ...), in name order.
    public mutating func addEVE(path: String) throws(ReportError) {
        var isDirectory: ObjCBool = false
        if path != "-", FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue {
            let names: [String]
            do { names = try FileManager.default.contentsOfDirectory(atPath: path) } catch {
                throw ReportError(file: path, "cannot list directory: \((error as NSError).localizedDescription)")
            }
            let files = names.filter { !$0.hasPrefix(".") }.sorted().map { (path as NSString).appendingPathComponent($0) }.filter {
                var dir: ObjCBool = false
                return FileManager.default.fileExists(atPath: $0, isDirectory: &dir) && !dir.boolValue
            }
            if files.isEmpty { throw ReportError(file: path, "directory holds no EVE files") }
            for f in files { try EVEInput.read(path: f, into: &content) }
            return
        }
        try EVEInput.read(path: path, into: &content)
    }
    public mutating func addFirewall(path: String) throws(ReportError) { try FirewallInput.read(path: path, into: &content) }
    public mutating func setPrevious(path: String) throws(ReportError) { content.previous = try ReportData.load(path: path) }

    /// True when the report lists violations or firewall findings (exit code 1).
    public var hasFindings: Bool { !content.violations.isEmpty || !content.findings.isEmpty }

    public func render(_ format: ReportFormat, lang: ReportLanguage) -> String {
        let r = ReportRenderer(content: content, lang: lang)
        switch format {
        case .html: return r.html()
        case .md: return r.markdown()
        case .csv: return r.csv()
        }
    }
}
