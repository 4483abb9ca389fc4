// Reads EVE JSON Lines (from `segcheck review` / `monitor`) into the report: alerts, flow records, stats, dead feeds.
import Foundation

/// Counters of one stats snapshot; stats are cumulative, so the last snapshot per sensor counts.
private struct StatsSnapshot {
    var drops: Int64 = 0, packets: Int64 = 0, malformed: Int64 = 0, decoded: Int64 = 0, skipped: Int64 = 0
    var violations: Int64?
    var uptime: Int64?

    /// Counters went down (or uptime did): the writer restarted and appends to the same file with fresh counters.
    func isRestart(after previous: StatsSnapshot) -> Bool {
        if let u = uptime, let p = previous.uptime, u < p { return true }
        return packets < previous.packets || decoded < previous.decoded || (violations ?? 0) < (previous.violations ?? 0)
    }

    static func + (a: StatsSnapshot, b: StatsSnapshot) -> StatsSnapshot {
        var s = StatsSnapshot(drops: a.drops + b.drops, packets: a.packets + b.packets, malformed: a.malformed + b.malformed,
                              decoded: a.decoded + b.decoded, skipped: a.skipped + b.skipped)
        if a.violations != nil || b.violations != nil { s.violations = (a.violations ?? 0) + (b.violations ?? 0) }
        return s
    }
}

/// Shares one copy of strings that repeat across alerts (zones, labels, rules, clauses, signatures, sensors), so a file
/// with many alerts costs memory per alert only for what differs (addresses, ports, times).
private struct StringPool {
    private var pool: [String: String] = [:]
    mutating func intern(_ s: String) -> String {
        if s.utf8.count <= 15 { return s }   // small strings are stored inline anyway
        if let shared = pool[s] { return shared }
        pool[s] = s
        return s
    }
    mutating func intern(_ s: String?) -> String? { s.map { intern($0) } }
}

