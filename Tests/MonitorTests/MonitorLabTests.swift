// MonitorTests: the real lab — namespaces, an iptables router, tc mirred to a sensor running `segcheck monitor`, real traffic.
import Foundation
import Testing

/// What the lab needs; when something is missing the suite is skipped with this reason.
enum LabRequirements {
    static var missing: String? {
        if !Env.isRoot { return "the monitor lab needs root (ip netns, tc, iptables); CI runs as root" }
        for tool in ["ip", "tc", "iptables", "ping", "python3", "setpriv"] where !Env.has(tool) {
            return "the monitor lab needs \(tool) (scripts/install-deps.sh)"
        }
        if TestPaths.segcheck == nil { return "no built segcheck binary (swift build)" }
        return nil
    }
    static var ready: Bool {
        if let m = missing { print("MonitorTests lab skipped: \(m)"); return false }
        return true
    }
}

/// One lab instance with its own namespace prefix and output directory.
final class Lab {
    let prefix: String
    let out: String
    private var isUp = false

    init(_ name: String) {
        prefix = "mon-\(name)\(getpid() % 1000)"
        out = NSTemporaryDirectory() + prefix
        try? FileManager.default.removeItem(atPath: out)
        try? FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true)
        chmod(out, 0o777)
    }

    deinit { if isUp { _ = try? sh(["down"]) } }

    @discardableResult
    func sh(_ args: [String], env: [String: String] = [:], timeout: Double = 120) throws -> CommandResult {
        var e = ["LAB_PREFIX": prefix, "LAB_OUT": out, "SEGCHECK": TestPaths.segcheck ?? ""]
        for (k, v) in env { e[k] = v }
        return try runCommand(["bash", TestPaths.labScript] + args, environment: e, timeout: timeout)
    }

    func up() throws {
        let r = try sh(["up"])
        #expect(r.status == 0, "lab up failed: \(r.stderr)")
        isUp = r.status == 0
    }

    func down() throws { try sh(["down"]); isUp = false }

    func start(_ args: [String], env: [String: String] = [:]) throws {
        let r = try sh(["start"] + args, env: env)
        #expect(r.status == 0, "monitor did not start: \(r.stdout)\(r.stderr)")
    }

    @discardableResult
    func traffic(_ phase: String, env: [String: String] = [:]) throws -> CommandResult { try sh(["traffic", phase], env: env) }

    func signal(_ sig: String) throws { try sh(["signal", sig]) }

    /// SIGTERM and wait; returns the monitor's exit status.
    func stop() throws -> Int32 {
        let r = try sh(["stop"])
        guard let line = r.stdout.split(separator: "\n").first(where: { $0.hasPrefix("monitor exit code ") }),
              let code = Int32(line.dropFirst("monitor exit code ".count)) else {
            Issue.record("no exit code from lab stop: \(r.stdout) \(r.stderr)"); return -1
        }
        return code
    }

    var evePath: String { out + "/eve.json" }
    func events(_ path: String? = nil) -> [[String: Any]] { readEVE(path ?? evePath) }
    var stderr: String { (try? String(contentsOfFile: out + "/monitor.stderr", encoding: .utf8)) ?? "" }

    /// Polls the EVE file until an event matches (or the time is up).
    func waitFor(_ timeout: Double = 10, _ match: ([String: Any]) -> Bool) -> Bool {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if events().contains(where: match) { return true }
            usleep(100_000)
        }
        return false
    }

    func fixture(_ name: String) -> String { TestPaths.fixtures.appendingPathComponent(name).path }

    /// Copies a fixture policy to the lab's (reloadable) policy path.
    func installPolicy(_ name: String) throws -> String {
        let dst = out + "/policy.yaml"
        try? FileManager.default.removeItem(atPath: dst + ".new")
        try FileManager.default.copyItem(atPath: fixture(name), toPath: dst + ".new")
        rename(dst + ".new", dst)
        return dst
    }
}

