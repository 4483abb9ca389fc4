// segcheck firewall: placeholder until its issue lands.
import ArgumentParser

struct FirewallCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "firewall", abstract: "(not yet available)")
    func run() throws { throw ExitCode(2) }
}