public enum EVEInput {
    /// Reads one EVE file (plain or gzip; "-" = stdin) into `content`. Malformed lines stop the report (file:line, reason).
    public static func read(path: String, into content: inout ReportContent) throws(ReportError) {
        var source = SourceSummary(path: path, kind: .eve)
        if path != "-" {
            let (hex, bytes) = try SHA256Digest.ofFile(path)
            source.sha256 = hex; source.bytes = bytes
        }
        var snapshots: [String: StatsSnapshot] = [:]
        var finishedRuns: [String: StatsSnapshot] = [:]
        var unreadable: [String] = []
        var unreadableSeen = Set<String>()
        var violationCount = 0
        var flows: [ZonePair: Int] = [:]
        var labels: [String: String] = [:]
        var policyNames: [String] = []
        var strings = StringPool()

        try LineReader(path: path).forEachLine { (lineNumber, bytes) throws(ReportError) in
            source.lines = lineNumber
            if bytes.allSatisfy({ $0 == 0x20 || $0 == 0x09 }) { source.blankLines += 1; return }
            let object: JSONObject
            do {
                let parsed = try JSONSerialization.jsonObject(with: Data(bytes), options: [])
                guard let o = parsed as? JSONObject else {
                    throw ReportError(file: path, line: lineNumber, "expected a JSON object (one EVE event per line), found \(type(of: parsed))")
                }
                object = o
            } catch let error as ReportError {
                throw error
            } catch {
                throw ReportError(file: path, line: lineNumber, column: errorColumn(error, bytes),
                                  "malformed JSON: \(jsonErrorText(error)); expected one EVE event per line")
            }
            guard let type = object["event_type"] as? String else {
                throw ReportError(file: path, line: lineNumber, "EVE event without \"event_type\"")
            }
            source.eventsByType[type, default: 0] += 1
            let timestamp = object["timestamp"] as? String ?? ""
            let time = parseEVETimestamp(timestamp)
            if !timestamp.isEmpty && time == nil {
                throw ReportError(file: path, line: lineNumber, "unreadable timestamp \"\(timestamp)\"; expected e.g. 2026-11-26T08:40:30.123456+0000")
            }
            if let time {
                if source.firstTime.map({ time < $0 }) ?? true { source.firstTime = time }
                if source.lastTime.map({ time > $0 }) ?? true { source.lastTime = time }
            }
            let sensor = object.string("sensor", "sensor_name", "in_iface", "host", "pcap_filename", "input") ?? ""
            if !sensor.isEmpty && type != "stats" { source.sensors.insert(sensor) }
            let evidence = EvidenceReference(file: path, line: lineNumber)

            switch type {
            case "alert":
                var v = try flowViolation(object, timestamp: timestamp, time: time, sensor: sensor, evidence: evidence)
                v.srcZone = strings.intern(v.srcZone); v.destZone = strings.intern(v.destZone)
                v.srcZoneLabel = strings.intern(v.srcZoneLabel); v.destZoneLabel = strings.intern(v.destZoneLabel)
                v.rule = strings.intern(v.rule); v.ruleLocation = strings.intern(v.ruleLocation); v.cite = strings.intern(v.cite)
                v.signature = strings.intern(v.signature); v.sensor = strings.intern(v.sensor)
                v.srcHost = strings.intern(v.srcHost); v.destHost = strings.intern(v.destHost)
                if v.kind.isViolation { content.violations.append(v); violationCount += 1 } else { content.alerts.append(v) }
                if let p = object.string("segcheck.policy"), !policyNames.contains(p) { policyNames.append(p) }
                if let l = v.srcZoneLabel, !v.srcZone.isEmpty { labels[v.srcZone] = l }
                if let l = v.destZoneLabel, !v.destZone.isEmpty { labels[v.destZone] = l }
            case "flow":
                source.flowRecords += 1
                if let s = object.string("segcheck.src_zone"), let d = object.string("segcheck.dest_zone", "segcheck.dst_zone") {
                    flows[ZonePair(src: s, dest: d), default: 0] += 1
                    if let l = object.string("segcheck.src_zone_label") { labels[s] = l }
                    if let l = object.string("segcheck.dest_zone_label") { labels[d] = l }
                }
            case "stats":
                guard let stats = object.object("stats") else {
                    throw ReportError(file: path, line: lineNumber, "stats event without a \"stats\" object")
                }
                let key = sensor
                // Cumulative counters: the last snapshot of each run counts; a restart closes the previous run.
                let now = snapshot(stats)
                if let previous = snapshots[key], now.isRestart(after: previous) {
                    finishedRuns[key] = (finishedRuns[key] ?? StatsSnapshot()) + previous
                }
                snapshots[key] = now
                if !key.isEmpty { source.sensors.insert(key) }
                for file in unreadableFiles(stats) where unreadableSeen.insert(file).inserted { unreadable.append(file) }
            case "feed":
                // Monitor: feed{interface, state: dead|alive, silent_seconds | dead_seconds}.
                let iface = object.string("feed.interface", "in_iface") ?? sensor
                if object.string("feed.state")?.lowercased() == "alive" {
                    if let i = source.deadFeeds.lastIndex(where: { $0.sensor == iface && $0.recovered == nil }) {
                        source.deadFeeds[i].recovered = time
                        source.deadFeeds[i].recoveredTimestamp = timestamp
                    }
                } else {
                    let silent = (object.value(at: "feed.silent_seconds") as? NSNumber)?.doubleValue
                    source.deadFeeds.append(FeedOutage(time: time, timestamp: timestamp, sensor: iface,
                                                       detail: object.string("feed.message", "message") ?? "", silentSeconds: silent))
                }
            case "policy_reload":
                source.policyReloads.append(PolicyReload(time: time, timestamp: timestamp,
                    result: object.string("policy_reload.result") ?? "", policy: object.string("policy_reload.policy") ?? "",
                    error: object.string("policy_reload.error")))
            default:
                if isDeadFeed(type: type, object) {
                    let detail = object.string("segcheck.reason", "segcheck.message", "message", "reason", "anomaly.event", "segcheck.event") ?? type
                    source.deadFeeds.append(FeedOutage(time: time, timestamp: timestamp, sensor: sensor, detail: detail))
                } else if let file = unreadableFile(type: type, object), unreadableSeen.insert(file).inserted {
                    unreadable.append(file)
                }
            }
        }
        for (key, last) in snapshots {
            let s = (finishedRuns[key] ?? StatsSnapshot()) + last
            source.captureDrops += s.drops; source.capturePackets += s.packets
            source.malformedPackets += s.malformed; source.decodedPackets += s.decoded; source.skippedPackets += s.skipped
            if let v = s.violations { source.reportedViolations = (source.reportedViolations ?? 0) + v }
        }
        source.unreadableFiles = unreadable
        source.violations = violationCount
        for (pair, n) in flows { content.flowsByPair[pair, default: 0] += n }
        content.eventZoneLabels.merge(labels) { old, _ in old }
        for p in policyNames where !content.eventPolicyNames.contains(p) { content.eventPolicyNames.append(p) }
        content.sources.append(source)
    }

