// EventOutput: writes findings, flow records and stats as Suricata-EVE-compatible JSON Lines (file or stdout).
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Flows
import Policy
import PolicyCompiler
import Wire

/// An output file opened for writing, or stdout. Buffered; `flush()` writes what is pending.
public final class OutputFile {
    public let path: String
    let fd: Int32
    let owns: Bool
    /// When set, bytes go here instead of to `fd` (the live monitor's serialised, reopenable output).
    let consumer: ((UnsafeRawBufferPointer) -> Void)?
    public private(set) var writeError: String?

    /// Hands every write to `consumer` instead of a file (`name` is for messages). Used by `segcheck monitor`.
    public init(name: String, consumer: @escaping (UnsafeRawBufferPointer) -> Void) {
        self.path = name; fd = -1; owns = false; self.consumer = consumer
    }

    /// `-` means stdout. Throws a message naming the file and the reason.
    public init(path: String) throws(OutputError) {
        self.path = path
        consumer = nil
        if path == "-" { fd = 1; owns = false; return }
        let f = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        if f < 0 { throw OutputError(message: "cannot write \(path): \(String(cString: strerror(errno)))") }
        fd = f; owns = true
    }

    deinit { if owns { close(fd) } }

    public func write(_ bytes: [UInt8]) {
        bytes.withUnsafeBytes { write($0) }
    }
    public func write(_ raw: UnsafeRawBufferPointer) {
        if let consumer { consumer(raw); return }
        guard writeError == nil, var p = raw.baseAddress else { return }
        var left = raw.count
        while left > 0 {
            let n = Glibc.write(fd, p, left)
            if n < 0 {
                if errno == EINTR { continue }
                writeError = "cannot write \(path): \(String(cString: strerror(errno)))"
                return
            }
            left -= n; p += n
        }
    }
}

public struct OutputError: Error, CustomStringConvertible, Sendable {
    public var message: String
    public init(message: String) { self.message = message }
    public var description: String { message }
}

/// Writes EVE JSON Lines. Schema (one object per line):
/// - alert: timestamp, flow_id, event_type "alert", [vlan], src_ip, src_port, dest_ip, dest_port, proto,
///   [icmp_type, icmp_code], community_id, [ether{src_mac,dest_mac}], [tunnel{...}], [pcap_filename],
///   alert{action,gid,signature_id,rev,signature,category,severity}, segcheck{...}
/// - flow: the same flow fields plus flow{pkts_toserver,pkts_toclient,bytes_toserver,bytes_toclient,start,end,age,state,reason,alerted}
/// - stats: stats{decoder{...}, flow{...}, segcheck{...}}
public final class EveWriter: EventSink {
    let out: OutputFile
    var line = JSONLine()
    /// Write a flow record for every flow (true) or only for flows with findings.
    public var allFlows: Bool
    /// Write flow records at all.
    public var flowRecords = true
    /// Lines written so far, by event type.
    public private(set) var alertsWritten = 0
    public private(set) var flowsWritten = 0

    public init(output: OutputFile, allFlows: Bool = true) {
        self.out = output; self.allFlows = allFlows
    }

    public var writeError: String? { out.writeError }

