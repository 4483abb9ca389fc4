// segcheck monitor: watches mirror (SPAN) ports live and reports forbidden cross-segment flows as they happen.
import ArgumentParser
import EventOutput
import Inspect
import Monitor
import Policy
import PolicyCompiler
#if canImport(Glibc)
import Glibc
#endif

struct MonitorCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "monitor",
        abstract: "Watch mirror ports live and report forbidden cross-segment flows (EVE JSON, syslog, Prometheus).",
        discussion: """
        Captures with libpcap on one or more interfaces (promiscuous, immediate mode unless --no-immediate-mode), spreads each interface over
        --workers threads with the kernel's PACKET_FANOUT flow hash, and runs the same decoder, flow table and
        verdicts as `segcheck review`. One alert per violating flow; a flow record when each flow ends.

        Signals:
          SIGTERM, SIGINT  stop: flush open flows and alerts, write the final stats event, exit
          SIGHUP           reload --policy atomically; a bad policy is refused with a message and the old one stays
          SIGUSR1          reopen the --eve / --evidence files (after logrotate moved them) and reconnect syslog

        Events (EVE JSON Lines): alert, flow, stats (periodic and final: kernel_packets, kernel_drops,
        interface_drops per interface and per worker), feed (an interface silent for --dead-feed seconds, and its
        recovery), policy_reload.

        Exit status: 0 stopped with no violations seen, 1 violations seen, 2 error (bad option, policy, interface).

        Examples:
          segcheck monitor --policy /etc/segcheck/policy.yaml -i ens5 --eve /var/log/segcheck/eve.json
          segcheck monitor --policy city.yaml -i ens5 -i ens6 --workers 2 -Z segcheck \\
                           --eve /var/log/segcheck/eve.json --syslog unix:/dev/log --metrics 127.0.0.1:9560
          segcheck monitor --policy city.yaml -i ens5 -f "not ether proto 0x88cc" --syslog udp:127.0.0.1:514 \\
                           --metrics /var/lib/prometheus/node-exporter/segcheck.prom --stats-interval 30 --dead-feed 120
          segcheck monitor --policy city.yaml -i ens5 --eve - -c 100000      # 100,000 packets to stdout, then stop
        """)

    @Option(name: .long, help: "Policy file (YAML or CSV); re-read on SIGHUP.")
    var policy: String

    @Option(name: [.short, .customLong("interface")], help: "Interface to capture on (repeat for several mirror ports).")
    var interfaces: [String] = []

    @Option(name: [.short, .customLong("filter")], help: "BPF capture filter. Keep it coarse: do not filter on vlan/mpls.")
    var filter: String?

    @Option(name: .long, help: "Worker threads per interface (PACKET_FANOUT hash: each flow stays on one worker).")
    var workers: Int = 1

    @Option(name: [.customShort("Z"), .customLong("user")], help: "Drop root to USER after opening the capture, before writing any output (like tcpdump -Z).")
    var user: String?

    @Option(name: .long, help: "EVE JSON Lines output file (appended to), or - for stdout.")
    var eve: String?

    @Option(name: .long, help: "Write the first packets of every violating flow to this pcap file.")
    var evidence: String?

    @Option(name: .long, help: "Syslog (RFC 5424) destination: unix:/dev/log or udp:HOST:PORT.")
    var syslog: String?

    @Option(name: .customLong("syslog-facility"), help: "Syslog facility number (13 = log audit, 16-23 = local0-local7).")
    var syslogFacility: Int = 13

    @Option(name: .long, help: "Prometheus metrics: HOST:PORT on loopback (HTTP /metrics) or a FILE.prom for the node_exporter textfile collector.")
    var metrics: String?

    @Option(name: .customLong("stats-interval"), help: "Seconds between stats events (0 = only at exit).")
    var statsInterval: Double = 60

    @Option(name: .customLong("dead-feed"), help: "Seconds without any packet on an interface before a feed-dead event (0 = off).")
    var deadFeed: Double = 300

    @Option(name: [.short, .customLong("count")], help: "Stop after this many packets.")
    var count: UInt64?

    @Option(name: [.short, .customLong("snaplen")], help: "Bytes captured per packet.")
    var snaplen: Int32 = 262_144

    @Option(name: [.customShort("B"), .customLong("buffer-size")], help: "Kernel capture buffer per worker and interface, in KiB.")
    var bufferSize: Int32 = 32 * 1024

    @Flag(name: .customLong("no-promiscuous"), help: "Do not put the interfaces into promiscuous mode.")
    var noPromiscuous = false

    @Flag(name: .customLong("no-immediate-mode"), help: "Let the kernel hand packets over in blocks (TPACKET_V3, at most 100 ms late) instead of one wake-up per packet: fewer context switches on a busy mirror port.")
    var noImmediateMode = false

    @Option(name: .customLong("flows"), help: "Flow records to write: all or alerted.")
    var flows: String = "all"

    @Option(name: .long, help: "Language of the exit summary: ja or en.")
    var lang: String = "ja"

    func fail(_ message: String) -> Never {
        var text = "segcheck monitor: error: \(message)\n"
        text.withUTF8 { _ = fwrite($0.baseAddress, 1, $0.count, stderr) }
        Foundation_exit(2)
    }

    func run() throws {
        // Block the control signals before anything else can start a thread (they are then taken by sigwait only).
        SignalWatcher.blockControlSignals()
        if interfaces.isEmpty { fail("no interface: give at least one -i IFACE") }
        if workers < 1 || workers > 64 { fail("--workers must be between 1 and 64 (got \(workers))") }
        if statsInterval < 0 || deadFeed < 0 { fail("--stats-interval and --dead-feed must not be negative") }
        if flows != "all" && flows != "alerted" { fail("--flows must be all or alerted (got \(flows))") }
        if lang != "ja" && lang != "en" { fail("--lang must be ja or en (got \(lang))") }
        if count == 0 { fail("-c/--count must be at least 1") }
        var cfg = MonitorConfiguration(policyPath: policy, interfaces: interfaces)
        cfg.filter = filter
        cfg.workers = workers
        cfg.user = user
        cfg.evePath = eve
        cfg.evidencePath = evidence
        if let s = syslog {
            guard let t = SyslogTarget(s) else { fail("--syslog \(s): expected unix:/PATH or udp:HOST:PORT") }
            cfg.syslog = t
        }
        cfg.syslogFacility = syslogFacility
        if let m = metrics {
            guard let t = MetricsTarget(m) else { fail("--metrics \(m): expected HOST:PORT (loopback) or a path ending in .prom") }
            cfg.metrics = t
        }
        cfg.statsInterval = statsInterval
        cfg.deadFeed = deadFeed
        cfg.count = count
        cfg.snaplen = snaplen
        cfg.bufferSize = bufferSize &* 1024
        cfg.promiscuous = !noPromiscuous
        cfg.immediate = !noImmediateMode
        let allFlows = flows == "all"
        let names = interfaces

        let monitor = Monitor<InspectorPipeline>(
            configuration: cfg,
            loadPolicy: { path in
                let p = try PolicyLoader.load(path: path)
                return try CompiledPolicy.compile(p)
            },
            makeInspector: { worker, compiled, output in
                InspectorPipeline(policy: compiled, output: output, worker: worker, interfaces: names, allFlows: allFlows)
            })
        let summary: MonitorSummary
        do {
            summary = try monitor.run()
        } catch {
            fail(error.description)
        }
        let ja = lang == "ja"
        let lossPct = summary.kernelPackets == 0 ? 0 : Double(summary.kernelDrops) * 100 / Double(summary.kernelPackets)
        let loss = String(Double(Int(lossPct * 1000)) / 1000)
        let text = ja
            ? "監視終了: 受信 \(summary.kernelPackets) パケット、カーネル破棄 \(summary.kernelDrops) (\(loss)%)、IF破棄 \(summary.interfaceDrops)、違反 \(summary.violations) 件\n"
            : "monitor stopped: \(summary.kernelPackets) packets received, \(summary.kernelDrops) kernel drops (\(loss)%), \(summary.interfaceDrops) interface drops, \(summary.violations) violations\n"
        var t = text
        t.withUTF8 { _ = fwrite($0.baseAddress, 1, $0.count, stderr) }
        if summary.workerError != nil { Foundation_exit(2) }
        Foundation_exit(summary.violations > 0 ? 1 : 0)
    }
}

/// exit(3) without Foundation (flushes stdio).
private func Foundation_exit(_ code: Int32) -> Never { exit(code) }
