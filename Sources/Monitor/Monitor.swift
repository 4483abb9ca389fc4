// Monitor: runs live monitoring — opens captures, drops root, starts workers, handles signals, stats, dead feeds and reloads.
import Capture
import EventOutput
#if canImport(Glibc)
import Glibc
#endif

/// Everything `segcheck monitor` was asked to do.
public struct MonitorConfiguration: Sendable {
    public var policyPath: String
    public var interfaces: [String]
    public var filter: String?
    public var workers: Int = 1
    public var user: String?
    public var evePath: String?
    /// Pcap file for the first packets of every violating flow.
    public var evidencePath: String?
    public var syslog: SyslogTarget?
    public var syslogFacility: Int = 13
    public var metrics: MetricsTarget?
    /// Seconds between periodic `stats` events (0 = only at exit).
    public var statsInterval: Double = 60
    /// Seconds without any packet on an interface before a `feed` dead event (0 = off).
    public var deadFeed: Double = 300
    /// Stop after this many packets (all workers together).
    public var count: UInt64?
    public var snaplen: Int32 = 262_144
    public var bufferSize: Int32 = 32 << 20
    public var promiscuous = true
    public var immediate = true
    public var fanoutGroupBase: UInt16?

    public init(policyPath: String, interfaces: [String]) { self.policyPath = policyPath; self.interfaces = interfaces }
}

/// Why the monitor could not start or had to stop. The CLI prints `description` and exits 2.
public struct MonitorError: Error, Sendable, CustomStringConvertible {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// What a finished run saw (also in the final `stats` event).
public struct MonitorSummary: Sendable {
    public var kernelPackets: UInt64 = 0
    public var kernelDrops: UInt64 = 0
    public var interfaceDrops: UInt64 = 0
    public var delivered: UInt64 = 0
    public var pipeline: [(String, UInt64)] = []
    public var stopSignal: Int32?
    public var workerError: String?
    /// Violations the inspectors counted (the CLI exits 1 when > 0).
    public var violations: UInt64 { pipeline.first { $0.0 == "violations" }?.1 ?? 0 }
}

/// Live monitor over any per-worker pipeline (`InspectorPipeline` in production).
public final class Monitor<Inspector: MonitorInspector>: @unchecked Sendable {
    public typealias PolicyLoader = (String) throws -> Inspector.CompiledPolicyType
    public typealias InspectorFactory = (_ worker: Int, _ policy: Inspector.CompiledPolicyType, _ output: MonitorOutput) -> Inspector

    public let configuration: MonitorConfiguration
    private let loadPolicy: PolicyLoader
    private let makeInspector: InspectorFactory
    private let requests = Locked<[ControlRequest]>([])
    private let wakeup = Wakeup()
    private var workers: [CaptureWorker<Inspector>] = []
    private var feeds: [FeedHealth] = []
    private var policyGeneration = 0
    private var startWall: Int64 = 0
    private var startMono: Double = 0
    private var metricsServer: PrometheusHTTPServer?
    private let metricsText = Locked("")
    private var reloads = (applied: UInt64(0), refused: UInt64(0))
    /// Messages for the operator (stderr); tests and the CLI can replace it.
    public var log: @Sendable (String) -> Void = { line in
        var text = "segcheck monitor: " + line + "\n"
        text.withUTF8 { _ = fwrite($0.baseAddress, 1, $0.count, stderr) }
    }

    public init(configuration: MonitorConfiguration, loadPolicy: @escaping PolicyLoader, makeInspector: @escaping InspectorFactory) {
        self.configuration = configuration
        self.loadPolicy = loadPolicy
        self.makeInspector = makeInspector
    }

    /// Asks the running monitor to do something (what the signal thread calls; usable from any thread).
    public func request(_ r: ControlRequest) {
        requests.withLock { $0.append(r) }
        wakeup.signal()
    }

