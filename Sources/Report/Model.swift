// The report's content as plain values: violating flows, firewall findings, sources and their capture health.

import Foundation

/// Where a finding came from: the input file and the line in it (for EVE) or the finding's index (for firewall JSON).
public struct EvidenceReference: Hashable, Sendable, Codable {
    public var file: String
    /// EVE: the line of the event; firewall JSON: the 1-based position of the finding in its list.
    public var line: Int
    public var isIndex: Bool
    public init(file: String, line: Int, isIndex: Bool = false) { self.file = file; self.line = line; self.isIndex = isIndex }
    public var description: String { "\(URL(fileURLWithPath: file).lastPathComponent)\(isIndex ? " #" : ":")\(line)" }
}

/// A violation verdict as written by review/monitor (`segcheck.verdict`), normalised.
public enum ViolationKind: String, Sendable, Codable, CaseIterable {
    case denied          // a deny rule matched
    case defaultDeny     // cross-zone flow no rule allows
    case unknownZone     // an address in no zone
    case macNotAllowed   // a pinned host's address from a MAC not on its list (通信経路の限定)
    case fragmentEvasion // overlapping or tiny IP fragments (evasion)
    case alert           // an alert rule matched: reported, not a violation
    case other           // an alert without a segcheck verdict (kept, never dropped)

    /// Parses review/monitor's `segcheck.finding` ("denied", "default-deny", "mac-not-allowed", "fragment-overlap",
    /// "alert-rule", ...) or, failing that, `segcheck.verdict`; any spelling of case and separators.
    public init(verdictText: String?) {
        let t = (verdictText ?? "").lowercased().filter { $0.isLetter }
        switch t {
        case "denied", "deny", "deniedflow": self = .denied
        case "defaultdeny", "default": self = .defaultDeny
        case "unknownzone", "unknown": self = .unknownZone
        case "macnotallowed", "mac": self = .macNotAllowed
        case "fragmentoverlap", "fragmenttoosmall": self = .fragmentEvasion
        case "alert", "alertrule": self = .alert
        default: self = .other
        }
    }

    public var isViolation: Bool { self != .alert }
}

/// One alert from an EVE file: a flow the policy does not allow (or an alert rule matched).
public struct FlowViolation: Sendable, Hashable {
    public var time: Date?
    /// The EVE timestamp text, kept only when it could not be parsed (`time` is nil); else "".
    public var timestamp: String
    public var srcIP: String
    public var srcPort: Int?
    public var destIP: String
    public var destPort: Int?
    public var proto: String
    public var vlan: [Int]
    public var communityID: String?
    public var flowID: String?
    public var srcZone: String
    public var destZone: String
    public var srcZoneLabel: String?
    public var destZoneLabel: String?
    public var srcHost: String?
    public var destHost: String?
    /// Deciding rule id, or "" when no rule decided (default deny / unknown zone).
    public var rule: String
    /// Where the deciding rule is written (policy file:line), if the event says.
    public var ruleLocation: String?
    public var cite: String
    public var kind: ViolationKind
    public var signature: String
    /// What review/monitor add about the finding (MAC seen, fragment ids, ...).
    public var detail: String?
    public var sensor: String?
    public var evidence: EvidenceReference

    /// Same flow shape across reports (ports of the initiator ignored): the key for "what changed".
    public var diffKey: String {
        [srcZone, destZone, srcIP, destIP, proto, destPort.map(String.init) ?? "", rule].joined(separator: "|")
    }
}

/// One finding of `segcheck firewall --json`: a packet the rule set admits that the policy forbids.
public struct FirewallFinding: Sendable, Hashable {
    public var kind: String
    public var severity: String?
    public var srcZone: String
    public var destZone: String
    /// The firewall rule that decides (file:line and its text).
    public var ruleFile: String?
    public var ruleLine: Int?
    public var ruleText: String?
    public var device: String?
    /// A concrete packet that proves the finding, rendered as text ("tcp 10.0.0.1:1024 → 10.1.0.1:445").
    public var witness: String?
    /// The policy rule broken and its clause.
    public var policyRule: String?
    public var cite: String
    public var message: String?
    /// The hole depends on rules the firewall parser could not fully model.
    public var uncertain = false
    public var evidence: EvidenceReference

