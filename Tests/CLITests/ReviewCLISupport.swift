// CLITests: runs the built segcheck binary for the review tests (with a timeout) and finds captures/ and the shared corpus.
import Foundation

enum ReviewCLI {
    static let repo: URL = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let captures = repo.appendingPathComponent("captures")
    static let testPolicy = captures.appendingPathComponent("test-policy.yaml").path
    static var shared: URL {
        if let env = ProcessInfo.processInfo.environment["SEGCHECK_SHARED"], !env.isEmpty { return URL(fileURLWithPath: env) }
        let beside = repo.deletingLastPathComponent().appendingPathComponent("shared")
        if FileManager.default.fileExists(atPath: beside.path) { return beside }
        return URL(fileURLWithPath: "/work/shared")
    }

    /// The segcheck binary: $SEGCHECK_BIN, else beside the test bundle, else .build/debug.
    static let binary: String = {
        if let b = ProcessInfo.processInfo.environment["SEGCHECK_BIN"], !b.isEmpty { return b }
        var dir = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        for _ in 0..<3 {
            let candidate = dir.appendingPathComponent("segcheck").path
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
            dir = dir.deletingLastPathComponent()
        }
        return repo.appendingPathComponent(".build/debug/segcheck").path
    }()

    struct Result {
        var status: Int32
        /// True when the process died of a signal (a crash) rather than exiting.
        var signalled: Bool
        var timedOut: Bool
        var stdout: String
        var stderr: String
        var stdoutData: Data
    }

    /// Runs segcheck with `arguments`; kills it after `timeout` seconds.
    static func run(_ arguments: [String], stdin: Data? = nil, timeout: Double = 60) throws -> Result {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: binary)
        p.arguments = arguments
        let out = Pipe(), err = Pipe()
        p.standardOutput = out; p.standardError = err
        let inPipe = Pipe()
        p.standardInput = stdin == nil ? FileHandle.nullDevice : inPipe
        try p.run()
        if let stdin {
            DispatchQueue.global().async {
                inPipe.fileHandleForWriting.write(stdin)
                try? inPipe.fileHandleForWriting.close()
            }
        }
        final class Box: @unchecked Sendable { var data = Data() }
        let outBox = Box(), errBox = Box()
        let group = DispatchGroup()
        group.enter(); DispatchQueue.global().async { outBox.data = out.fileHandleForReading.readDataToEndOfFile(); group.leave() }
        group.enter(); DispatchQueue.global().async { errBox.data = err.fileHandleForReading.readDataToEndOfFile(); group.leave() }
        let deadline = Date().addingTimeInterval(timeout)
        var timedOut = false
        while p.isRunning {
            if Date() > deadline { timedOut = true; p.terminate(); kill(p.processIdentifier, SIGKILL); break }
            usleep(2_000)
        }
        p.waitUntilExit()
        group.wait()
        let outData = outBox.data, errData = errBox.data
        return Result(status: p.terminationStatus, signalled: p.terminationReason == .uncaughtSignal, timedOut: timedOut,
                      stdout: String(decoding: outData, as: UTF8.self), stderr: String(decoding: errData, as: UTF8.self),
                      stdoutData: outData)
    }

    static func capture(_ name: String) -> String { captures.appendingPathComponent(name).path }

    static func jsonLines(_ text: String) -> [[String: Any]] {
        text.split(separator: "\n").compactMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
    }
}
