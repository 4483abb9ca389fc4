// segcheck lookup: placeholder until its issue lands.
import ArgumentParser

struct LookupCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "lookup", abstract: "(not yet available)")
    func run() throws { throw ExitCode(2) }
}
