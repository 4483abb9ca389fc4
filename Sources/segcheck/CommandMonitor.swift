// segcheck monitor: placeholder until its issue lands.
import ArgumentParser

struct MonitorCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "monitor", abstract: "(not yet available)")
    func run() throws { throw ExitCode(2) }
}
