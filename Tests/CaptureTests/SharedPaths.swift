// CaptureTests: locates ../shared (corpus) per the project rule: $SEGCHECK_SHARED, <repo>/../shared, /work/shared.
import Foundation

enum SharedPaths {
    static let repoRoot: URL = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    static var shared: String {
        if let env = ProcessInfo.processInfo.environment["SEGCHECK_SHARED"], !env.isEmpty { return env }
        let beside = repoRoot.deletingLastPathComponent().appendingPathComponent("shared").path
        if FileManager.default.fileExists(atPath: beside) { return beside }
        return "/work/shared"
    }

    static var corpus: String { shared + "/corpus/tcpdump-tests" }

    /// Every capture in the tcpdump corpus (files whose names end in .pcap or .pcapng), sorted.
    static func corpusFiles() throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: corpus)
            .filter { $0.hasSuffix(".pcap") || $0.hasSuffix(".pcapng") }
            .sorted().map { corpus + "/" + $0 }
    }
}
