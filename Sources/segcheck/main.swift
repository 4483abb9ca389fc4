// segcheck: the command-line entry point; parses arguments and calls the libraries.
// Each subcommand lives in its own file (Command*.swift). Exit codes: 0 clean, 1 findings, 2 error.
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import ArgumentParser

struct Segcheck: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "segcheck",
        abstract: "Validate network segregation (三層の対策) against a municipality's policy.",
        discussion: """
        Subcommands:
          compile   validate a policy and build its match automaton
          lookup    answer one flow against a policy
          review    check captured traffic (pcap, pcapng, gzip, directories)
          monitor   watch a mirror port live
          firewall  prove a firewall rule set keeps the segments apart
          report    turn findings into an audit report (HTML, Markdown, CSV)
        """,
        subcommands: [CompileCommand.self, LookupCommand.self, ReviewCommand.self, MonitorCommand.self,
                      FirewallCommand.self, ReportCommand.self])
}
// Usage errors exit 2 (like grep and diff), not ArgumentParser's 64: parse once first and map that case only.
do {
    _ = try Segcheck.parseAsRoot(Array(CommandLine.arguments.dropFirst()))
} catch {
    if Segcheck.exitCode(for: error) == ExitCode.validationFailure {
        var message = Segcheck.fullMessage(for: error) + "\n"
        message.withUTF8 { u in _ = write(2, u.baseAddress, u.count) }
        exit(2)
    }
}
Segcheck.main()
