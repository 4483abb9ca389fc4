// EventOutput: the events the inspection pipeline emits (findings, flow records, counters) and the sink protocol that receives them.
import Flows
import Policy
import PolicyCompiler
import Wire

/// What kind of finding an alert is. Every kind but `alertRule` is a violation (exit code 1).
public enum FindingKind: UInt8, Sendable, CaseIterable {
    /// A flow a `deny` rule matched.
    case deniedFlow
    /// A cross-zone flow no rule allows.
    case defaultDeny
    /// An address in no zone of the policy.
    case unknownZone
    /// A pinned host group's address sent from a MAC not on its list (通信経路の限定).
    case macNotAllowed
    /// Overlapping IP fragments (an evasion technique).
    case fragmentOverlap
    /// A non-final fragment too small to be honest (an evasion technique).
    case fragmentTooSmall
    /// A flow an `alert` rule matched: reported, not a violation.
    case alertRule
    /// Fragments reaching past 65,535 bytes (an evasion technique / ping of death).
    case fragmentTooLarge
    /// More fragments in one datagram than any honest sender makes (an evasion technique).
    case fragmentTooMany

    public var isViolation: Bool { self != .alertRule }
    /// Bits (1 << rawValue) of the kinds that are violations.
    public static let violationMask: UInt16 = {
        var m: UInt16 = 0
        for k in FindingKind.allCases where k.isViolation { m |= 1 << UInt16(k.rawValue) }
        return m
    }()
    /// Suricata-style signature id (segcheck's own range).
    public var signatureID: Int64 {
        switch self {
        case .deniedFlow: return 9_100_001
        case .defaultDeny: return 9_100_002
        case .unknownZone: return 9_100_003
        case .macNotAllowed: return 9_100_004
        case .fragmentOverlap: return 9_100_005
        case .fragmentTooSmall: return 9_100_006
        case .fragmentTooLarge: return 9_100_007
        case .fragmentTooMany: return 9_100_008
        case .alertRule: return 9_100_010
        }
    }
    public var name: String {
        switch self {
        case .deniedFlow: return "denied"
        case .defaultDeny: return "default-deny"
        case .unknownZone: return "unknown-zone"
        case .macNotAllowed: return "mac-not-allowed"
        case .fragmentOverlap: return "fragment-overlap"
        case .fragmentTooSmall: return "fragment-too-small"
        case .fragmentTooLarge: return "fragment-too-large"
        case .fragmentTooMany: return "fragment-too-many"
        case .alertRule: return "alert-rule"
        }
    }
    public var category: String {
        switch self {
        case .deniedFlow, .defaultDeny: return "Segregation Violation"
        case .unknownZone: return "Unknown Address"
        case .macNotAllowed: return "Path Restriction Violation"
        case .fragmentOverlap, .fragmentTooSmall, .fragmentTooLarge, .fragmentTooMany: return "Evasion Attempt"
        case .alertRule: return "Policy Alert"
        }
    }
    public var severity: Int64 {
        switch self {
        case .deniedFlow, .defaultDeny: return 1
        case .unknownZone, .macNotAllowed, .fragmentOverlap, .fragmentTooSmall, .fragmentTooLarge, .fragmentTooMany: return 2
        case .alertRule: return 3
        }
    }
    /// The finding a defragmenter event amounts to, if any.
    public static func from(_ e: DecodeEvent) -> FindingKind? {
        switch e {
        case .fragmentOverlap: return .fragmentOverlap
        case .fragmentTooSmall: return .fragmentTooSmall
        case .fragmentTooLarge: return .fragmentTooLarge
        case .fragmentTooMany: return .fragmentTooMany
        default: return nil
        }
    }
    /// The finding a flow verdict amounts to, if any.
    public static func from(_ v: Verdict) -> FindingKind? {
        switch v {
        case .denied: return .deniedFlow
        case .defaultDeny: return .defaultDeny
        case .unknownZone: return .unknownZone
        case .alert: return .alertRule
        case .allowed, .intraZone: return nil
        }
    }
}

