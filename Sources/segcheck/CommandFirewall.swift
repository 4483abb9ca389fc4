// segcheck firewall: prove a firewall rule set keeps the policy's zones apart, or show a witness packet per hole.
import ArgumentParser
import Firewall
import FirewallParsers
import Foundation
import Policy

struct FirewallCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "firewall",
        abstract: "Prove a firewall rule set keeps the segments apart (witness packet for every hole).",
        discussion: """
        Formats: \(RuleSetFormats.all.map { $0.name }.joined(separator: ", ")) (detected from the content; --format to force).
        Every cross-zone packet the policy forbids is checked symbolically against what the rule set accepts on the
        forward path; an empty answer is a proof. Exit codes: 0 clean, 1 findings, 2 unusable input.
        """)

    @Option(name: .long, help: "Policy file (YAML or CSV).")
    var policy: String

    @Argument(help: "Configuration files (iptables-save, nft list ruleset, nft -j list ruleset, vendor configs).")
    var configs: [String] = []

    @Option(name: .long, help: "Force the configuration format instead of detecting it.")
    var format: String?

    @Flag(name: .long, help: "Compare two configurations: --diff OLD NEW shows what the change newly permits or denies.")
    var diff = false

    @Option(name: .long, help: "Language of the text report: ja or en.")
    var lang: String = "ja"

    @Flag(name: .long, help: "Print the JSON report (schema segcheck-firewall/1, docs/firewall.md) instead of text.")
    var json = false

    @Option(name: .long, help: "Also write a SARIF 2.1.0 report to this file ('-' = stdout).")
    var sarif: String?

    @Flag(name: .long, help: "Skip the anomaly analysis (shadowed, redundant, overly broad rules).")
    var noAnomalies = false

    func fail(_ message: String) -> ExitCode {
        FileHandle.standardError.write(Data((message + "\n").utf8))
        return ExitCode(2)
    }

    func run() throws {
        guard let language = OutputLanguage(rawValue: lang) else { throw fail("segcheck firewall: --lang must be ja or en") }
        if configs.isEmpty { throw fail("segcheck firewall: give at least one configuration file") }
        if diff && configs.count != 2 { throw fail("segcheck firewall: --diff needs exactly two files: OLD NEW") }
        let pol: Policy
        do { pol = try PolicyLoader.load(path: policy) } catch { throw fail("\(error)") }
        var ruleSets: [RuleSet] = []
        for path in configs {
            guard let data = FileManager.default.contents(atPath: path) else {
                throw fail("\(path):1:1: error: cannot read the file")
            }
            let text = String(decoding: data, as: UTF8.self)
            let fmt: RuleSetFormat
            if let name = format {
                guard let f = RuleSetFormats.named(name) else {
                    throw fail("segcheck firewall: unknown --format \(name) (known: \(RuleSetFormats.all.map { $0.name }.joined(separator: ", ")))")
                }
                fmt = f
            } else {
                guard let f = RuleSetFormats.detect(text) else {
                    throw fail("\(path):1:1: error: cannot recognise the configuration format (known: \(RuleSetFormats.all.map { $0.name }.joined(separator: ", "))); use --format")
                }
                fmt = f
            }
            do { ruleSets.append(try fmt.parse(text, path)) } catch { throw fail("\(error)") }
        }
        let analysis: FirewallAnalysis
        do { analysis = try FirewallAnalysis(policy: pol, ruleSets: ruleSets) } catch { throw fail("\(error)") }
        for note in analysis.policySpace.notes { FileHandle.standardError.write(Data("\(policy): warning: \(note)\n".utf8)) }
        let output: FirewallOutput
        if diff {
            output = FirewallOutput(policy: pol, ruleSets: [], results: [], diff: analysis.diff(old: 0, new: 1))
        } else {
            let results = ruleSets.indices.map { analysis.check($0, anomalies: !noAnomalies) }
            output = FirewallOutput(policy: pol, ruleSets: ruleSets, results: results)
        }
        if json { print(output.json().serialized()) } else { print(output.text(lang: language), terminator: "") }
        if let sarif {
            let doc = output.sarif(lang: language).serialized() + "\n"
            if sarif == "-" { print(doc, terminator: "") }
            else if !FileManager.default.createFile(atPath: sarif, contents: Data(doc.utf8)) {
                throw fail("segcheck firewall: cannot write \(sarif)")
            }
        }
        if output.exitCode != 0 { throw ExitCode(output.exitCode) }
    }
}
