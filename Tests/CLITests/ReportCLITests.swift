// End-to-end tests of `segcheck report`: the built binary on the committed example, exit codes, errors, and the
// headless-Chromium rendering script (scripts/render-report.sh).
import Foundation
import Testing

private let reportRepoRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

/// The segcheck binary next to the test bundle (swift test builds it), else the repository's debug build.
private func reportBinary() throws -> URL {
    if let env = ProcessInfo.processInfo.environment["SEGCHECK_BIN"] { return URL(fileURLWithPath: env) }
    let besideTests = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("segcheck")
    for candidate in [besideTests, reportRepoRoot.appendingPathComponent(".build/debug/segcheck")]
    where FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
    throw CLIError("segcheck binary not found; run swift build first")
}

private struct CLIError: Error, CustomStringConvertible { var description: String; init(_ d: String) { description = d } }

private struct RunResult { var status: Int32; var stdout: Data; var stderr: String }

private func runReport(_ arguments: [String], executable: URL? = nil, environment: [String: String] = [:]) throws -> RunResult {
    let p = Process()
    p.executableURL = try executable ?? reportBinary()
    p.arguments = arguments
    p.currentDirectoryURL = reportRepoRoot
    var env = ProcessInfo.processInfo.environment
    for (k, v) in environment { env[k] = v }
    p.environment = env
    // stdout goes to a file (reports can be large), stderr through a pipe read before waiting.
    let outURL = FileManager.default.temporaryDirectory.appendingPathComponent("segcheck-report-out-\(UUID().uuidString)")
    FileManager.default.createFile(atPath: outURL.path, contents: nil)
    let outHandle = try FileHandle(forWritingTo: outURL)
    defer { try? FileManager.default.removeItem(at: outURL) }
    let err = Pipe()
    p.standardOutput = outHandle; p.standardError = err
    try p.run()
    let errData = err.fileHandleForReading.readDataToEndOfFile()
    p.waitUntilExit()
    try outHandle.close()
    let outData = try Data(contentsOf: outURL)
    return RunResult(status: p.terminationStatus, stdout: outData, stderr: String(decoding: errData, as: UTF8.self))
}

private func reportTempDir() -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("segcheck-report-cli-\(UUID().uuidString)")
    try! FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
}

/// True once `segcheck review` and its test captures are in the tree.
private let reviewAvailable: Bool = FileManager.default.fileExists(atPath: reportRepoRoot.appendingPathComponent("captures/test-policy.yaml").path)

private let chromiumPresent: Bool = ["/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome"].contains { FileManager.default.isExecutableFile(atPath: $0) }

@Suite struct ReportCLITests {
    let example = "docs/example"