extension Verdict {
    /// The word used in EVE output (`segcheck.verdict`) and summaries.
    public var name: String {
        switch self {
        case .intraZone: return "intra-zone"
        case .allowed: return "allowed"
        case .alert: return "alert"
        case .denied: return "denied"
        case .defaultDeny: return "default-deny"
        case .unknownZone: return "unknown-zone"
        }
    }
}

/// Everything an event says about one flow. `src*` is always the initiator.
public struct FlowInfo: Sendable {
    public var flowID: UInt64 = 0
    public var src = IPAddress.zero
    public var dst = IPAddress.zero
    /// Ports; for ICMP/ICMPv6 the initiator's type and code.
    public var srcPort: UInt16 = 0
    public var dstPort: UInt16 = 0
    public var proto: UInt8 = 0
    public var vlan0: UInt16 = 0
    public var vlan1: UInt16 = 0
    public var vlanCount: UInt8 = 0
    /// MACs of the first packet (sender → receiver), when the link layer had them.
    public var srcMAC = MACAddress(0)
    public var dstMAC = MACAddress(0)
    public var hasMACs = false
    public var start: Int64 = 0
    public var end: Int64 = 0
    public var pktsToServer: UInt64 = 0
    public var pktsToClient: UInt64 = 0
    public var bytesToServer: UInt64 = 0
    public var bytesToClient: UInt64 = 0
    public var state = FlowState.new
    public var endReason = FlowEndReason.shutdown
    public var initiator = InitiatorMethod.firstPacket
    public var decision = Decision(verdict: .intraZone, rule: -1, srcZone: -1, dstZone: -1)
    /// 0 for a flow seen directly; 1+ for a flow carried inside a tunnel (then `outer` is the tunnel's tuple).
    public var tunnelDepth: UInt8 = 0
    public var tunnelKind: String = ""
    public var outer = FlowTuple()
    public var alerted = false
    /// The policy that decided this flow (flows keep the policy they started under across a reload).
    public var policy: Policy
    /// The capture file the flow started in, when reading files.
    public var captureFile: String?

    public init(policy: Policy) { self.policy = policy }

    public var isICMP: Bool { proto == IPProto.icmp || proto == IPProto.icmpv6 }
    public var communityID: String { CommunityID.compute(src: src, dst: dst, proto: proto, srcPort: srcPort, dstPort: dstPort) }
    public var srcZoneName: String? { Self.zoneName(policy, decision.srcZone) }
    public var dstZoneName: String? { Self.zoneName(policy, decision.dstZone) }
    public var srcZoneLabel: String? { Self.zoneLabel(policy, decision.srcZone) }
    public var dstZoneLabel: String? { Self.zoneLabel(policy, decision.dstZone) }
    public var srcHostName: String? { decision.srcHost >= 0 && Int(decision.srcHost) < policy.hosts.count ? policy.hosts[Int(decision.srcHost)].name : nil }
    public var dstHostName: String? { decision.dstHost >= 0 && Int(decision.dstHost) < policy.hosts.count ? policy.hosts[Int(decision.dstHost)].name : nil }
    public var rule: FlowRule? { decision.rule >= 0 && Int(decision.rule) < policy.flows.count ? policy.flows[Int(decision.rule)] : nil }
    /// The rule id; without one, "intra-zone" for a flow inside one zone, else "default-deny".
    public var ruleName: String {
        if let r = rule { return r.id }
        return decision.verdict == .intraZone ? "intra-zone" : "default-deny"
    }
    public var cite: String { rule?.cite ?? "" }

    static func zoneName(_ p: Policy, _ i: Int32) -> String? { i >= 0 && Int(i) < p.zones.count ? p.zones[Int(i)].name : nil }
    static func zoneLabel(_ p: Policy, _ i: Int32) -> String? { i >= 0 && Int(i) < p.zones.count ? p.zones[Int(i)].label : nil }
}

/// One finding: an alert about a flow (once per flow and kind) or about a packet (fragment evasion).
public struct Finding: Sendable {
    public var kind: FindingKind
    /// Packet time of the packet that raised it.
    public var timestamp: Int64
    public var flow: FlowInfo
    /// Extra words for the human (e.g. the MAC that was seen), in English (EVE `segcheck.detail`).
    public var detail: String?
    /// The same in Japanese, for the summary under `--lang ja` (nil: `detail` is used).
    public var detailJA: String?
    public init(kind: FindingKind, timestamp: Int64, flow: FlowInfo, detail: String? = nil, detailJA: String? = nil) {
        self.kind = kind; self.timestamp = timestamp; self.flow = flow; self.detail = detail; self.detailJA = detailJA
    }
}