    /// Runs until SIGTERM/SIGINT, the `-c` budget or a capture failure. Blocks the calling thread.
    public func run(installSignalHandlers: Bool = true) throws(MonitorError) -> MonitorSummary {
        let cfg = configuration
        guard !cfg.interfaces.isEmpty else { throw MonitorError("no interface given (-i IFACE)") }
        guard cfg.workers >= 1 && cfg.workers <= 64 else { throw MonitorError("--workers must be between 1 and 64") }
        if installSignalHandlers { SignalWatcher.blockControlSignals() }

        // 1. The policy, before anything is opened: a bad policy is a usage error.
        let policy: Inspector.CompiledPolicyType
        do { policy = try loadPolicy(cfg.policyPath) } catch { throw MonitorError("\(error)") }

        // 2. Capture handles (needs CAP_NET_RAW): one per worker per interface, each interface its own fanout group.
        var handles: [[LiveCapture]] = Array(repeating: [], count: cfg.workers)
        for (i, name) in cfg.interfaces.enumerated() {
            let ifindex = interfaceIndex(name)
            var options = LiveCaptureOptions(interface: name)
            options.snaplen = cfg.snaplen
            options.bufferSize = cfg.bufferSize
            options.promiscuous = cfg.promiscuous
            options.immediate = cfg.immediate
            options.filter = cfg.filter
            if cfg.workers > 1 {
                let group = cfg.fanoutGroupBase.map { $0 &+ UInt16(truncatingIfNeeded: i) }
                    ?? FanoutSettings.groupID(forInterfaceIndex: ifindex)
                options.fanout = FanoutSettings(groupID: group)
            }
            for w in 0..<cfg.workers {
                do {
                    let c = try LiveCapture(options)
                    for warning in c.warnings { log("\(name): \(warning)") }
                    handles[w].append(c)
                } catch {
                    throw MonitorError(error.description)
                }
            }
        }

        // 3. Give up root now that the sockets are open, before any output file is created (tcpdump -Z order).
        if let user = cfg.user {
            do { try PrivilegeDrop.drop(to: user) } catch { throw MonitorError(error.description) }
        }

        // 4. Outputs, as the (possibly) unprivileged user.
        let output: MonitorOutput
        do {
            output = try MonitorOutput(evePath: cfg.evePath, syslog: cfg.syslog, syslogFacility: cfg.syslogFacility,
                                       evidencePath: cfg.evidencePath, evidenceLinkType: handles[0].first?.linkType ?? 1)
        }
        catch { throw MonitorError(error.description) }
        defer { output.close() }
        if case .http(let host, let port)? = cfg.metrics {
            do {
                let server = try PrometheusHTTPServer(host: host, port: port) { [metricsText] in metricsText.withLock { $0 } }
                metricsServer = server
                log("metrics on http://\(host.contains(":") ? "[\(host)]" : host):\(server.port)/metrics")
            } catch { throw MonitorError(error.description) }
        }

        // 5. Workers and the signal thread. Signals stay blocked in every thread but the watcher.
        let control = WorkerControl(count: cfg.count)
        for w in 0..<cfg.workers {
            let inspector = makeInspector(w, policy, output)
            workers.append(CaptureWorker(index: w, captures: handles[w], inspector: inspector, control: control) { [weak self] in
                self?.request(.stop(signal: 0))
            })
        }
        startWall = wallClockNanoseconds()
        startMono = monotonicSeconds()
        feeds = cfg.interfaces.map { _ in FeedHealth(deadAfter: cfg.deadFeed, now: startMono) }
        var watcher: SignalWatcher?
        if installSignalHandlers {
            let w = SignalWatcher { [weak self] r in self?.request(r) }
            w.start()
            watcher = w
        }
        metricsServer?.start()
        for w in workers { w.start() }
        log("capturing on \(cfg.interfaces.joined(separator: ", ")) with \(cfg.workers) worker(s); policy \(cfg.policyPath)")
        publishMetrics(output: output)

        // 6. Control loop: requests, stats, dead feeds, metrics.
        var stopSignal: Int32?
        var nextStats = cfg.statsInterval > 0 ? startMono + cfg.statsInterval : .infinity
        control: while true {
            wakeup.wait(seconds: 1.0)
            let pending = requests.withLock { r -> [ControlRequest] in let x = r; r.removeAll(); return x }
            for r in pending {
                switch r {
                case .stop(let sig):
                    stopSignal = sig
                    break control
                case .reload:
                    reload(output: output)
                case .reopen:
                    do { try output.reopen(); log("reopened output files") }
                    catch { log("cannot reopen outputs: \(error)") }
                }
            }
            let now = monotonicSeconds()
            checkFeeds(now: now, output: output)
            if now >= nextStats {
                output.write(statsEvent(final: false, now: now))
                nextStats = now + cfg.statsInterval
            }
            output.flushEvidence()
            publishMetrics(output: output)
        }

        // 7. Stop: wake every blocked read, let each worker flush its flows, then the final stats.
        control.state.withLock { $0.stop = true }
        for w in workers { w.breakLoop() }
        for w in workers { w.join() }
        let now = monotonicSeconds()
        let finalStats = statsEvent(final: true, now: now)
        output.write(finalStats)
        publishMetrics(output: output)
        if case .textfile? = cfg.metrics {} else { metricsServer?.stop() }
        watcher?.stop()
        var summary = summarize()
        summary.stopSignal = (stopSignal ?? 0) == 0 ? nil : stopSignal
        summary.workerError = workers.compactMap { $0.snapshot.withLock { $0.error } }.first
        if let e = summary.workerError { log(e) }
        return summary
    }

