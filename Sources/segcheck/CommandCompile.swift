// segcheck compile: placeholder until its issue lands.
import ArgumentParser

struct CompileCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "compile", abstract: "(not yet available)")
    func run() throws { throw ExitCode(2) }
}
