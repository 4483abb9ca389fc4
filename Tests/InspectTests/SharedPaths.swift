// InspectTests: where the repository, its captures/ and the shared corpus are (SEGCHECK_SHARED, else ../shared, else /work/shared).
import Foundation

enum Paths {
    /// The repository root, from this file's place (Tests/InspectTests/SharedPaths.swift).
    static let repo: URL = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let captures = repo.appendingPathComponent("captures")
    static var shared: URL {
        if let env = ProcessInfo.processInfo.environment["SEGCHECK_SHARED"], !env.isEmpty { return URL(fileURLWithPath: env) }
        let beside = repo.deletingLastPathComponent().appendingPathComponent("shared")
        if FileManager.default.fileExists(atPath: beside.path) { return beside }
        return URL(fileURLWithPath: "/work/shared")
    }
}