/// An alert reduced to what the tests compare: initiator, responder, port, protocol and deciding rule.
struct AlertKey: Hashable, CustomStringConvertible {
    var src: String, dst: String, port: Int, proto: String, rule: String
    var description: String { "\(proto) \(src) -> \(dst):\(port) [\(rule)]" }
    init(_ src: String, _ dst: String, _ port: Int, _ proto: String, _ rule: String) {
        self.src = src; self.dst = dst; self.port = port; self.proto = proto; self.rule = rule
    }
    init?(_ e: [String: Any]) {
        guard e["event_type"] as? String == "alert", let s = e["src_ip"] as? String, let d = e["dest_ip"] as? String,
              let proto = e["proto"] as? String, let seg = e["segcheck"] as? [String: Any], let rule = seg["rule"] as? String else { return nil }
        self.init(s, d, (e["dest_port"] as? Int) ?? 0, proto, rule)
    }
}

func alerts(_ events: [[String: Any]]) -> [AlertKey] { events.compactMap(AlertKey.init) }
func flows(_ events: [[String: Any]]) -> [[String: Any]] { events.filter { $0["event_type"] as? String == "flow" } }
func stats(_ events: [[String: Any]]) -> [[String: Any]] { events.filter { $0["event_type"] as? String == "stats" } }
func capture(_ stats: [String: Any]) -> [String: Any]? { (stats["stats"] as? [String: Any])?["capture"] as? [String: Any] }

/// The flows `traffic base` makes that the lab policy forbids (the router lets all but the last through).
let forbiddenBaseFlows: Set<AlertKey> = [
    AlertKey("10.20.0.10", "10.30.0.10", 53, "UDP", "default-deny"),
    AlertKey("10.10.0.10", "10.30.0.10", 80, "TCP", "default-deny"),
    AlertKey("10.30.0.10", "10.20.0.10", 22, "TCP", "LAB-INET-LG"),
    AlertKey("10.20.0.10", "10.10.0.10", 0, "ICMP", "default-deny"),
    AlertKey("10.30.0.10", "10.10.0.10", 3389, "TCP", "default-deny"),   // blocked by iptables, but the attempt crossed the mirror
]

