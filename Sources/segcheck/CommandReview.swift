// segcheck review: checks captured traffic (pcap, pcapng, gzip, stdin, directories) against a policy; exit 0 clean, 1 violations, 2 error.
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import ArgumentParser
import Capture
import EventOutput
import Flows
import Inspect
import Policy
import PolicyCompiler

struct ReviewCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "review",
        abstract: "Check captured traffic against a segmentation policy (三層の対策).",
        usage: "segcheck review --policy POLICY [options] INPUT...",
        discussion: """
        INPUT is a pcap or pcapng file (plain or gzip-compressed), a directory (read recursively, files in the
        order of their first packet, flow state kept across files, as rotated captures are), or - for standard input.

        Every flow is classified once, with its initiator as source (taken from the TCP handshake, else the first
        packet, else the well-known port when the capture starts mid-stream). Forbidden flows, addresses in no zone,
        pinned hosts seen from other MACs, and fragment evasion are findings: one alert per flow.

        Exit status: 0 no violations, 1 violations found, 2 usage error or unreadable input.

        Examples:
          segcheck review --policy rulesets/examples/iizuka.yaml captures/example.pcap
          segcheck review --policy policy.yaml --eve alerts.json --evidence evidence.pcap /var/capture/week47/
          segcheck review --policy policy.yaml --lang ja -r monday.pcapng.gz -r tuesday.pcapng.gz
          tcpdump -i eth1 -w - | segcheck review --policy policy.yaml --eve - --quiet -
          segcheck review --policy policy.yaml -c 100000 big.pcap     # first 100,000 packets only
        """)

    @Option(name: .long, help: ArgumentHelp("Policy file (YAML or CSV).", valueName: "POLICY"))
    var policy: String?

    @Option(name: .customShort("r"), help: ArgumentHelp("Read packets from FILE (as tcpdump -r); may be repeated.", valueName: "FILE"))
    var readFiles: [String] = []

    @Argument(help: ArgumentHelp("Capture files, directories, or - for standard input.", valueName: "INPUT"))
    var inputs: [String] = []

    @Option(name: .customShort("c"), help: ArgumentHelp("Stop after COUNT packets.", valueName: "COUNT"))
    var count: Int?

    @Option(name: .long, help: ArgumentHelp("Write EVE JSON Lines (alerts, flows, stats) to FILE, or - for standard output.", valueName: "FILE"))
    var eve: String?

    @Option(name: .long, help: ArgumentHelp("Flow records in the EVE output: all, alerted, none.", valueName: "WHICH"))
    var eveFlows: String = "all"

    @Option(name: .long, help: ArgumentHelp("Write the first packets of every violating flow to FILE.pcap (pcapng when they have several link types).", valueName: "FILE.pcap"))
    var evidence: String?

    @Option(name: .long, help: ArgumentHelp("Packets per violating flow in the evidence file.", valueName: "N"))
    var evidencePackets: Int = 16

    @Option(name: .long, help: ArgumentHelp("Language of the summary: ja or en (default: from LANG).", valueName: "ja|en"))
    var lang: String?

    @Flag(name: [.customShort("q"), .long], help: "No summary on standard output.")
    var quiet = false

    @Option(name: .long, help: ArgumentHelp("Flows tracked at once before the idlest is evicted.", valueName: "N"))
    var maxFlows: Int = 1 << 20

    @Flag(name: .long, help: "Do not use 802.1Q tags in the flow key (when tags differ by direction).")
    var noVlanTracking = false

    @Option(name: .long, help: ArgumentHelp("Idle timeouts in seconds: tcp-new,tcp-established,tcp-closed,new,established.", valueName: "LIST"))
    var timeouts: String?

    @Option(name: .long, help: ArgumentHelp("Benchmark baseline: only read the inputs (libpcap or native) and count packets.", visibility: .hidden))
    var readOnly: String?

    func fail(_ message: String) -> ExitCode {
        FileHandleOut.stderr("segcheck review: \(message)\n")
        return ExitCode(2)
    }

    func run() throws {
        // Options.
        var language: SummaryLanguage = .en
        if let l = lang {
            guard let v = SummaryLanguage(rawValue: l) else { throw fail("--lang must be ja or en, not \(l)") }
            language = v
        } else if let env = getenv("LANG").map({ String(cString: $0) }), env.hasPrefix("ja") {
            language = .ja
        }
        guard ["all", "alerted", "none"].contains(eveFlows) else { throw fail("--eve-flows must be all, alerted or none, not \(eveFlows)") }
        guard evidencePackets >= 1 && evidencePackets <= 65535 else { throw fail("--evidence-packets must be between 1 and 65535") }
        guard maxFlows >= 1 && maxFlows <= 100_000_000 else { throw fail("--max-flows must be between 1 and 100000000") }
        if let c = count, c < 0 { throw fail("-c must not be negative") }
        var config = InspectorConfiguration()
        config.flowCapacity = maxFlows
        config.vlanInFlowKey = !noVlanTracking
        config.evidencePacketsPerFlow = UInt16(evidencePackets)
        if let t = timeouts {
            let parts = t.split(separator: ",").map { Double($0) }
            guard parts.count == 5, parts.allSatisfy({ $0 != nil && $0! > 0 }) else {
                throw fail("--timeouts needs five positive numbers of seconds: tcp-new,tcp-established,tcp-closed,new,established")
            }
            config.timeouts = FlowTimeouts(tcpNew: parts[0]!, tcpEstablished: parts[1]!, tcpClosed: parts[2]!, new: parts[3]!, established: parts[4]!)
        }
        let allInputs = readFiles + inputs
        guard !allInputs.isEmpty else { throw fail("no input: name capture files, directories or - (see --help)") }

        if let mode = readOnly { return try readOnlyBaseline(mode, allInputs) }

        // Policy.
        guard let policy else { throw fail("missing --policy POLICY (see --help)") }
        let loaded: Policy
        do { loaded = try PolicyLoader.load(path: policy) } catch { throw fail("\(error)") }
        let compiled: CompiledPolicy
        do { compiled = try CompiledPolicy.compile(loaded) } catch { throw fail("\(policy): \(error)") }

        // Inputs, in first-packet order.
        var problems = 0
        let plan = InputPlan.build(allInputs, problem: { message in
            FileHandleOut.stderr("segcheck review: \(message)\n")
            problems += 1
        }, note: { message in
            FileHandleOut.stderr("segcheck review: warning: \(message)\n")
        })

        // Outputs.
        let summary = SummaryCollector()
        var sinks: [any EventSink] = [summary]
        var eveWriter: EveWriter?
        if let eve {
            do { eveWriter = EveWriter(output: try OutputFile(path: eve), allFlows: eveFlows == "all") } catch { throw fail("\(error)") }
            if eveFlows == "none" { eveWriter!.flowRecords = false }
            sinks.append(eveWriter!)
        }
        var evidenceSink: EvidenceSink?
        if let evidence {
            do { evidenceSink = try EvidenceSink(path: evidence) } catch { throw fail("\(error)") }
            sinks.append(evidenceSink!)
        }
        let inspector = Inspector(policy: compiled, sink: FanOutSink(sinks), configuration: config)

        // Packets.
        var remaining = count ?? Int.max
        let batch = UnsafeMutablePointer<PacketRecord>.allocate(capacity: Inspector.batchSize)
        defer { batch.deallocate() }
        for input in plan where remaining > 0 {
            inspector.beginFile(input.displayName)
            do {
                var reader = try CaptureFileReader.open(path: input.path)
                while remaining > 0 {
                    let n = try reader.nextBatch(into: batch, max: min(remaining, Inspector.batchSize))
                    if n == 0 { break }
                    inspector.processBatch(batch, count: n)
                    remaining -= n
                }
            } catch {
                FileHandleOut.stderr("segcheck review: \(error.description)\n")
                problems += 1
            }
        }
        inspector.finish()

        if let w = eveWriter?.writeError { FileHandleOut.stderr("segcheck review: \(w)\n"); problems += 1 }
        if let e = evidenceSink?.error { FileHandleOut.stderr("segcheck review: \(e)\n"); problems += 1 }
        if let s = evidenceSink, s.format == .pcapng {
            FileHandleOut.stderr("segcheck review: note: \(evidence!) is pcapng: evidence packets have several link types\n")
        }
        if let s = evidenceSink, s.skippedOtherLinkType > 0 {
            FileHandleOut.stderr("segcheck review: \(evidence!): \(s.skippedOtherLinkType) evidence packets of another link type than the first were left out (a pcap file holds one link type)\n")
        }
        if !quiet {
            FileHandleOut.stdout(summary.render(language: language, policy: loaded))
        }
        if problems > 0 { throw ExitCode(2) }
        if inspector.counters.violations > 0 { throw ExitCode(1) }
    }
}