    func writeFlowFields(_ f: FlowInfo, timestamp: Int64, eventType: StaticString) {
        line.beginObject()
        line.timestamp("timestamp", timestamp)
        line.uint("flow_id", f.flowID)
        if let file = f.captureFile { line.string("pcap_filename", file) }
        line.key("event_type"); line.appendEscapedStatic(eventType)
        if f.vlanCount > 0 {
            line.beginArray("vlan")
            line.element(UInt64(f.vlan0))
            if f.vlanCount > 1 { line.element(UInt64(f.vlan1)) }
            line.endArray()
        }
        line.ip("src_ip", f.src)
        line.uint("src_port", f.isICMP ? 0 : UInt64(f.srcPort))
        line.ip("dest_ip", f.dst)
        line.uint("dest_port", f.isICMP ? 0 : UInt64(f.dstPort))
        line.string("proto", IPProto.eveName(f.proto))
        if f.isICMP {
            line.uint("icmp_type", UInt64(f.srcPort))
            line.uint("icmp_code", UInt64(f.dstPort))
        }
        line.string("community_id", f.communityID)
        if f.hasMACs {
            line.beginObject("ether")
            line.string("src_mac", f.srcMAC.description)
            line.string("dest_mac", f.dstMAC.description)
            line.endObject()
        }
        if f.tunnelDepth > 0 {
            line.beginObject("tunnel")
            line.ip("src_ip", f.outer.src)
            line.uint("src_port", UInt64(f.outer.srcPort))
            line.ip("dest_ip", f.outer.dst)
            line.uint("dest_port", UInt64(f.outer.dstPort))
            line.string("proto", IPProto.eveName(f.outer.proto))
            line.uint("depth", UInt64(f.tunnelDepth))
            if !f.tunnelKind.isEmpty { line.string("kind", f.tunnelKind) }
            line.endObject()
        }
    }

    func writeSegcheck(_ f: FlowInfo, kind: FindingKind?, detail: String?) {
        line.beginObject("segcheck")
        if let kind { line.string("finding", kind.name) }
        line.string("verdict", f.decision.verdict.name)
        line.string("src_zone", f.srcZoneName)
        line.string("src_zone_label", f.srcZoneLabel)
        line.string("dest_zone", f.dstZoneName)
        line.string("dest_zone_label", f.dstZoneLabel)
        if let h = f.srcHostName { line.string("src_host", h) }
        if let h = f.dstHostName { line.string("dest_host", h) }
        line.string("rule", f.ruleName)
        line.string("cite", f.cite)
        if let via = f.rule?.via { line.string("via", via) }
        line.string("initiator", f.initiator.name)
        line.uint("layer", UInt64(f.tunnelDepth))
        if let detail { line.string("detail", detail) }
        line.string("policy", f.policy.name)
        line.endObject()
    }

    public func finding(_ x: Finding) {
        let f = x.flow
        writeFlowFields(f, timestamp: x.timestamp, eventType: "alert")
        line.beginObject("alert")
        line.string("action", "allowed")
        line.int("gid", 1)
        line.int("signature_id", x.kind.signatureID)
        line.int("rev", 1)
        line.string("signature", Self.signature(x))
        line.string("category", x.kind.category)
        line.int("severity", x.kind.severity)
        line.endObject()
        writeSegcheck(f, kind: x.kind, detail: x.detail)
        line.endObject(); line.endLine()
        alertsWritten += 1
        flushIfLarge()
    }

    /// A one-line signature naming the zones as the policy writes them.
    public static func signature(_ x: Finding) -> String {
        let f = x.flow
        let from = f.srcZoneName ?? "(no zone)", to = f.dstZoneName ?? "(no zone)"
        switch x.kind {
        case .deniedFlow: return "SEGCHECK forbidden flow \(from) -> \(to) denied by rule \(f.ruleName)"
        case .defaultDeny: return "SEGCHECK forbidden flow \(from) -> \(to) (no rule allows it: default deny)"
        case .unknownZone: return "SEGCHECK address in no zone: \(f.srcZoneName == nil ? f.src.description : f.dst.description)"
        case .macNotAllowed: return "SEGCHECK host group \(f.srcHostName ?? f.dstHostName ?? "?") seen from a MAC not allowed"
        case .fragmentOverlap: return "SEGCHECK overlapping IP fragments (evasion)"
        case .fragmentTooSmall: return "SEGCHECK tiny IP fragment (evasion)"
        case .fragmentTooLarge: return "SEGCHECK IP fragments past 65535 bytes (evasion)"
        case .fragmentTooMany: return "SEGCHECK too many IP fragments in one datagram (evasion)"
        case .alertRule: return "SEGCHECK flow \(from) -> \(to) matched alert rule \(f.ruleName)"
        }
    }

