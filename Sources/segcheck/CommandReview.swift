// segcheck review: placeholder until its issue lands.
import ArgumentParser

struct ReviewCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "review", abstract: "(not yet available)")
    func run() throws { throw ExitCode(2) }
}
