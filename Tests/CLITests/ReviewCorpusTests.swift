// CLITests: `segcheck review` over every capture of the shared tcpdump corpus: exit 0, 1 or 2, never a crash or a hang.
import Foundation
import Testing

@Suite struct ReviewCorpusTests {
    static let corpus: [String] = {
        let dir = ReviewCLI.shared.appendingPathComponent("corpus/tcpdump-tests")
        let names = (try? FileManager.default.contentsOfDirectory(atPath: dir.path)) ?? []
        return names.filter { $0.hasSuffix(".pcap") || $0.hasSuffix(".pcapng") }.sorted().map { dir.appendingPathComponent($0).path }
    }()

    @Test func everyCorpusCaptureEndsWithZeroOneOrTwo() throws {
        #expect(Self.corpus.count >= 800, "corpus not found at \(ReviewCLI.shared.path)")
        // Two lanes (the machine has two cores); 30 s per file at most.
        let lock = NSLock()
        var failures: [String] = []
        var codes = [Int32: Int]()
        DispatchQueue.concurrentPerform(iterations: 2) { lane in
            for (i, file) in Self.corpus.enumerated() where i % 2 == lane {
                let r: ReviewCLI.Result
                do {
                    r = try ReviewCLI.run(["review", "--policy", ReviewCLI.testPolicy, "-q", "--eve", "/dev/null", file], timeout: 30)
                } catch {
                    lock.lock(); failures.append("\(file): could not run: \(error)"); lock.unlock(); continue
                }
                lock.lock()
                codes[r.status, default: 0] += 1
                if r.timedOut { failures.append("\(file): hang (killed after 30 s)") }
                else if r.signalled { failures.append("\(file): crashed with signal \(r.status)\n\(r.stderr.suffix(500))") }
                else if ![0, 1, 2].contains(r.status) { failures.append("\(file): exit \(r.status)") }
                else if r.status == 2 && r.stderr.isEmpty { failures.append("\(file): exit 2 without a message") }
                lock.unlock()
            }
        }
        #expect(failures.isEmpty, "\(failures.count) failures:\n\(failures.prefix(20).joined(separator: "\n"))")
        // Most corpus files are readable captures: the run must not turn everything into an error.
        #expect((codes[0] ?? 0) + (codes[1] ?? 0) > Self.corpus.count / 2, "exit codes: \(codes)")
    }
}