    @Test func exampleReportHasFindingsAndComparesWithPreviousWeek() throws {
        let dir = reportTempDir()
        let previous = dir.appendingPathComponent("previous.html").path
        let r1 = try runReport(["report", "--eve", "\(example)/eve-previous-week.json.gz", "-o", previous])
        #expect(r1.status == 1, "stderr: \(r1.stderr)")
        let out = dir.appendingPathComponent("report.html").path
        let data = dir.appendingPathComponent("report.json").path
        let r2 = try runReport(["report", "--eve", "\(example)/eve-this-week.json", "--firewall", "\(example)/firewall-honcho.json",
                                "--previous", previous, "-o", out, "--data", data], environment: ["SOURCE_DATE_EPOCH": "1795669200"])
        #expect(r2.status == 1, "stderr: \(r2.stderr)")
        let html = try String(contentsOfFile: out, encoding: .utf8)
        #expect(html.contains("ポリシーに反する通信 27 件、ファイアウォール設定の指摘 2 件を検出しました"))
        #expect(html.contains("違反通信 25 件 → 27 件、FW指摘 0 件 → 2 件"))
        #expect(html.contains("令和8年（2026年）11月26日（木） 14:00"))
        #expect(html.contains("id=\"segcheck-report-data\""))
        #expect(html.contains("実行ファイル SHA-256 "))
        let summary = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: data))) as? [String: Any]
        #expect(summary?["violations"] as? Int == 27)
        #expect(summary?["firewallFindings"] as? Int == 2)
    }

    @Test func policyGivesZoneOrderLabelsAndItsHash() throws {
        let policy = "rulesets/examples/iizuka.yaml"
        let r = try runReport(["report", "--policy", policy, "--eve", "\(example)/eve-this-week.json", "--format", "md"])
        #expect(r.status == 1, "stderr: \(r.stderr)")
        let md = String(decoding: r.stdout, as: UTF8.self)
        #expect(md.contains("| 対象ポリシー | 飯塚市 (例) |"))
        // Matrix columns in the policy's zone order, with its labels.
        #expect(md.contains("| マイナンバー利用事務系 | LGWAN接続系 | インターネット接続系 | 公開ウェブサーバ |"))
        // The policy file's SHA-256, as sha256sum would print it.
        let data = try Data(contentsOf: reportRepoRoot.appendingPathComponent(policy))
        let sha = Process()
        sha.executableURL = URL(fileURLWithPath: "/usr/bin/sha256sum")
        sha.arguments = [reportRepoRoot.appendingPathComponent(policy).path]
        let pipe = Pipe(); sha.standardOutput = pipe
        try sha.run(); sha.waitUntilExit()
        let expected = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self).prefix(64)
        #expect(expected.count == 64 && data.count > 0)
        #expect(md.contains("SHA-256 `\(expected)`"))
        // A broken policy is an error (exit 2) naming the file.
        let dir = reportTempDir()
        let bad = dir.appendingPathComponent("bad.yaml")
        try Data("zones: [\n".utf8).write(to: bad)
        let e = try runReport(["report", "--policy", bad.path, "--eve", "\(example)/eve-this-week.json"])
        #expect(e.status == 2 && e.stderr.contains(bad.path))
    }

    @Test func englishMarkdownAndCSVToStdout() throws {
        let md = try runReport(["report", "--eve", "\(example)/eve-this-week.json", "--format", "md", "--lang", "en"])
        #expect(md.status == 1)
        #expect(String(decoding: md.stdout, as: UTF8.self).hasPrefix("# Network Segregation (Three-Layer Model) Inspection Report"))
        let csv = try runReport(["report", "--eve", "\(example)/eve-this-week.json", "--format", "csv"])
        #expect(Array(csv.stdout.prefix(3)) == [0xEF, 0xBB, 0xBF])
        let rows = String(decoding: csv.stdout, as: UTF8.self).components(separatedBy: "\r\n").filter { !$0.isEmpty }
        #expect(rows.count == 28)   // header + 27 violating flows
    }

    @Test func cleanInputExitsZero() throws {
        let dir = reportTempDir()
        let eve = dir.appendingPathComponent("clean.json")
        try Data("{\"timestamp\":\"2026-11-26T00:00:00.000000+0000\",\"event_type\":\"flow\",\"segcheck\":{\"src_zone\":\"lgwan\",\"dest_zone\":\"lgwan\"}}\n".utf8).write(to: eve)
        let r = try runReport(["report", "--eve", eve.path, "-o", dir.appendingPathComponent("r.html").path])
        #expect(r.status == 0, "stderr: \(r.stderr)")
        let html = try String(contentsOfFile: dir.appendingPathComponent("r.html").path, encoding: .utf8)
        #expect(html.contains("検出されませんでした"))
    }

    @Test func badInputExitsTwoWithFileAndLine() throws {
        let dir = reportTempDir()
        let eve = dir.appendingPathComponent("bad.json")
        try Data("{\"event_type\":\"flow\"}\n{\"event_type\":\"flow\"}\nnot json\n".utf8).write(to: eve)
        let r = try runReport(["report", "--eve", eve.path, "-o", dir.appendingPathComponent("r.html").path])
        #expect(r.status == 2)
        #expect(r.stderr.contains("\(eve.path):3"))
        #expect(r.stderr.contains("malformed JSON"))
        #expect(!FileManager.default.fileExists(atPath: dir.appendingPathComponent("r.html").path))
        let missing = try runReport(["report", "--eve", dir.appendingPathComponent("nope.json").path])
        #expect(missing.status == 2 && missing.stderr.contains("cannot open"))
        let format = try runReport(["report", "--eve", eve.path, "--format", "pdf"])
        #expect(format.status == 2 && format.stderr.contains("--format"))
        let nothing = try runReport(["report"])
        #expect(nothing.status == 2 && nothing.stderr.contains("nothing to report"))
    }

    /// review → report on the review helper's captures: the report counts what review counted.
    @Test(.enabled(if: reviewAvailable, "needs segcheck review and captures/")) func reportOfARealReviewRun() throws {
        let dir = reportTempDir()
        let eve = dir.appendingPathComponent("review.json").path
        let review = try runReport(["review", "--policy", "captures/test-policy.yaml", "--eve", eve, "--quiet", "captures/"])
        #expect(review.status == 1, "review stderr: \(review.stderr)")
        // review's own final count of violations, from its last stats event.
        let text = try String(contentsOfFile: eve, encoding: .utf8)
        let lastStats = try #require(text.split(separator: "\n").last { $0.contains("\"event_type\":\"stats\"") })
        let stats = try #require(try JSONSerialization.jsonObject(with: Data(lastStats.utf8)) as? [String: Any])
        let counted = try #require(((stats["stats"] as? [String: Any])?["segcheck"] as? [String: Any])?["violations"] as? Int)
        let csv = try runReport(["report", "--policy", "captures/test-policy.yaml", "--eve", eve, "--format", "csv"])
        #expect(csv.status == 1, "report stderr: \(csv.stderr)")
        let rows = String(decoding: csv.stdout, as: UTF8.self).components(separatedBy: "\r\n").filter { !$0.isEmpty }
        #expect(rows.count - 1 == counted)
        let html = try runReport(["report", "--policy", "captures/test-policy.yaml", "--eve", eve, "-o", dir.appendingPathComponent("r.html").path])
        #expect(html.status == 1)
        let page = try String(contentsOfFile: dir.appendingPathComponent("r.html").path, encoding: .utf8)
        #expect(page.contains("ポリシーに反する通信 \(counted) 件"))
        #expect(!page.contains("記録側の集計"))   // no "alerts missing" line: every alert review counted is in the file
    }

    /// firewall --json → report: every finding of the real firewall check is listed with its rule and witness.
    @Test func reportOfARealFirewallCheck() throws {
        let fixtures = "Tests/FirewallTests/Fixtures/firewall"
        let dir = reportTempDir()
        let json = dir.appendingPathComponent("fw.json")
        let fw = try runReport(["firewall", "--policy", "\(fixtures)/three-tier.yaml", "\(fixtures)/three-tier-hole.rules", "--json"])
        #expect(fw.status == 1, "firewall stderr: \(fw.stderr)")
        try fw.stdout.write(to: json)
        let parsed = try #require(try JSONSerialization.jsonObject(with: fw.stdout) as? [String: Any])
        let findings = try #require(parsed["findings"] as? [[String: Any]])
        let csv = try runReport(["report", "--policy", "\(fixtures)/three-tier.yaml", "--firewall", json.path, "--format", "csv"])
        #expect(csv.status == 1, "report stderr: \(csv.stderr)")
        let rows = String(decoding: csv.stdout, as: UTF8.self).components(separatedBy: "\r\n").filter { !$0.isEmpty }.dropFirst()
        #expect(rows.count == findings.count && !rows.isEmpty)
        for (row, f) in zip(rows, findings) {
            let rule = try #require(f["rule"] as? [String: Any])
            #expect(row.hasPrefix("FW設定,"))
            #expect(row.contains("three-tier-hole.rules:\(rule["line"] as? Int ?? -1)"))
        }
        let md = try runReport(["report", "--policy", "\(fixtures)/three-tier.yaml", "--firewall", json.path, "--format", "md"])
        let text = String(decoding: md.stdout, as: UTF8.self)
        #expect(text.contains("FW指摘 \(findings.count) 件"))
        #expect(text.contains("| 対象ポリシー | 三層テスト |"))
    }

    /// CI installs chromium (scripts/install-deps.sh); without it this test is skipped, never passed vacuously.
    @Test(.enabled(if: chromiumPresent, "needs Debian's chromium")) func renderScriptProducesAPNGOfTheReport() throws {
        let dir = reportTempDir()
        let html = dir.appendingPathComponent("report.html").path
        let r = try runReport(["report", "--eve", "\(example)/eve-this-week.json", "--firewall", "\(example)/firewall-honcho.json", "-o", html])
        #expect(r.status == 1)
        let png = dir.appendingPathComponent("page1.png").path
        let pdf = dir.appendingPathComponent("report.pdf").path
        let script = try runReport([reportRepoRoot.appendingPathComponent("scripts/render-report.sh").path, html, png, pdf],
                                   executable: URL(fileURLWithPath: "/bin/bash"))
        #expect(script.status == 0, "render-report.sh: \(script.stderr)")
        let bytes = try Data(contentsOf: URL(fileURLWithPath: png))
        #expect(Array(bytes.prefix(8)) == [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A])
        #expect(bytes.count > 20_000)
        #expect(try Data(contentsOf: URL(fileURLWithPath: pdf)).prefix(5) == Data("%PDF-".utf8))
        // A file that is not a report is refused.
        let bad = try runReport([reportRepoRoot.appendingPathComponent("scripts/render-report.sh").path, "/etc/hostname", png],
                                executable: URL(fileURLWithPath: "/bin/bash"))
        #expect(bad.status != 0)
    }
}