    // MARK: - Reload

    private func reload(output: MonitorOutput) {
        let path = configuration.policyPath
        let ts = wallClockNanoseconds()
        let policy: Inspector.CompiledPolicyType
        do {
            policy = try loadPolicy(path)
        } catch {
            reloads.refused += 1
            let message = "\(error)"
            log("SIGHUP: new policy refused, keeping the old one: \(message)")
            var ev = JSONObject()
            ev.add("timestamp", eveTimestamp(nanoseconds: ts))
            ev.add("event_type", "policy_reload")
            var body = JSONObject()
            body.add("result", "refused"); body.add("policy", path); body.add("error", message); body.add("generation", policyGeneration)
            ev.add("policy_reload", body)
            output.write(MonitorEvent(kind: .policyReload, eve: ev.finished, timestampNanoseconds: ts,
                                      syslog: .init(severity: .error, messageID: "RELOAD", structuredData: [("result", "refused"), ("policy", path)],
                                                    text: "policy reload refused, old policy stays: \(message)")))
            return
        }
        policyGeneration += 1
        let gen = policyGeneration
        for w in workers { w.pendingPolicy.withLock { $0 = (gen, policy) } }
        // Workers swap between batches; a blocked read returns within the capture timeout (100 ms).
        let deadline = monotonicSeconds() + 5
        var applied = 0
        while monotonicSeconds() < deadline {
            applied = workers.filter { w in w.snapshot.withLock { $0.appliedPolicyGeneration >= gen || $0.finished } }.count
            if applied == workers.count { break }
            usleep(5_000)
        }
        reloads.applied += 1
        log("SIGHUP: policy reloaded from \(path) (generation \(gen), \(applied)/\(workers.count) workers switched)")
        var ev = JSONObject()
        ev.add("timestamp", eveTimestamp(nanoseconds: wallClockNanoseconds()))
        ev.add("event_type", "policy_reload")
        var body = JSONObject()
        body.add("result", "applied"); body.add("policy", path); body.add("generation", gen)
        body.add("workers", workers.count); body.add("workers_switched", applied)
        ev.add("policy_reload", body)
        output.write(MonitorEvent(kind: .policyReload, eve: ev.finished, timestampNanoseconds: ts,
                                  syslog: .init(severity: .notice, messageID: "RELOAD", structuredData: [("result", "applied"), ("policy", path), ("generation", String(gen))],
                                                text: "policy reloaded")))
    }

    // MARK: - Health and stats

    /// Kernel-received packets per interface, summed over workers.
    private func interfaceTotals() -> [(received: UInt64, dropped: UInt64, ifDropped: UInt64)] {
        var out = Array(repeating: (received: UInt64(0), dropped: UInt64(0), ifDropped: UInt64(0)), count: configuration.interfaces.count)
        for w in workers {
            let k = w.snapshot.withLock { $0.kernel }
            for (i, t) in k.enumerated() where i < out.count {
                out[i].received &+= t.received.total
                out[i].dropped &+= t.dropped.total
                out[i].ifDropped &+= t.interfaceDropped.total
            }
        }
        return out
    }