/// Every counter of one inspection. All packets end as decoded, skipped (with a reason) or malformed (with an event).
public struct InspectionCounters: Sendable {
    public var packets: UInt64 = 0
    public var bytes: UInt64 = 0
    public var decoded: UInt64 = 0
    public var skipped: UInt64 = 0
    public var malformed: UInt64 = 0
    /// Indexed by `DecodeEvent.rawValue`.
    public var skippedBy = [UInt64](repeating: 0, count: InspectionCounters.eventSlots)
    public var malformedBy = [UInt64](repeating: 0, count: InspectionCounters.eventSlots)
    /// Non-fatal oddities on packets that still decoded (IPv4 options, tunnels too deep, fragment trouble).
    public var anomaliesBy = [UInt64](repeating: 0, count: InspectionCounters.eventSlots)
    public var ipv4: UInt64 = 0
    public var ipv6: UInt64 = 0
    public var tcp: UInt64 = 0
    public var udp: UInt64 = 0
    public var icmp: UInt64 = 0
    public var icmpv6: UInt64 = 0
    public var otherProto: UInt64 = 0
    public var vlanTagged: UInt64 = 0
    public var tunnelled: UInt64 = 0
    /// Fragments seen, and datagrams whose first fragment gave the flow its ports.
    public var fragments: UInt64 = 0
    public var reassembled: UInt64 = 0
    /// Fragments held back waiting for the rest of their datagram when the run ended.
    public var fragmentsPending: UInt64 = 0
    public var flows: UInt64 = 0
    public var tunnelInnerFlows: UInt64 = 0
    public var flowsTimedOut: UInt64 = 0
    public var flowsEvicted: UInt64 = 0
    public var flowsEndedAtShutdown: UInt64 = 0
    public var flowsActive: UInt64 = 0
    /// Violating flows (one per flow, whatever the number of findings on it) and findings by kind.
    public var violatingFlows: UInt64 = 0
    public var findingsBy = [UInt64](repeating: 0, count: FindingKind.allCases.count)
    public var files: UInt64 = 0
    public var firstTimestamp: Int64 = 0
    public var lastTimestamp: Int64 = 0

    public static let eventSlots = Int(DecodeEvent.allCases.map(\.rawValue).max()!) + 1
    public init() {}

    /// Every counter with a flat name (`decoder.pkts`, `decoder.skipped.ARP`, `flow.evicted`, `segcheck.findings.denied`, ...),
    /// for metrics and periodic stats.
    public var named: [(String, UInt64)] {
        var out: [(String, UInt64)] = [
            ("decoder.pkts", packets), ("decoder.bytes", bytes), ("decoder.decoded", decoded), ("decoder.skipped", skipped),
            ("decoder.malformed", malformed), ("decoder.ipv4", ipv4), ("decoder.ipv6", ipv6), ("decoder.tcp", tcp),
            ("decoder.udp", udp), ("decoder.icmpv4", icmp), ("decoder.icmpv6", icmpv6), ("decoder.other_proto", otherProto),
            ("decoder.vlan", vlanTagged), ("decoder.tunnel", tunnelled), ("decoder.fragments", fragments),
            ("decoder.reassembled", reassembled), ("decoder.fragments_pending", fragmentsPending),
            ("flow.total", flows), ("flow.tunnel_inner", tunnelInnerFlows), ("flow.timeout", flowsTimedOut),
            ("flow.evicted", flowsEvicted), ("flow.shutdown", flowsEndedAtShutdown), ("flow.active", flowsActive),
            ("segcheck.violations", violations), ("segcheck.violating_flows", violatingFlows),
        ]
        for e in DecodeEvent.allCases where Int(e.rawValue) < skippedBy.count {
            if skippedBy[Int(e.rawValue)] > 0 { out.append(("decoder.skipped." + e.name, skippedBy[Int(e.rawValue)])) }
            if malformedBy[Int(e.rawValue)] > 0 { out.append(("decoder.malformed." + e.name, malformedBy[Int(e.rawValue)])) }
            if anomaliesBy[Int(e.rawValue)] > 0 { out.append(("decoder.anomaly." + e.name, anomaliesBy[Int(e.rawValue)])) }
        }
        for k in FindingKind.allCases { out.append(("segcheck.findings." + k.name, findingsBy[Int(k.rawValue)])) }
        return out
    }