    public var diffKey: String {
        [srcZone, destZone, kind, ruleText ?? "", policyRule ?? "", witness ?? ""].joined(separator: "|")
    }
}

/// A firewall anomaly (shadowed, redundant, ... rules): listed, not counted as a violation.
public struct FirewallAnomaly: Sendable, Hashable {
    public var kind: String
    public var ruleFile: String?
    public var ruleLine: Int?
    public var ruleText: String?
    public var message: String?
    public var evidence: EvidenceReference
}

/// A capture feed that stopped (monitor's dead feed event).
public struct FeedOutage: Sendable, Hashable {
    public var time: Date?
    public var timestamp: String
    public var sensor: String
    public var detail: String
    /// Seconds without packets when the feed was declared dead (monitor's silent_seconds).
    public var silentSeconds: Double?
    /// When packets came back (monitor's `feed` event with state alive), if they did.
    public var recovered: Date?
    public var recoveredTimestamp: String?
    public init(time: Date?, timestamp: String, sensor: String, detail: String, silentSeconds: Double? = nil) {
        self.time = time; self.timestamp = timestamp; self.sensor = sensor; self.detail = detail; self.silentSeconds = silentSeconds
    }
}

/// A policy reload during monitoring (SIGHUP): applied or refused.
public struct PolicyReload: Sendable, Hashable {
    public var time: Date?
    public var timestamp: String
    public var result: String
    public var policy: String
    public var error: String?
}

/// One input file and what it says about its own completeness.
public struct SourceSummary: Sendable {
    public enum Kind: String, Sendable { case eve, firewall }
    public var path: String
    public var kind: Kind
    public var sha256: String = ""
    public var bytes: Int64 = 0
    public var lines = 0
    public var blankLines = 0
    public var eventsByType: [String: Int] = [:]
    public var firstTime: Date?
    public var lastTime: Date?
    public var sensors: Set<String> = []
    /// Capture drops (kernel/interface), decoder malformed and total packets, from the last stats snapshot per sensor.
    public var captureDrops: Int64 = 0
    public var capturePackets: Int64 = 0
    public var malformedPackets: Int64 = 0
    public var decodedPackets: Int64 = 0
    /// Packets counted but not inspected (non-IP, ...), from review's decoder.skipped.
    public var skippedPackets: Int64 = 0
    public var deadFeeds: [FeedOutage] = []
    public var policyReloads: [PolicyReload] = []
    /// Capture files review could not read (as it reported them).
    public var unreadableFiles: [String] = []
    public var flowRecords = 0
    public var violations = 0
    /// Violations the writer itself counted (stats segcheck.violations / inspect.violations, last snapshot), if it says.
    public var reportedViolations: Int64?
    public var findings = 0
    public var anomalies = 0
    /// Firewall inputs: the analysed configuration files as the JSON names them.
    public var analysedFiles: [String] = []
    /// Firewall inputs: zone pairs proven closed (no forbidden packet is accepted).
    public var proofs: [ZonePair] = []
    /// Firewall inputs: parser notes (unmodelled matches, ...), which limit what the check proves.
    public var firewallNotes: [String] = []

    /// The file holds fewer alerts than its writer counted: lines were lost (truncated or filtered file).
    public var missingAlerts: Int64 { max(0, (reportedViolations ?? 0) - Int64(violations)) }

    public var healthy: Bool { captureDrops == 0 && malformedPackets == 0 && deadFeeds.isEmpty && unreadableFiles.isEmpty && missingAlerts == 0 }
}

/// Observed flows per zone pair (from EVE `flow` records), for the matrix's denominators.
public struct ZonePair: Hashable, Sendable, Codable, Comparable {
    public var src: String
    public var dest: String
    public init(src: String, dest: String) { self.src = src; self.dest = dest }
    public static func < (a: ZonePair, b: ZonePair) -> Bool { (a.src, a.dest) < (b.src, b.dest) }
}

/// Everything one report shows, before rendering.
public struct ReportContent: Sendable {
    public var policyName: String?
    /// Policy names the events carry (segcheck.policy), used when no --policy is given.
    public var eventPolicyNames: [String] = []
    public var policyFiles: [(path: String, sha256: String)] = []
    /// Zone name → display label, in policy order.
    public var zones: [(name: String, label: String)] = []
    /// Policy rule id → (clause, location), to cite rules the events only name.
    public var ruleCites: [String: (cite: String, location: String)] = [:]
    public var sources: [SourceSummary] = []
    public var violations: [FlowViolation] = []
    public var alerts: [FlowViolation] = []
    public var findings: [FirewallFinding] = []
    public var anomalies: [FirewallAnomaly] = []
    public var flowsByPair: [ZonePair: Int] = [:]
    /// Zone labels as the events carry them (used when no policy is given).
    public var eventZoneLabels: [String: String] = [:]
    public var generatedAt: Date = Date()
    public var toolVersion: String = "segcheck"
    /// SHA-256 of the segcheck executable that wrote the report, when it could be read.
    public var toolSHA256: String?
    public var commandLine: String = ""
    public var previous: ReportData?

    public init() {}

    public var periodStart: Date? { sources.compactMap(\.firstTime).min() }
    public var periodEnd: Date? { sources.compactMap(\.lastTime).max() }

    /// Violations per zone pair.
    public var violationsByPair: [ZonePair: Int] {
        var out: [ZonePair: Int] = [:]
        for v in violations { out[ZonePair(src: v.srcZone, dest: v.destZone), default: 0] += 1 }
        return out
    }

    public func label(ofZone name: String) -> String {
        zones.first { $0.name == name }?.label ?? eventZoneLabels[name] ?? name
    }

    /// Zones for the matrix: the policy's in order, then any seen only in events, sorted.
    public var matrixZones: [String] {
        var names = zones.map(\.name)
        var seen = Set(names)
        var extra: [String] = []
        for pair in Array(flowsByPair.keys) + Array(violationsByPair.keys) + findings.map({ ZonePair(src: $0.srcZone, dest: $0.destZone) }) {
            for z in [pair.src, pair.dest] where !seen.contains(z) { seen.insert(z); extra.append(z) }
        }
        names += extra.sorted()
        return names
    }
}