    private func checkFeeds(now: Double, output: MonitorOutput) {
        let totals = interfaceTotals()
        for i in feeds.indices {
            let transition = feeds[i].observe(count: totals[i].received, now: now)
            let name = configuration.interfaces[i]
            let ts = wallClockNanoseconds()
            var body = JSONObject()
            body.add("interface", name)
            let text: String
            let severity: SyslogSeverity
            switch transition {
            case .none: continue
            case .becameDead(let silent):
                body.add("state", "dead"); body.add("silent_seconds", silent); body.add("threshold_seconds", configuration.deadFeed)
                body.add("kernel_packets", totals[i].received)
                text = "no packets on \(name) for \(Int(silent)) s: the mirror feed looks dead (this is not 0% loss)"
                severity = .warning
            case .becameAlive(let dead):
                body.add("state", "alive"); body.add("dead_seconds", dead)
                text = "packets on \(name) again after \(Int(dead)) s of silence"
                severity = .notice
            }
            log(text)
            var ev = JSONObject()
            ev.add("timestamp", eveTimestamp(nanoseconds: ts))
            ev.add("event_type", "feed")
            ev.add("in_iface", name)
            ev.add("feed", body)
            output.write(MonitorEvent(kind: .feed, eve: ev.finished, timestampNanoseconds: ts,
                                      syslog: .init(severity: severity, messageID: "FEED", structuredData: [("interface", name), ("state", feeds[i].isDead ? "dead" : "alive")], text: text)))
        }
    }

    private func summarize() -> MonitorSummary {
        var s = MonitorSummary()
        var merged: [(String, UInt64)] = []
        for w in workers {
            let snap = w.snapshot.withLock { $0 }
            s.delivered &+= snap.delivered
            for t in snap.kernel {
                s.kernelPackets &+= t.received.total; s.kernelDrops &+= t.dropped.total; s.interfaceDrops &+= t.interfaceDropped.total
            }
            for (k, v) in snap.pipeline {
                if let i = merged.firstIndex(where: { $0.0 == k }) { merged[i].1 &+= v } else { merged.append((k, v)) }
            }
        }
        s.pipeline = merged
        return s
    }

    /// A Suricata-style `stats` event: capture counters (total, per interface, per worker) and inspector counters.
    private func statsEvent(final: Bool, now: Double) -> MonitorEvent {
        let ts = wallClockNanoseconds()
        let summary = summarize()
        let totals = interfaceTotals()
        var capture = JSONObject()
        capture.add("kernel_packets", summary.kernelPackets)
        capture.add("kernel_drops", summary.kernelDrops)
        capture.add("interface_drops", summary.interfaceDrops)
        capture.add("delivered", summary.delivered)
        // Accepted into the capture ring but not read when the counters were taken (at stop: arrived after the drain).
        capture.add("unread", unreadPackets(received: summary.kernelPackets, dropped: summary.kernelDrops, delivered: summary.delivered))
        var ifaces: [JSONObject] = []
        for (i, name) in configuration.interfaces.enumerated() {
            var o = JSONObject()
            o.add("name", name)
            o.add("kernel_packets", totals[i].received); o.add("kernel_drops", totals[i].dropped); o.add("interface_drops", totals[i].ifDropped)
            o.add("feed", i < feeds.count && feeds[i].isDead ? "dead" : "alive")
            ifaces.append(o)
        }
        capture.add("interfaces", ifaces)
        var workerObjects: [JSONObject] = []
        for w in workers {
            let snap = w.snapshot.withLock { $0 }
            var o = JSONObject()
            o.add("worker", w.index)
            o.add("delivered", snap.delivered)
            o.add("kernel_packets", snap.kernel.reduce(UInt64(0)) { $0 &+ $1.received.total })
            o.add("kernel_drops", snap.kernel.reduce(UInt64(0)) { $0 &+ $1.dropped.total })
            var p = JSONObject()
            for (k, v) in snap.pipeline { p.add(k, v) }
            o.add("inspect", p)
            workerObjects.append(o)
        }
        capture.add("workers", workerObjects)
        var inspect = JSONObject()
        for (k, v) in summary.pipeline { inspect.add(k, v) }
        var reload = JSONObject()
        reload.add("generation", policyGeneration); reload.add("applied", reloads.applied); reload.add("refused", reloads.refused)
        var stats = JSONObject()
        stats.add("uptime", Int(now - startMono))
        stats.add("final", final)
        stats.add("capture", capture)
        stats.add("inspect", inspect)
        stats.add("policy_reload", reload)
        var ev = JSONObject()
        ev.add("timestamp", eveTimestamp(nanoseconds: ts))
        ev.add("event_type", "stats")
        ev.add("stats", stats)
        var sd: [(String, String)] = [("kernel_packets", String(summary.kernelPackets)), ("kernel_drops", String(summary.kernelDrops)),
                                      ("interface_drops", String(summary.interfaceDrops)), ("final", final ? "true" : "false")]
        for (k, v) in summary.pipeline.prefix(8) { sd.append((k, String(v))) }
        return MonitorEvent(kind: .stats, eve: ev.finished, timestampNanoseconds: ts,
                            syslog: final ? .init(severity: .informational, messageID: "STATS", structuredData: sd, text: "final capture statistics") : nil)
    }