    public var violations: UInt64 {
        var n: UInt64 = 0
        for k in FindingKind.allCases where k.isViolation { n += findingsBy[Int(k.rawValue)] }
        return n
    }
}

/// Receives events. Called once per event (finding, ended flow), never per packet — except `evidence`, which is
/// called for the first packets of violating flows only.
public protocol EventSink: AnyObject {
    func finding(_ f: Finding)
    func flowEnded(_ f: FlowInfo)
    /// A packet of a violating flow (the first N per flow), for the evidence capture.
    func evidence(flowID: UInt64, timestamp: Int64, linkType: UInt32, wireLength: UInt32, bytes: UnsafeRawBufferPointer)
    /// Counters; `final` at the end of the run.
    func stats(_ c: InspectionCounters, at time: Int64, final: Bool)
    func flush()
    /// False when the sink needs no more of an ended flow than `FlowBrief` holds: an inspector whose sinks all say
    /// so calls `flowEndedBrief` instead of building a whole `FlowInfo` per flow (read once, when it is created).
    var wantsFlowRecords: Bool { get }
    /// An ended flow in brief, for sinks with `wantsFlowRecords` false.
    func flowEndedBrief(_ b: FlowBrief)
}

/// What a flow-counting sink needs of an ended flow.
public struct FlowBrief: Sendable {
    public var flowID: UInt64
    public var decision: Decision
    /// Findings were raised on the flow (`FlowInfo.alerted`).
    public var alerted: Bool
    public init(flowID: UInt64, decision: Decision, alerted: Bool) { self.flowID = flowID; self.decision = decision; self.alerted = alerted }
}

extension EventSink {
    public var wantsFlowRecords: Bool { true }
    public func flowEndedBrief(_ b: FlowBrief) {}
    public func evidence(flowID: UInt64, timestamp: Int64, linkType: UInt32, wireLength: UInt32, bytes: UnsafeRawBufferPointer) {}
    public func stats(_ c: InspectionCounters, at time: Int64, final: Bool) {}
    public func flush() {}
}

/// Sends every event to several sinks in order.
public final class FanOutSink: EventSink {
    public var sinks: [any EventSink]
    public init(_ sinks: [any EventSink]) { self.sinks = sinks }
    public func finding(_ f: Finding) { for s in sinks { s.finding(f) } }
    public func flowEnded(_ f: FlowInfo) { for s in sinks { s.flowEnded(f) } }
    public var wantsFlowRecords: Bool { sinks.contains { $0.wantsFlowRecords } }
    public func flowEndedBrief(_ b: FlowBrief) { for s in sinks { s.flowEndedBrief(b) } }
    public func evidence(flowID: UInt64, timestamp: Int64, linkType: UInt32, wireLength: UInt32, bytes: UnsafeRawBufferPointer) {
        for s in sinks { s.evidence(flowID: flowID, timestamp: timestamp, linkType: linkType, wireLength: wireLength, bytes: bytes) }
    }
    public func stats(_ c: InspectionCounters, at time: Int64, final: Bool) { for s in sinks { s.stats(c, at: time, final: final) } }
    public func flush() { for s in sinks { s.flush() } }
}

/// Keeps every event in memory (tests, small runs).
public final class CollectingSink: EventSink {
    public private(set) var findings: [Finding] = []
    public private(set) var flows: [FlowInfo] = []
    public private(set) var finalCounters: InspectionCounters?
    public init() {}
    public func finding(_ f: Finding) { findings.append(f) }
    public func flowEnded(_ f: FlowInfo) { flows.append(f) }
    public func stats(_ c: InspectionCounters, at time: Int64, final: Bool) { if final { finalCounters = c } }
}