@Suite(.serialized, .enabled(if: LabRequirements.ready, "monitor lab prerequisites missing (see stdout)"))
struct MonitorLabTests {
    @Test func alertsAreExactlyTheForbiddenFlowsAndSigtermLeavesCompleteOutput() throws {
        let lab = Lab("a")
        try lab.up()
        defer { try? lab.down() }
        let syslogPath = lab.out + "/syslog.sock"
        let collector = DatagramCollector(udp: false, path: syslogPath)
        defer { unlink(syslogPath) }
        try lab.start(["--policy", lab.fixture("lab-policy.yaml"), "--eve", lab.evePath, "--stats-interval", "1", "--dead-feed", "0",
                       "--syslog", "unix:" + syslogPath, "--metrics", "127.0.0.1:9560"])
        let t = try lab.traffic("base")
        #expect(t.status == 0, "every flow the router allows must get its answer: \(t.stdout)")
        // A connection still open when SIGTERM arrives: its flow record must be written at shutdown.
        let hold = try spawnCommand(["ip", "netns", "exec", lab.prefix + "-lgwan", "python3", TestPaths.repoRoot.path + "/scripts/lab-traffic.py",
                                     "tcp", "10.30.0.10", "8080", "--sport", "43080", "--hold", "30"])
        defer { kill(hold, SIGKILL); _ = waitExit(hold, timeout: 5) }
        #expect(lab.waitFor(5) { ($0["event_type"] as? String) == "stats" && (capture($0)?["delivered"] as? Int ?? 0) > 0 })
        usleep(1_500_000)
        // Metrics over HTTP on the sensor's loopback, fetched from inside its namespace.
        let scrape = try lab.sh(["exec", "sensor", "python3", "-c",
                                 "import urllib.request;print(urllib.request.urlopen('http://127.0.0.1:9560/metrics',timeout=5).read().decode())"])
        #expect(scrape.stdout.contains("segcheck_violations_total{src_zone=\"inet\",dest_zone=\"lgwan\"} 1"), "\(scrape.stdout)\(scrape.stderr)")
        #expect(scrape.stdout.contains("segcheck_capture_packets_total{interface=\"mon0\"}"))
        #expect(scrape.stdout.contains("segcheck_capture_kernel_drops_total{interface=\"mon0\"} 0"))

        let code = try lab.stop()
        #expect(code == 1, "exit status 1: violations were seen (stderr: \(lab.stderr))")
        let events = lab.events()
        let got = alerts(events)
        #expect(Set(got) == forbiddenBaseFlows, "alerts: \(got)")
        #expect(got.count == forbiddenBaseFlows.count, "one alert per violating flow, no duplicates: \(got)")

        // Every flow has a record; allowed ones are silent but recorded, the held one ends at shutdown.
        let records = flows(events)
        func record(_ dport: Int, _ sport: Int? = nil) -> [[String: Any]] {
            records.filter { ($0["dest_port"] as? Int) == dport && (sport == nil || ($0["src_port"] as? Int) == sport) }
        }
        #expect(record(8080).count == 3)
        #expect(record(443).count == 2)
        #expect(record(514).count == 1)
        for r in record(8080) + record(443) + record(514) {
            #expect((r["flow"] as? [String: Any])?["alerted"] as? Bool == false)
            #expect((r["segcheck"] as? [String: Any])?["verdict"] as? String == "allowed")
        }
        let held = try #require(record(8080, 43080).first)
        #expect((held["flow"] as? [String: Any])?["reason"] as? String == "shutdown")
        for port in [53, 80, 22, 3389] { #expect(record(port).first.map { ($0["flow"] as? [String: Any])?["alerted"] as? Bool } == true) }
        let pingFlows = records.filter { ($0["proto"] as? String) == "ICMP" }
        #expect(pingFlows.count == 1)
        #expect((pingFlows.first?["flow"] as? [String: Any])?["pkts_toserver"] as? Int == 2)

        // The last event is the final stats, with capture counters reported.
        let last = try #require(events.last)
        #expect(last["event_type"] as? String == "stats")
        let final = try #require(last["stats"] as? [String: Any])
        #expect(final["final"] as? Bool == true)
        let cap = try #require(capture(last))
        let kernelPackets = cap["kernel_packets"] as? Int ?? 0
        #expect(kernelPackets >= 60, "mirrored packets counted by the kernel: \(cap)")
        #expect(cap["kernel_drops"] as? Int == 0)
        #expect(cap["interface_drops"] as? Int != nil)
        #expect((cap["delivered"] as? Int ?? 0) == kernelPackets, "no packet lost between kernel and workers")
        #expect((cap["interfaces"] as? [[String: Any]])?.first?["name"] as? String == "mon0")
        #expect((final["inspect"] as? [String: Any])?["violating_flows"] as? Int == 5)

        // Syslog got one RFC 5424 ALERT per violation and the final stats.
        var messages: [String] = []
        while let m = collector.receive(timeoutMilliseconds: 300) { messages.append(m) }
        let alertMessages = messages.filter { $0.contains(" ALERT [segcheck@32473 ") }
        #expect(alertMessages.count == 5, "\(messages)")
        #expect(alertMessages.allSatisfy { $0.hasPrefix("<10") && $0.contains("src_zone=") && $0.contains("community_id=\"1:") })
        #expect(messages.contains { $0.contains(" STATS [segcheck@32473 ") && $0.contains("final=\"true\"") })
    }

    @Test func sighupReloadChangesVerdictsOfNewFlowsAndRefusesABadPolicy() throws {
        let lab = Lab("h")
        try lab.up()
        defer { try? lab.down() }
        let policy = try lab.installPolicy("lab-policy.yaml")
        try lab.start(["--policy", policy, "--eve", lab.evePath, "--stats-interval", "0", "--dead-feed", "0"])
        // Before: lgwan -> inet tcp/9090 is forbidden.
        try lab.traffic("reload", env: [:])
        #expect(lab.waitFor { AlertKey($0)?.port == 9090 })

        // A broken policy is refused; the old one stays.
        _ = try lab.installPolicy("lab-policy-broken.yaml")
        try lab.signal("HUP")
        #expect(lab.waitFor { ($0["policy_reload"] as? [String: Any])?["result"] as? String == "refused" })
        #expect(lab.stderr.contains("refused"))
        #expect(lab.stderr.contains("lab-policy") || lab.stderr.contains("policy.yaml"), "the message names the file: \(lab.stderr)")
        try lab.traffic("reload")
        #expect(lab.waitFor { _ in alerts(lab.events()).filter { $0.port == 9090 }.count == 2 }, "still forbidden under the old policy")

        // The changed policy allows it: new flows are silent, the old alerts stay.
        _ = try lab.installPolicy("lab-policy-reload.yaml")
        try lab.signal("HUP")
        #expect(lab.waitFor { ($0["policy_reload"] as? [String: Any])?["result"] as? String == "applied" })
        try lab.traffic("reload")
        try lab.traffic("base")
        usleep(500_000)
        let code = try lab.stop()
        #expect(code == 1)
        let events = lab.events()
        #expect(alerts(events).filter { $0.port == 9090 }.count == 2, "\(alerts(events))")
        // After the reload the base violations are still violations (the new policy only added 9090).
        #expect(Set(alerts(events).filter { $0.port != 9090 }) == forbiddenBaseFlows)
        let allowed9090 = flows(events).filter { ($0["dest_port"] as? Int) == 9090 && ($0["segcheck"] as? [String: Any])?["verdict"] as? String == "allowed" }
        #expect(allowed9090.count == 1)
        #expect((allowed9090.first?["segcheck"] as? [String: Any])?["rule"] as? String == "LAB-LG-9090")
    }

    @Test func sigusr1ReopensTheEveFileAfterRotation() throws {
        let lab = Lab("r")
        try lab.up()
        defer { try? lab.down() }
        try lab.start(["--policy", lab.fixture("lab-policy.yaml"), "--eve", lab.evePath, "--stats-interval", "0", "--dead-feed", "0"])
        try lab.traffic("reload")
        #expect(lab.waitFor { AlertKey($0)?.port == 9090 })
        // logrotate: move the file away, then SIGUSR1.
        #expect(rename(lab.evePath, lab.evePath + ".1") == 0)
        try lab.signal("USR1")
        let deadline = Date().addingTimeInterval(5)
        while !FileManager.default.fileExists(atPath: lab.evePath) && Date() < deadline { usleep(50_000) }
        #expect(FileManager.default.fileExists(atPath: lab.evePath), "SIGUSR1 recreated eve.json")
        try lab.traffic("base")
        usleep(300_000)
        _ = try lab.stop()
        let old = lab.events(lab.evePath + ".1"), new = lab.events()
        #expect(alerts(old).map(\.port) == [9090])
        #expect(Set(alerts(new)) == forbiddenBaseFlows)
        #expect(stats(new).last?["stats"].flatMap { ($0 as? [String: Any])?["final"] as? Bool } == true)
    }

    @Test func twoWorkersShareTheInterfaceByFlow() throws {
        let lab = Lab("w")
        try lab.up()
        defer { try? lab.down() }
        try lab.start(["--policy", lab.fixture("lab-policy.yaml"), "--eve", lab.evePath, "--workers", "2", "--stats-interval", "0", "--dead-feed", "0"])
        try lab.traffic("base")
        try lab.traffic("burst", env: ["LAB_BURST": "100"])   // 100 UDP flows lgwan -> inet:53, each forbidden
        usleep(500_000)
        let code = try lab.stop()
        #expect(code == 1)
        let events = lab.events()
        let got = alerts(events)
        // Each flow alerted exactly once although two workers read the interface: no flow split across workers.
        #expect(got.count == forbiddenBaseFlows.count + 100, "one alert per flow: 5 base flows + 100 burst flows, got \(got.count)")
        #expect(Set(got) == forbiddenBaseFlows)
        let burstAlerts = events.filter { AlertKey($0)?.port == 53 }.compactMap { $0["src_port"] as? Int }
        #expect(Set(burstAlerts).count == 101, "one alert per burst flow plus the base DNS flow")
        let cap = try #require(stats(events).last.flatMap(capture))
        let workers = try #require(cap["workers"] as? [[String: Any]])
        #expect(workers.count == 2)
        #expect(workers.allSatisfy { ($0["delivered"] as? Int ?? 0) > 0 }, "both workers got flows: \(workers)")
        // Both directions of a TCP flow went to the same worker: every TCP flow record has packets both ways.
        for r in flows(events) where (r["proto"] as? String) == "TCP" && (r["dest_port"] as? Int) != 3389 {
            let f = r["flow"] as? [String: Any]
            #expect((f?["pkts_toserver"] as? Int ?? 0) >= 3 && (f?["pkts_toclient"] as? Int ?? 0) >= 2, "flow split across workers? \(r)")
        }
    }

    @Test func deadFeedIsItsOwnEventAndDropsAreCounted() throws {
        let lab = Lab("d")
        try lab.up()
        defer { try? lab.down() }
        let pcap = lab.out + "/burst.pcap"
        let gen = try runCommand(["python3", TestPaths.repoRoot.path + "/scripts/make-lab-pcap.py", pcap, "--packets", "60000", "--flows", "300", "--size", "1000"])
        #expect(gen.status == 0)
        // A small ring (-B 256 KiB) so a stalled reader overflows it.
        try lab.start(["--policy", lab.fixture("lab-policy.yaml"), "--eve", lab.evePath, "--stats-interval", "1", "--dead-feed", "1", "-B", "256"])
        #expect(lab.waitFor(6) { ($0["feed"] as? [String: Any])?["state"] as? String == "dead" }, "silence is reported as a dead feed")
        let deadStats = stats(lab.events()).last.flatMap(capture)
        #expect((deadStats?["interfaces"] as? [[String: Any]])?.first?["feed"] as? String == "dead")
        // Stall the monitor and flood the mirror: the kernel must drop, and say so.
        let pid = try String(contentsOfFile: lab.out + "/monitor.pid", encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
        kill(pid_t(pid)!, SIGSTOP)
        let replay = try lab.sh(["replay", pcap, "--topspeed"])
        kill(pid_t(pid)!, SIGCONT)
        #expect(replay.status == 0, "tcpreplay: \(replay.stderr)")
        #expect(lab.waitFor(6) { ($0["feed"] as? [String: Any])?["state"] as? String == "alive" }, "the feed came back")
        usleep(1_500_000)
        _ = try lab.stop()
        let events = lab.events()
        let cap = try #require(stats(events).last.flatMap(capture))
        let received = cap["kernel_packets"] as? Int ?? 0, drops = cap["kernel_drops"] as? Int ?? 0, delivered = cap["delivered"] as? Int ?? 0
        let unread = try #require(cap["unread"] as? Int, "the final stats say how many queued packets were not read: \(cap)")
        #expect(drops > 0, "a stalled reader with a 256 KiB ring must drop some of 60,000 1000-byte packets: \(cap)")
        #expect(received >= 60_000, "kernel_packets counts dropped packets too: \(cap)")
        #expect(delivered + drops + unread == received, "delivered + dropped + unread = received: \(cap)")
        #expect(unread <= 16, "the stop drains what the kernel had queued; only late arrivals stay unread: \(cap)")
        #expect((cap["workers"] as? [[String: Any]])?.first?["kernel_drops"] as? Int == drops)
    }

    /// --no-immediate-mode (TPACKET_V3 blocks, handed over when full or after the 100 ms read timeout): the same alerts.
    @Test func blockModeReportsTheSameForbiddenFlows() throws {
        let lab = Lab("b")
        try lab.up()
        defer { try? lab.down() }
        try lab.start(["--policy", lab.fixture("lab-policy.yaml"), "--eve", lab.evePath, "--stats-interval", "0", "--dead-feed", "0", "--no-immediate-mode"])
        try lab.traffic("base")
        usleep(1_000_000)    // well past the block timeout
        #expect(try lab.stop() == 1, "\(lab.stderr)")
        #expect(Set(alerts(lab.events())) == forbiddenBaseFlows)
        let cap = try #require(stats(lab.events()).last.flatMap(capture))
        #expect(cap["kernel_drops"] as? Int == 0 && cap["unread"] as? Int == 0, "\(cap)")
    }

    @Test func dropsRootWithZAndRunsUnprivilegedWithCapNetRaw() throws {
        let lab = Lab("p")
        try lab.up()
        defer { try? lab.down() }
        // -Z nobody: capture opened as root, then everything runs as nobody (outputs are created by nobody).
        try lab.start(["--policy", lab.fixture("lab-policy.yaml"), "--eve", lab.evePath, "--stats-interval", "0", "--dead-feed", "0", "-Z", "nobody"])
        let pid = try String(contentsOfFile: lab.out + "/monitor.pid", encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
        let status = try String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8)
        let uidLine = status.split(separator: "\n").first { $0.hasPrefix("Uid:") }.map(String.init) ?? ""
        #expect(uidLine.split(whereSeparator: { $0 == "\t" || $0 == " " }).dropFirst().allSatisfy { $0 == "65534" }, "real, effective, saved uid all nobody: \(uidLine)")
        let owner = try FileManager.default.attributesOfItem(atPath: lab.evePath)[.ownerAccountID] as? Int
        #expect(owner == 65534, "the EVE file was created after dropping root")
        try lab.traffic("base")
        usleep(300_000)
        #expect(try lab.stop() == 1)
        #expect(Set(alerts(lab.events())) == forbiddenBaseFlows)

        // No root at all: nobody with CAP_NET_RAW (+CAP_NET_ADMIN) as ambient capabilities, as the systemd unit does.
        try? FileManager.default.removeItem(atPath: lab.evePath)
        let wrap = "setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=+net_raw,+net_admin --ambient-caps=+net_raw,+net_admin"
        try lab.start(["--policy", lab.fixture("lab-policy.yaml"), "--eve", lab.evePath, "--stats-interval", "0", "--dead-feed", "0"], env: ["LAB_WRAP": wrap])
        try lab.traffic("base")
        usleep(300_000)
        #expect(try lab.stop() == 1, "\(lab.stderr)")
        #expect(Set(alerts(lab.events())) == forbiddenBaseFlows)

        // Without the capability it fails cleanly with exit 2 and a message that says what is missing.
        let noCaps = try lab.sh(["exec", "sensor", "setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "--inh-caps=-all",
                                 TestPaths.segcheck!, "monitor", "--policy", lab.fixture("lab-policy.yaml"), "-i", "mon0", "-c", "1"])
        #expect(noCaps.status == 2)
        #expect(noCaps.stderr.contains("CAP_NET_RAW"), "\(noCaps.stderr)")
    }

    @Test func badOptionsAndBadFiltersExitTwoWithAMessage() throws {
        let lab = Lab("e")
        try lab.up()
        defer { try? lab.down() }
        let bin = TestPaths.segcheck!
        let policy = lab.fixture("lab-policy.yaml")
        let badFilter = try lab.sh(["exec", "sensor", bin, "monitor", "--policy", policy, "-i", "mon0", "-f", "tcp port eighty"])
        #expect(badFilter.status == 2)
        #expect(badFilter.stderr.contains("mon0: bad capture filter 'tcp port eighty'"), "\(badFilter.stderr)")
        let noIface = try lab.sh(["exec", "sensor", bin, "monitor", "--policy", policy, "-i", "mon-nosuch9"])
        #expect(noIface.status == 2)
        #expect(noIface.stderr.contains("mon-nosuch9: no such interface"), "\(noIface.stderr)")
        let badPolicy = try lab.sh(["exec", "sensor", bin, "monitor", "--policy", lab.fixture("lab-policy-broken.yaml"), "-i", "mon0"])
        #expect(badPolicy.status == 2)
        #expect(badPolicy.stderr.contains("lab-policy-broken.yaml:"), "\(badPolicy.stderr)")
        let badSyslog = try lab.sh(["exec", "sensor", bin, "monitor", "--policy", policy, "-i", "mon0", "--syslog", "tcp:1.2.3.4"])
        #expect(badSyslog.status == 2)
        #expect(badSyslog.stderr.contains("--syslog tcp:1.2.3.4"), "\(badSyslog.stderr)")
        let publicMetrics = try lab.sh(["exec", "sensor", bin, "monitor", "--policy", policy, "-i", "mon0", "--metrics", "0.0.0.0:9560"])
        #expect(publicMetrics.status == 2)
        #expect(publicMetrics.stderr.contains("only loopback"), "\(publicMetrics.stderr)")
        // -c stops on its own after exactly that many packets.
        let eve = lab.out + "/count.json"
        let counted = try spawnCommand(["ip", "netns", "exec", lab.prefix + "-sensor", bin, "monitor", "--policy", policy, "-i", "mon0", "-c", "10",
                                        "--eve", eve, "--stats-interval", "0", "--dead-feed", "0"])
        usleep(700_000)
        try lab.traffic("base")
        let status = waitExit(counted, timeout: 10)
        #expect(status != nil, "-c 10 stopped by itself")
        if status == nil { kill(counted, SIGKILL); _ = waitExit(counted, timeout: 5) }
        let final = stats(readEVE(eve)).last
        #expect(capture(final ?? [:])?["delivered"] as? Int == 10)
    }
}