    // MARK: - Metrics

    private func metricFamilies(output: MonitorOutput) -> [MetricFamily] {
        let totals = interfaceTotals()
        let names = configuration.interfaces
        var fams: [MetricFamily] = []
        func perInterface(_ name: String, _ help: String, _ value: ((received: UInt64, dropped: UInt64, ifDropped: UInt64)) -> UInt64) {
            fams.append(MetricFamily(name: name, help: help, kind: .counter, samples: names.indices.map {
                .init(labels: [("interface", names[$0])], value: Double(value(totals[$0]))) }))
        }
        perInterface("segcheck_capture_packets_total", "Packets the kernel passed to segcheck's sockets (including those it then dropped).") { $0.received }
        perInterface("segcheck_capture_kernel_drops_total", "Packets the kernel dropped because segcheck's ring buffer was full.") { $0.dropped }
        perInterface("segcheck_capture_interface_drops_total", "Packets the interface or driver dropped (when reported).") { $0.ifDropped }
        fams.append(MetricFamily(name: "segcheck_feed_up", help: "1 when the interface delivered packets within the dead-feed limit, 0 when the feed looks dead.",
                                 kind: .gauge, samples: names.indices.map { .init(labels: [("interface", names[$0])], value: feeds.indices.contains($0) && feeds[$0].isDead ? 0 : 1) }))
        var perWorker: [MetricFamily.Sample] = []
        for w in workers { perWorker.append(.init(labels: [("worker", String(w.index))], value: Double(w.snapshot.withLock { $0.delivered }))) }
        fams.append(MetricFamily(name: "segcheck_worker_packets_total", help: "Packets each worker read from its sockets.", kind: .counter, samples: perWorker))
        for (k, v) in summarize().pipeline {
            let metric = "segcheck_" + String(k.unicodeScalars.map { ($0.properties.isAlphabetic && $0.isASCII) || ("0"..."9").contains($0) ? Character($0) : "_" })
            let gauge = k.hasPrefix("active") || k.hasSuffix("_active")
            fams.append(MetricFamily(name: gauge ? metric : metric + "_total", help: "Inspector counter '\(k)' summed over workers.",
                                     kind: gauge ? .gauge : .counter, samples: [.init(value: Double(v))]))
        }
        fams.append(MetricFamily(name: "segcheck_policy_reloads_total", help: "SIGHUP policy reloads, by result.", kind: .counter,
                                 samples: [.init(labels: [("result", "applied")], value: Double(reloads.applied)),
                                           .init(labels: [("result", "refused")], value: Double(reloads.refused))]))
        fams.append(MetricFamily(name: "segcheck_uptime_seconds", help: "Seconds since capture started.", kind: .gauge,
                                 samples: [.init(value: (monotonicSeconds() - startMono).rounded())]))
        fams += output.metricFamilies()
        return fams
    }

    private func publishMetrics(output: MonitorOutput) {
        guard let target = configuration.metrics else { return }
        let text = PrometheusText.render(metricFamilies(output: output))
        switch target {
        case .http: metricsText.withLock { $0 = text }
        case .textfile(let path):
            do { try PrometheusTextfile.write(text, to: path) } catch { log("\(error)") }
        }
    }
}
