// segcheck report: placeholder until its issue lands.
import ArgumentParser

struct ReportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "report", abstract: "(not yet available)")
    func run() throws { throw ExitCode(2) }
}
