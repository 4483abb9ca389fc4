// MonitorTests: shared helpers — repo paths, root check, running commands, reading EVE files.
import Foundation
import Testing

enum TestPaths {
    /// The repository root, from this file's path (Tests/MonitorTests/Support.swift).
    static let repoRoot: URL = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let fixtures = repoRoot.appendingPathComponent("Tests/MonitorTests/Fixtures")
    static let labScript = repoRoot.appendingPathComponent("scripts/lab-monitor.sh").path

    /// The built segcheck binary: $SEGCHECK_BIN, else .build/debug, else .build/release.
    static var segcheck: String? {
        if let env = ProcessInfo.processInfo.environment["SEGCHECK_BIN"], FileManager.default.isExecutableFile(atPath: env) { return env }
        for c in [".build/debug/segcheck", ".build/release/segcheck"] {
            let p = repoRoot.appendingPathComponent(c).path
            if FileManager.default.isExecutableFile(atPath: p) { return p }
        }
        return nil
    }
}

enum Env {
    static var isRoot: Bool { geteuid() == 0 }
    static func has(_ tool: String) -> Bool {
        for dir in ["/usr/sbin", "/usr/bin", "/sbin", "/bin"] where FileManager.default.isExecutableFile(atPath: dir + "/" + tool) { return true }
        return false
    }
}

struct CommandResult { var status: Int32; var stdout: String; var stderr: String }

/// Runs a command to completion with a time limit (the limit kills it and fails the test).
@discardableResult
func runCommand(_ args: [String], environment: [String: String] = [:], timeout: Double = 120) throws -> CommandResult {
    let p = Process()
    p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    p.arguments = args
    var env = ProcessInfo.processInfo.environment
    for (k, v) in environment { env[k] = v }
    p.environment = env
    let base = NSTemporaryDirectory() + "segcheck-cmd-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
    _ = FileManager.default.createFile(atPath: base + ".out", contents: nil)
    _ = FileManager.default.createFile(atPath: base + ".err", contents: nil)
    defer { unlink(base + ".out"); unlink(base + ".err") }
    let out = try FileHandle(forWritingTo: URL(fileURLWithPath: base + ".out"))
    let err = try FileHandle(forWritingTo: URL(fileURLWithPath: base + ".err"))
    p.standardOutput = out; p.standardError = err
    try p.run()
    let deadline = Date().addingTimeInterval(timeout)
    while p.isRunning && Date() < deadline { usleep(20_000) }
    if p.isRunning { p.terminate(); Issue.record("command timed out after \(timeout) s: \(args.joined(separator: " "))") }
    p.waitUntilExit()
    try? out.close(); try? err.close()
    let outData = FileManager.default.contents(atPath: base + ".out") ?? Data()
    let errData = FileManager.default.contents(atPath: base + ".err") ?? Data()
    return CommandResult(status: p.terminationStatus, stdout: String(decoding: outData, as: UTF8.self), stderr: String(decoding: errData, as: UTF8.self))
}

/// Every line of an EVE JSON Lines file as a dictionary (fails the test on a line that is not JSON).
func readEVE(_ path: String) -> [[String: Any]] {
    guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { return [] }
    var out: [[String: Any]] = []
    for line in text.split(separator: "\n") where !line.isEmpty {
        guard let obj = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any] else {
            Issue.record("not a JSON object: \(line.prefix(200))"); continue
        }
        out.append(obj)
    }
    return out
}