    public func flowEnded(_ f: FlowInfo) {
        guard flowRecords && (allFlows || f.alerted) else { return }
        writeFlowFields(f, timestamp: f.end, eventType: "flow")
        line.beginObject("flow")
        line.uint("pkts_toserver", f.pktsToServer)
        line.uint("pkts_toclient", f.pktsToClient)
        line.uint("bytes_toserver", f.bytesToServer)
        line.uint("bytes_toclient", f.bytesToClient)
        line.timestamp("start", f.start)
        line.timestamp("end", f.end)
        line.int("age", (f.end - f.start) / 1_000_000_000)
        line.string("state", f.state.eveName)
        line.string("reason", f.endReason.eveName)
        line.bool("alerted", f.alerted)
        line.endObject()
        writeSegcheck(f, kind: nil, detail: nil)
        line.endObject(); line.endLine()
        flowsWritten += 1
        flushIfLarge()
    }

    public func stats(_ c: InspectionCounters, at time: Int64, final: Bool) {
        line.beginObject()
        line.timestamp("timestamp", time)
        line.key("event_type"); line.appendEscapedStatic("stats")
        line.beginObject("stats")
        line.beginObject("decoder")
        line.uint("pkts", c.packets)
        line.uint("bytes", c.bytes)
        line.uint("decoded", c.decoded)
        line.uint("skipped", c.skipped)
        line.uint("malformed", c.malformed)
        line.uint("ipv4", c.ipv4)
        line.uint("ipv6", c.ipv6)
        line.uint("tcp", c.tcp)
        line.uint("udp", c.udp)
        line.uint("icmpv4", c.icmp)
        line.uint("icmpv6", c.icmpv6)
        line.uint("other_proto", c.otherProto)
        line.uint("vlan", c.vlanTagged)
        line.uint("tunnel", c.tunnelled)
        line.uint("fragments", c.fragments)
        line.uint("reassembled", c.reassembled)
        line.uint("fragments_pending", c.fragmentsPending)
        writeEventCounts("skipped_by", c.skippedBy)
        writeEventCounts("malformed_by", c.malformedBy)
        writeEventCounts("anomalies", c.anomaliesBy)
        line.endObject()
        line.beginObject("flow")
        line.uint("total", c.flows)
        line.uint("tunnel_inner", c.tunnelInnerFlows)
        line.uint("timeout", c.flowsTimedOut)
        line.uint("evicted", c.flowsEvicted)
        line.uint("shutdown", c.flowsEndedAtShutdown)
        line.uint("active", c.flowsActive)
        line.endObject()
        line.beginObject("segcheck")
        line.uint("violations", c.violations)
        line.uint("violating_flows", c.violatingFlows)
        line.beginObject("findings")
        for k in FindingKind.allCases { line.uint(k.name, c.findingsBy[Int(k.rawValue)]) }
        line.endObject()
        line.uint("files", c.files)
        line.bool("final", final)
        line.endObject()
        line.endObject()
        line.endObject(); line.endLine()
        flushIfLarge()
    }

    func writeEventCounts(_ key: StaticString, _ counts: [UInt64]) {
        line.beginObject(key)
        for e in DecodeEvent.allCases where Int(e.rawValue) < counts.count && counts[Int(e.rawValue)] > 0 {
            line.uint(e.name, counts[Int(e.rawValue)])
        }
        line.endObject()
    }

    func flushIfLarge() { if line.bytes.count >= 1 << 16 { flush() } }

    public func flush() {
        if !line.bytes.isEmpty { out.write(line.bytes); line.bytes.removeAll(keepingCapacity: true) }
    }
}

extension JSONLine {
    mutating func appendEscapedStatic(_ s: StaticString) {
        bytes.append(34)
        s.withUTF8Buffer { bytes.append(contentsOf: $0) }
        bytes.append(34)
        needsComma = true
    }
}