    private static func flowViolation(_ o: JSONObject, timestamp: String, time: Date?, sensor: String, evidence: EvidenceReference) throws(ReportError) -> FlowViolation {
        let seg = o.object("segcheck") ?? [:]
        var rule = ""
        var ruleLocation: String?
        if let r = seg["rule"] as? JSONObject {
            rule = r.string("id", "name") ?? ""
            if let file = r.string("file") { ruleLocation = file + (r.int("line").map { ":\($0)" } ?? "") }
        } else {
            rule = seg.string("rule", "rule_id") ?? ""
            ruleLocation = seg.string("rule_location", "rule_source", "location")
        }
        // review/monitor name the absence of a deciding rule; the report shows it as "no rule".
        if rule == "default-deny" || rule == "intra-zone" { rule = "" }
        var vlan: [Int] = []
        if let list = o["vlan"] as? [Any] { vlan = list.compactMap { ($0 as? NSNumber)?.intValue } }
        else if let one = o.int("vlan") { vlan = [one] }
        let cite = seg.string("cite") ?? o.string("alert.metadata.cite") ?? ""
        return FlowViolation(
            time: time, timestamp: time == nil ? timestamp : "",   // the text is only shown when it could not be read
            srcIP: o.string("src_ip") ?? "", srcPort: o.int("src_port"),
            destIP: o.string("dest_ip") ?? "", destPort: o.int("dest_port"),
            proto: o.string("proto") ?? "", vlan: vlan,
            communityID: o.string("community_id"), flowID: o.string("flow_id"),
            srcZone: seg.string("src_zone", "source_zone") ?? "", destZone: seg.string("dest_zone", "dst_zone") ?? "",
            srcZoneLabel: seg.string("src_zone_label", "src_label"), destZoneLabel: seg.string("dest_zone_label", "dst_zone_label", "dest_label"),
            srcHost: seg.string("src_host"), destHost: seg.string("dest_host", "dst_host"),
            rule: rule, ruleLocation: ruleLocation, cite: cite,
            kind: ViolationKind(verdictText: seg.string("finding") ?? seg.string("verdict")),
            signature: o.string("alert.signature") ?? "", detail: seg.string("detail"),
            sensor: sensor.isEmpty ? nil : sensor, evidence: evidence)
    }

    private static func snapshot(_ stats: JSONObject) -> StatsSnapshot {
        var s = StatsSnapshot()
        // Direct numeric children only: breakdowns (malformed_by{...}, interfaces[...]) would count twice.
        func sum(_ dict: JSONObject?, where match: (String) -> Bool) -> Int64 {
            guard let dict else { return 0 }
            var total: Int64 = 0
            for (k, v) in dict {
                if let n = v as? NSNumber, !isBool(n), match(k.lowercased()) { total += n.int64Value }
            }
            return total
        }
        let capture = stats["capture"] as? JSONObject
        let decoder = stats["decoder"] as? JSONObject
        let segcheck = stats["segcheck"] as? JSONObject
        let inspect = stats["inspect"] as? JSONObject
        // Monitor: capture.{kernel_drops, interface_drops} (per-interface/worker breakdowns are arrays, not summed twice).
        s.drops = sum(capture, where: { $0.contains("drop") }) + sum(segcheck, where: { $0.contains("drop") })
        s.packets = stats.int("capture.kernel_packets", "capture.packets", "segcheck.packets", "inspect.packets", "decoder.pkts").map(Int64.init) ?? 0
        s.malformed = sum(decoder, where: { $0.contains("malformed") || $0 == "invalid" })
            + sum(segcheck, where: { $0.contains("malformed") }) + sum(inspect, where: { $0.contains("malformed") })
        s.decoded = stats.int("inspect.decoded", "decoder.decoded", "segcheck.decoded", "decoder.pkts").map(Int64.init) ?? 0
        s.violations = stats.int("segcheck.violations", "inspect.violations").map(Int64.init)
        s.uptime = stats.int("uptime").map(Int64.init)
        s.skipped = stats.int("inspect.skipped", "decoder.skipped", "segcheck.skipped").map(Int64.init) ?? 0
        return s
    }

    private static func unreadableFiles(_ stats: JSONObject) -> [String] {
        for path in ["segcheck.unreadable_files", "unreadable_files", "capture.unreadable_files"] {
            if let list = stats.value(at: path) as? [Any] {
                return list.compactMap { ($0 as? String) ?? ($0 as? JSONObject)?.string("file", "path") }
            }
        }
        return []
    }

    private static func isDeadFeed(type: String, _ o: JSONObject) -> Bool {
        let t = type.lowercased()
        if t.contains("dead") { return true }
        let event = (o.string("segcheck.event", "anomaly.event", "event") ?? "").lowercased()
        return event.contains("dead") || event.contains("feed_stopped")
    }

    private static func unreadableFile(type: String, _ o: JSONObject) -> String? {
        guard o["error"] != nil || type.contains("error") || type.contains("unreadable") else { return nil }
        guard let file = o.string("file", "path", "pcap_filename", "segcheck.file", "error.file") else { return nil }
        let reason = o.string("error.message", "error", "reason", "message")
        return reason.map { "\(file) (\($0))" } ?? file
    }

    private static func jsonErrorText(_ error: Error) -> String {
        let ns = error as NSError
        if let debug = ns.userInfo["NSDebugDescription"] as? String { return debug }
        return ns.localizedDescription
    }

    private static func errorColumn(_ error: Error, _ bytes: UnsafeRawBufferPointer) -> Int {
        let ns = error as NSError
        if let index = ns.userInfo["NSJSONSerializationErrorIndex"] as? Int { return index + 1 }
        return 0
    }
}