extension ReviewCommand {
    /// The benchmark baselines of scripts/bench-review.sh: read every packet (touching its first byte) and nothing else.
    func readOnlyBaseline(_ mode: String, _ files: [String]) throws {
        var packets = 0, checksum: UInt64 = 0
        for f in files {
            do {
                switch mode {
                case "libpcap":
                    var r = try LibpcapFileReader.open(path: f)
                    while let rec = try r.next() { packets += 1; checksum &+= UInt64(rec.bytes.first ?? 0) &+ UInt64(rec.wireLength) }
                case "native":
                    var r = try CaptureFileReader.open(path: f)
                    while let rec = try r.next() { packets += 1; checksum &+= UInt64(rec.bytes.first ?? 0) &+ UInt64(rec.wireLength) }
                default:
                    throw fail("--read-only must be libpcap or native")
                }
            } catch let e as CaptureError { throw fail(e.description) }
        }
        FileHandleOut.stdout("packets \(packets) checksum \(checksum)\n")
    }
}

/// Unbuffered writes to the standard streams (the summary and messages are small).
enum FileHandleOut {
    static func stdout(_ s: String) { write(1, s) }
    static func stderr(_ s: String) { write(2, s) }
    static func write(_ fd: Int32, _ s: String) {
        var s = s
        s.withUTF8 { u in
            var p = u.baseAddress!, left = u.count
            while left > 0 {
                let n = Glibc.write(fd, p, left)
                if n <= 0 { if n < 0 && errno == EINTR { continue }; return }
                p += n; left -= n
            }
        }
    }
}
