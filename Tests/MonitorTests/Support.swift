// MonitorTests: shared helpers — repo paths, root check, running commands, reading EVE files.
import Foundation
#if canImport(Glibc)
import Glibc
#endif
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

/// Starts a command (looked up in PATH) with stdout/stderr to files; returns its pid. posix_spawn, not Foundation's
/// Process: Process.waitUntilExit can hang on Linux when the child leaves background grandchildren behind.
func spawnCommand(_ args: [String], environment: [String: String] = [:], stdoutPath: String = "/dev/null", stderrPath: String = "/dev/null") throws -> pid_t {
    var env = ProcessInfo.processInfo.environment
    for (k, v) in environment { env[k] = v }
    var actions = posix_spawn_file_actions_t()
    posix_spawn_file_actions_init(&actions)
    defer { posix_spawn_file_actions_destroy(&actions) }
    posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
    posix_spawn_file_actions_addopen(&actions, 1, stdoutPath, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
    posix_spawn_file_actions_addopen(&actions, 2, stderrPath, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
    let argv = (["/usr/bin/env"] + args).map { strdup($0) } + [nil]
    let envp = env.map { strdup("\($0.key)=\($0.value)") } + [nil]
    defer { argv.forEach { free($0) }; envp.forEach { free($0) } }
    // The test runner's threads block most signals and posix_spawn would pass that mask on: then SIGTERM could not
    // stop the lab's servers. Children start with an empty mask and default dispositions.
    var attr = posix_spawnattr_t()
    posix_spawnattr_init(&attr)
    defer { posix_spawnattr_destroy(&attr) }
    var empty = sigset_t(), all = sigset_t()
    sigemptyset(&empty)
    sigfillset(&all)
    posix_spawnattr_setsigmask(&attr, &empty)
    posix_spawnattr_setsigdefault(&attr, &all)
    posix_spawnattr_setflags(&attr, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
    var pid: pid_t = 0
    let rc = posix_spawn(&pid, "/usr/bin/env", &actions, &attr, argv, envp)
    guard rc == 0 else { throw POSIXError(POSIXErrorCode(rawValue: rc) ?? .EIO) }
    return pid
}

/// Waits for a spawned pid; nil when it is still running after `timeout` seconds.
func waitExit(_ pid: pid_t, timeout: Double) -> Int32? {
    let deadline = Date().addingTimeInterval(timeout)
    var status: Int32 = 0
    while true {
        let r = waitpid(pid, &status, WNOHANG)
        if r == pid {
            if status & 0x7f == 0 { return (status >> 8) & 0xff }   // WIFEXITED / WEXITSTATUS
            return 128 + (status & 0x7f)                            // killed by a signal
        }
        if r < 0 { return -1 }
        if Date() >= deadline { return nil }
        usleep(20_000)
    }
}

/// Runs a command to completion with a time limit (the limit kills it and fails the test).
@discardableResult
func runCommand(_ args: [String], environment: [String: String] = [:], timeout: Double = 120) throws -> CommandResult {
    let base = NSTemporaryDirectory() + "segcheck-cmd-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
    defer { unlink(base + ".out"); unlink(base + ".err") }
    let pid = try spawnCommand(args, environment: environment, stdoutPath: base + ".out", stderrPath: base + ".err")
    var status = waitExit(pid, timeout: timeout)
    if status == nil {
        kill(pid, SIGKILL)
        status = waitExit(pid, timeout: 5)
        Issue.record("command timed out after \(timeout) s: \(args.joined(separator: " "))")
    }
    let outData = FileManager.default.contents(atPath: base + ".out") ?? Data()
    let errData = FileManager.default.contents(atPath: base + ".err") ?? Data()
    return CommandResult(status: status ?? -1, stdout: String(decoding: outData, as: UTF8.self), stderr: String(decoding: errData, as: UTF8.self))
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
