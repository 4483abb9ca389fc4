// segcheck report: turns EVE output (review/monitor) and firewall results into an audit report (HTML, Markdown, CSV).
import ArgumentParser
import Foundation
import Policy
import Report

struct ReportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract: "Write an audit report (自己点検・監査の証跡) from review/monitor EVE output and firewall results.",
        discussion: """
        The HTML report is one self-contained file (no external assets; prints on A4). It embeds its summary as JSON
        (<script id="segcheck-report-data">), which --previous reads back to show what changed; --data writes the same
        JSON to a separate file (for Markdown/CSV reports). Times are shown in Japan Standard Time. SOURCE_DATE_EPOCH,
        if set, fixes the generation time (reproducible reports).
        Exit codes: 0 no violations or findings, 1 the report lists violations or findings, 2 error.
        """)

    static let toolVersion = "segcheck 0.1.0"

    @Option(name: .long, help: "Policy file (YAML/CSV): zone labels, clause citations, city name; its SHA-256 is recorded.")
    var policy: String?

    @Option(name: .long, help: "EVE JSON Lines file from segcheck review/monitor (plain or .gz; - = stdin). Repeatable.")
    var eve: [String] = []

    @Option(name: .long, help: "Output of segcheck firewall --json. Repeatable.")
    var firewall: [String] = []

    @Option(name: .long, help: "A previous report (its HTML, or the JSON written with --data) to compare with.")
    var previous: String?

    @Option(name: .long, help: "html (default), md or csv.")
    var format: String = "html"

    @Option(name: .long, help: "ja (default) or en.")
    var lang: String = "ja"

    @Option(name: .shortAndLong, help: "Output file (- = stdout).")
    var output: String = "-"

    @Option(name: .long, help: "Also write the report's machine-readable summary (JSON) to this file.")
    var data: String?

    func run() throws {
        guard let format = ReportFormat(rawValue: format) else { fail("--format must be html, md or csv (got \"\(self.format)\")") }
        guard let lang = ReportLanguage(rawValue: lang) else { fail("--lang must be ja or en (got \"\(self.lang)\")") }
        if eve.isEmpty && firewall.isEmpty { fail("nothing to report: give at least one --eve or --firewall file") }
        var generatedAt = Date()
        if let epoch = ProcessInfo.processInfo.environment["SOURCE_DATE_EPOCH"] {
            guard let seconds = Double(epoch) else { fail("SOURCE_DATE_EPOCH must be a number of seconds (got \"\(epoch)\")") }
            generatedAt = Date(timeIntervalSince1970: seconds)
        }
        var builder = ReportBuilder(toolVersion: Self.toolVersion, commandLine: Self.quotedCommandLine(), generatedAt: generatedAt)
        // The executable's own hash identifies the exact build that wrote the report (attestation).
        builder.content.toolSHA256 = try? SHA256Digest.ofFile("/proc/self/exe").hex
        if let policy {
            let loaded = loadPolicy(policy)
            do { try builder.setPolicy(loaded, path: policy) } catch { fail(error.description) }
        }
        do {
            for path in eve { try builder.addEVE(path: path) }
            for path in firewall { try builder.addFirewall(path: path) }
            if let previous { try builder.setPrevious(path: previous) }
        } catch {
            fail(error.description)
        }
        let text = builder.render(format, lang: lang)
        write(text, to: output)
        if let data { write(builder.content.summaryData().jsonText(pretty: true) + "\n", to: data) }
        if builder.hasFindings { throw ExitCode(1) }
    }

    private func loadPolicy(_ path: String) -> Policy {
        do { return try PolicyLoader.load(path: path) } catch { fail(error.description) }
    }

    private func write(_ text: String, to path: String) {
        if path == "-" {
            FileHandle.standardOutput.write(Data(text.utf8))
            return
        }
        do { try Data(text.utf8).write(to: URL(fileURLWithPath: path), options: .atomic) }
        catch { fail("\(path): error: cannot write: \((error as NSError).localizedDescription)") }
    }

    private func fail(_ message: String) -> Never {
        FileHandle.standardError.write(Data(("segcheck report: " + message + "\n").utf8))
        Foundation.exit(2)
    }

    /// The command as run, quoted for a POSIX shell, for the attestation section.
    static func quotedCommandLine() -> String {
        var args = CommandLine.arguments
        if let first = args.first { args[0] = URL(fileURLWithPath: first).lastPathComponent }
        return args.map { a in
            a.allSatisfy({ $0.isLetter || $0.isNumber || "-_./=:,@+".contains($0) }) && !a.isEmpty ? a : "'" + a.replacingOccurrences(of: "'", with: "'\\''") + "'"
        }.joined(separator: " ")
    }
}
